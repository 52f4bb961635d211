"""Media kept past retention.

Retention deletes media by age, but some files are meant to outlive it: a reference video
that a user saved as a reusable move is used again months later. The bot pins such files
here (a Redis set of media keys) and unpins them when the last saved move using them is
forgotten; the retention sweep skips every pinned key.
"""

from __future__ import annotations

from typing import Any

from motionbot.queue.jobs import MediaRef
from motionbot.queue.tasks import PREFIX

PINS_KEY = f"{PREFIX}media:pinned"


async def pin(redis: Any, ref: MediaRef) -> None:
    await redis.sadd(PINS_KEY, ref.key)


async def unpin(redis: Any, ref: MediaRef) -> None:
    await redis.srem(PINS_KEY, ref.key)


async def pinned(redis: Any) -> frozenset[str]:
    return frozenset(k.decode() if isinstance(k, bytes) else str(k) for k in await redis.smembers(PINS_KEY))
