"""arq's Worker with a shutdown that tolerates a job finishing at that moment.

arq's ``Worker.close()`` cancels every job task (``handle_sig``) and then gathers them. A job
whose own coroutine has already ended (completed, failed, or stopped by a user's cancel) is
still recording its outcome: arq awaits ``on_job_end``, the shielded ``finish_job`` write and
``after_job_end`` in that task. Cancelled there, the task raises ``CancelledError`` out of
``close()``: the shutdown hook never runs (the worker is not retired from the board), the
connection pool is left open, and the outcome write races the end of the event loop, so the job
may be run again by the next worker. A cancel that lands just before a deploy's SIGTERM hits
exactly that window. This Worker leaves a finishing job alone until its outcome is written and
only then closes.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

import arq

log = logging.getLogger(__name__)

Hook = Any  # arq's StartupShutdown: an async callable taking ctx


class Worker(arq.Worker):
    """arq.Worker whose shutdown waits for jobs that are only recording their outcome."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.finishing: set[str] = set()  # job ids past their coroutine, writing their outcome
        own_end: Hook | None = self.on_job_end
        own_after: Hook | None = self.after_job_end

        async def job_ended(ctx: dict[str, Any]) -> None:
            # runs synchronously up to here from the moment arq's job coroutine returned
            self.finishing.add(str(ctx["job_id"]))
            if own_end is not None:
                await own_end(ctx)

        async def outcome_written(ctx: dict[str, Any]) -> None:
            try:
                if own_after is not None:
                    await own_after(ctx)
            finally:
                self.finishing.discard(str(ctx["job_id"]))

        self.on_job_end = job_ended
        self.after_job_end = outcome_written

    def handle_sig(self, signum: int) -> None:
        """arq's handler, except that a job already recording its outcome is not cancelled."""
        sig = signal.Signals(signum)
        running = {job_id: t for job_id, t in self.tasks.items() if not t.done()}
        self.finishing.intersection_update(running)  # a failed outcome write skips after_job_end
        to_cancel = [t for job_id, t in running.items() if job_id not in self.finishing]
        log.info(
            "shutdown on %s: %d jobs complete, %d failed, %d retried, %d to cancel, %d finishing",
            sig.name,
            self.jobs_complete,
            self.jobs_failed,
            self.jobs_retried,
            len(to_cancel),
            len(running) - len(to_cancel),
        )
        for task in to_cancel:
            task.cancel()
        if self.main_task is not None:
            self.main_task.cancel()
        if self.on_stop is not None:
            self.on_stop(sig)

    async def close(self) -> None:
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
        if not self._pool:
            return
        # A task cancelled before its job began (reading the job from Redis) ends in
        # CancelledError: the job was never started and stays queued, nothing to report.
        results = await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.error("a job task failed while the worker closed: %r", result)
        await self.pool.delete(self.health_check_key)
        if self.on_shutdown:
            await self.on_shutdown(self.ctx)
        await self.pool.close(close_connection_pool=True)
        self._pool = None
