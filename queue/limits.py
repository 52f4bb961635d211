"""Per-user fairness: in-flight renders per user and a daily quota, checked at submit.

Both live in Redis so that every bot process sees the same counts; they are checked and taken
inside the submit script (:mod:`motionbot.queue.enqueue`) so that two messages from the same
user arriving at once cannot both pass. In-flight slots are a sorted set scored by expiry time: a slot that leaks (a task lost
with its worker) frees itself after ``user_slot_ttl_s`` instead of blocking the user forever.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from motionbot.queue.errors import FailureReason, QueueError
from motionbot.queue.jobs import DeliveryTarget
from motionbot.queue.settings import QueueSettings
from motionbot.queue.tasks import PREFIX

_REFUND = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


def slot_key(target: DeliveryTarget) -> str:
    return f"{PREFIX}slots:{target.platform.value}:{target.user_id}"


def quota_key(target: DeliveryTarget, now: datetime | None = None) -> str:
    day = (now or datetime.now(UTC)).strftime("%Y%m%d")
    return f"{PREFIX}quota:{target.platform.value}:{target.user_id}:{day}"


class UserLimits:
    def __init__(self, redis: Any, settings: QueueSettings) -> None:
        self.redis = redis
        self.settings = settings
        self._refund = redis.register_script(_REFUND)

    async def release(self, slot: str, task_id: str, *, refund_quota: str | None = None) -> None:
        """Free the user's slot; refund the quota unit when the failure was ours, not theirs."""
        await self.redis.zrem(slot, task_id)
        if refund_quota:
            await self._refund(keys=[refund_quota], args=[])

    async def in_flight(self, target: DeliveryTarget) -> int:
        slot = slot_key(target)
        await self.redis.zremrangebyscore(slot, "-inf", time.time())
        return int(await self.redis.zcard(slot))

    async def used_today(self, target: DeliveryTarget) -> int:
        raw = await self.redis.get(quota_key(target))
        return int(raw or 0)


def busy_error(settings: QueueSettings) -> QueueError:
    n = settings.max_running_per_user
    return QueueError(FailureReason.BUSY, params={"running": n} if n > 1 else None)


def quota_error(settings: QueueSettings) -> QueueError:
    return QueueError(FailureReason.QUOTA_EXCEEDED, params={"limit": settings.daily_quota})
