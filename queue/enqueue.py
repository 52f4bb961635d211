"""Submit in one Redis round trip: the admin pause flag, cache check, per-user admission, task
record, the arq job and its queue position, all in one Lua script.

A submit used to be a dozen commands (about 250 jobs/s from one process); one script call
makes the bot's enqueue throughput a matter of Redis, and makes admission and enqueueing
atomic: a task is either admitted *and* queued, or neither. The job is written exactly as
``ArqRedis.enqueue_job`` writes it (same keys, same serialised record, same dedupe on
``arq:job:<id>`` / ``arq:result:<id>``), so arq workers cannot tell the difference.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from arq.constants import expires_extra_ms, in_progress_key_prefix, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job

from motionbot.queue.jobs import JobNames, Progress, RenderRequest, Stage
from motionbot.queue.pause import PAUSE_KEY
from motionbot.queue.progress import engine_version_key, health_key, progress_key, rate_key, workers_key
from motionbot.queue.serde import job_dumps
from motionbot.queue.settings import QueueSettings
from motionbot.queue.tasks import PREFIX, TaskRoute, request_digest, task_key

POSITION_SCAN = 64  # running jobs sit at the queue's head; only this many are checked

_SUBMIT = """
local paused = redis.call('GET', KEYS[12])
if paused then return {'paused', paused} end
local p = cjson.decode(ARGV[1])
local version = redis.call('GET', KEYS[1])
if version and p.check == '1' then
  local hit = redis.call('GET', p.cache .. version)
  if hit then return {'cached', hit} end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', p.now)
if not redis.call('ZSCORE', KEYS[2], p.task) then
  if redis.call('ZCARD', KEYS[2]) >= tonumber(p.max_running) then return {'busy'} end
  local quota = tonumber(p.quota)
  if quota > 0 then
    local used = tonumber(redis.call('GET', KEYS[3]) or '0')
    if used >= quota then return {'quota'} end
    redis.call('INCR', KEYS[3])
    redis.call('EXPIRE', KEYS[3], p.quota_ttl)
  end
  redis.call('ZADD', KEYS[2], p.slot_until, p.task)
  redis.call('EXPIRE', KEYS[2], p.slot_ttl)
  redis.call('SET', KEYS[5], ARGV[2], 'EX', p.ttl)
end
redis.call('SET', KEYS[4], ARGV[4], 'EX', p.ttl)
if redis.call('EXISTS', KEYS[6], KEYS[7]) == 0 then
  redis.call('SET', KEYS[6], ARGV[3], 'PX', p.expires)
  redis.call('ZADD', KEYS[8], p.score, p.job_id)
end
local ahead = -1
local rank = redis.call('ZRANK', KEYS[8], p.job_id)
if rank then
  ahead = rank
  if rank > 0 then
    for _, id in ipairs(redis.call('ZRANGE', KEYS[8], 0, math.min(rank, tonumber(p.scan)) - 1)) do
      if redis.call('EXISTS', p.in_progress .. id) == 1 then ahead = ahead - 1 end
    end
  end
end
return {'ok', ahead, redis.call('GET', KEYS[9]) or '', redis.call('ZCOUNT', KEYS[10], p.alive_since, '+inf'),
        redis.call('EXISTS', KEYS[11]), version or ''}
"""


@dataclass(frozen=True)
class SubmitReply:
    status: str  # ok | cached | busy | quota | paused
    cached_json: bytes | None = None  # the cached result, or the pause record
    position: int = 0
    rate: float | None = None  # measured seconds per output second, None before any render
    workers: int = 0


class SubmitScript:
    """Calls the script; submits made concurrently in one event-loop tick share one pipeline
    (one write, one read), which is what makes a burst of submits cheap in syscalls."""

    def __init__(self, redis: Any, settings: QueueSettings, *, max_batch: int = 64) -> None:
        self.redis = redis
        self.settings = settings
        self.max_batch = max_batch
        self._script = redis.register_script(_SUBMIT)
        self._batch: list[tuple[list[str], list[Any], asyncio.Future[Any]]] = []

    async def _call(self, keys: list[str], args: list[Any]) -> Any:
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._batch.append((keys, args, fut))
        if len(self._batch) == 1:
            asyncio.get_running_loop().call_soon(self._flush)
        elif len(self._batch) >= self.max_batch:
            self._flush()
        return await fut

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if batch:
            task = asyncio.ensure_future(self._send(batch))
            task.add_done_callback(lambda t: t.exception())  # errors are set on the futures

    async def _send(self, batch: list[tuple[list[str], list[Any], asyncio.Future[Any]]]) -> None:
        try:
            if len(batch) == 1:
                keys, args, fut = batch[0]
                results: list[Any] = [await self._script(keys=keys, args=args)]
            else:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for keys, args, _ in batch:
                        await self._script(keys=keys, args=args, client=pipe)
                    results = await pipe.execute(raise_on_error=False)
        except Exception as exc:
            for _, _, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        for (_, _, fut), result in zip(batch, results, strict=True):
            if fut.done():
                continue
            if isinstance(result, Exception):
                fut.set_exception(result)
            else:
                fut.set_result(result)

    async def __call__(self, request: RenderRequest, rec: TaskRoute, *, check_cache: bool) -> SubmitReply:
        s = self.settings
        engine = request.options.engine
        now = time.time()
        now_ms = int(now * 1000)
        job = serialize_job(
            JobNames.RENDER, (request.model_dump(mode="json"),), {}, None, now_ms, serializer=job_dumps
        )
        queued = Progress(task_id=request.task_id, stage=Stage.QUEUED, percent=0, updated_at=now)
        keys = [
            engine_version_key(engine),
            rec.user_slot,
            rec.quota_key or f"{PREFIX}quota:none",
            task_key(request.task_id),
            progress_key(request.task_id),
            job_key_prefix + rec.job_id,
            result_key_prefix + rec.job_id,
            rec.queue,
            rate_key(engine),
            workers_key(rec.queue),
            health_key(rec.queue),
            PAUSE_KEY,
        ]
        # scalars travel as one JSON object (all strings: no Lua number formatting on the way
        # back out); redis-py packs every argument separately, which is most of a submit's CPU
        params = {
            "cache": f"{PREFIX}cache:{request_digest(request)}:",
            "check": str(int(check_cache)),
            "now": repr(now),
            "slot_until": repr(now + s.user_slot_ttl_s),
            "task": request.task_id,
            # an album's tasks are admitted together: each one of the batch has a slot
            "max_running": str(s.max_running_per_user + request.target.batch_size - 1),
            "quota": str(s.daily_quota),
            "quota_ttl": str(2 * 86_400),
            "slot_ttl": str(s.user_slot_ttl_s),
            "ttl": str(s.progress_ttl_s),
            "expires": str(expires_extra_ms),
            "score": str(now_ms),
            "job_id": rec.job_id,
            "alive_since": repr(now - 2 * s.health_check_interval_s - 1),
            "in_progress": in_progress_key_prefix,
            "scan": str(POSITION_SCAN),
        }
        args: list[Any] = [json.dumps(params), queued.model_dump_json(), job, rec.to_json()]
        reply = await self._call(keys, args)
        status = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])
        if status in ("cached", "paused"):
            return SubmitReply(status, cached_json=reply[1])
        if status != "ok":
            return SubmitReply(status)
        rate = reply[2].decode() if isinstance(reply[2], bytes) else reply[2]
        return SubmitReply(
            status,
            position=max(int(reply[1]), 0),
            rate=float(rate) if rate else None,
            workers=max(int(reply[3]), 1 if int(reply[4]) else 0),
        )
