"""Progress, render rates and worker presence: small Redis keys, cheap to read.

A worker publishes one JSON :class:`Progress` per task (TTL'd) and, after each render, folds
its seconds-per-output-second into an EWMA per engine. Queued tasks get their ETA from that
rate, their rank in arq's queue and how many workers serve the queue. Workers announce
themselves in a sorted set per queue (score = last seen), because arq's health-check key is
one per queue, not per worker, and disappears when any one of them stops.
"""

from __future__ import annotations

import time
from typing import Any

from motionbot.queue.jobs import EngineName, Progress, Stage
from motionbot.queue.settings import QueueSettings
from motionbot.queue.tasks import PREFIX

EWMA_ALPHA = 0.3

# share of a render's wall time each stage usually takes, to turn (stage, fraction) into one percent
STAGE_WEIGHTS: dict[Stage, tuple[float, float]] = {
    Stage.QUEUED: (0.0, 0.0),
    Stage.DECODE: (0.0, 5.0),
    Stage.MOTION: (5.0, 20.0),
    Stage.RENDER: (20.0, 90.0),
    Stage.ENCODE: (90.0, 99.0),
    Stage.DONE: (100.0, 100.0),
}


FINAL_STAGES = frozenset({Stage.DONE, Stage.FAILED, Stage.CANCELLED})

_PUBLISH = """
if ARGV[3] == '0' then
  local current = redis.call('GET', KEYS[1])
  if current then
    local stage = cjson.decode(current)['stage']
    if stage == 'done' or stage == 'failed' or stage == 'cancelled' then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""


def overall_percent(stage: Stage, fraction: float) -> float:
    lo, hi = STAGE_WEIGHTS.get(stage, (0.0, 100.0))
    return lo + (hi - lo) * min(max(fraction, 0.0), 1.0)


def progress_key(task_id: str) -> str:
    return f"{PREFIX}progress:{task_id}"


def rate_key(engine: EngineName) -> str:
    return f"{PREFIX}rate:{engine.value}"


def workers_key(queue: str) -> str:
    return f"{PREFIX}workers:{queue}"


def engine_version_key(engine: EngineName) -> str:
    return f"{PREFIX}engine-version:{engine.value}"


def health_key(queue: str) -> str:
    return f"{queue}:health-check"  # arq's own key


class ProgressBoard:
    def __init__(self, redis: Any, settings: QueueSettings) -> None:
        self.redis = redis
        self.settings = settings
        self._publish = redis.register_script(_PUBLISH)

    # --- per task ---
    async def publish(self, progress: Progress) -> bool:
        """Store a task's progress; a final stage (done, failed, cancelled) is never replaced by
        a late update from a render thread that had not yet noticed. False when refused."""
        if not progress.updated_at:
            progress = progress.model_copy(update={"updated_at": time.time()})
        final = int(progress.stage in FINAL_STAGES)
        key = progress_key(progress.task_id)
        stored = await self._publish(
            keys=[key], args=[progress.model_dump_json(), self.settings.progress_ttl_s, final]
        )
        return bool(stored)

    async def read(self, task_id: str) -> Progress | None:
        raw = await self.redis.get(progress_key(task_id))
        return Progress.model_validate_json(raw) if raw else None

    # --- render rates ---
    def default_rate(self, engine: EngineName) -> float:
        s = self.settings
        return s.eta_default_diffusion if engine is EngineName.DIFFUSION else s.eta_default_warp

    async def rate(self, engine: EngineName) -> float:
        """Seconds of wall time per second of output video (EWMA of measured renders)."""
        raw = await self.redis.get(rate_key(engine))
        return float(raw) if raw else self.default_rate(engine)

    async def record_rate(self, engine: EngineName, wall_s: float, output_s: float) -> float:
        if output_s <= 0:
            return await self.rate(engine)
        sample = wall_s / output_s
        raw = await self.redis.get(rate_key(engine))
        new = sample if raw is None else EWMA_ALPHA * sample + (1 - EWMA_ALPHA) * float(raw)
        await self.redis.set(rate_key(engine), repr(new))
        return new

    # --- workers ---
    async def announce(
        self, queue: str, worker_id: str, engine: EngineName | None, version: str | None
    ) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(workers_key(queue), {worker_id: time.time()})
            if engine is not None and version is not None:
                pipe.set(engine_version_key(engine), version)
            await pipe.execute()

    async def retire(self, queue: str, worker_id: str) -> None:
        await self.redis.zrem(workers_key(queue), worker_id)

    async def alive_workers(self, queue: str) -> int:
        """Workers seen within two health-check intervals; 1 if only arq's key says so."""
        since = time.time() - 2 * self.settings.health_check_interval_s - 1
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zcount(workers_key(queue), since, "+inf")
            pipe.exists(health_key(queue))
            n, health = await pipe.execute()
        return max(int(n), 1 if health else 0)

    async def ever_served(self, queue: str) -> bool:
        since = time.time() - self.settings.engine_absent_after_s
        return int(await self.redis.zcount(workers_key(queue), since, "+inf")) > 0

    async def engine_version(self, engine: EngineName) -> str | None:
        raw = await self.redis.get(engine_version_key(engine))
        return raw.decode() if isinstance(raw, bytes) else raw

    async def eta_queued(
        self, engine: EngineName, queue: str, position: int, output_s: float
    ) -> float | None:
        """Seconds until a task at ``position`` (0 = next) is done; None when no worker serves it."""
        return eta_for(position, await self.alive_workers(queue), await self.rate(engine), output_s)


def eta_for(position: int, workers: int, rate: float, output_s: float) -> float | None:
    """Seconds until a task with ``position`` jobs ahead is done, with ``workers`` serving the
    queue at ``rate`` s per output second; None (unknown) when no worker serves it."""
    if workers <= 0:
        return None
    return round((position // workers + 1) * rate * output_s, 1)
