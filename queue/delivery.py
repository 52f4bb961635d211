"""The deliver queue: renderer -> bot. The bot process runs :func:`delivery_worker`.

A render may run more than once (arq is at-least-once), so its deliver job has the id
``deliver:<task_id>``: arq refuses a second job with that id while the first is queued,
running, or its result is kept (``keep_result_s``). On top of that the worker below keeps a
``motionbot:delivered:<task_id>`` marker for ``delivered_ttl_s`` once the handler returned, and
skips a deliver job whose task is already marked, so a video is sent once even when the
deliver job itself is re-run (bot restarted after sending, result expired).
The one gap left is a crash between the handler's send and the marker: the handler can close
it with its own record of sent task ids (the bot's history table).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from arq.connections import RedisSettings
from arq.worker import Retry, func

from motionbot.queue.arq_worker import Worker
from motionbot.queue.counters import DELIVERIES
from motionbot.queue.jobs import DeliverJob, JobNames, Platform, Queues
from motionbot.queue.serde import ARQ_SERDE
from motionbot.queue.settings import QueueSettings
from motionbot.queue.tasks import PREFIX, deliver_job_id

log = logging.getLogger(__name__)

Handler = Callable[[DeliverJob], Awaitable[None]]
DELIVER_MAX_TRIES = 6


def delivered_key(task_id: str) -> str:
    return f"{PREFIX}delivered:{task_id}"


async def enqueue_deliver(redis: Any, job: DeliverJob) -> bool:
    """Queue the deliver job once per task; False when it is already queued or done."""
    created = await redis.enqueue_job(
        JobNames.DELIVER,
        job.model_dump(mode="json"),
        _job_id=deliver_job_id(job.task_id),
        _queue_name=Queues.deliver(job.target.platform),
    )
    return created is not None


async def was_delivered(redis: Any, task_id: str) -> bool:
    return bool(await redis.exists(delivered_key(task_id)))


async def mark_delivered(redis: Any, task_id: str, ttl_s: int) -> None:
    await redis.set(delivered_key(task_id), b"1", ex=ttl_s)


def delivery_worker(
    settings: QueueSettings, handler: Handler, *, platform: Platform | str, **worker_kw: Any
) -> Worker:
    """An arq Worker on one platform's deliver queue for the bot's event loop (no signal handlers).

    Run it with ``await worker.async_run()`` next to the bot and ``await worker.close()`` on
    shutdown. An exception from ``handler`` is retried with doubling delays up to
    ``DELIVER_MAX_TRIES`` times; raise ``arq.Retry(defer=...)`` to choose the delay (a chat API's
    rate limit).
    """

    async def deliver(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
        job = DeliverJob.model_validate(payload)
        redis = ctx["redis"]
        platform_name = job.target.platform.value
        if await was_delivered(redis, job.task_id):
            log.info("task %s already delivered; skipping a repeated deliver job", job.task_id)
            DELIVERIES.labels(platform_name, "duplicate").inc()
            return "duplicate"
        try:
            await handler(job)
        except Retry:
            DELIVERIES.labels(platform_name, "retry").inc()
            raise
        except Exception as exc:  # arq fails a job for good on any other error: retry it ourselves
            tries = int(ctx.get("job_try", 1))
            if tries >= DELIVER_MAX_TRIES:
                log.exception("giving up delivering task %s after %d tries", job.task_id, tries)
                DELIVERIES.labels(platform_name, "failed").inc()
                raise
            DELIVERIES.labels(platform_name, "retry").inc()
            log.warning(
                "delivering task %s failed (%s); try %d of %d", job.task_id, exc, tries, DELIVER_MAX_TRIES
            )
            raise Retry(defer=min(settings.deliver_retry_s * 2 ** (tries - 1), 300.0)) from exc
        await mark_delivered(redis, job.task_id, settings.delivered_ttl_s)
        DELIVERIES.labels(platform_name, "delivered").inc()
        return "delivered"

    kw: dict[str, Any] = {
        "queue_name": Queues.deliver(platform),
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "handle_signals": False,
        "keep_result": settings.keep_result_s,
        "health_check_interval": settings.health_check_interval_s,
        "poll_delay": settings.worker_poll_s,
        "max_tries": DELIVER_MAX_TRIES + 1,
        **ARQ_SERDE,
    }
    kw.update(worker_kw)
    return Worker([func(deliver, name=JobNames.DELIVER, timeout=300)], **kw)
