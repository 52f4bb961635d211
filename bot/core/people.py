"""The people feature: with several people in a photo or video, who moves and whose move is
copied.

The renderer's inspection numbers the people it finds (``InspectReport.persons``), says which
one it would use (``chosen``: the most prominent) and draws them, numbered, on one picture in
the media store. The findings say in words which one will be used (by where they stand); the
picture comes with a button per number. A press is kept in the conversation state
(``performer`` for the video, ``subject`` for the photo) until that input is replaced, shown
on the options keyboard, sent in ``RenderOptions`` and so kept with the task: "Again" and the
other reuses from /history, and a move saved from the task, bring the numbers back.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.handlers import Handlers
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Button, Reply, rows
from motionbot.bot.core.state import ConversationState
from motionbot.queue.errors import MotionbotError
from motionbot.queue.jobs import InspectReport, MediaKind, MediaRef, PersonChoice

if TYPE_CHECKING:
    from motionbot.bot.core.deps import CoreDeps
    from motionbot.bot.core.inputs import Inputs

log = logging.getLogger(__name__)
Where = Literal["left", "middle", "right", "unknown"]
PER_ROW = 5  # number buttons a row (Discord's most; Telegram's fit too)


def persons(report: InspectReport | None) -> list[PersonChoice]:
    """The people a user can choose between: two or more, by number (one is no choice)."""
    if report is None or len(report.persons) < 2:
        return []
    return sorted(report.persons, key=lambda p: p.number)


def where(report: InspectReport) -> Where:
    """Where the person used by default stands among the others, left to right."""
    people = persons(report)
    chosen = next((p for p in people if p.number == report.chosen), None)
    if chosen is None:
        return "unknown"
    order = sorted(people, key=lambda p: (p.box[0] + p.box[2]) / 2)
    if order[0] is chosen:
        return "left"
    return "right" if order[-1] is chosen else "middle"


def sentence(kind: MediaKind, report: InspectReport) -> str | None:
    """The findings' words for several people, or None with fewer than two."""
    people = persons(report)
    if not people:
        return None
    words = texts.PEOPLE_IN_PHOTO if kind == "photo" else texts.PEOPLE_IN_VIDEO
    return str(words[where(report)]).format(count=len(people))


def offer(kind: MediaKind, ref: MediaRef, report: InspectReport | None) -> Reply | None:
    """The numbered picture with a button per person, or None when there is no choice (one
    person, or a renderer that drew no picture)."""
    people = persons(report)
    if not people or report is None or report.people_picture is None:
        return None
    tag = act.MediaTag.of(ref.key)
    buttons = [Button(str(p.number), action=act.ChoosePerson(kind, p.number, tag)) for p in people]
    caption = texts.PEOPLE_PICTURE_PHOTO if kind == "photo" else texts.PEOPLE_PICTURE_VIDEO
    return Reply(caption, buttons=rows(*buttons, per_row=PER_ROW), picture=report.people_picture)


def chosen_lines(state: ConversationState) -> list[str]:
    """What the options keyboard says about the people picked (nothing for the defaults)."""
    lines = []
    if state.subject is not None:
        lines.append(texts.OPTIONS_SUBJECT.format(number=state.subject))
    if state.performer is not None and state.motion is not None and state.motion.kind == "video":
        lines.append(texts.OPTIONS_PERFORMER.format(number=state.performer))
    return lines


def pending(state: ConversationState, kind: MediaKind) -> MediaRef | None:
    """The pending photo (the album's first) or the pending move's video."""
    if kind == "photo":
        return state.photo
    return state.motion.video if state.motion is not None and state.motion.kind == "video" else None


class People:
    def __init__(self, deps: CoreDeps, inputs: Inputs) -> None:
        self.deps = deps
        self.inputs = inputs

    async def offer(self, kind: MediaKind, ref: MediaRef) -> Reply | None:
        """The people picture of an inspected file (after :meth:`Inputs.inspect`: the report
        is cached by then), or None when there is nobody to choose between."""
        return offer(kind, ref, await self.inputs.report(kind, ref, run=False))

    async def picture_bytes(self, ref: MediaRef) -> bytes | None:
        """The people picture's PNG for an upload, or None when the store has lost it (a
        choice the user cannot see is no choice: the findings' words still stand)."""
        with tempfile.TemporaryDirectory(prefix="motionbot-people-") as tmp:
            try:
                path = await self.deps.store.fetch(ref, Path(tmp))
                return await asyncio.to_thread(path.read_bytes)
            except (MotionbotError, OSError):
                log.warning("people picture %s is gone", ref.key)
                return None

    async def choose(self, key: ConversationKey, action: act.ChoosePerson) -> list[Reply]:
        """Keep the pressed number when its picture is of the presser's pending input and the
        number is one of its people; then the options keyboard when both inputs are there (and
        the rights prompt was answered)."""
        kind = action.kind
        async with self.deps.states.lock(key):
            state = await self.deps.states.load(key)
            ref = pending(state, kind)
            if ref is None or act.MediaTag.of(ref.key) != action.media:
                later = {act.MediaTag.of(p.key) for p in state.album[1:]} if kind == "photo" else set()
                return [Reply(texts.PERSON_ALBUM if action.media in later else texts.PERSON_STALE)]
            report = await self.inputs.report(kind, ref, run=False)
            if action.number not in {p.number for p in persons(report)}:
                return [Reply(texts.PERSON_STALE)]
            field = "subject" if kind == "photo" else "performer"
            state = state.model_copy(update={field: action.number})
            await self.deps.states.save(key, state)
        template = texts.PERSON_CHOSEN_PHOTO if kind == "photo" else texts.PERSON_CHOSEN_VIDEO
        said = template.format(number=action.number)
        if not state.ready or not await self.inputs.consent.given(key):  # no keyboard before consent
            return [Reply(said)]
        return [await self.inputs.next_step(state, [said])]

    def handlers(self) -> Handlers:
        async def choose(key: ConversationKey, action: act.ChoosePerson) -> list[Reply]:
            return await self.choose(key, action)

        return {act.ChoosePerson: choose}
