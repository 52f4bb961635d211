"""Admin controls, platform-neutral: a service status snapshot (the pause flag itself is
part of the contract, :mod:`motionbot.queue.pause`, since the queue client checks it).

The bots wire these to admin-only commands (ids in MOTIONBOT_ADMIN_IDS); everything lives in
Redis so every bot and worker process sees the same state. Pausing stops new submissions
only: queued and running jobs finish and are delivered.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from motionbot.queue.jobs import DELIVER_QUEUES, Queues
from motionbot.queue.pause import PauseState, paused
from motionbot.queue.progress import health_key, workers_key
from motionbot.queue.tasks import PREFIX

STATS_TTL_S = 8 * 86_400  # a week of daily counters, for "today" and "yesterday" questions
QUEUES: tuple[str, ...] = (Queues.RENDER_CPU, Queues.RENDER_GPU, Queues.INSPECT, *DELIVER_QUEUES)


def stats_key(day: datetime | None = None) -> str:
    return f"{PREFIX}stats:{(day or datetime.now(UTC)).strftime('%Y%m%d')}"


def _text(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


async def record_render(redis: Any, *, outcome: str, engine: str | None = None) -> None:
    """Count one finished render in today's stats (called by the worker that claimed it)."""
    key = stats_key()
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hincrby(key, outcome, 1)
        if engine:
            pipe.hincrby(key, f"{outcome}:{engine}", 1)
        pipe.expire(key, STATS_TTL_S)
        await pipe.execute()


@dataclass(frozen=True)
class QueueStatus:
    name: str
    waiting: int
    workers: int  # workers seen within two health-check intervals
    health: str | None  # arq's last health line (j_complete=... queued=...)


@dataclass(frozen=True)
class ServiceStatus:
    at: float
    queues: list[QueueStatus]
    running: int  # jobs in progress on any worker (arq in-progress keys)
    today: dict[str, int] = field(default_factory=dict)  # done / failed / done:warp ...
    paused: PauseState | None = None
    retention: dict[str, str] = field(default_factory=dict)

    @property
    def renders_today(self) -> int:
        return self.today.get("done", 0) + self.today.get("failed", 0)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"renders_today": self.renders_today}

    def format(self) -> str:
        """A short plain-text report for a chat message."""
        lines = ["Paused: " + (self.paused.message if self.paused else "no, accepting new jobs")]
        for q in self.queues:
            alive = f"{q.workers} worker{'s' if q.workers != 1 else ''}" if q.workers else "no worker"
            lines.append(f"{q.name}: {q.waiting} waiting, {alive}")
        lines.append(f"Running now: {self.running}")
        done, failed = self.today.get("done", 0), self.today.get("failed", 0)
        lines.append(f"Renders today (UTC): {done} done, {failed} failed")
        if self.retention.get("at"):
            when = datetime.fromtimestamp(float(self.retention["at"]), UTC).strftime("%Y-%m-%d %H:%M")
            lines.append(f"Last cleanup: {when} UTC, {self.retention.get('deleted', '0')} files removed")
        return "\n".join(lines)


async def _count_keys(redis: Any, pattern: str) -> int:
    n = 0
    async for _ in redis.scan_iter(match=pattern, count=500):
        n += 1
    return n


async def status(
    redis: Any, *, health_check_interval_s: int = 10, queues: tuple[str, ...] = QUEUES
) -> ServiceStatus:
    from motionbot.ops.retention import LAST_SWEEP_KEY

    since = time.time() - 2 * health_check_interval_s - 1
    async with redis.pipeline(transaction=False) as pipe:
        for q in queues:
            pipe.zcard(q)
            pipe.zcount(workers_key(q), since, "+inf")
            pipe.get(health_key(q))
        pipe.hgetall(stats_key())
        pipe.hgetall(LAST_SWEEP_KEY)
        raw = await pipe.execute()
    out: list[QueueStatus] = []
    for i, q in enumerate(queues):
        waiting, seen, health = raw[3 * i : 3 * i + 3]
        workers = max(int(seen), 1 if health else 0)
        out.append(QueueStatus(q, int(waiting), workers, _text(health) if health else None))
    today = {_text(k): int(v) for k, v in raw[-2].items()}
    retention = {_text(k): _text(v) for k, v in raw[-1].items()}
    return ServiceStatus(
        at=time.time(),
        queues=out,
        running=await _count_keys(redis, "arq:in-progress:*"),
        today=today,
        paused=await paused(redis),
        retention=retention,
    )
