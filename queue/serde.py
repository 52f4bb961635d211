"""JSON (not pickle) for everything arq writes to Redis.

arq pickles job arguments and results by default; a pickle ties producer and consumer to the
same code and lets whoever can write to Redis run code in the worker. Every process that
touches our queues passes these two functions to arq (``create_pool`` and ``Worker``).
Job arguments are already plain JSON (``model_dump(mode="json")``); only arq's own values
(an exception as a failed job's result, datetimes) need :func:`_default`.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any


def _default(obj: object) -> object:
    if isinstance(obj, BaseException):
        # arq stores the exception of a failed job as its result; keep its type and text
        return {"error": type(obj).__name__, "message": str(obj)}
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def job_dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, default=_default, separators=(",", ":")).encode()


def job_loads(raw: bytes) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("an arq job record must be a JSON object")
    return value


ARQ_SERDE: dict[str, Any] = {"job_serializer": job_dumps, "job_deserializer": job_loads}
