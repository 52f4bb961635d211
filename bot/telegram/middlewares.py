"""Per-update context: the user's language, the conversation key, a per-user rate limit,
un-blocking returning users."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, Update, User
from aiogram.utils.i18n import I18nMiddleware

from motionbot.bot import i18n
from motionbot.bot.core import texts
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.telegram.runtime import Runtime
from motionbot.queue.jobs import Platform

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def conversation_key(chat: Chat | None, user: User) -> ConversationKey:
    """Per chat and member: in groups each member has a separate conversation."""
    chat_id = chat.id if chat is not None else user.id
    return ConversationKey(Platform.TELEGRAM, str(chat_id), str(user.id))


class LocaleMiddleware(I18nMiddleware):
    """Outer middleware on updates, before :class:`ContextMiddleware` (so a rate-limit note is
    worded too): the update is handled in the language the user chose with /language, else in
    their app's (``language_code``), which is noted for results delivered later."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(i18n.catalogue)
        self.rt = runtime

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return i18n.DEFAULT
        app = i18n.negotiate(user.language_code)
        return await self.rt.history.languages.seen(Platform.TELEGRAM, str(user.id), app)


class ContextMiddleware(BaseMiddleware):
    """Outer middleware on updates (after aiogram's user context): adds ``key``, applies the
    rate limit, and forgets a "blocked" mark when the user talks to the bot again."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if user is None or user.is_bot:
            return await handler(event, data)
        data["key"] = conversation_key(chat, user)
        self.rt.update_started()
        try:
            return await self._handle(handler, event, data, user, chat)
        finally:
            self.rt.update_finished()

    async def _handle(
        self, handler: Handler, event: TelegramObject, data: dict[str, Any], user: User, chat: Chat | None
    ) -> Any:
        if not await self._allowed(user.id):
            if isinstance(event, Update) and event.message is not None and chat is not None:
                window = int(time.time() // self.rt.settings.rate_limit_window_s)
                if await self.rt.redis.set(
                    f"motionbot:tg:rl-told:{user.id}:{window}",
                    1,
                    nx=True,
                    ex=self.rt.settings.rate_limit_window_s,
                ):
                    await self.rt.bot.send_message(chat.id, texts.RATE_LIMITED)
            return None
        if await self.rt.history.is_blocked(Platform.TELEGRAM, str(user.id)):  # from memory
            await self.rt.history.mark_blocked(Platform.TELEGRAM, str(user.id), blocked=False)
        return await handler(event, data)

    async def _allowed(self, user_id: int) -> bool:
        """Fixed-window counter per user, in Redis so that every bot process counts together.

        INCR and EXPIRE go in one pipelined round trip: this runs before the first reply of
        every update, so each round trip here is paid by everyone in a burst.
        """
        window_s = self.rt.settings.rate_limit_window_s
        bucket = f"motionbot:tg:rl:{user_id}:{int(time.time() // window_s)}"
        async with self.rt.redis.pipeline(transaction=False) as pipe:
            count, _ = await pipe.incr(bucket).expire(bucket, window_s * 2).execute()
        return int(count) <= self.rt.settings.rate_limit_events
