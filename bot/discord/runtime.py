"""What every Discord handler needs, built once at the entry point and kept on the bot."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from motionbot.bot.core.background import BotRuntime
from motionbot.bot.core.state import RedisStateStore
from motionbot.bot.discord.messenger import ContextStore
from motionbot.bot.history.guilds import GuildStore
from motionbot.bot.history.store import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.queue.client import RenderClient
from motionbot.queue.settings import QueueSettings

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class Runtime(BotRuntime):
    guilds: GuildStore
    contexts: ContextStore

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
        guilds, contexts = GuildStore(history.db), ContextStore(client.redis)
        rt = Runtime.assemble(
            settings, queue_settings, client, history, states, guilds=guilds, contexts=contexts
        )
        try:
            yield rt
        finally:
            await rt.drain(timeout=1.0)
    finally:
        await history.close()
        await client.close()
