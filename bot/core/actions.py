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

OptionName = Literal["q", "bg", "snd", "fmt", "ar"]  # quality (engine), background, sound, format, aspect


class TaskId(str):
    """A task id as buttons carry it (checked against the task-id alphabet when parsed)."""


MEDIA_TAG_LEN = 8
_HEX = frozenset("0123456789abcdef")


class MediaTag(str):
    """The first characters of a stored file's content hash: which photo or video a button
    was made for (a people picture's number means nothing for another file)."""

    @classmethod
    def of(cls, key: str) -> MediaTag:
        return cls(key.rpartition("/")[2][:MEDIA_TAG_LEN])

    @staticmethod
    def valid(raw: str) -> bool:
        return len(raw) == MEDIA_TAG_LEN and set(raw) <= _HEX


class ActionError(ValueError):
    """An action that cannot be packed (too long for the platform, a separator in a field)."""


@dataclass(frozen=True)
class Action:
    """Base of every button action. A subclass names its ``verb`` in its class statement
    (``class Generate(Action, verb="gen")``) and is registered for :func:`parse`; its fields
    come from the dataclass it derives from (a task id, a kind, a saved move's id...)."""

    verb: ClassVar[str]

    def __init_subclass__(cls, verb: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if verb:  # the family bases below (TaskAction...) have no verb and are not actions
            cls.verb = verb
            ACTIONS.append(cls)

    def pack(self) -> str:
        values = [_text(getattr(self, f.name)) for f in dataclasses.fields(self)]
        if any(SEP in v or not v for v in values):
            raise ActionError(f"{type(self).__name__}: a field is empty or holds {SEP!r}: {values}")
        data = SEP.join([self.verb, *values])
        if len(data.encode()) > TELEGRAM_DATA_BYTES:
            raise ActionError(f"{data!r} is longer than Telegram's {TELEGRAM_DATA_BYTES} bytes")
        return data


ACTIONS: list[type[Action]] = []  # every action class, in the order defined


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


@dataclass(frozen=True)
class TaskAction(Action):
    """An action on one of the presser's tasks (the core checks the owner)."""

    task_id: TaskId


@dataclass(frozen=True)
class InputAction(Action):
    """An action on the pending photo or video."""

    kind: MediaKind


@dataclass(frozen=True)
class SavedMoveAction(Action):
    """An action on one of the presser's saved moves (looked up by owner)."""

    saved_id: int


@dataclass(frozen=True)
class SetOption(Action, verb="o"):
    name: OptionName
    value: str


@dataclass(frozen=True)
class ChoosePreset(Action, verb="pre"):
    name: str


@dataclass(frozen=True)
class HistoryPage(Action, verb="hp"):
    page: int


@dataclass(frozen=True)
class SetLanguage(Action, verb="lang"):
    code: str  # a catalogue language, or "auto" for the app's


# one line each: the verb is the button data, the comment what pressing it does
class Acknowledge(Action, verb="ack"): ...  # "I agree" to the rights note


class KeepInput(InputAction, verb="cont"): ...  # go on despite the checks' warnings


class ReplaceInput(InputAction, verb="redo"): ...  # drop the pending file, ask for another


class Generate(Action, verb="gen"): ...  # render the pending inputs


class Cancel(Action, verb="cancel"): ...  # stop the render, or forget the pending inputs


class Shorter(TaskAction, verb="short"): ...  # the same render, half as long (too big to send)


class ShowMoves(Action, verb="mot"): ...  # the presets and saved moves


class UseSavedMove(SavedMoveAction, verb="sv"): ...  # make a saved move the pending move


class ForgetMenu(Action, verb="sf"): ...  # which saved move to forget?


class ForgetSavedMove(SavedMoveAction, verb="sf"): ...  # forget this one


class SaveMove(TaskAction, verb="sm"): ...  # keep a finished task's move for later


class ShowTask(TaskAction, verb="ht"): ...  # one task's card


class Resend(TaskAction, verb="hs"): ...  # send the video again


class SameMove(TaskAction, verb="hm"): ...  # same move, new photo


class SamePhoto(TaskAction, verb="hf"): ...  # same photo, new move


class Again(TaskAction, verb="ha"): ...  # same inputs, other options


class DeleteTask(TaskAction, verb="hd"): ...  # forget a task and its files


class ConfirmForget(Action, verb="fgy"): ...  # /forget: yes, delete everything kept about me


class KeepData(Action, verb="fgn"): ...  # /forget: no, keep my data


class ShareHere(TaskAction, verb="share"): ...  # post the video where the button was (Discord)


class MakeSticker(TaskAction, verb="stk"): ...  # the same inputs as a video sticker (Telegram)


class AddSticker(TaskAction, verb="stka"): ...  # add a sticker task's sticker to the user's set


@dataclass(frozen=True)
class ChoosePerson(InputAction, verb="who"):
    """A number on the people picture of a pending photo (who does the move) or video (whose
    move is copied). ``media`` names the file the picture was drawn from: the core takes the
    number only while that file is still the presser's own pending input (Telegram's button
    data carries no owner; Discord's owned custom id adds one)."""

    number: int
    media: MediaTag


# an action is known by its verb and how many fields it has ("sf" menu vs "sf:<id>")
_BY_SHAPE: dict[tuple[str, int], type[Action]] = {(a.verb, len(dataclasses.fields(a))): a for a in ACTIONS}
if len(_BY_SHAPE) != len(ACTIONS):
    raise RuntimeError("two actions share a verb and a number of fields")


def _convert(hint: Any, raw: str) -> object | None:
    if hint is int:
        return int(raw) if raw.isdigit() else None
    if hint is TaskId:
        return TaskId(raw) if looks_like_task_id(raw) else None
    if hint is MediaTag:
        return MediaTag(raw) if MediaTag.valid(raw) else None
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


def meant_for(data: str | None, *classes: type[Action]) -> bool:
    """Whether button data was packed by one of these actions, even when its fields no longer
    parse (the owning feature answers a malformed task id as not found)."""
    verb = (data or "").partition(SEP)[0]
    return any(cls.verb == verb for cls in classes)


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
