"""What every Telegram handler needs, built once at the entry point (dispatcher workflow data)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot

from motionbot.bot.core.background import BotRuntime
from motionbot.bot.core.progress import watch_progress
from motionbot.bot.core.replies import Reply
from motionbot.bot.telegram.ui import TelegramUI

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class Runtime(BotRuntime):
    bot: Bot
    ui: TelegramUI
    redis: Any  # redis.asyncio.Redis of the FSM storage (rate limits, album flags)
    # downloads and stores at once: beyond this they wait, so a burst of uploads cannot
    # starve the instant first replies of the event loop
    ingest_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(8))
    # updates being handled now; background ingestion waits (a little) for them, so that
    # in a burst every user gets the instant reply before anyone's file is fetched
    in_flight: int = 0
    quiet: asyncio.Event = field(default_factory=asyncio.Event)

    def update_started(self) -> None:
        self.in_flight += 1
        self.quiet.clear()

    def update_finished(self) -> None:
        self.in_flight -= 1
        if self.in_flight <= 0:
            self.in_flight = 0
            self.quiet.set()

    async def wait_quiet(self, max_wait_s: float = 1.0) -> None:
        if self.in_flight > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.quiet.wait(), max_wait_s)

    def watch(
        self, task_id: str, chat_id: int | str, status_message_id: int | str, *, shown: str | None = None
    ) -> None:
        async def edit(reply: Reply) -> None:
            await self.ui.edit(chat_id, status_message_id, reply)

        self.spawn(
            watch_progress(
                client=self.client,
                history=self.history,
                task_id=task_id,
                chat_id=str(chat_id),
                edit=edit,
                throttle=self.throttle,
                poll_s=self.settings.progress_poll_s,
                shown=shown,
            ),
            name=f"progress:{task_id}",
        )

    def upload_limit(self) -> int | None:
        return self.settings.telegram_upload_limit()
