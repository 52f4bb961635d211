"""What the service keeps about one user: exported as JSON (/mydata) or deleted (/forget,
``motionbot admin forget``).

Kept about a user: their row (first seen, consent date), their tasks (dates, options,
outcomes, the stored photo, reference video, result and thumbnail), their deliveries, their
saved moves (and the pins keeping those videos past retention), result-cache entries built
from their inputs, their conversation state and counters (in-flight slots, daily quota, rate
limits) in Redis. Forgetting removes all of it: rows are deleted, files are deleted from the
media store (disk or S3), except a file another user's task or saved move still refers to by
content hash. A render still running is cancelled first and nothing is delivered after.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from motionbot.bot.history import HistoryStore
from motionbot.bot.history.models import TaskRecord
from motionbot.queue import forget as queue_forget
from motionbot.queue import pins
from motionbot.queue.client import RenderClient
from motionbot.queue.jobs import DeliveryTarget, MediaRef, Platform, RenderRequest
from motionbot.queue.tasks import request_digest

# Keys the frontends keep per user, by platform (their layouts: bot/telegram/states.py and
# middlewares.py, bot/discord/runtime.py, bot/core/state.py); ``{u}`` is the user id.
STATE_PATTERNS: dict[Platform, tuple[str, ...]] = {
    Platform.TELEGRAM: (
        "motionbot:fsm:*:{u}:*",  # aiogram FSM: prefix:bot:chat:user:destiny:part
        "motionbot:tg:rl:{u}:*",
        "motionbot:tg:rl-told:{u}:*",
        "motionbot:conv:telegram:*:{u}",
    ),
    Platform.DISCORD: (
        "motionbot:dc:conv:discord:*:{u}",
        "motionbot:conv:discord:*:{u}",
    ),
}
INSPECT_CACHE = "motionbot:inspect:*:{key}"  # bot/core/inputs.py: findings per stored file


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts else None


@dataclass(frozen=True)
class Forgotten:
    """What /forget deleted, for the user's answer and the operator's log."""

    tasks: int
    saved_moves: int
    files: int
    bytes: int
    cancelled: int
    cached_results: int
    redis_keys: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _task_files(task: TaskRecord) -> list[tuple[str, MediaRef]]:
    refs = [("photo", task.photo), ("video", task.motion.video), ("saved_motion", task.motion.saved)]
    refs.append(("result", task.output))
    return [(role, ref) for role, ref in refs if ref is not None]


def _digest(task: TaskRecord) -> str:
    """The result-cache digest the task's inputs were (or would be) cached under."""
    target = DeliveryTarget(platform=task.platform, chat_id=task.chat_id, user_id=task.user_id)
    request = RenderRequest(
        task_id=task.task_id, target=target, photo=task.photo, motion=task.motion, options=task.options
    )
    return request_digest(request)


class UserData:
    """Export and deletion of one user's data, shared by both bots and the admin command."""

    def __init__(self, history: HistoryStore, client: RenderClient) -> None:
        self.history = history
        self.client = client
        self.redis = client.redis
        self.store = client.store

    async def _tasks(self, platform: Platform, user_id: str) -> list[TaskRecord]:
        count = await self.history.count_tasks(platform, user_id)
        return await self.history.list_tasks(platform, user_id, limit=max(count, 1))

    async def _state_keys(self, platform: Platform, user_id: str) -> list[str]:
        keys: list[str] = []
        for pattern in STATE_PATTERNS.get(platform, ()):
            async for key in self.redis.scan_iter(match=pattern.format(u=user_id), count=500):
                keys.append(key.decode() if isinstance(key, bytes) else str(key))
        return sorted(set(keys))

    # --- /mydata ---
    async def export(self, platform: Platform, user_id: str) -> dict[str, Any]:
        """Everything kept about the user, as a JSON-ready document."""
        user = await self.history.get_user(platform, user_id)
        tasks = await self._tasks(platform, user_id)
        moves = await self.history.saved_motions(platform, user_id)
        files: dict[str, dict[str, Any]] = {}

        async def note(ref: MediaRef, use: str) -> None:
            entry = files.setdefault(
                ref.key,
                {
                    "key": ref.key,
                    "size_bytes": ref.size,
                    "stored": await self.store.exists(ref),
                    "used_by": [],
                },
            )
            entry["used_by"].append(use)

        task_rows = []
        for task in tasks:
            delivery = await self.history.get_delivery(task.task_id)
            for role, ref in _task_files(task):
                await note(ref, f"task {task.task_id}: {role}")
            task_rows.append(
                {
                    "task_id": task.task_id,
                    "chat_id": task.chat_id,
                    "created_at": _iso(task.created_at),
                    "started_at": _iso(task.started_at),
                    "finished_at": _iso(task.finished_at),
                    "status": task.status.value,
                    "engine": task.engine.value,
                    "options": task.options.model_dump(mode="json"),
                    "motion": task.motion.model_dump(mode="json"),
                    "duration_s": task.duration_s,
                    "failure_reason": task.failure_reason,
                    "delivered_at": _iso(delivery.delivered_at) if delivery else None,
                }
            )
        move_rows = []
        for move in moves:
            for stored in (move.source.video, move.source.saved):
                if stored is not None:
                    await note(stored, f"saved move {move.name!r}")
            move_rows.append(
                {"id": move.id, "name": move.name, "created_at": _iso(move.created_at),
                 "motion": move.source.model_dump(mode="json"), "performer": move.performer}
            )  # fmt: skip
        conversations = {}
        for key in await self._state_keys(platform, user_id):
            if await self.redis.type(key) in (b"string", "string"):
                raw = await self.redis.get(key)
                conversations[key] = raw.decode() if isinstance(raw, bytes) else raw
        return {
            "platform": platform.value,
            "user_id": user_id,
            "exported_at": _iso(time.time()),
            "first_seen": _iso(user.created_at) if user else None,
            "consent_given_at": _iso(user.acknowledged_at) if user else None,
            "language": "en",  # the bot speaks English; no language setting is stored
            "tasks": task_rows,
            "saved_moves": move_rows,
            "files": sorted(files.values(), key=lambda f: f["key"]),
            "files_total_bytes": sum(f["size_bytes"] for f in files.values() if f["stored"]),
            "conversation_state": conversations,
        }

    async def export_json(self, platform: Platform, user_id: str) -> bytes:
        return json.dumps(await self.export(platform, user_id), indent=2, ensure_ascii=False).encode()

    # --- /forget ---
    async def forget(self, platform: Platform, user_id: str) -> Forgotten:
        """Delete everything kept about the user (see the module docstring)."""
        tasks = await self._tasks(platform, user_id)
        cancelled = 0
        for task in tasks:
            if not task.status.finished and await self.client.cancel(task.task_id):
                cancelled += 1
        settings = self.client.settings
        redis_keys = await queue_forget.forget_tasks(
            self.redis, [t.task_id for t in tasks], delivered_ttl_s=settings.delivered_ttl_s
        )
        cached, cached_files = await queue_forget.forget_results(self.redis, [_digest(t) for t in tasks])
        candidates: dict[str, MediaRef] = {ref.key: ref for ref in cached_files}
        for task in tasks:
            candidates.update({ref.key: ref for _, ref in _task_files(task)})
            await self.history.delete_task(task.task_id)
        moves = await self.history.saved_motions(platform, user_id)
        for move in moves:
            candidates.update({r.key: r for r in (move.source.video, move.source.saved) if r is not None})
            await self.history.delete_saved_motion(platform, user_id, move.id)
        await self.history.db.write(
            "DELETE FROM users WHERE platform = ? AND user_id = ?", (platform.value, user_id)
        )
        self.history.languages.forget(platform, user_id)
        files = size = 0
        for ref in candidates.values():
            if await self.history.media_in_use(ref.key):  # another user's task or move has it
                continue
            if await self.store.exists(ref):
                files += 1
                size += ref.size
            await self.store.delete(ref)
            await pins.unpin(self.redis, ref)
            redis_keys += await queue_forget.forget_pattern(self.redis, INSPECT_CACHE.format(key=ref.key))
        redis_keys += await queue_forget.forget_counters(self.redis, platform, user_id)
        for key in await self._state_keys(platform, user_id):
            redis_keys += int(await self.redis.delete(key))
        return Forgotten(
            tasks=len(tasks),
            saved_moves=len(moves),
            files=files,
            bytes=size,
            cancelled=cancelled,
            cached_results=cached,
            redis_keys=redis_keys,
        )
