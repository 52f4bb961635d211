"""The inputs feature: the photo (who) and the move (what) a conversation has so far.

Every change of the pending inputs goes through :meth:`Inputs.change`, which also says what
comes next: the consent prompt (once, however many files arrive before it is answered), the
missing input, or the options keyboard. Uploads are acknowledged at once
(:meth:`Inputs.received`); the checks' findings (:meth:`Inputs.inspect`) come later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from motionbot.bot.core import actions as act
from motionbot.bot.core import presenters, texts
from motionbot.bot.core.consent import Consent
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.finding_words import SaidError
from motionbot.bot.core.handlers import Handlers
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.options import Options
from motionbot.bot.core.replies import Button, Reply, rows
from motionbot.bot.core.state import ConversationState, Phase
from motionbot.queue.errors import FailureReason, QueueError
from motionbot.queue.jobs import InspectReport, MediaKind, MediaRef, MotionSource

log = logging.getLogger(__name__)

INSPECT_CACHE_PREFIX = "motionbot:inspect:"
INSPECT_CACHE_TTL_S = 86_400
MAX_ALBUM = 10  # photos rendered from one album (Telegram's own album limit)


@dataclass(frozen=True)
class Accepted:
    ref: MediaRef
    replies: list[Reply]


@dataclass(frozen=True)
class InputChange:
    """What to do to the pending inputs: set one, clear one, or leave it (the default)."""

    photo: MediaRef | None = None
    motion: MotionSource | None = None
    clear_photo: bool = False
    clear_motion: bool = False
    lead: str | None = None  # a line said before the next step ("Move: Wave.")
    album_group: str | None = None  # the photo is one of an album (the platform's group id)
    # the people picked in the new move's video and the new photo (a task's or a saved move's,
    # reused); a new input starts with None, the renderer's default
    performer: int | None = None
    subject: int | None = None


class Inputs:
    def __init__(self, deps: CoreDeps, consent: Consent, options: Options) -> None:
        self.deps = deps
        self.consent = consent
        self.options = options

    @staticmethod
    def received(kind: MediaKind) -> Reply:
        """The instant reply to an upload, sent before any I/O."""
        return presenters.received(kind)

    async def add(
        self,
        key: ConversationKey,
        kind: MediaKind,
        source: Path | bytes,
        *,
        filename: str | None = None,
        suffix: str = "",
        album_group: str | None = None,
    ) -> Accepted:
        """Store an uploaded file and make it the pending photo or motion; a photo of an
        album (``album_group``) joins the album's photos instead of replacing the photo."""
        store = self.deps.store
        if isinstance(source, Path):
            ref = await store.put_file(source, filename=filename)
        else:
            if not source:
                raise SaidError(FailureReason.UNREADABLE_FILE, texts.EMPTY_FILE)
            ref = await store.put_bytes(
                source, suffix=suffix or (Path(filename).suffix if filename else ""), filename=filename
            )
        return Accepted(ref, await self.use(key, kind, ref, album_group=album_group))

    async def use(
        self, key: ConversationKey, kind: MediaKind, ref: MediaRef, *, album_group: str | None = None
    ) -> list[Reply]:
        """Make a stored file the pending photo or the pending move."""
        if kind == "photo":
            return await self.change(key, InputChange(photo=ref, album_group=album_group))
        return await self.change(key, InputChange(motion=MotionSource(kind="video", video=ref)))

    async def change(self, key: ConversationKey, change: InputChange) -> list[Reply]:
        """Apply ``change`` to the pending inputs and say what comes next."""
        given = await self.consent.given(key)
        async with self.deps.states.lock(key):
            state = await self.deps.states.load(key)
            notes = [change.lead] if change.lead else []
            joins = _joins_album(state, change)
            notes += [] if joins else _replaced_notes(state, change)
            update: dict[str, object] = {}
            if joins:
                assert change.photo is not None
                album = state.photos
                if change.photo.key not in {p.key for p in album}:
                    album = [*album, change.photo][:MAX_ALBUM]
                update["album"] = album
            elif change.photo is not None or change.clear_photo:
                update["photo"] = change.photo
                update["album"] = []
                update["album_group"] = change.album_group
                update["subject"] = change.subject
            if change.motion is not None or change.clear_motion:
                update["motion"] = change.motion
                update["performer"] = change.performer
            if state.phase is Phase.RENDERING:  # a new input starts the next round; task_id stays
                update["phase"] = Phase.COLLECTING  # so /cancel still reaches a running render
            prompt = not given and not state.consent_asked
            if prompt:
                update["consent_asked"] = True
            state = state.model_copy(update=update).settle_phase()
            await self.deps.states.save(key, state)
        if not given:
            if prompt:
                return ([Reply(" ".join(notes))] if notes else []) + [self.consent.prompt(reminder=True)]
            return [Reply(" ".join([*notes, texts.CONSENT_PENDING]))]
        return [await self.next_step(state, notes)]

    async def next_step(self, state: ConversationState, notes: list[str]) -> Reply:
        """The options keyboard once both inputs are there, else what is still missing."""
        if len(state.album) > 1:
            notes = [*notes, texts.ALBUM_PHOTOS.format(count=len(state.album))]
        if state.ready:
            keyboard = await self.options.keyboard_for(state)
            return Reply("\n".join([*notes, keyboard.text]), buttons=keyboard.buttons)
        notes = [*notes, texts.NEED_VIDEO if state.photo else texts.NEED_PHOTO]
        return Reply("\n".join(notes), buttons=_preset_offer(state))

    async def acknowledge(self, key: ConversationKey) -> list[Reply]:
        """ "I agree": remembered, and the consent message turns into the next step."""
        await self.consent.record(key)
        async with self.deps.states.lock(key):
            state = await self.deps.states.load(key)
            if state.consent_asked:
                state = state.model_copy(update={"consent_asked": False})
                await self.deps.states.save(key, state)
        if state.photo is None and state.motion is None:
            return [Reply(texts.CONSENT_THANKS, edit=True)]
        step = await self.next_step(state, [texts.THANKS])
        return [Reply(step.text, buttons=step.buttons, edit=True)]

    async def replace(self, key: ConversationKey, kind: MediaKind) -> list[Reply]:
        """'Send another': drop the pending input so the next upload fills it."""
        photo = kind == "photo"
        async with self.deps.states.lock(key):
            state = await self.deps.states.load(key)
            update: dict[str, object] = {"photo": None, "album": []} if photo else {"motion": None}
            state = state.model_copy(update=update).settle_phase()
            await self.deps.states.save(key, state)
        return [Reply(texts.ASK_ANOTHER_PHOTO if photo else texts.ASK_ANOTHER_VIDEO)]

    async def keep(self, key: ConversationKey) -> list[Reply]:
        """'Continue anyway' after the checks' warnings."""
        async with self.deps.states.lock(key):
            state = await self.deps.states.load(key)
        return [await self.next_step(state, [])]

    async def inspect(self, kind: MediaKind, ref: MediaRef) -> Reply:
        """Findings for one input (slow: a queue round trip). Run it in the background."""
        report = await self.report(kind, ref)
        if report is None:
            return presenters.checking_unavailable(kind)
        return presenters.findings(kind, report)

    async def report(self, kind: MediaKind, ref: MediaRef, *, run: bool = True) -> InspectReport | None:
        """The inspect report for a file, cached by content hash; None when checks are down."""
        redis = self.deps.client.redis
        cache_key = f"{INSPECT_CACHE_PREFIX}{kind}:{ref.key}"
        raw = await redis.get(cache_key)
        if raw:
            return InspectReport.model_validate_json(raw)
        if not run:
            return None
        try:
            report = await self.deps.client.inspect(ref, kind, timeout_s=self.deps.settings.inspect_timeout_s)
        except QueueError as exc:
            log.warning("inspect of %s %s failed: %s", kind, ref.key, exc)
            return None
        await redis.set(cache_key, report.model_dump_json(), ex=INSPECT_CACHE_TTL_S)
        return report

    async def hint(self, key: ConversationKey) -> Reply:
        """Any other text: the keyboard when both inputs are there, else what to send next."""
        state = await self.deps.states.load(key)
        if state.ready:
            return await self.options.keyboard_for(state)
        if state.photo is None and state.motion is None:
            return Reply(texts.WELCOME)
        return await self.next_step(state, [])

    def handlers(self) -> Handlers:
        async def acknowledge(key: ConversationKey, action: act.Acknowledge) -> list[Reply]:
            return await self.acknowledge(key)

        async def keep(key: ConversationKey, action: act.KeepInput) -> list[Reply]:
            return await self.keep(key)

        async def replace(key: ConversationKey, action: act.ReplaceInput) -> list[Reply]:
            return await self.replace(key, action.kind)

        return {act.Acknowledge: acknowledge, act.KeepInput: keep, act.ReplaceInput: replace}


def _joins_album(state: ConversationState, change: InputChange) -> bool:
    """A photo of the album whose first photo is pending (albums arrive one photo at a time)."""
    return (
        change.photo is not None
        and change.album_group is not None
        and change.album_group == state.album_group
        and state.photo is not None
    )


def _replaced_notes(state: ConversationState, change: InputChange) -> list[str]:
    notes = []
    photo, old_photo = change.photo, state.photo
    if (
        photo is not None
        and old_photo is not None
        and old_photo.key != photo.key
        and state.phase is not Phase.RENDERING
    ):
        notes.append(texts.PHOTO_REPLACED)
    motion = change.motion
    if motion is not None and state.motion is not None and state.motion != motion and motion.kind == "video":
        notes.append(texts.VIDEO_REPLACED)
    return notes


def _preset_offer(state: ConversationState) -> tuple[tuple[Button, ...], ...]:
    """A photo and no motion yet: offer the built-in moves next to "send a video"."""
    if state.photo is not None and state.motion is None:
        return rows(Button(texts.PICK_PRESET, action=act.ShowMoves()))
    return ()
