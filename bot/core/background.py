"""What both frontends' runtimes hold: the services of one bot process, and the work a
handler starts and lets run past it (inspection, progress watchers).

Keeping the tasks' references here stops asyncio from collecting a running task, and logs a
failure that nobody awaits. Each frontend's ``Runtime`` adds what only it has (the Telegram
bot and its UI, Discord's guild rules and message contexts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Self

from motionbot.bot.core.conversation import Conversation
from motionbot.bot.core.progress import ChatThrottle
from motionbot.bot.core.state import StateStore
from motionbot.bot.history.store import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.queue.client import RenderClient
from motionbot.queue.settings import QueueSettings

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class BotRuntime:
    settings: BotSettings
    queue_settings: QueueSettings
    client: RenderClient
    history: HistoryStore
    conv: Conversation
    throttle: ChatThrottle
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @classmethod
    def assemble(
        cls,
        settings: BotSettings,
        queue_settings: QueueSettings,
        client: RenderClient,
        history: HistoryStore,
        states: StateStore,
        /,
        **own: Any,
    ) -> Self:
        """The runtime of one bot process around its conversation core; ``own`` holds the
        frontend's own fields."""
        conv = Conversation(client=client, history=history, states=states, settings=settings)
        return cls(
            settings=settings,
            queue_settings=queue_settings,
            client=client,
            history=history,
            conv=conv,
            throttle=ChatThrottle(settings.edit_interval_s),
            **own,
        )

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task[Any]:
        """Run background work past the handler; errors are logged."""
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
