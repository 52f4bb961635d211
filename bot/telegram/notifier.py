"""Telegram's side of delivery: post the video (or the failure) for a finished task.

Called by :class:`motionbot.bot.delivery.DeliveryDispatcher` from the bot process's
deliver consumer. The status message is edited first (cosmetic: its errors are logged),
then the video is sent, so a flood-control retry of the job never posts the video twice.
Telegram's errors become the dispatcher's: flood control -> RetryLater, blocked or
deleted chat -> RecipientGone.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from pathlib import Path

from aiogram.enums import ChatAction
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import Message

from motionbot.bot.core import presenters, texts
from motionbot.bot.core.progress import ChatThrottle
from motionbot.bot.core.replies import Reply, VideoAttachment
from motionbot.bot.delivery import Receipt, RecipientGone, RetryLater
from motionbot.bot.history.models import TaskRecord
from motionbot.bot.telegram.extras import send_extras, sticker_reply
from motionbot.bot.telegram.ui import TelegramUI
from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import DeliverJob, DeliveryTarget, Extra, MediaRef, RenderFailure, RenderResult
from motionbot.queue.store import MediaStore

log = logging.getLogger(__name__)


def _gone(exc: TelegramBadRequest) -> bool:
    msg = exc.message.lower()
    return "chat not found" in msg or "user is deactivated" in msg or "have no rights" in msg


class TelegramNotifier:
    def __init__(
        self, ui: TelegramUI, store: MediaStore, *, upload_limit: int | None, throttle: ChatThrottle
    ) -> None:
        self.ui = ui
        self.store = store
        self.upload_limit = upload_limit
        self.throttle = throttle

    async def _status(self, target: DeliveryTarget, text: str | Reply) -> str | None:
        """Edit the task's status message; send a new one when there is none."""
        reply = text if isinstance(text, Reply) else Reply(text)
        try:
            if target.status_message_id is not None:
                await self.throttle.wait(target.chat_id)
                self.throttle.mark(target.chat_id)
                await self.ui.edit(target.chat_id, target.status_message_id, reply)
                return target.status_message_id
            msg = await self.ui.send(target.chat_id, reply, reply_to=target.reply_to)
            return str(msg.message_id)
        except TelegramForbiddenError as exc:
            raise RecipientGone(str(exc)) from exc
        except TelegramRetryAfter as exc:
            if target.status_message_id is None:
                raise RetryLater(exc.retry_after) from exc
            log.info("status edit for %s skipped: flood control", target.chat_id)
        except TelegramBadRequest as exc:
            if _gone(exc):
                raise RecipientGone(exc.message) from exc
            log.warning("status edit failed: %s", exc.message)
        return target.status_message_id

    async def send_result(
        self, job: DeliverJob, result: RenderResult, task: TaskRecord | None, *, batch: Reply | None = None
    ) -> Receipt:
        target = job.target
        if self.upload_limit is not None and result.output.size > self.upload_limit:
            # the worker fits outputs to options.max_bytes; one over the limit anyway is
            # reported, never dropped in silence
            text = presenters.result_too_large(result.output.size, self.upload_limit)
            return Receipt(await self._status(target, presenters.too_large_reply(text, job.task_id)))
        done = presenters.done(job.task_id) + (" " + texts.FROM_CACHE if result.cached else "")
        await self._status(target, batch or done)
        if Extra.STICKER in result.extras:
            return await self._send_sticker(job, result)
        reply = Reply(
            presenters.caption(result),
            buttons=presenters.result_buttons(job.task_id, savable=presenters.savable(task), sticker=True),
            video=VideoAttachment(task_id=job.task_id, media=result.output),
        )
        with tempfile.TemporaryDirectory(prefix="motionbot-tg-") as tmp:
            path = await self.store.fetch(result.output, Path(tmp))
            with contextlib.suppress(Exception):  # cosmetic: "sending a video..." in the chat header
                await self.ui.bot.send_chat_action(target.chat_id, ChatAction.UPLOAD_VIDEO)
            try:
                msg = await self.ui.send_video(
                    target.chat_id,
                    reply,
                    path=str(path),
                    reply_to=target.reply_to,
                    duration=result.duration_s,
                    width=result.width,
                    height=result.height,
                )
            except TelegramRetryAfter as exc:
                raise RetryLater(exc.retry_after) from exc
            except TelegramForbiddenError as exc:
                raise RecipientGone(str(exc)) from exc
            except TelegramEntityTooLarge:  # the API's own limit is lower than configured
                limit = self.upload_limit or result.output.size - 1
                text = presenters.result_too_large(result.output.size, limit)
                return Receipt(await self._status(target, presenters.too_large_reply(text, job.task_id)))
            except TelegramBadRequest as exc:
                if _gone(exc):
                    raise RecipientGone(exc.message) from exc
                raise
        file_id = msg.video.file_id if msg.video else msg.document.file_id if msg.document else None
        await self._extras(job, result.extras)
        return Receipt(str(msg.message_id), file_id)

    async def _extras(self, job: DeliverJob, extras: dict[Extra, MediaRef]) -> dict[Extra, Message]:
        """The format's files after the video. The video is out: a refusal here is logged and the
        delivery still counts (a retry would post the video twice)."""
        if not extras:
            return {}
        target = job.target
        try:
            return await send_extras(
                self.ui.bot, self.store, target.chat_id, job.task_id, extras,
                upload_limit=self.upload_limit, reply_to=target.reply_to,
                sticker_reply=sticker_reply(job.task_id),
            )  # fmt: skip
        except TelegramForbiddenError as exc:
            raise RecipientGone(str(exc)) from exc
        except TelegramBadRequest as exc:
            log.warning("task %s: an extra file was refused: %s", job.task_id, exc.message)
            return {}

    async def _send_sticker(self, job: DeliverJob, result: RenderResult) -> Receipt:
        """A sticker task: the sticker alone, with the button that adds it to the user's set."""
        try:
            sent = await self._extras(job, {Extra.STICKER: result.extras[Extra.STICKER]})
        except TelegramRetryAfter as exc:
            raise RetryLater(exc.retry_after) from exc
        msg = sent.get(Extra.STICKER)
        if msg is None:
            return Receipt(None)
        return Receipt(str(msg.message_id), msg.sticker.file_id if msg.sticker else None)

    async def send_failure(
        self, job: DeliverJob, failure: RenderFailure, task: TaskRecord | None, *, batch: Reply | None = None
    ) -> Receipt:
        text = presenters.failed(failure)
        if batch is not None:  # an album's status counts; this photo's failure is its own message
            await self._status(job.target, batch)
            target = job.target.model_copy(update={"status_message_id": None})
            return Receipt(await self._status(target, f"{job.task_id}: {text}"))
        if failure.reason == FailureReason.OUTPUT_TOO_LARGE:
            return Receipt(await self._status(job.target, presenters.too_large_reply(text, job.task_id)))
        return Receipt(await self._status(job.target, text))
