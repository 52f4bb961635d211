"""What the bot uses to talk to the renderer: submit, inspect, cancel, progress.

The bot never imports the renderer: jobs are addressed by name (:class:`JobNames`) on named
queues, payloads are JSON, media goes through the :class:`MediaStore` by content hash.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import abort_jobs_ss, in_progress_key_prefix, job_key_prefix
from arq.jobs import Job, SerializationError
from redis.exceptions import RedisError, WatchError

from motionbot.queue.counters import CACHE_HITS, SUBMITTED
from motionbot.queue.enqueue import SubmitScript
from motionbot.queue.errors import FailureReason, QueueError
from motionbot.queue.jobs import (
    EngineName,
    InspectReport,
    InspectRequest,
    JobNames,
    MediaKind,
    MediaRef,
    Progress,
    Queues,
    RenderFailure,
    RenderRequest,
    RenderResult,
    Stage,
)
from motionbot.queue.limits import UserLimits, busy_error, quota_error, quota_key, slot_key
from motionbot.queue.pause import paused
from motionbot.queue.progress import ProgressBoard, eta_for
from motionbot.queue.serde import ARQ_SERDE
from motionbot.queue.settings import QueueSettings
from motionbot.queue.store import MediaStore, open_store
from motionbot.queue.tasks import CANCELLED, TaskBook, TaskRoute, render_job_id


@dataclass(frozen=True)
class Submitted:
    task_id: str
    queue: str
    position: int  # jobs waiting ahead of this one (0 = starts when a worker is free)
    eta_s: float | None  # seconds until done; None = unknown (no worker serves the queue now)
    cached: RenderResult | None  # set on a result-cache hit: nothing was queued, deliver it now
    fallback_to_cpu: bool  # a GPU request rendered as a CPU preview because no GPU worker is up


async def queue_position(redis: Any, queue: str, job_id: str, *, scan: int = 64) -> int | None:
    """Jobs waiting ahead of ``job_id``. arq keeps running jobs in the queue until they finish;
    they sit at its head (oldest scores), so only the first ``scan`` entries are checked."""
    rank = await redis.zrank(queue, job_id)
    if rank is None:
        return None
    if rank == 0:
        return 0
    ahead: list[bytes] = await redis.zrange(queue, 0, min(rank, scan) - 1)
    async with redis.pipeline(transaction=False) as pipe:
        for jid in ahead:
            pipe.exists(in_progress_key_prefix + jid.decode())
        running = sum(int(x) for x in await pipe.execute())
    return int(rank) - running


class RenderClient:
    def __init__(self, redis: ArqRedis, settings: QueueSettings, store: MediaStore) -> None:
        self.redis = redis
        self.settings = settings
        self.store = store
        self.book = TaskBook(redis, ttl_s=settings.progress_ttl_s)
        self.board = ProgressBoard(redis, settings)
        self.limits = UserLimits(redis, settings)
        self._submit = SubmitScript(redis, settings)

    @classmethod
    async def connect(cls, settings: QueueSettings) -> RenderClient:
        redis = await create_pool(RedisSettings.from_dsn(settings.redis_url), **ARQ_SERDE)
        return cls(redis, settings, open_store(settings))

    async def close(self) -> None:
        await self.redis.aclose()

    # --- engines ---
    async def available_engines(self) -> set[EngineName]:
        alive = await asyncio.gather(*(self.board.alive_workers(e.queue) for e in EngineName))
        return {e for e, n in zip(EngineName, alive, strict=True) if n > 0}

    # --- inspect ---
    async def inspect(self, media: MediaRef, kind: MediaKind, *, timeout_s: float = 10.0) -> InspectReport:
        """Run the input checks on an inspect worker and wait for the report."""
        if await self.board.alive_workers(Queues.INSPECT) == 0:
            raise QueueError(
                FailureReason.ENGINE_UNAVAILABLE,
                detail="no worker serves the inspect queue",
                params={"case": "checks"},
            )
        job_id = f"inspect:{uuid.uuid4().hex}"
        job = await self.redis.enqueue_job(
            JobNames.INSPECT,
            InspectRequest(media=media, kind=kind).model_dump(mode="json"),
            _job_id=job_id,
            _queue_name=Queues.INSPECT,
            _expires=timeout_s,
        )
        assert job is not None  # a fresh uuid cannot collide
        try:
            data = await job.result(timeout=timeout_s, poll_delay=0.02)
        except TimeoutError as exc:
            await self._drop_queued(Queues.INSPECT, job_id)
            raise QueueError(
                FailureReason.TIMED_OUT,
                detail=f"inspect job {job_id} not done in {timeout_s}s",
                params={"case": "checks"},
            ) from exc
        except SerializationError as exc:  # the job failed; its error was stored as JSON
            raise QueueError(FailureReason.INTERNAL_ERROR, detail=f"inspect failed: {exc}") from exc
        return InspectReport.model_validate(data)

    # --- submit ---
    async def submit(self, request: RenderRequest) -> Submitted:
        """Queue a render, or answer at once from the result cache (``Submitted.cached``: the
        caller delivers it; no deliver job comes). Raises QueueError with BUSY, QUOTA_EXCEEDED,
        ENGINE_UNAVAILABLE or PAUSED (an admin paused new jobs), each with a user-facing message."""
        request, fallback = await self._route(request)
        engine = request.options.engine
        queue = engine.queue

        rec = TaskRoute(
            task_id=request.task_id,
            queue=queue,
            job_id=render_job_id(request.task_id),
            engine=engine,
            user_slot=slot_key(request.target),
            quota_key=quota_key(request.target),
            est_output_s=min(request.options.max_seconds, self.settings.eta_typical_output_s),
        )
        try:
            reply = await self._submit(request, rec, check_cache=True)
            if reply.status == "cached" and reply.cached_json is not None:
                hit = RenderResult.model_validate_json(reply.cached_json)
                if await self.store.exists(hit.output):
                    result = hit.model_copy(
                        update={"task_id": request.task_id, "cached": True, "timings": {}}
                    )
                    CACHE_HITS.labels("result").inc()
                    return Submitted(request.task_id, queue, 0, 0.0, result, fallback)
                reply = await self._submit(request, rec, check_cache=False)  # the file expired: render
        except RedisError as exc:
            raise QueueError(FailureReason.INTERNAL_ERROR, detail=f"enqueue failed: {exc}") from exc
        if reply.status == "paused":
            state = await paused(self.redis)
            # the admin's reason, in the admin's own words: the one thing here no catalogue has
            note: dict[str, float | int | str] | None = None
            if state and state.reason:
                note = {"case": "note", "note": state.reason}
            raise QueueError(FailureReason.PAUSED, params=note)
        if reply.status == "busy":
            raise busy_error(self.settings)
        if reply.status == "quota":
            raise quota_error(self.settings)
        SUBMITTED.labels(queue).inc()
        rate = reply.rate if reply.rate is not None else self.board.default_rate(engine)
        eta = eta_for(reply.position, reply.workers, rate, rec.est_output_s)
        return Submitted(request.task_id, queue, reply.position, eta, None, fallback)

    async def _route(self, request: RenderRequest) -> tuple[RenderRequest, bool]:
        """Pick the queue from the engine asked for and the workers alive now."""
        opts = request.options
        if opts.engine is not EngineName.DIFFUSION or await self.board.alive_workers(Queues.RENDER_GPU):
            return request, False
        if opts.allow_cpu_fallback:
            cpu = opts.model_copy(update={"engine": EngineName.WARP})
            return request.model_copy(update={"options": cpu, "fallback_from": opts.engine}), True
        if not await self.board.ever_served(Queues.RENDER_GPU):
            raise QueueError(
                FailureReason.ENGINE_UNAVAILABLE,
                params={"case": "gpu"},
            )
        return request, False  # a GPU worker is down for now: queue with an unknown ETA

    # --- cancel and progress ---
    async def cancel(self, task_id: str) -> bool:
        """Cancel a queued or running task. True when it was cancelled; False when it had
        already finished (its deliver job then carries the result) or is unknown.

        No deliver job is sent for a cancel: the caller asked for it and tells the user.
        """
        rec = await self.book.get(task_id)
        if rec is None or await self.book.claim(task_id, CANCELLED) is not None:
            return False
        dequeued = await self._drop_queued(rec.queue, rec.job_id)
        if not dequeued:  # running: arq cancels the task, the worker also sees the outcome flag
            await self.redis.zadd(abort_jobs_ss, {rec.job_id: int(time.time() * 1000)})
        await self.limits.release(rec.user_slot, task_id, refund_quota=rec.quota_key if dequeued else None)
        last = await self.board.read(task_id)
        await self.board.publish(
            Progress(task_id=task_id, stage=Stage.CANCELLED, percent=last.percent if last else 0.0)
        )
        return True

    async def _drop_queued(self, queue: str, job_id: str) -> bool:
        """Remove a job that no worker has started; False if one has (or it is gone)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(in_progress_key_prefix + job_id)
                if await pipe.exists(in_progress_key_prefix + job_id):
                    return False
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.zrem(queue, job_id)
                pipe.delete(job_key_prefix + job_id)
                removed, _ = await pipe.execute()
            except WatchError:
                return False
        return bool(removed)

    async def progress(self, task_id: str) -> Progress | None:
        current = await self.board.read(task_id)
        if current is None or current.stage is not Stage.QUEUED:
            return current
        rec = await self.book.get(task_id)
        if rec is None:
            return current
        position = await queue_position(self.redis, rec.queue, rec.job_id)
        if position is None:  # picked up between the two reads
            return current
        eta = await self.board.eta_queued(rec.engine, rec.queue, position, rec.est_output_s)
        return current.model_copy(update={"queue_position": position, "eta_s": eta})

    async def outcome(self, task_id: str) -> RenderResult | RenderFailure | None:
        """The task's final result or failure once it has one (None while queued or running,
        and for cancelled or unknown tasks): what the deliver job carried, kept ``progress_ttl_s``."""
        got = await self.book.outcome(task_id)
        return None if got is None or got == CANCELLED else got

    async def job(self, task_id: str) -> Job | None:
        """The arq job of a task (tests and admin tools)."""
        rec = await self.book.get(task_id)
        if rec is None:
            return None
        return Job(rec.job_id, self.redis, _queue_name=rec.queue, _deserializer=ARQ_SERDE["job_deserializer"])
