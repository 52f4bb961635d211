"""Forgetting a user's tasks in Redis: what the queue keeps about them, gone for good.

The queue keeps, per task, its route (the user's slot and quota keys), its progress, its
arq job and result (the whole request: chat, user, media keys), and its deliver job; per
request digest a cached result (pointing at the output and thumbnail in the media store);
per user the in-flight slots and the daily quota counters. The bot's /forget and
``motionbot admin forget`` call these after cancelling what still runs.

A task's outcome key is left where it says "cancelled": a worker still finishing that task
then loses its claim and sends nothing. Every forgotten task is marked delivered, so a
deliver job already on its way is skipped as a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from arq.constants import job_key_prefix, result_key_prefix, retry_key_prefix

from motionbot.queue.delivery import delivered_key
from motionbot.queue.jobs import DeliveryTarget, MediaRef, Platform, Queues, RenderResult
from motionbot.queue.limits import quota_key, slot_key
from motionbot.queue.progress import progress_key
from motionbot.queue.tasks import (
    CANCELLED,
    cache_key,
    deliver_job_id,
    dump_outcome,
    outcome_key,
    render_job_id,
    task_key,
)


async def _scan_delete(redis: Any, pattern: str) -> int:
    deleted = 0
    async for key in redis.scan_iter(match=pattern, count=500):
        deleted += int(await redis.delete(key))
    return deleted


async def forget_tasks(redis: Any, task_ids: Iterable[str], *, delivered_ttl_s: int) -> int:
    """Drop what Redis holds about these tasks; returns how many keys went."""
    deleted = 0
    cancelled = dump_outcome(CANCELLED)
    for task_id in task_ids:
        job_ids = (render_job_id(task_id), deliver_job_id(task_id))
        keys = [task_key(task_id), progress_key(task_id)]
        for job_id in job_ids:
            keys += [job_key_prefix + job_id, result_key_prefix + job_id, retry_key_prefix + job_id]
        async with redis.pipeline(transaction=True) as pipe:
            for platform in Platform:
                pipe.zrem(Queues.deliver(platform), deliver_job_id(task_id))
            pipe.delete(*keys)
            pipe.set(delivered_key(task_id), b"1", ex=delivered_ttl_s)
            pipe.get(outcome_key(task_id))
            results = await pipe.execute()
        deleted += int(results[len(Platform)])
        outcome = results[-1]
        raw = outcome.decode() if isinstance(outcome, bytes) else outcome
        if raw is not None and raw != cancelled:  # a finished task's outcome names its files
            deleted += int(await redis.delete(outcome_key(task_id)))
    return deleted


async def forget_results(redis: Any, digests: Iterable[str]) -> tuple[int, list[MediaRef]]:
    """Drop the cached results built from these request digests (every engine version);
    returns how many there were and the stored files they pointed at."""
    count = 0
    files: list[MediaRef] = []
    for digest in set(digests):
        async for key in redis.scan_iter(match=cache_key(digest, "*"), count=500):
            raw = await redis.get(key)
            if raw is not None:
                try:
                    result = RenderResult.model_validate_json(raw)
                except ValueError:
                    result = None
                if result is not None:
                    files.append(result.output)
                    if result.thumbnail is not None:
                        files.append(result.thumbnail)
            count += int(await redis.delete(key))
    return count, files


async def forget_counters(redis: Any, platform: Platform, user_id: str) -> int:
    """The user's in-flight slots and daily quota counters."""
    target = DeliveryTarget(platform=platform, chat_id="", user_id=user_id)
    deleted = int(await redis.delete(slot_key(target)))
    every_day = quota_key(target).rsplit(":", 1)[0] + ":*"
    return deleted + await _scan_delete(redis, every_day)


async def forget_pattern(redis: Any, pattern: str) -> int:
    """Delete every key matching ``pattern`` (the frontends' own per-user keys)."""
    return await _scan_delete(redis, pattern)
