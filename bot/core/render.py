"""The render feature: Generate queues the pending inputs, /cancel stops the render.

Generate is refused, with the reason, when there is nothing to render, consent is missing, a
check rejected an input, or these very inputs and options are already queued, rendering or
were delivered a moment ago (two keyboards, or a double press, must not render twice).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from motionbot.bot.core import actions as act
from motionbot.bot.core import options as opts
from motionbot.bot.core import presenters, texts
from motionbot.bot.core.consent import Consent
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.finding_words import error_text, summary, with_request
from motionbot.bot.core.handlers import Handlers
from motionbot.bot.core.inputs import Inputs
from motionbot.bot.core.keys import ConversationKey, new_task_id
from motionbot.bot.core.replies import Button, Reply, rows
from motionbot.bot.core.state import ConversationState, Phase
from motionbot.bot.history.models import TaskRecord, TaskStatus
from motionbot.queue.client import Submitted
from motionbot.queue.delivery import enqueue_deliver
from motionbot.queue.errors import FailureReason, QueueError
from motionbot.queue.jobs import (
    DeliverJob,
    EngineName,
    MediaKind,
    MediaRef,
    OutputFormat,
    RenderOptions,
    RenderRequest,
)

REPEAT_WINDOW_S = 600.0  # a Generate this soon after the same render was delivered is a repeat

PostStatus = Callable[[Reply], Awaitable[str]]
Repeat = Literal["rendering", "sent"]


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
    batch: tuple[str, ...] = ()  # an album's tasks, one per photo (task_id is then None)


def queued_ids(queued: list[tuple[str, Submitted]]) -> list[str]:
    return [task_id for task_id, _ in queued]


def same_render(task: TaskRecord, state: ConversationState, engine: EngineName) -> bool:
    """Whether ``task`` rendered exactly the pending inputs with the pending options."""
    assert state.photo is not None
    return (
        task.photo.key == state.photo.key
        and task.motion == state.motion
        and task.engine is engine
        and task.options.background == state.options.background
        and task.options.keep_sound == state.options.keep_sound
        and task.options.format is state.options.format
        and task.options.aspect == state.options.aspect
        and task.options.performer == performer_of(state)
        and task.options.subject == state.subject
    )


def performer_of(state: ConversationState) -> int | None:
    """The performer picked in the pending move's video (a preset has no people to pick)."""
    return state.performer if state.motion is not None and state.motion.kind == "video" else None


class Render:
    def __init__(self, deps: CoreDeps, consent: Consent, inputs: Inputs, options: opts.Options) -> None:
        self.deps = deps
        self.consent = consent
        self.inputs = inputs
        self.options = options

    async def _repeat(self, state: ConversationState, engine: EngineName) -> Repeat | None:
        """Whether a Generate is for inputs already queued, rendering or just delivered."""
        for task_id in dict.fromkeys(t for t in (state.task_id, state.last_task_id) if t):
            task = await self.deps.history.get_task(task_id)
            if task is None:
                continue
            if not task.status.finished:
                return "rendering"
            recent = time.time() - task.created_at < REPEAT_WINDOW_S
            if task.status is TaskStatus.DONE and recent and same_render(task, state, engine):
                return "sent"
        return None

    async def _refusal(
        self, key: ConversationKey, state: ConversationState, engine: EngineName, *, repeat_ok: bool
    ) -> Reply | None:
        if not await self.consent.given(key):
            return self.consent.prompt(reminder=True)
        if state.photo is None or state.motion is None:
            return Reply(texts.NOTHING_TO_GENERATE)
        repeat = await self._repeat(state, engine)
        if repeat == "rendering":
            return Reply(texts.ALREADY_RENDERING)
        if repeat == "sent" and not repeat_ok:
            return Reply(texts.ALREADY_SENT)
        checks: list[tuple[MediaKind, MediaRef | None, str, str]] = [
            ("photo", state.photo, texts.INPUT_REJECTED_PHOTO, texts.ASK_OTHER_PHOTO),
            ("video", state.motion.video, texts.INPUT_REJECTED_VIDEO, texts.ASK_OTHER_VIDEO),
        ]
        for kind, ref, template, ask in checks:
            report = await self.inputs.report(kind, ref, run=False) if ref else None
            if report is not None and not report.ok:
                another = texts.SEND_ANOTHER_PHOTO if kind == "photo" else texts.SEND_ANOTHER_VIDEO
                return Reply(
                    with_request(template.format(summary=summary(report, kind)), ask),
                    buttons=rows(Button(another, action=act.ReplaceInput(kind))),
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
        output_format: OutputFormat | None = None,
    ) -> Generated:
        """Queue a render of the pending inputs.

        ``post_status`` sends the status message (the core calls it only once the render is
        going ahead) and returns its message id; progress and the outcome edit it in place.
        ``max_bytes`` is the platform's upload limit: the worker fits the video to it.
        ``max_seconds`` shortens the output below the deployment's limit (a "shorter render"
        offered when a result did not fit the upload limit: not a repeat of that render).
        ``output_format`` overrides the chosen format (a sticker made from a result's button).
        """
        settings = self.deps.settings
        offered = await self.options.offered()
        async with self.deps.states.lock(key):
            state = await self.deps.states.load(key)
            engine = opts.pick_engine(state.options, offered, explicit=state.engine_chosen)
            repeat_ok = max_seconds is not None or output_format is not None
            refusal = await self._refusal(key, state, engine, repeat_ok=repeat_ok)
            if refusal is not None:
                return Generated(refusal)
            assert state.photo is not None and state.motion is not None
            photos = state.photos
            batch = len(photos)
            first = (
                presenters.batch_status(0, batch)
                if batch > 1
                else presenters.status_reply(texts.STAGE_NAMES["queued"] + "...", cancellable=False)
            )
            status_id = await post_status(first)
            target = key.target(reply_to=reply_to, status_message_id=status_id, batch_size=batch)
            options = RenderOptions(
                engine=engine,
                background=state.options.background,
                keep_sound=state.options.keep_sound,
                format=output_format or state.options.format,
                aspect=state.options.aspect,
                max_seconds=min(max_seconds or settings.max_video_seconds, settings.max_video_seconds),
                max_bytes=max_bytes,
                performer=performer_of(state),
            )
            queued: list[tuple[str, Submitted]] = []
            for photo in photos:  # an album: one task per photo, all with the same move
                # the subject was picked on the photo it is the number of (an album's first)
                subject = state.subject if photo.key == state.photo.key else None
                request = RenderRequest(
                    task_id=new_task_id(),
                    target=target,
                    photo=photo,
                    motion=state.motion,
                    options=options.model_copy(update={"subject": subject}),
                )
                try:
                    submitted = await self.deps.client.submit(request)
                except QueueError as exc:
                    if not queued:
                        return Generated(Reply(error_text(exc)), status_message_id=status_id)
                    break  # the ones queued go ahead; the status counts them
                queued.append((request.task_id, submitted))
                await self._record(key, request, submitted, status_id)
            last = queued[-1][0]
            update = {"phase": Phase.RENDERING, "task_id": last, "last_task_id": last}
            await self.deps.states.save(key, state.model_copy(update=update))
        for task_id, submitted in queued:
            if submitted.cached is not None:
                job = DeliverJob(task_id=task_id, target=target, outcome=submitted.cached)
                await enqueue_deliver(self.deps.client.redis, job)
        if batch > 1:
            return Generated(
                presenters.batch_status(0, len(queued)), None, status_id, batch=tuple(queued_ids(queued))
            )
        task_id, submitted = queued[0]
        if submitted.cached is not None:
            return Generated(Reply(texts.FROM_CACHE), task_id, status_id, cached=True)
        text = presenters.queued(
            submitted.position, submitted.eta_s, fallback_to_cpu=submitted.fallback_to_cpu
        )
        return Generated(presenters.status_reply(text, cancellable=True), task_id, status_id)

    async def _record(
        self, key: ConversationKey, request: RenderRequest, submitted: Submitted, status_id: str
    ) -> None:
        used_engine = EngineName.WARP if submitted.fallback_to_cpu else request.options.engine
        await self.deps.history.add_task(
            TaskRecord(
                task_id=request.task_id,
                platform=key.platform,
                chat_id=key.chat_id,
                user_id=key.user_id,
                status=TaskStatus.QUEUED,
                engine=used_engine,
                options=request.options.model_copy(update={"engine": used_engine}),
                photo=request.photo,
                motion=request.motion,
                created_at=time.time(),
                status_message_id=status_id,
            )
        )

    async def cancel(self, key: ConversationKey) -> list[Reply]:
        history, states = self.deps.history, self.deps.states
        async with states.lock(key):
            state = await states.load(key)
            task = await history.get_task(state.task_id) if state.task_id else None
            if task is not None and not task.status.finished:
                cancelled = await self.deps.client.cancel(task.task_id)
                state = state.model_copy(update={"phase": Phase.COLLECTING, "task_id": None}).settle_phase()
                await states.save(key, state)
                if not cancelled:
                    return [Reply(texts.CANCEL_TOO_LATE.format(task_id=task.task_id))]
                await history.mark_failed(
                    task.task_id,
                    reason=FailureReason.CANCELLED.value,
                    message=texts.CANCELLED,
                    status=TaskStatus.CANCELLED,
                )
                return [Reply(texts.CANCEL_TASK.format(task_id=task.task_id))]
            await states.clear(key)
        return [
            Reply(
                texts.CANCEL_NOTHING if state.photo is None and state.motion is None else texts.CANCEL_CLEARED
            )
        ]

    def handlers(self) -> Handlers:
        async def cancel(key: ConversationKey, action: act.Cancel) -> list[Reply]:
            return await self.cancel(key)

        return {act.Cancel: cancel}
