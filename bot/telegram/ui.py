"""Core replies as Telegram messages: inline keyboards, send/edit with rate-limit waits.

Interactive sends sleep through ``TelegramRetryAfter`` and try again (a user is waiting);
"message is not modified" is not an error for an in-place status edit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import (
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from motionbot.bot.core.replies import Button, Reply

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_TEXT = 4096
MAX_CAPTION = 1024


def _button(b: Button) -> InlineKeyboardButton:
    if b.url is not None:
        return InlineKeyboardButton(text=b.label, url=b.url)
    if b.share is not None:
        return InlineKeyboardButton(text=b.label, switch_inline_query=b.share)
    assert b.action is not None
    return InlineKeyboardButton(text=b.label, callback_data=b.action.pack())


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[_button(b) for b in row] for row in reply.buttons])


def reply_parameters(message_id: int | str | None) -> ReplyParameters | None:
    """Answer ``message_id`` (groups), still sending when it was deleted meanwhile."""
    if message_id is None:
        return None
    return ReplyParameters(message_id=int(message_id), allow_sending_without_reply=True)


async def with_retry_after(
    call: Callable[[], Awaitable[T]], *, tries: int = 3, max_wait_s: float = 30.0
) -> T:
    """Run a Bot API call, sleeping through flood-control answers (Telegram says how long)."""
    for attempt in range(tries):
        try:
            return await call()
        except TelegramRetryAfter as exc:
            if attempt == tries - 1 or exc.retry_after > max_wait_s:
                raise
            log.info("flood control: waiting %s s", exc.retry_after)
            await asyncio.sleep(exc.retry_after)
    raise AssertionError("unreachable")


class TelegramUI:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int | str, reply: Reply, *, reply_to: int | str | None = None) -> Message:
        return await with_retry_after(
            lambda: self.bot.send_message(
                chat_id=chat_id,
                text=reply.text[:MAX_TEXT],
                reply_markup=markup(reply),
                reply_parameters=reply_parameters(reply_to),
            )
        )

    async def edit(self, chat_id: int | str, message_id: int | str, reply: Reply) -> None:
        try:
            await with_retry_after(
                lambda: self.bot.edit_message_text(
                    chat_id=chat_id,
                    message_id=int(message_id),
                    text=reply.text[:MAX_TEXT],
                    reply_markup=markup(reply),
                )
            )
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return
            raise

    async def answer(
        self,
        chat_id: int | str,
        reply: Reply,
        *,
        edit_id: int | str | None,
        reply_to: int | str | None = None,
    ) -> Message | None:
        """Show a reply: in place of ``edit_id`` when the reply asks for it, else as a new message."""
        if reply.video is not None:
            return await self.send_video(chat_id, reply, reply_to=reply_to)
        if reply.edit and edit_id is not None:
            try:
                await self.edit(chat_id, edit_id, reply)
                return None
            except TelegramBadRequest:  # too old or deleted: send it anew
                pass
        return await self.send(chat_id, reply, reply_to=reply_to)

    async def send_video(
        self,
        chat_id: int | str,
        reply: Reply,
        *,
        path: str | None = None,
        reply_to: int | str | None = None,
        duration: float | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> Message:
        """Send ``reply.video`` by its file id, or upload ``path``; streamable either way."""
        attachment = reply.video
        source: str | FSInputFile
        if attachment is not None and attachment.file_id:
            source = attachment.file_id
        elif path is not None:
            source = FSInputFile(path, filename=f"{attachment.task_id if attachment else 'video'}.mp4")
        else:
            raise ValueError("nothing to send: no file id and no path")
        return await with_retry_after(
            lambda: self.bot.send_video(
                chat_id=chat_id,
                video=source,
                caption=reply.text[:MAX_CAPTION],
                reply_markup=markup(reply),
                supports_streaming=True,
                duration=round(duration) if duration else None,
                width=width,
                height=height,
                reply_parameters=reply_parameters(reply_to),
            )
        )
