"""Assemble and run the Telegram bot: Bot, Dispatcher (Redis FSM + event isolation),
routers, middleware, the in-process deliver consumer, long polling or a webhook.

Settings are read once by the entry point and passed in; handlers receive the
:class:`Runtime` as dispatcher workflow data (``rt``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import BotCommand, ErrorEvent
from aiohttp import web
from redis.asyncio import BlockingConnectionPool, Redis

from motionbot.bot import i18n
from motionbot.bot.core import texts
from motionbot.bot.core.finding_words import error_text
from motionbot.bot.core.replies import Reply
from motionbot.bot.delivery import DeliveryDispatcher, observed_delivery_worker
from motionbot.bot.history.store import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.bot.telegram.handlers import routers
from motionbot.bot.telegram.middlewares import ContextMiddleware, LocaleMiddleware
from motionbot.bot.telegram.notifier import TelegramNotifier
from motionbot.bot.telegram.runtime import Runtime
from motionbot.bot.telegram.states import AiogramStateStore, key_builder
from motionbot.bot.telegram.ui import TelegramUI
from motionbot.queue.client import RenderClient
from motionbot.queue.errors import MotionbotError
from motionbot.queue.jobs import Platform
from motionbot.queue.settings import QueueSettings

log = logging.getLogger(__name__)

# aiogram parses every answer as ``Response[method.__returning__]``; pydantic caches such
# generic classes weakly, so between bursts they are collected and rebuilt (~20 ms of CPU
# each, on the event loop). Holding them keeps replies fast under load.
_PINNED_RESPONSES: list[Any] = []


def pin_response_types() -> None:
    from aiogram import methods
    from aiogram.methods.base import Response

    used = (
        methods.SendMessage,
        methods.EditMessageText,
        methods.EditMessageReplyMarkup,
        methods.GetFile,
        methods.SendVideo,
        methods.AnswerCallbackQuery,
        methods.AnswerInlineQuery,
        methods.GetUpdates,
        methods.GetChatMember,
        methods.GetMe,
        methods.SetMyCommands,
        methods.DeleteWebhook,
        methods.SetWebhook,
        methods.SendChatAction,
        methods.DeleteMessage,
    )
    if not _PINNED_RESPONSES:
        _PINNED_RESPONSES.extend(Response[m.__returning__] for m in used)  # type: ignore[name-defined]


def make_bot(settings: BotSettings) -> Bot:
    if settings.telegram_token is None:
        raise ValueError("MOTIONBOT_TELEGRAM_TOKEN is not set")
    # kept-alive connections to the Bot API; a burst queues for them rather than opening
    # a new TLS connection per update
    session = AiohttpSession(limit=settings.telegram_connections)
    if settings.telegram_api_url:
        api = TelegramAPIServer.from_base(settings.telegram_api_url, is_local=settings.telegram_local)
        session = AiohttpSession(api=api, limit=settings.telegram_connections)
    return Bot(token=settings.telegram_token.get_secret_value(), session=session)


def event_isolation(storage: RedisStorage, *, webhook: bool) -> BaseEventIsolation:
    """One user's updates are handled one at a time.

    Long polling has exactly one consumer per token (Telegram answers a second getUpdates
    with 409 Conflict), so in-process locks are complete there and spare every update two
    Redis round trips before its first reply. Webhook mode may run several processes behind
    one address, so their locks live in Redis. The core's own conversation lock (in Redis)
    still orders the background writes of an album's parts either way.
    """
    return storage.create_isolation() if webhook else SimpleEventIsolation()


def _user_of(event: ErrorEvent) -> tuple[int | None, int | None]:
    update = event.update
    for obj in (update.message, update.callback_query, update.inline_query):
        if obj is not None and obj.from_user is not None:
            chat = getattr(obj, "chat", None) or getattr(getattr(obj, "message", None), "chat", None)
            return obj.from_user.id, chat.id if chat is not None else obj.from_user.id
    return None, None


@dataclass(eq=False, kw_only=True)
class TelegramService:
    """Everything the Telegram side of the bot process owns, started and closed together."""

    bot: Bot
    dp: Dispatcher
    rt: Runtime
    storage: RedisStorage
    delivery: DeliveryDispatcher
    _delivery_worker: Any = field(default=None, init=False)
    _delivery_task: asyncio.Task[Any] | None = field(default=None, init=False)

    @classmethod
    async def create(
        cls,
        settings: BotSettings,
        queue_settings: QueueSettings,
        *,
        bot: Bot | None = None,
        history: HistoryStore | None = None,
        webhook: bool = False,
    ) -> TelegramService:
        pin_response_types()
        bot = bot or make_bot(settings)
        me = await bot.me()
        client = await RenderClient.connect(queue_settings)
        history = history or await HistoryStore.open(settings.history_db)
        # a bounded pool: a burst of updates waits a moment for a connection instead of
        # opening hundreds (each new connection costs a connect and two setup commands)
        redis = Redis(
            connection_pool=BlockingConnectionPool.from_url(
                queue_settings.redis_url, max_connections=32, timeout=30
            )
        )
        storage = RedisStorage(
            redis, key_builder=key_builder(), state_ttl=settings.state_ttl_s, data_ttl=settings.state_ttl_s
        )
        states = AiogramStateStore(storage, me.id, redis=redis)
        ui = TelegramUI(bot)
        rt = Runtime.assemble(settings, queue_settings, client, history, states, bot=bot, ui=ui, redis=redis)
        dp = Dispatcher(storage=storage, events_isolation=event_isolation(storage, webhook=webhook), rt=rt)
        dp.update.outer_middleware(LocaleMiddleware(rt))
        dp.update.outer_middleware(ContextMiddleware(rt))
        dp.include_routers(*routers())
        dp.errors.register(cls._on_forbidden, ExceptionTypeFilter(TelegramForbiddenError))
        dp.errors.register(cls._on_error)
        delivery = DeliveryDispatcher(history)
        delivery.register(
            Platform.TELEGRAM,
            TelegramNotifier(
                ui, client.store, upload_limit=settings.telegram_upload_limit(), throttle=rt.throttle
            ),
        )
        return cls(bot=bot, dp=dp, rt=rt, storage=storage, delivery=delivery)

    @staticmethod
    async def _on_forbidden(event: ErrorEvent, rt: Runtime) -> bool:
        user_id, _ = _user_of(event)
        if user_id is not None:
            await rt.history.mark_blocked(Platform.TELEGRAM, str(user_id))
        return True

    @staticmethod
    async def _on_error(event: ErrorEvent, rt: Runtime) -> bool:
        exc = event.exception
        _user_id, chat_id = _user_of(event)
        text = error_text(exc) if isinstance(exc, MotionbotError) else texts.INTERNAL_ERROR
        if not isinstance(exc, MotionbotError):
            log.error("update %s failed", event.update.update_id, exc_info=exc)
        if chat_id is not None and event.update.inline_query is None:
            with contextlib.suppress(Exception):
                await rt.ui.send(chat_id, Reply(text))
        return True

    # lifecycle -----------------------------------------------------------------------------

    async def set_commands(self) -> None:
        """The command list and the profile texts, in English for everyone and in each
        catalogue language for the users whose app speaks it."""
        for language in i18n.LANGUAGES:
            code = None if language == i18n.DEFAULT else language.split("_")[0]  # Telegram's: "pt"
            with i18n.use(language):
                commands = [BotCommand(command=c, description=d) for c, d in texts.COMMANDS.items()]
                await self.bot.set_my_commands(commands, language_code=code)
                await self.bot.set_my_description(texts.BOT_DESCRIPTION, language_code=code)
                await self.bot.set_my_short_description(texts.BOT_SHORT_DESCRIPTION, language_code=code)

    async def _resume(self) -> None:
        """Pick up the progress messages of tasks still running when the bot last stopped."""
        for task in await self.rt.history.active_tasks(Platform.TELEGRAM):
            if task.status_message_id:
                self.rt.watch(task.task_id, task.chat_id, task.status_message_id)

    def start_delivery(self, **worker_kw: Any) -> None:
        self._delivery_worker = observed_delivery_worker(
            self.rt.queue_settings, self.delivery.handle, platform=Platform.TELEGRAM, **worker_kw
        )
        self._delivery_task = asyncio.create_task(self._delivery_worker.async_run(), name="deliver-consumer")

    async def start(self, *, delivery: bool = True, **worker_kw: Any) -> None:
        await self.set_commands()
        await self._resume()
        if delivery:
            self.start_delivery(**worker_kw)

    async def run_polling(self, *, polling_timeout: int = 10) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.dp.start_polling(
            self.bot, handle_signals=False, polling_timeout=polling_timeout, close_bot_session=False
        )

    async def stop_polling(self) -> None:
        with contextlib.suppress(RuntimeError):  # not polling
            await self.dp.stop_polling()

    def webhook_app(self) -> web.Application:
        from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application

        settings = self.rt.settings
        secret = (
            settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
        )
        app = web.Application()
        SimpleRequestHandler(dispatcher=self.dp, bot=self.bot, secret_token=secret).register(
            app, path=settings.telegram_webhook_path
        )
        setup_application(app, self.dp, bot=self.bot)
        return app

    async def run_webhook(self, stop: asyncio.Event) -> None:
        settings = self.rt.settings
        if not settings.telegram_webhook_url:
            raise ValueError("MOTIONBOT_TELEGRAM_WEBHOOK_URL is not set")
        secret = (
            settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
        )
        runner = web.AppRunner(self.webhook_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.telegram_webhook_host, settings.telegram_webhook_port)
        await site.start()
        await self.bot.set_webhook(
            settings.telegram_webhook_url,
            secret_token=secret,
            allowed_updates=self.dp.resolve_used_update_types(),
        )
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    @staticmethod
    async def _stop_delivery(worker: Any, drain_s: float = 10.0) -> None:
        """Let deliveries in flight finish (a video half-sent would be sent again), then stop."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + drain_s
        while any(not t.done() for t in worker.tasks.values()) and loop.time() < deadline:
            await asyncio.sleep(0.05)
        try:
            await worker.close()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # we are being cancelled ourselves
            # arq cancels jobs still running after the drain; they are re-run from Redis later

    async def close(self, *, close_history: bool = True) -> None:
        await self.stop_polling()
        if self._delivery_worker is not None:
            await self._stop_delivery(self._delivery_worker)
        if self._delivery_task is not None:
            self._delivery_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._delivery_task
        await self.rt.drain(timeout=0.5)
        await self.storage.close()
        await self.rt.client.close()
        if close_history:
            await self.rt.history.close()
        await self.bot.session.close()
