"""Keep one status message per task up to date without hitting chat rate limits.

Telegram allows about one message (edits included) per second per chat; Discord similar.
:class:`ChatThrottle` spaces edits per chat, and :func:`watch_progress` polls the queue's
progress and edits the status message only when the text changed and the chat's interval
has passed, so intermediate stages are skipped rather than queued up. The final "done" or
"failed" text is written by the delivery path, never by the watcher.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from motionbot.bot import i18n
from motionbot.bot.core import presenters
from motionbot.bot.core.replies import Reply
from motionbot.bot.history.store import HistoryStore
from motionbot.queue.client import RenderClient
from motionbot.queue.jobs import Stage

log = logging.getLogger(__name__)

TERMINAL = frozenset({Stage.DONE, Stage.FAILED, Stage.CANCELLED})
Edit = Callable[[Reply], Awaitable[None]]


class ChatThrottle:
    """Minimum spacing of edits per chat (monotonic clock, in-process)."""

    def __init__(self, min_interval_s: float) -> None:
        self.min_interval_s = min_interval_s
        self._last: dict[str, float] = {}

    def ready(self, chat_id: str) -> bool:
        return time.monotonic() - self._last.get(chat_id, float("-inf")) >= self.min_interval_s

    def mark(self, chat_id: str) -> None:
        self._last[chat_id] = time.monotonic()
        if len(self._last) > 10_000:  # forget chats idle for a while
            cutoff = time.monotonic() - 60 * self.min_interval_s
            self._last = {k: v for k, v in self._last.items() if v >= cutoff}

    async def wait(self, chat_id: str) -> None:
        """Sleep until the chat may be edited again (for edits that must not be skipped)."""
        delay = self.min_interval_s - (time.monotonic() - self._last.get(chat_id, float("-inf")))
        if delay > 0:
            await asyncio.sleep(delay)


async def watch_progress(
    *,
    client: RenderClient,
    history: HistoryStore,
    task_id: str,
    chat_id: str,
    edit: Edit,
    throttle: ChatThrottle,
    poll_s: float = 0.5,
    give_up_after_s: float = 6 * 3600,
    shown: str | None = None,
) -> None:
    """Edit the status message as the task advances; returns when it finishes.

    ``shown`` is the text the status message has now (no edit is made to repeat it).
    """
    last_text = shown
    started = time.monotonic()
    marked_running = False
    while time.monotonic() - started < give_up_after_s:
        task = await history.get_task(task_id)
        if task is None or task.status.finished:
            return
        current = await client.progress(task_id)
        if current is not None:
            if current.stage in TERMINAL:
                return
            if current.stage is not Stage.QUEUED and not marked_running:
                await history.mark_running(task_id)
                marked_running = True
            with i18n.use(await history.languages.of(task.platform, task.user_id)):  # the asker's
                text = presenters.progress(current)
                reply = presenters.status_reply(text, cancellable=True)
            if text != last_text and throttle.ready(chat_id):
                task = await history.get_task(task_id)  # delivery may have finished meanwhile
                if task is None or task.status.finished:
                    return
                throttle.mark(chat_id)
                try:
                    await edit(reply)
                    last_text = text
                except Exception:  # a failed progress edit must not end the watch
                    log.exception("progress edit for task %s failed", task_id)
        await asyncio.sleep(poll_s)
