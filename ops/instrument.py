"""The few calls a process makes to be observable: logs, endpoint, heartbeat, job metrics.

Entry points (worker, bots) call :func:`setup_process` once and :func:`start_heartbeat` from
inside their event loop; the worker reports outcomes with :func:`record_outcome` where it
claims them (once per task, however often arq re-runs the job) and running jobs through the
arq hooks from :func:`job_hooks`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from motionbot.ops import admin, metrics
from motionbot.ops.logs import setup_logging, task_id_var
from motionbot.ops.metrics import Heartbeat, MetricsServer
from motionbot.ops.settings import OpsSettings
from motionbot.queue import counters
from motionbot.queue.jobs import RenderFailure, RenderResult

log = logging.getLogger(__name__)


class _ArmedHeartbeat(Heartbeat):
    """Counts as alive until the event loop starts beating: a process that never called
    :func:`start_heartbeat` must not be reported dead."""

    armed: bool = False

    @property
    def alive(self) -> bool:
        return not self.armed or super().alive


HEARTBEAT = _ArmedHeartbeat()
_tasks: set[asyncio.Task[None]] = set()


def setup_process(
    service: str, *, redis_url: str | None = None, level: str | None = None, ops: OpsSettings | None = None
) -> MetricsServer | None:
    """JSON logs with redaction, and /metrics + /healthz on MOTIONBOT_METRICS_PORT.

    With ``redis_url`` the process also exports the depth of every queue.
    """
    ops = ops or OpsSettings()
    setup_logging(service, level=(level or ops.log_level).upper(), fmt=ops.log_format)
    HEARTBEAT.stale_after_s = ops.liveness_stale_s
    if redis_url:
        metrics.watch_queue_depth(redis_url)
    return metrics.serve(service, ops.metrics_port, host=ops.metrics_host, heartbeat=HEARTBEAT)


def start_heartbeat(interval_s: float = 5.0) -> asyncio.Task[None]:
    """Call from inside the running loop: /healthz fails once the loop stops beating."""
    HEARTBEAT.armed = True
    HEARTBEAT.beat()
    task = asyncio.get_running_loop().create_task(HEARTBEAT.run(interval_s))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


Hook = Callable[[dict[str, Any]], Awaitable[None]]


def task_id_of(job_id: str) -> str:
    """``render:<task>`` and ``deliver:<task>`` carry the task id; other jobs are their own id."""
    kind, sep, rest = job_id.partition(":")
    return rest if sep and kind in ("render", "deliver") else job_id


def job_hooks(queue: str) -> dict[str, Hook]:
    """arq ``on_job_start`` / ``after_job_end``: ``motionbot_jobs_running`` stays current, and
    every line logged while the job runs carries its task id.

    arq awaits ``on_job_start`` in the task that then creates the job's own task, which
    inherits the context variable set here.
    """

    async def started(ctx: dict[str, Any]) -> None:
        counters.JOBS_RUNNING.labels(queue).inc()
        task_id_var.set(task_id_of(str(ctx.get("job_id", ""))) or None)

    async def ended(ctx: dict[str, Any]) -> None:
        counters.JOBS_RUNNING.labels(queue).dec()

    return {"on_job_start": started, "after_job_end": ended}


async def record_outcome(
    redis: Any, outcome: RenderResult | RenderFailure, *, queue: str, wall_s: float | None = None
) -> None:
    """Count a task's outcome once: metrics of this process and today's totals in Redis."""
    engine = outcome.engine.value if outcome.engine else "unknown"
    if isinstance(outcome, RenderResult):
        counters.JOBS_TOTAL.labels(queue, "done").inc()
        if outcome.cached:
            counters.CACHE_HITS.labels("result").inc()
        elif wall_s is not None:
            counters.RENDER_SECONDS.labels(engine).observe(wall_s)
        status = "done"
    else:
        counters.JOBS_TOTAL.labels(queue, "failed").inc()
        counters.FAILURES.labels(queue, outcome.reason).inc()
        status = "failed"
    try:
        await admin.record_render(redis, outcome=status, engine=engine)
    except Exception as exc:  # statistics must never fail a render
        log.warning("could not record render stats: %s", exc)
