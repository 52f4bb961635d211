"""Platform-neutral replies: text plus buttons that each frontend maps to its widgets.

A button carries a typed :class:`~motionbot.bot.core.actions.Action`; the frontend packs it
into its button data (:mod:`motionbot.bot.core.actions` checks the platforms' limits) and
hands what comes back to :meth:`Conversation.press`. Button data is public and can be forged,
so every action that names a task or a saved move is checked against the presser (the core
does this).
"""

from __future__ import annotations

from dataclasses import dataclass

from motionbot.bot.core.actions import Action
from motionbot.queue.jobs import Extra, MediaRef


@dataclass(frozen=True)
class Button:
    label: str
    action: Action | None = None  # handed back to Conversation.press when pressed
    url: str | None = None  # opens a link
    share: str | None = None  # inline share: Telegram switch_inline_query text (a task id)

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.action, self.url, self.share)) != 1:
            raise ValueError("a button has exactly one of action, url or share")
        if self.action is not None:
            self.action.pack()  # raises when it does not fit the platforms' button data


@dataclass(frozen=True)
class VideoAttachment:
    """A finished video to (re-)send: the platform file id when known, else the stored file."""

    task_id: str
    media: MediaRef | None
    file_id: str | None = None
    extras: tuple[tuple[Extra, MediaRef], ...] = ()  # sent after the video (WebM, GIF, sticker)


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    video: VideoAttachment | None = None
    edit: bool = False  # replace the message whose button was pressed instead of sending anew
    # a picture from the media store shown with the text (a PNG: the numbered people of a
    # photo or video); always a new message, since a text message cannot become a picture
    picture: MediaRef | None = None

    @property
    def actions(self) -> list[str]:
        """The packed actions of its buttons, in order."""
        return [b.action.pack() for row in self.buttons for b in row if b.action]

    def offers(self, cls: type[Action]) -> bool:
        return any(isinstance(b.action, cls) for row in self.buttons for b in row)


def rows(*buttons: Button | None, per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out ``per_row`` a row, skipping the ``None`` ones."""
    present = [b for b in buttons if b is not None]
    return tuple(tuple(present[i : i + per_row]) for i in range(0, len(present), per_row))
