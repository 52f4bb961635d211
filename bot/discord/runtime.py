"""What every Discord handler needs, built once at the entry point and kept on the bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

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
class Runtime:
    settings: BotSettings
    queue_settings: QueueSettings
    client: RenderClient
    history: HistoryStore
    conv: Conversation
    guilds: GuildStore
    contexts: ContextStore
    throttle: ChatThrottle
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task[Any]:
        """Run background work (inspection, progress) past the handler; errors are logged."""
        task = asyncio.create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait for background work (tests, shutdown), then cancel what is left."""
        if self.tasks and timeout > 0:
            await asyncio.wait(set(self.tasks), timeout=timeout)
        for task in list(self.tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

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
            guilds=GuildStore(history),
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
