"""End-to-end harness for the Telegram bot: the fake Bot API server, the real bot (aiogram
polling, Redis FSM, SQLite history, in-process deliver consumer) and real queue workers
(inspect, and the warp engine on render:cpu) in this event loop.

Its fixtures (``tg``, ``tg_bsettings``, ``inspect_worker``, ``render_worker``) are defined in
chat_fixtures.py, a plugin of the root conftest, so every test folder can ask for them.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from e2e_workers import moving_square_mp4
from fakes.telegram import BOT_ID, FakeTelegram, Request

from motionbot.bot.core import texts
from motionbot.bot.history import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.bot.telegram.app import TelegramService
from motionbot.queue.settings import QueueSettings

TOKEN = f"{BOT_ID}:TEST"
USER = 1001


def astronaut_jpeg(side: int = 256) -> bytes:
    from PIL import Image
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((side, side)).save(buf, format="JPEG", quality=85)
    return buf.getvalue()


@dataclass
class TG:
    fake: FakeTelegram
    service: TelegramService
    qsettings: QueueSettings
    bsettings: BotSettings
    polling: asyncio.Task[Any]

    @property
    def rt(self) -> Any:
        return self.service.rt

    def texts(self, chat_id: int = USER) -> list[str]:
        return [
            str(r.fields.get("text", ""))
            for r in self.fake.sent("sendMessage", "editMessageText", chat_id=chat_id)
        ]

    def message(self, chat_id: int, message_id: int | str) -> dict[str, Any]:
        return self.fake.messages[(chat_id, int(message_id))]

    async def wait_text(self, fragment: str, chat_id: int = USER, timeout: float = 15.0) -> Request:
        def find() -> Request | None:
            for r in self.fake.sent("sendMessage", "editMessageText", chat_id=chat_id):
                if fragment in str(r.fields.get("text", "")):
                    return r
            return None

        found: Request = await self.fake.wait_for(find, timeout)
        return found

    async def wait_count(self, fragment: str, count: int, chat_id: int = USER, timeout: float = 15.0) -> None:
        """Wait until ``count`` messages or edits contain ``fragment``."""
        await self.fake.wait_for(
            lambda: len([t for t in self.texts(chat_id) if fragment in t]) >= count, timeout
        )

    async def wait_button(self, action: str, chat_id: int = USER, timeout: float = 15.0) -> int:
        """The id of the latest bot message in the chat showing a button with this action."""

        def find() -> int | None:
            for (chat, mid), msg in sorted(self.fake.messages.items(), key=lambda kv: -kv[0][1]):
                if chat != chat_id:
                    continue
                markup = msg.get("reply_markup") or {}
                for row in markup.get("inline_keyboard", []):
                    if any(b.get("callback_data") == action for b in row):
                        return mid
            return None

        mid: int = await self.fake.wait_for(find, timeout)
        return mid

    async def wait_label(self, label: str, chat_id: int = USER, timeout: float = 15.0) -> int:
        """The id of a bot message showing a button labelled ``label``."""

        def find() -> int | None:
            for (chat, mid), msg in self.fake.messages.items():
                rows = (msg.get("reply_markup") or {}).get("inline_keyboard", [])
                if chat == chat_id and any(b.get("text") == label for row in rows for b in row):
                    return mid
            return None

        mid: int = await self.fake.wait_for(find, timeout)
        return mid

    async def press(self, action: str, chat_id: int = USER, user_id: int = USER) -> None:
        mid = await self.wait_button(action, chat_id)
        await self.fake.press(chat_id, user_id, mid, action)

    async def acknowledge(self, user_id: int = USER, chat_id: int | None = None) -> None:
        chat = chat_id or user_id
        await self.fake.push_message(
            chat, user_id, chat_type="private" if chat > 0 else "group", **command("/start")
        )
        await self.press("ack", chat, user_id)
        await self.wait_text(texts.CONSENT_THANKS, chat)

    async def restart(self) -> None:
        """Stop the bot process's parts and start new ones on the same Redis and SQLite file."""
        await self.service.stop_polling()
        await self.polling
        await self.service.close()
        self.service, self.polling = await start_service(self.fake, self.bsettings, self.qsettings)


def command(text: str) -> dict[str, Any]:
    word = text.split()[0]
    return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(word)}]}


async def start_service(
    fake: FakeTelegram, bsettings: BotSettings, qsettings: QueueSettings
) -> tuple[TelegramService, asyncio.Task[Any]]:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    history = await HistoryStore.open(bsettings.history_db)
    service = await TelegramService.create(bsettings, qsettings, bot=bot, history=history)
    await service.start(delivery=True, poll_delay=0.02)
    polling = asyncio.create_task(service.run_polling(polling_timeout=1))
    return service, polling


def key_of(user_id: int = USER, chat_id: int | None = None) -> Any:
    from motionbot.bot.core import ConversationKey
    from motionbot.queue.jobs import Platform

    return ConversationKey(Platform.TELEGRAM, str(chat_id or user_id), str(user_id))


async def finished_task(
    tg: TG,
    *,
    user_id: int = USER,
    chat_id: int | None = None,
    deliver: bool = True,
    task_id: str | None = None,
    motion: Any = None,
) -> str:
    """A task as if a worker had rendered it: recorded in history, its output in the store,
    its deliver job queued for the bot's deliver consumer (when ``deliver``)."""
    import time

    from motionbot.bot.core import new_task_id
    from motionbot.bot.history import TaskRecord, TaskStatus
    from motionbot.queue.jobs import (
        EngineName,
        MotionSource,
        Platform,
        RenderOptions,
    )

    chat = chat_id or user_id
    task_id = task_id or new_task_id()
    store = tg.rt.client.store
    photo = await store.put_bytes(astronaut_jpeg(64), suffix=".jpg", filename="p.jpg")
    status = await tg.rt.ui.send(chat, __import__("motionbot.bot.core", fromlist=["Reply"]).Reply("Queued"))
    await tg.rt.history.add_task(
        TaskRecord(
            task_id=task_id,
            platform=Platform.TELEGRAM,
            chat_id=str(chat),
            user_id=str(user_id),
            status=TaskStatus.QUEUED,
            engine=EngineName.WARP,
            options=RenderOptions(),
            photo=photo,
            motion=motion or MotionSource(kind="preset", preset="clap"),
            created_at=time.time(),
            status_message_id=str(status.message_id),
        )
    )
    if deliver:
        await deliver_result(tg, task_id)
    return task_id


async def deliver_result(tg: TG, task_id: str, *, reply_to: int | None = None) -> None:
    """Queue the deliver job a render worker would send for this task."""
    from motionbot.queue.delivery import enqueue_deliver
    from motionbot.queue.jobs import DeliverJob, EngineName, RenderResult

    task = await tg.rt.history.get_task(task_id)
    assert task is not None
    output = await tg.rt.client.store.put_bytes(moving_square_mp4(), suffix=".mp4", filename=f"{task_id}.mp4")
    result = RenderResult(
        task_id=task_id,
        output=output,
        duration_s=1.0,
        width=64,
        height=64,
        fps=12,
        engine=EngineName.WARP,
        engine_version="test",
    )
    target = key_of(int(task.user_id), int(task.chat_id)).target(
        status_message_id=task.status_message_id, reply_to=str(reply_to) if reply_to else None
    )
    await enqueue_deliver(tg.rt.client.redis, DeliverJob(task_id=task_id, target=target, outcome=result))
