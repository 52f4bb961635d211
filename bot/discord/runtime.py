"""What every Discord handler needs, built once at the entry point and kept on the bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from motionbot.bot.core.background import BackgroundWork
from motionbot.bot.core.conversation import Conversation
from motionbot.bot.core.progress import ChatThrottle
from motionbot.bot.core.state import RedisStateStore
from motionbot.bot.discord.messenger import ContextStore
from motionbot.bot.history.guilds import GuildStore
from motionbot.bot.history.store import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.queue.client import RenderClient
from motionbot.queue.settings import QueueSettings

log = logging.getLogger(__name__)


@dataclass
class Runtime(BackgroundWork):
    settings: BotSettings
    queue_settings: QueueSettings
    client: RenderClient
    history: HistoryStore
    conv: Conversation
    guilds: GuildStore
    contexts: ContextStore
    throttle: ChatThrottle
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def download_limit(self) -> int:
        return int(self.settings.discord_download_limit_mb * 1_000_000)

    @property
    def default_upload_limit(self) -> int:
        return int(self.settings.discord_upload_limit_mb * 1_000_000)


@contextlib.asynccontextmanager
async def open_runtime(settings: BotSettings, queue_settings: QueueSettings) -> AsyncIterator[Runtime]:
    """Connect to the queue and open the history database for one bot process."""
    client = await RenderClient.connect(queue_settings)
    history = await HistoryStore.open(settings.history_db)
    try:
        states = RedisStateStore(client.redis, prefix="motionbot:dc:conv:", ttl_s=settings.state_ttl_s)
        conv = Conversation(client=client, history=history, states=states, settings=settings)
        rt = Runtime(
            settings=settings,
            queue_settings=queue_settings,
            client=client,
            history=history,
            conv=conv,
            guilds=GuildStore(history.db),
            contexts=ContextStore(client.redis),
            throttle=ChatThrottle(settings.edit_interval_s),
        )
        try:
            yield rt
        finally:
            await rt.drain(timeout=1.0)
    finally:
        await history.close()
        await client.close()
