"""Per-user fairness: in-flight renders per user and a daily quota, checked at submit.

Both live in Redis so that every bot process sees the same counts, and both are checked and
taken in one Lua script so that two messages from the same user arriving at once cannot both
pass. In-flight slots are a sorted set scored by expiry time: a slot that leaks (a task lost
with its worker) frees itself after ``user_slot_ttl_s`` instead of blocking the user forever.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from motionbot.queue.errors import FailureReason, QueueError
from motionbot.queue.jobs import DeliveryTarget
from motionbot.queue.settings import QueueSettings
from motionbot.queue.tasks import PREFIX

_ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 0 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return -1 end
local quota = tonumber(ARGV[5])
if quota > 0 then
  local used = tonumber(redis.call('GET', KEYS[2]) or '0')
  if used >= quota then return -2 end
  redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], ARGV[6])
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[7])
return 1
"""

_REFUND = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class Admission(IntEnum):
    ADMITTED = 1
    ALREADY = 0  # the same task id was admitted before (a repeated submit)


def slot_key(target: DeliveryTarget) -> str:
    return f"{PREFIX}slots:{target.platform.value}:{target.user_id}"


def quota_key(target: DeliveryTarget, now: datetime | None = None) -> str:
    day = (now or datetime.now(UTC)).strftime("%Y%m%d")
    return f"{PREFIX}quota:{target.platform.value}:{target.user_id}:{day}"


class UserLimits:
    def __init__(self, redis: Any, settings: QueueSettings) -> None:
        self.redis = redis
        self.settings = settings
        self._admit = redis.register_script(_ADMIT)
        self._refund = redis.register_script(_REFUND)

    async def admit(self, target: DeliveryTarget, task_id: str, *, quota: str) -> Admission:
        """Take an in-flight slot and one unit of today's quota, or raise BUSY / QUOTA_EXCEEDED."""
        s = self.settings
        now = time.time()
        code = int(
            await self._admit(
                keys=[slot_key(target), quota],
                args=[now, now + s.user_slot_ttl_s, task_id, s.max_running_per_user, s.daily_quota,
                      2 * 86_400, s.user_slot_ttl_s],
            )
        )
        if code == -1:
            n = s.max_running_per_user
            raise QueueError(
                FailureReason.BUSY,
                "You already have a render running. Please wait for it to finish or /cancel it."
                if n == 1
                else f"You already have {n} renders running. Please wait for one to finish or /cancel it.",
            )
        if code == -2:
            raise QueueError(
                FailureReason.QUOTA_EXCEEDED,
                f"You've reached today's limit of {s.daily_quota} renders. It resets at midnight UTC.",
            )
        return Admission(code)

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
