"""Work a frontend starts from a handler and lets run past it (inspection, progress watchers).

Both frontends' runtimes hold such tasks; keeping the references here stops asyncio from
collecting a running task, and logs a failure that nobody awaits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundWork:
    """Mixed into a runtime that has a ``tasks: set[asyncio.Task]`` attribute."""

    tasks: set[asyncio.Task[Any]]

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
