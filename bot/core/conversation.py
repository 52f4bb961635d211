"""The conversation service: one implementation of the bot's behaviour for every platform.

Frontends translate platform events into calls on :class:`Conversation` and send back the
:class:`~motionbot.bot.core.replies.Reply` objects it returns. See the package docstring
(``motionbot.bot.core``) for the call sequence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from motionbot.bot.core import options as opts
from motionbot.bot.core import presenters, texts
from motionbot.bot.core.keys import ConversationKey, looks_like_task_id, new_task_id
from motionbot.bot.core.motions import MotionLibrary
from motionbot.bot.core.options import OptionsMenu
from motionbot.bot.core.replies import Actions, Button, Reply, rows
from motionbot.bot.core.state import ConversationState, Phase, StateStore
from motionbot.bot.history.models import TaskRecord, TaskStatus
from motionbot.bot.history.store import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.queue.client import RenderClient
from motionbot.queue.delivery import enqueue_deliver
from motionbot.queue.errors import FailureReason, QueueError
from motionbot.queue.jobs import (
    DeliverJob,
    EngineName,
    InspectReport,
    MediaRef,
    MotionSource,
    RenderOptions,
    RenderRequest,
)

log = logging.getLogger(__name__)

Kind = Literal["photo", "video"]
INSPECT_CACHE_PREFIX = "motionbot:inspect:"
INSPECT_CACHE_TTL_S = 86_400


@dataclass(frozen=True)
class Accepted:
    ref: MediaRef
    replies: list[Reply]


@dataclass(frozen=True)
class Generated:
    """What pressing Generate did.

    ``status_message_id`` set: a task was queued and ``reply`` is the text for that status
    message (edit it in place). Unset: nothing was queued and ``reply`` says why (send it).
    """

    reply: Reply
    task_id: str | None = None
    status_message_id: str | None = None
    cached: bool = False


PostStatus = Callable[[Reply], Awaitable[str]]


def _task_arg(args: list[str]) -> str | None:
    return args[0] if args and looks_like_task_id(args[0]) else None


class Conversation(MotionLibrary, OptionsMenu):
    def __init__(
        self,
        *,
        client: RenderClient,
        history: HistoryStore,
        states: StateStore,
        settings: BotSettings,
    ) -> None:
        self.client = client
        self.store = client.store
        self.history = history
        self.states = states
        self.settings = settings

    # consent ------------------------------------------------------------------------------

    async def acknowledged(self, key: ConversationKey) -> bool:
        return await self.history.is_acknowledged(key.platform, key.user_id)

    def consent(self, *, reminder: bool = False) -> Reply:
        text = (texts.CONSENT_NEEDED + "\n\n" if reminder else "") + texts.CONSENT
        return Reply(text, buttons=rows(Button(texts.CONSENT_BUTTON, action=Actions.ACK)))

    async def start(self, key: ConversationKey) -> list[Reply]:
        replies = [Reply(texts.WELCOME), Reply(texts.GOOD_INPUTS)]
        if not await self.acknowledged(key):
            replies.append(self.consent())
        return replies

    async def acknowledge(self, key: ConversationKey) -> list[Reply]:
        await self.history.acknowledge(key.platform, key.user_id)
        async with self.states.lock(key):
            state = await self.states.load(key)
        if state.ready:
            return [Reply(texts.CONSENT_THANKS, edit=True), await self.options(key)]
        follow = (
            texts.NEED_VIDEO if state.photo else texts.NEED_PHOTO if state.motion else texts.CONSENT_THANKS
        )
        return [Reply(follow, edit=True)]

    # inputs -------------------------------------------------------------------------------

    @staticmethod
    def received(kind: Kind) -> Reply:
        """The instant reply to an upload, sent before any I/O."""
        return presenters.received(kind)

    async def add_input(
        self,
        key: ConversationKey,
        kind: Kind,
        source: Path | bytes,
        *,
        filename: str | None = None,
        suffix: str = "",
    ) -> Accepted:
        """Store an uploaded file and make it the pending photo or motion."""
        if isinstance(source, Path):
            ref = await self.store.put_file(source, filename=filename)
        else:
            if not source:
                raise QueueError(FailureReason.UNREADABLE_FILE, texts.EMPTY_FILE)
            ref = await self.store.put_bytes(
                source, suffix=suffix or (Path(filename).suffix if filename else ""), filename=filename
            )
        return Accepted(ref, await self.use_input(key, kind, ref))

    async def use_input(self, key: ConversationKey, kind: Kind, ref: MediaRef) -> list[Reply]:
        motion = MotionSource(kind="video", video=ref) if kind == "video" else None
        return await self._set_inputs(key, photo=ref if kind == "photo" else None, motion=motion)

    async def _set_inputs(
        self,
        key: ConversationKey,
        *,
        photo: MediaRef | None = None,
        motion: MotionSource | None = None,
        clear_photo: bool = False,
        clear_motion: bool = False,
        lead: str | None = None,
    ) -> list[Reply]:
        async with self.states.lock(key):
            state = await self.states.load(key)
            notes: list[str] = [lead] if lead else []
            update: dict[str, object] = {}
            if photo is not None:
                if (
                    state.photo is not None
                    and state.photo.key != photo.key
                    and state.phase is not Phase.RENDERING
                ):
                    notes.append(texts.PHOTO_REPLACED)
                update["photo"] = photo
            elif clear_photo:
                update["photo"] = None
            if motion is not None:
                if state.motion is not None and state.motion != motion and motion.kind == "video":
                    notes.append(texts.VIDEO_REPLACED)
                update["motion"] = motion
            elif clear_motion:
                update["motion"] = None
            if state.phase is Phase.RENDERING:  # a new input starts the next round; task_id stays
                update["phase"] = Phase.COLLECTING  # so /cancel still reaches a running render
            state = state.model_copy(update=update).settle_phase()
            await self.states.save(key, state)
        if not await self.acknowledged(key):
            return ([Reply(" ".join(notes))] if notes else []) + [self.consent(reminder=True)]
        if state.ready:
            keyboard = await self._options_reply(key, state)
            text = "\n".join([*notes, keyboard.text])
            return [Reply(text, buttons=keyboard.buttons)]
        notes.append(texts.NEED_VIDEO if state.photo else texts.NEED_PHOTO)
        return [Reply("\n".join(notes), buttons=self._preset_offer(state))]

    @staticmethod
    def _preset_offer(state: ConversationState) -> tuple[tuple[Button, ...], ...]:
        """A photo and no motion yet: offer the built-in moves next to "send a video"."""
        if state.photo is not None and state.motion is None:
            return rows(Button(texts.PICK_PRESET, action=Actions.MOTIONS))
        return ()

    async def inspect(self, kind: Kind, ref: MediaRef) -> Reply:
        """Findings for one input (slow: a queue round trip). Run it in the background."""
        report = await self.report(kind, ref)
        if report is None:
            return presenters.checking_unavailable(kind)
        return presenters.findings(kind, report)

    async def report(self, kind: Kind, ref: MediaRef, *, run: bool = True) -> InspectReport | None:
        """The inspect report for a file, cached by content hash; None when checks are down."""
        cache_key = f"{INSPECT_CACHE_PREFIX}{kind}:{ref.key}"
        raw = await self.client.redis.get(cache_key)
        if raw:
            return InspectReport.model_validate_json(raw)
        if not run:
            return None
        try:
            report = await self.client.inspect(ref, kind, timeout_s=self.settings.inspect_timeout_s)
        except QueueError as exc:
            log.warning("inspect of %s %s failed: %s", kind, ref.key, exc)
            return None
        await self.client.redis.set(cache_key, report.model_dump_json(), ex=INSPECT_CACHE_TTL_S)
        return report

    async def replace(self, key: ConversationKey, kind: Kind) -> list[Reply]:
        """'Send another': drop the pending input so the next upload fills it."""
        await self._set_inputs(key, clear_photo=kind == "photo", clear_motion=kind == "video")
        return [Reply(texts.ASK_ANOTHER_PHOTO if kind == "photo" else texts.ASK_ANOTHER_VIDEO, edit=False)]

    async def continue_anyway(self, key: ConversationKey) -> list[Reply]:
        async with self.states.lock(key):
            state = await self.states.load(key)
        if state.ready:
            return [await self._options_reply(key, state)]
        return [
            Reply(texts.NEED_VIDEO if state.photo else texts.NEED_PHOTO, buttons=self._preset_offer(state))
        ]

    # generate -----------------------------------------------------------------------------

    async def _refusal(self, key: ConversationKey, state: ConversationState) -> Reply | None:
        if not await self.acknowledged(key):
            return self.consent(reminder=True)
        if state.photo is None or state.motion is None:
            return Reply(texts.NOTHING_TO_GENERATE)
        if state.task_id:
            task = await self.history.get_task(state.task_id)
            if task is not None and not task.status.finished:
                return Reply(texts.ALREADY_RENDERING)
        checks: list[tuple[Kind, MediaRef | None, str]] = [
            ("photo", state.photo, texts.INPUT_REJECTED_PHOTO),
            ("video", state.motion.video, texts.INPUT_REJECTED_VIDEO),
        ]
        for kind, ref, template in checks:
            report = await self.report(kind, ref, run=False) if ref else None
            if report is not None and not report.ok:
                another = texts.SEND_ANOTHER_PHOTO if kind == "photo" else texts.SEND_ANOTHER_VIDEO
                return Reply(
                    template.format(summary=report.summary),
                    buttons=rows(Button(another, action=f"{Actions.REPLACE}:{kind}")),
                )
        return None

    async def generate(
        self,
        key: ConversationKey,
        *,
        post_status: PostStatus,
        reply_to: str | None = None,
        max_bytes: int | None = None,
        max_seconds: float | None = None,
    ) -> Generated:
        """Queue a render of the pending inputs.

        ``post_status`` sends the status message (the core calls it only once the render is
        going ahead) and returns its message id; progress and the outcome edit it in place.
        ``max_bytes`` is the platform's upload limit: the worker fits the video to it.
        ``max_seconds`` shortens the output below the deployment's limit (a "shorter render"
        offered when a result did not fit the upload limit).
        """
        async with self.states.lock(key):
            state = await self.states.load(key)
            refusal = await self._refusal(key, state)
            if refusal is not None:
                return Generated(refusal)
            assert state.photo is not None and state.motion is not None
            offered = await self._offered()
            engine = opts.pick_engine(state.options, offered, explicit=state.engine_chosen)
            task_id = new_task_id()
            status_id = await post_status(
                presenters.status_reply(texts.STAGE_NAMES["queued"] + "...", cancellable=False)
            )
            request = RenderRequest(
                task_id=task_id,
                target=key.target(reply_to=reply_to, status_message_id=status_id),
                photo=state.photo,
                motion=state.motion,
                options=RenderOptions(
                    engine=engine,
                    background=state.options.background,
                    keep_sound=state.options.keep_sound,
                    max_seconds=min(
                        max_seconds or self.settings.max_video_seconds, self.settings.max_video_seconds
                    ),
                    max_bytes=max_bytes,
                ),
            )
            try:
                submitted = await self.client.submit(request)
            except QueueError as exc:
                return Generated(Reply(exc.message), status_message_id=status_id)
            used_engine = EngineName.WARP if submitted.fallback_to_cpu else engine
            await self.history.add_task(
                TaskRecord(
                    task_id=task_id,
                    platform=key.platform,
                    chat_id=key.chat_id,
                    user_id=key.user_id,
                    status=TaskStatus.QUEUED,
                    engine=used_engine,
                    options=request.options.model_copy(update={"engine": used_engine}),
                    photo=state.photo,
                    motion=state.motion,
                    created_at=time.time(),
                    status_message_id=status_id,
                )
            )
            await self.states.save(
                key,
                state.model_copy(
                    update={"phase": Phase.RENDERING, "task_id": task_id, "last_task_id": task_id}
                ),
            )
        if submitted.cached is not None:
            await enqueue_deliver(
                self.client.redis,
                DeliverJob(task_id=task_id, target=request.target, outcome=submitted.cached),
            )
            return Generated(Reply(texts.FROM_CACHE), task_id, status_id, cached=True)
        text = presenters.queued(
            submitted.position, submitted.eta_s, fallback_to_cpu=submitted.fallback_to_cpu
        )
        return Generated(presenters.status_reply(text, cancellable=True), task_id, status_id)

    # cancel -------------------------------------------------------------------------------

    async def cancel(self, key: ConversationKey) -> list[Reply]:
        async with self.states.lock(key):
            state = await self.states.load(key)
            task = await self.history.get_task(state.task_id) if state.task_id else None
            if task is not None and not task.status.finished:
                cancelled = await self.client.cancel(task.task_id)
                state = state.model_copy(update={"phase": Phase.COLLECTING, "task_id": None}).settle_phase()
                await self.states.save(key, state)
                if not cancelled:
                    return [Reply(texts.CANCEL_TOO_LATE.format(task_id=task.task_id))]
                await self.history.mark_failed(
                    task.task_id,
                    reason=FailureReason.CANCELLED.value,
                    message=texts.CANCELLED,
                    status=TaskStatus.CANCELLED,
                )
                return [Reply(texts.CANCEL_TASK.format(task_id=task.task_id))]
            if state.photo is None and state.motion is None:
                await self.states.clear(key)
                return [Reply(texts.CANCEL_NOTHING)]
            await self.states.clear(key)
        return [Reply(texts.CANCEL_CLEARED)]

    # buttons ------------------------------------------------------------------------------

    async def dispatch(self, key: ConversationKey, action: str) -> list[Reply]:
        """Handle a pressed button. ``gen`` (needs a status message) and unknown actions return []."""
        verb, args = Actions.split(action)
        task_id = _task_arg(args)
        if verb == Actions.ACK:
            return await self.acknowledge(key)
        if verb == Actions.CONTINUE:
            return await self.continue_anyway(key)
        if verb == Actions.REPLACE and args and args[0] in ("photo", "video"):
            return await self.replace(key, "photo" if args[0] == "photo" else "video")
        if verb == Actions.OPTION and len(args) == 2:
            return [await self.set_option(key, args[0], args[1])]
        if verb == Actions.MOTIONS:
            return [await self.motions(key)]
        if verb == Actions.PRESET and args:
            return await self.choose_preset(key, args[0])
        if verb == Actions.SAVED:
            return await self.use_saved_motion(key, args[0] if args else None)
        if verb == Actions.FORGET and not args:
            return [await self.forget_menu(key)]
        if verb == Actions.FORGET:
            return await self.forget_saved_motion(key, args[0])
        if verb == Actions.CANCEL:
            return await self.cancel(key)
        if verb == Actions.HISTORY:
            page = int(args[0]) if args and args[0].isdigit() else 0
            reply = await self.history_page(key, page)
            return [Reply(reply.text, buttons=reply.buttons, edit=True)]
        if verb in Actions.ON_TASK:
            if task_id is None:
                return [Reply(texts.TASK_NOT_FOUND)]
            if verb == Actions.TASK:
                return [await self.task_card(key, task_id)]
            if verb == Actions.RESEND:
                return [await self.resend(key, task_id)]
            if verb == Actions.DELETE:
                return [await self.delete(key, task_id)]
            if verb == Actions.SAVE_MOTION:
                return [await self.save_task_motion(key, task_id)]
            what: Literal["motion", "photo", "both"] = (
                "motion" if verb == Actions.SAME_MOTION else "photo" if verb == Actions.SAME_PHOTO else "both"
            )
            return await self.reuse(key, task_id, what)
        return []
