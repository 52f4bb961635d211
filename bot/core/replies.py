"""Platform-neutral replies: text plus buttons whose ids each frontend maps to its widgets.

A button carries an ``action``: a short string (< 64 bytes, Telegram's callback-data limit;
Discord allows 100) that comes back verbatim when pressed and is handed to
:meth:`Conversation.dispatch`. Actions are public: clients can forge them, so every action
that names a task is checked against the presser (the core does this).
"""

from __future__ import annotations

from dataclasses import dataclass

from motionbot.queue.jobs import MediaRef


@dataclass(frozen=True)
class Button:
    label: str
    action: str | None = None  # callback id handed back to Conversation.dispatch
    url: str | None = None  # opens a link
    share: str | None = None  # inline share: Telegram switch_inline_query text (a task id)

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.action, self.url, self.share)) != 1:
            raise ValueError("a button has exactly one of action, url or share")
        if self.action is not None and len(self.action.encode()) > 64:
            raise ValueError(f"action too long for callback data: {self.action!r}")


@dataclass(frozen=True)
class VideoAttachment:
    """A finished video to (re-)send: the platform file id when known, else the stored file."""

    task_id: str
    media: MediaRef | None
    file_id: str | None = None


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    video: VideoAttachment | None = None
    edit: bool = False  # replace the message whose button was pressed instead of sending anew
    private: bool = False  # only the asker should see it (Discord ephemeral; Telegram: as usual)

    @property
    def actions(self) -> list[str]:
        return [b.action for row in self.buttons for b in row if b.action]


def rows(*buttons: Button | None, per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out ``per_row`` a row, skipping the ``None`` ones."""
    present = [b for b in buttons if b is not None]
    return tuple(tuple(present[i : i + per_row]) for i in range(0, len(present), per_row))


class Actions:
    """The vocabulary of button actions. ``verb`` or ``verb:arg``."""

    ACK = "ack"
    CONTINUE = "cont"  # cont:photo | cont:video - go on despite findings
    REPLACE = "redo"  # redo:photo | redo:video - ask for another file
    OPTION = "o"  # o:q:<engine> | o:bg:<background> | o:snd:0|1
    GENERATE = "gen"
    MOTIONS = "mot"  # list presets
    PRESET = "pre"  # pre:<name>
    CANCEL = "cancel"
    HISTORY = "hp"  # hp:<page>
    TASK = "ht"  # ht:<task> - one task's card
    RESEND = "hs"  # hs:<task>
    SAME_MOTION = "hm"  # hm:<task> - same motion, new photo
    SAME_PHOTO = "hf"  # hf:<task> - same photo, new motion
    AGAIN = "ha"  # ha:<task> - same inputs, other options
    DELETE = "hd"  # hd:<task>
    SAVE_MOTION = "sm"  # sm:<task> - keep the task's move for later
    SHORTER = "short"  # short:<task> - the same inputs again, half as long (a result too big to send)
    SAVED = "sv"  # sv:<id> - use a saved move
    FORGET = "sf"  # sf - which one to forget?; sf:<id> - forget that saved move
    NOOP = "noop"
    # actions on one finished task (arg: the task id); the owner check applies to all of them
    ON_TASK = (TASK, RESEND, SAME_MOTION, SAME_PHOTO, AGAIN, DELETE, SAVE_MOTION)

    @staticmethod
    def split(data: str) -> tuple[str, list[str]]:
        verb, _, rest = data.partition(":")
        return verb, rest.split(":") if rest else []
