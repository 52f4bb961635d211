"""Button actions: one typed class per action, packed to and parsed from button data here only.

A button's data comes back verbatim when it is pressed, so an action is packed into a short
string (``verb`` or ``verb:field:field``, in the style of aiogram's ``CallbackData``) and parsed
back into its class, with every field converted and checked (an int is digits, a task id has
the task-id alphabet, a kind is ``photo`` or ``video``). Button data is public and can be
forged: a value that does not parse is no action at all, and the core still checks that the
presser owns any task or saved move an action names.

Limits are checked when packing: Telegram's callback data holds 64 bytes; Discord's custom id
holds 100 characters, and carries the owner's user id in front (:func:`pack_owned`), which
:func:`parse_owned` reads back for the one owner check (:meth:`Owned.pressed_by`).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args, get_origin

from motionbot.bot.core.keys import looks_like_task_id
from motionbot.queue.jobs import MediaKind

TELEGRAM_DATA_BYTES = 64
DISCORD_CUSTOM_ID_CHARS = 100
OWNED_PREFIX = "mb"
SEP = ":"

OptionName = Literal["q", "bg", "snd"]  # quality (engine), background, sound


class TaskId(str):
    """A task id as buttons carry it (checked against the task-id alphabet when parsed)."""


class ActionError(ValueError):
    """An action that cannot be packed (too long for the platform, a separator in a field)."""


@dataclass(frozen=True)
class Action:
    """Base of every button action; subclasses set ``verb`` and declare typed fields."""

    verb: ClassVar[str]

    def pack(self) -> str:
        values = [_text(getattr(self, f.name)) for f in dataclasses.fields(self)]
        if any(SEP in v or not v for v in values):
            raise ActionError(f"{type(self).__name__}: a field is empty or holds {SEP!r}: {values}")
        data = SEP.join([self.verb, *values])
        if len(data.encode()) > TELEGRAM_DATA_BYTES:
            raise ActionError(f"{data!r} is longer than Telegram's {TELEGRAM_DATA_BYTES} bytes")
        return data


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


# consent and inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Acknowledge(Action):
    verb: ClassVar[str] = "ack"


@dataclass(frozen=True)
class KeepInput(Action):
    """Go on with an input despite the checks' warnings."""

    verb: ClassVar[str] = "cont"
    kind: MediaKind


@dataclass(frozen=True)
class ReplaceInput(Action):
    """Drop the pending photo or video and ask for another."""

    verb: ClassVar[str] = "redo"
    kind: MediaKind


# options and rendering ----------------------------------------------------------------------


@dataclass(frozen=True)
class SetOption(Action):
    verb: ClassVar[str] = "o"
    name: OptionName
    value: str


@dataclass(frozen=True)
class Generate(Action):
    verb: ClassVar[str] = "gen"


@dataclass(frozen=True)
class Cancel(Action):
    verb: ClassVar[str] = "cancel"


@dataclass(frozen=True)
class Shorter(Action):
    """The same inputs again, half as long (a result too big to send here)."""

    verb: ClassVar[str] = "short"
    task_id: TaskId


# moves --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShowMoves(Action):
    verb: ClassVar[str] = "mot"


@dataclass(frozen=True)
class ChoosePreset(Action):
    verb: ClassVar[str] = "pre"
    name: str


@dataclass(frozen=True)
class UseSavedMove(Action):
    verb: ClassVar[str] = "sv"
    saved_id: int


@dataclass(frozen=True)
class ForgetMenu(Action):
    verb: ClassVar[str] = "sf"


@dataclass(frozen=True)
class ForgetSavedMove(Action):
    verb: ClassVar[str] = "sf"
    saved_id: int


@dataclass(frozen=True)
class SaveMove(Action):
    """Keep a finished task's move for later."""

    verb: ClassVar[str] = "sm"
    task_id: TaskId


# history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPage(Action):
    verb: ClassVar[str] = "hp"
    page: int


@dataclass(frozen=True)
class ShowTask(Action):
    verb: ClassVar[str] = "ht"
    task_id: TaskId


@dataclass(frozen=True)
class Resend(Action):
    verb: ClassVar[str] = "hs"
    task_id: TaskId


@dataclass(frozen=True)
class SameMove(Action):
    """Same move, new photo."""

    verb: ClassVar[str] = "hm"
    task_id: TaskId


@dataclass(frozen=True)
class SamePhoto(Action):
    """Same photo, new move."""

    verb: ClassVar[str] = "hf"
    task_id: TaskId


@dataclass(frozen=True)
class Again(Action):
    """Same inputs, other options."""

    verb: ClassVar[str] = "ha"
    task_id: TaskId


@dataclass(frozen=True)
class DeleteTask(Action):
    verb: ClassVar[str] = "hd"
    task_id: TaskId


# your data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmForget(Action):
    """Yes, delete everything kept about me (/forget)."""

    verb: ClassVar[str] = "fgy"


@dataclass(frozen=True)
class KeepData(Action):
    """No, keep my data (/forget answered no)."""

    verb: ClassVar[str] = "fgn"


# sharing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareHere(Action):
    """Post a finished video where the button was pressed (Discord)."""

    verb: ClassVar[str] = "share"
    task_id: TaskId


ACTIONS: tuple[type[Action], ...] = (
    Acknowledge, KeepInput, ReplaceInput, SetOption, Generate, Cancel, Shorter, ShowMoves,
    ChoosePreset, UseSavedMove, ForgetMenu, ForgetSavedMove, SaveMove, HistoryPage, ShowTask,
    Resend, SameMove, SamePhoto, Again, DeleteTask, ShareHere, ConfirmForget, KeepData,
)  # fmt: skip
# an action is known by its verb and how many fields it has ("sf" menu vs "sf:<id>")
_BY_SHAPE: dict[tuple[str, int], type[Action]] = {(a.verb, len(dataclasses.fields(a))): a for a in ACTIONS}
if len(_BY_SHAPE) != len(ACTIONS):
    raise RuntimeError("two actions share a verb and a number of fields")


def _convert(hint: Any, raw: str) -> object | None:
    if hint is int:
        return int(raw) if raw.isdigit() else None
    if hint is TaskId:
        return TaskId(raw) if looks_like_task_id(raw) else None
    if get_origin(hint) is Literal:
        return raw if raw in get_args(hint) else None
    return raw


def parse(data: str) -> Action | None:
    """The action packed in ``data``, or None when it is not one (unknown, malformed, forged)."""
    verb, *raw = data.split(SEP) if data else [""]
    cls = _BY_SHAPE.get((verb, len(raw)))
    if cls is None:
        return None
    hints = typing.get_type_hints(cls)
    values: dict[str, object] = {}
    for field, text in zip(dataclasses.fields(cls), raw, strict=True):
        value = _convert(hints[field.name], text)
        if value is None:
            return None
        values[field.name] = value
    return cls(**values)


def is_verb(data: str | None, *classes: type[Action]) -> bool:
    """Whether button data packs one of these actions (aiogram router filters use it)."""
    action = parse(data or "")
    return action is not None and isinstance(action, classes)


@dataclass(frozen=True)
class Owned:
    """An action on a button that only its owner may press (Discord's persistent buttons)."""

    owner: int
    action: Action | None  # None: the action part did not parse (stale or forged)

    def pressed_by(self, user_id: int) -> bool:
        return user_id == self.owner


def pack_owned(owner: int | str, action: Action) -> str:
    data = f"{OWNED_PREFIX}{SEP}{owner}{SEP}{action.pack()}"
    if len(data) > DISCORD_CUSTOM_ID_CHARS:
        raise ActionError(f"{data!r} is longer than Discord's {DISCORD_CUSTOM_ID_CHARS} characters")
    return data


def _split_owned(data: str) -> tuple[str, str, str]:
    prefix, _, rest = data.partition(SEP)
    owner, _, packed = rest.partition(SEP)
    return prefix, owner, packed


def unowned(data: str) -> str:
    """The packed action of owned button data, parsed or not (for :meth:`Conversation.press`)."""
    return _split_owned(data)[2]


def parse_owned(data: str) -> Owned | None:
    prefix, owner, packed = _split_owned(data)
    if prefix != OWNED_PREFIX or not owner.isdigit():
        return None
    return Owned(int(owner), parse(packed))


def field_names(data: str) -> set[str]:
    """The field names of the action(s) whose verb ``data`` starts with, parsed or not: what
    a malformed press was meant to name (a task, a saved move)."""
    verb = data.partition(SEP)[0]
    return {f.name for cls in ACTIONS if cls.verb == verb for f in dataclasses.fields(cls)}
