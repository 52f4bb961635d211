"""Discord's side of delivery: the finished MP4 (or the failure) for a task.

Called by :class:`motionbot.bot.delivery.DeliveryDispatcher` from the bot process's deliver
consumer. The status message becomes "Done!" first (cosmetic: errors are logged), then the
video goes out with an embed (task, engine, duration) and persistent buttons (Share here,
Same move new photo, Again): as a follow-up of the interaction while its token lasts, later
as a bot message in the channel, or in a DM where the bot can't post (see
:mod:`.messenger`).

The upload limit is the one Discord gave for that place (the interaction's
``attachment_size_limit``, stored with the task's context). The worker already fitted the
video to it (``RenderOptions.max_bytes``); if a video is over it anyway, or Discord answers
413, the user is told and offered a shorter render instead of silence.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import KW_ONLY, dataclass
from pathlib import Path

import discord
from motionbot.bot.core import presenters, texts
from motionbot.bot.core.replies import Button, Reply
from motionbot.bot.delivery import Receipt, RecipientGone, RetryLater
from motionbot.bot.discord import texts as dtexts
from motionbot.bot.discord.messenger import Messenger, TaskContext, TooLarge, Unreachable, Upload
from motionbot.bot.discord.views import result_embed
from motionbot.bot.history.models import TaskRecord
from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import EXTRA_SUFFIXES, DeliverJob, Extra, MediaRef, RenderFailure, RenderResult
from motionbot.queue.store import MediaStore

log = logging.getLogger(__name__)


def share_buttons(task_id: str, *, savable: bool = True) -> tuple[tuple[Button, ...], ...]:
    """The core's result buttons, with Discord's wording for sharing into this channel."""
    return tuple(
        tuple(Button(dtexts.SHARE_HERE, share=b.share) if b.share is not None else b for b in row)
        for row in presenters.result_buttons(task_id, savable=savable)
    )


@dataclass(eq=False)
class DiscordNotifier:
    messenger: Messenger
    store: MediaStore
    _: KW_ONLY
    default_upload_limit: int
    application_id: int | None = None

    async def _context(self, job: DeliverJob) -> TaskContext:
        target = job.target
        ctx = await self.messenger.contexts.load(target.status_message_id)
        if ctx is not None:
            return ctx
        # no interaction behind this task (or its context expired): the bot posts in the chat
        return TaskContext(
            application_id=self.application_id or 0,
            token=None,
            issued_at=0.0,
            ephemeral=False,
            channel_id=int(target.chat_id),
            guild_id=None,
            user_id=int(target.user_id),
            bot_can_post=True,
            upload_limit=self.default_upload_limit,
        )

    async def _status(self, job: DeliverJob, ctx: TaskContext, reply: Reply) -> str | None:
        status_id = job.target.status_message_id
        if status_id is None:
            return None
        try:
            ctx = await self.messenger.edit_status(status_id, ctx, reply)
        except Unreachable as exc:
            raise RecipientGone(str(exc)) from exc
        except discord.RateLimited as exc:
            raise RetryLater(exc.retry_after) from exc
        except discord.HTTPException as exc:
            log.warning("status edit for task %s failed: %s", job.task_id, exc)
        return status_id

    async def send_result(
        self, job: DeliverJob, result: RenderResult, task: TaskRecord | None, *, batch: Reply | None = None
    ) -> Receipt:
        ctx = await self._context(job)
        limit = ctx.upload_limit
        if result.output.size > limit:
            text = presenters.result_too_large(result.output.size, limit)
            return Receipt(await self._status(job, ctx, presenters.too_large_reply(text, job.task_id)))
        done = presenters.done(job.task_id) + (" " + texts.FROM_CACHE if result.cached else "")
        await self._status(job, ctx, batch or Reply(done))
        ctx = await self._context(job)  # the status edit may have moved it off an expired token
        reply = Reply(
            presenters.caption(result), buttons=share_buttons(job.task_id, savable=presenters.savable(task))
        )
        embed = result_embed(job.task_id, presenters.engine_name(result.engine.value), result.duration_s)
        with tempfile.TemporaryDirectory(prefix="motionbot-dc-") as tmp:
            path = await self.store.fetch(result.output, Path(tmp))
            try:
                upload = Upload(path, f"{job.task_id}.mp4", embed)
                msg = await self.messenger.post(job.target.status_message_id, ctx, reply, upload)
            except TooLarge:
                text = presenters.result_too_large(result.output.size, limit)
                message_id = await self._status(job, ctx, presenters.too_large_reply(text, job.task_id))
                return Receipt(message_id)
            except Unreachable as exc:
                raise RecipientGone(str(exc)) from exc
            except discord.RateLimited as exc:
                raise RetryLater(exc.retry_after) from exc
            await self._extras(job, ctx, result.extras, limit, Path(tmp))
        url = msg.attachments[0].url if msg.attachments else None
        log.info("delivered task %s to channel %s at %.0f", job.task_id, msg.channel.id, time.time())
        return Receipt(str(msg.id), url)

    async def _extras(
        self, job: DeliverJob, ctx: TaskContext, extras: dict[Extra, MediaRef], limit: int, tmp: Path
    ) -> None:
        """The format's files after the video (a GIF autoplays in the channel). The video is
        out: a refusal here is logged, and the delivery still counts."""
        for kind, ref in extras.items():
            caption = texts.EXTRA_CAPTIONS[kind.value].format(task_id=job.task_id)
            try:
                if ref.size > limit:
                    text = presenters.extra_too_large(kind.value, ref.size, limit)
                    await self.messenger.post(None, ctx, Reply(text))
                    continue
                path = await self.store.fetch(ref, tmp)
                upload = Upload(path, f"{job.task_id}{EXTRA_SUFFIXES[kind]}")
                await self.messenger.post(None, ctx, Reply(caption), upload)
            except (TooLarge, discord.HTTPException, Unreachable) as exc:
                log.warning("task %s: the %s was not posted: %s", job.task_id, kind.value, exc)

    async def send_failure(
        self, job: DeliverJob, failure: RenderFailure, task: TaskRecord | None, *, batch: Reply | None = None
    ) -> Receipt:
        ctx = await self._context(job)
        text = presenters.failed(failure)
        if batch is not None:  # an album's status counts; this photo's failure is its own message
            await self._status(job, ctx, batch)
            msg = await self.messenger.post(None, ctx, Reply(f"{job.task_id}: {text}"))
            return Receipt(str(msg.id))
        reply = (
            presenters.too_large_reply(text, job.task_id)
            if failure.reason == FailureReason.OUTPUT_TOO_LARGE
            else Reply(text)
        )
        if job.target.status_message_id is None:
            try:
                msg = await self.messenger.post(None, ctx, reply)
            except Unreachable as exc:
                raise RecipientGone(str(exc)) from exc
            return Receipt(str(msg.id))
        return Receipt(await self._status(job, ctx, reply))
