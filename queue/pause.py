"""The pause flag: while it is set the queue client refuses new jobs with ``PAUSED``.

Part of the contract because the client checks it before taking a job; admins set and clear
it through :mod:`motionbot.ops.admin` and the bots' admin commands. It lives in Redis so every
process sees the same state. Queued and running jobs still finish and are delivered.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from motionbot.queue.errors import FailureReason
from motionbot.queue.tasks import PREFIX

PAUSE_KEY = f"{PREFIX}paused"


@dataclass(frozen=True)
class PauseState:
    reason: str
    by: str
    since: float

    @property
    def message(self) -> str:
        base = FailureReason.PAUSED.default_message
        return f"{base} ({self.reason})" if self.reason else base


async def pause(redis: Any, *, by: str, reason: str = "") -> PauseState:
    state = PauseState(reason=reason.strip()[:200], by=by, since=time.time())
    await redis.set(PAUSE_KEY, json.dumps(asdict(state)))
    return state


async def resume(redis: Any) -> bool:
    """True when new jobs were paused and are accepted again now."""
    return bool(await redis.delete(PAUSE_KEY))


async def paused(redis: Any) -> PauseState | None:
    raw = await redis.get(PAUSE_KEY)
    if raw is None:
        return None
    try:
        return PauseState(**json.loads(raw))
    except (ValueError, TypeError):  # hand-set flag (redis-cli SET motionbot:paused 1): still paused
        return PauseState(reason="", by="redis", since=0.0)
