"""Per-task state in Redis that arq does not keep: where a task is queued, and its outcome.

The outcome key is the single point where a task's fate is decided. Whoever sets it first
(``SET NX``) wins: the worker with a result or failure, or :meth:`TaskBook.cancel` with
"cancelled". Everything with an effect the user sees (the deliver job, releasing the user's
slot, the result cache) happens only for the winner, which is what makes at-least-once
execution produce exactly-once effects.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import TypeAdapter

from motionbot.queue.jobs import (
    EngineName,
    JobNames,
    Outcome,
    Queues,
    RenderFailure,
    RenderRequest,
    RenderResult,
)

PREFIX = "motionbot:"
Cancelled = Literal["cancelled"]
CANCELLED: Cancelled = "cancelled"

_OUTCOME: TypeAdapter[RenderResult | RenderFailure] = TypeAdapter(Outcome)


def task_key(task_id: str) -> str:
    return f"{PREFIX}task:{task_id}"


def outcome_key(task_id: str) -> str:
    return f"{PREFIX}outcome:{task_id}"


def request_digest(request: RenderRequest) -> str:
    """The engine-independent part of the result cache key (photo, motion, options)."""
    return hashlib.sha256(request.cache_key("").encode()).hexdigest()


def cache_key(digest: str, engine_version: str) -> str:
    """Redis key of a cached result: ``RenderRequest.cache_key(engine_version)`` in two parts,
    so the submit script can add the engine version it reads from Redis."""
    return f"{PREFIX}cache:{digest}:{engine_version}"


def render_job_id(task_id: str) -> str:
    return f"render:{task_id}"


def deliver_job_id(task_id: str) -> str:
    return f"deliver:{task_id}"


@dataclass(frozen=True)
class TaskRoute:
    """Where a submitted task went (queue, arq job, engine) and what it holds (the user's slot,
    the quota unit), kept in Redis so a cancel or a worker can find and release them. The
    bot's own record of a task is ``motionbot.bot.history.TaskRecord``."""

    task_id: str
    queue: str
    job_id: str
    engine: EngineName
    user_slot: str  # the user's in-flight key (limits.py)
    quota_key: str | None
    est_output_s: float

    def to_json(self) -> str:
        return json.dumps(
            {
                "task_id": self.task_id,
                "queue": self.queue,
                "job_id": self.job_id,
                "engine": self.engine.value,
                "user_slot": self.user_slot,
                "quota_key": self.quota_key,
                "est_output_s": self.est_output_s,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> TaskRoute:
        d = json.loads(raw)
        return cls(
            task_id=d["task_id"],
            queue=d["queue"],
            job_id=d["job_id"],
            engine=EngineName(d["engine"]),
            user_slot=d["user_slot"],
            quota_key=d["quota_key"],
            est_output_s=float(d["est_output_s"]),
        )


Claimed = RenderResult | RenderFailure | Cancelled


def dump_outcome(outcome: Claimed) -> str:
    if isinstance(outcome, str):
        return json.dumps({"status": CANCELLED})
    return outcome.model_dump_json()


def load_outcome(raw: bytes | str) -> Claimed:
    data: dict[str, Any] = json.loads(raw)
    if data.get("status") == CANCELLED:
        return CANCELLED
    return _OUTCOME.validate_python(data)


class TaskBook:
    """Task records and outcome claims on one Redis connection (arq's pool works)."""

    def __init__(self, redis: Any, *, ttl_s: int) -> None:
        self.redis = redis
        self.ttl_s = ttl_s

    async def record(self, rec: TaskRoute) -> None:
        await self.redis.set(task_key(rec.task_id), rec.to_json(), ex=self.ttl_s)

    async def get(self, task_id: str) -> TaskRoute | None:
        raw = await self.redis.get(task_key(task_id))
        return TaskRoute.from_json(raw) if raw else None

    async def claim(self, task_id: str, outcome: Claimed) -> Claimed | None:
        """Set the outcome unless one is set; returns None when we won, else the one set."""
        key = outcome_key(task_id)
        if await self.redis.set(key, dump_outcome(outcome), nx=True, ex=self.ttl_s):
            return None
        raw = await self.redis.get(key)
        return load_outcome(raw) if raw else None

    async def hand_to_cpu(self, request: RenderRequest) -> None:
        """Queue a GPU task again as a CPU preview (the user allowed one). Its route follows it,
        so a cancel finds the CPU job, and it keeps its slot and quota; ``redis`` must be arq's
        pool here (it enqueues)."""
        opts = request.options
        cpu_request = request.model_copy(
            update={
                "options": opts.model_copy(update={"engine": EngineName.WARP}),
                "fallback_from": opts.engine,
            }
        )
        job_id = f"{render_job_id(request.task_id)}:cpu"
        old = await self.get(request.task_id)
        if old is not None:
            await self.record(
                TaskRoute(
                    task_id=request.task_id,
                    queue=Queues.RENDER_CPU,
                    job_id=job_id,
                    engine=EngineName.WARP,
                    user_slot=old.user_slot,
                    quota_key=old.quota_key,
                    est_output_s=old.est_output_s,
                )
            )
        await self.redis.enqueue_job(
            JobNames.RENDER,
            cpu_request.model_dump(mode="json"),
            _job_id=job_id,
            _queue_name=Queues.RENDER_CPU,
        )

    async def outcome(self, task_id: str) -> Claimed | None:
        raw = await self.redis.get(outcome_key(task_id))
        return load_outcome(raw) if raw else None

    async def is_cancelled(self, task_id: str) -> bool:
        raw = await self.redis.get(outcome_key(task_id))
        return raw is not None and load_outcome(raw) == CANCELLED

    async def cached(self, request: RenderRequest, engine_version: str) -> RenderResult | None:
        raw = await self.redis.get(cache_key(request_digest(request), engine_version))
        return RenderResult.model_validate_json(raw) if raw else None

    async def remember(
        self, request: RenderRequest, engine_version: str, result: RenderResult, ttl_s: int
    ) -> None:
        if ttl_s > 0:
            key = cache_key(request_digest(request), engine_version)
            await self.redis.set(key, result.model_dump_json(), ex=ttl_s)

    async def forget(self, request: RenderRequest, engine_version: str) -> None:
        await self.redis.delete(cache_key(request_digest(request), engine_version))
