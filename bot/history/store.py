"""HistoryStore: the bot's durable memory (users, tasks, deliveries, saved motions).

One SQLite file in WAL mode with a busy timeout, so the bot's handlers and its delivery
consumer (and a second bot process during a restart) can share it. Every per-user query
is indexed on (platform, user_id).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from motionbot.bot.history.models import (
    DeliveryRecord,
    SavedMotion,
    TaskRecord,
    TaskStatus,
    UserRecord,
)
from motionbot.bot.history.schema import migrate
from motionbot.queue.jobs import EngineName, MediaRef, MotionSource, Platform, RenderOptions

_TASK_COLUMNS = (
    "task_id, platform, chat_id, user_id, status, engine, options, photo, motion, output, duration_s, "
    "failure_reason, failure_message, timings, status_message_id, created_at, started_at, finished_at"
)


def _task(row: Sequence[Any]) -> TaskRecord:
    return TaskRecord(
        task_id=row[0],
        platform=Platform(row[1]),
        chat_id=row[2],
        user_id=row[3],
        status=TaskStatus(row[4]),
        engine=EngineName(row[5]),
        options=RenderOptions.model_validate_json(row[6]),
        photo=MediaRef.model_validate_json(row[7]),
        motion=MotionSource.model_validate_json(row[8]),
        output=MediaRef.model_validate_json(row[9]) if row[9] else None,
        duration_s=row[10],
        failure_reason=row[11],
        failure_message=row[12],
        timings=json.loads(row[13] or "{}"),
        status_message_id=row[14],
        created_at=row[15],
        started_at=row[16],
        finished_at=row[17],
    )


def _media_rows(task: TaskRecord) -> Iterable[tuple[str, str, str, int, str | None]]:
    refs: list[tuple[str, MediaRef | None]] = [
        ("photo", task.photo),
        ("video", task.motion.video),
        ("saved_motion", task.motion.saved),
        ("output", task.output),
    ]
    for role, ref in refs:
        if ref is not None:
            yield (task.task_id, role, ref.key, ref.size, ref.filename)


class HistoryStore:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        # one connection is shared by every coroutine: a transaction must not interleave
        # with another coroutine's statements (its ROLLBACK would undo them too)
        self._lock = asyncio.Lock()
        # every incoming update asks "is this user marked blocked?": answered from memory,
        # loaded at open and kept by mark_blocked (the bot process writes the marks)
        self._blocked: set[tuple[Platform, str]] = set()

    @classmethod
    async def open(cls, path: Path | str, *, busy_timeout_ms: int = 5000) -> HistoryStore:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(str(path), isolation_level=None)
        if str(path) != ":memory:":
            os.chmod(path, 0o600)  # users' history: readable by the service's account only
        try:
            await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA synchronous = NORMAL")
            await migrate(db)
            store = cls(db, path)
            for platform, user_id in await store._all(
                "SELECT platform, user_id FROM users WHERE blocked_at IS NOT NULL"
            ):
                store._blocked.add((Platform(platform), user_id))
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        await self._db.close()

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._db.execute(sql, params) as cur:
            return await cur.fetchone()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._lock:
            cur = await self._db.execute(sql, params)
            return cur.rowcount

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        async with self._db.execute(sql, params) as cur:
            return list(await cur.fetchall())

    # users -------------------------------------------------------------------------------

    async def get_user(self, platform: Platform, user_id: str) -> UserRecord | None:
        row = await self._one(
            "SELECT platform, user_id, acknowledged_at, blocked_at, created_at FROM users "
            "WHERE platform = ? AND user_id = ?",
            (platform.value, user_id),
        )
        if row is None:
            return None
        return UserRecord(Platform(row[0]), row[1], row[2], row[3], row[4])

    async def _ensure_user(self, platform: Platform, user_id: str) -> None:
        await self._write(
            "INSERT OR IGNORE INTO users (platform, user_id, created_at) VALUES (?, ?, ?)",
            (platform.value, user_id, time.time()),
        )

    async def is_acknowledged(self, platform: Platform, user_id: str) -> bool:
        user = await self.get_user(platform, user_id)
        return user is not None and user.acknowledged_at is not None

    async def acknowledge(self, platform: Platform, user_id: str) -> None:
        await self._ensure_user(platform, user_id)
        await self._write(
            "UPDATE users SET acknowledged_at = COALESCE(acknowledged_at, ?), blocked_at = NULL "
            "WHERE platform = ? AND user_id = ?",
            (time.time(), platform.value, user_id),
        )

    async def mark_blocked(self, platform: Platform, user_id: str, blocked: bool = True) -> None:
        if blocked:
            self._blocked.add((platform, user_id))
        else:
            self._blocked.discard((platform, user_id))
        await self._ensure_user(platform, user_id)
        await self._write(
            "UPDATE users SET blocked_at = ? WHERE platform = ? AND user_id = ?",
            (time.time() if blocked else None, platform.value, user_id),
        )

    async def is_blocked(self, platform: Platform, user_id: str) -> bool:
        return (platform, user_id) in self._blocked

    # tasks -------------------------------------------------------------------------------

    async def add_task(self, task: TaskRecord) -> None:
        await self._ensure_user(task.platform, task.user_id)
        async with self._tx() as db:
            await db.execute(
                f"INSERT INTO tasks ({_TASK_COLUMNS}) VALUES ({', '.join('?' * 18)})",
                (
                    task.task_id,
                    task.platform.value,
                    task.chat_id,
                    task.user_id,
                    task.status.value,
                    task.engine.value,
                    task.options.model_dump_json(),
                    task.photo.model_dump_json(),
                    task.motion.model_dump_json(),
                    task.output.model_dump_json() if task.output else None,
                    task.duration_s,
                    task.failure_reason,
                    task.failure_message,
                    json.dumps(task.timings),
                    task.status_message_id,
                    task.created_at,
                    task.started_at,
                    task.finished_at,
                ),
            )
            await db.executemany(
                "INSERT OR REPLACE INTO media (task_id, role, media_key, size, filename) "
                "VALUES (?, ?, ?, ?, ?)",
                list(_media_rows(task)),
            )

    async def get_task(self, task_id: str) -> TaskRecord | None:
        row = await self._one(f"SELECT {_TASK_COLUMNS} FROM tasks WHERE task_id = ?", (task_id,))
        return _task(row) if row else None

    async def list_tasks(
        self, platform: Platform, user_id: str, *, offset: int = 0, limit: int = 5
    ) -> list[TaskRecord]:
        rows = await self._all(
            f"SELECT {_TASK_COLUMNS} FROM tasks WHERE platform = ? AND user_id = ? "
            "ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
            (platform.value, user_id, limit, offset),
        )
        return [_task(r) for r in rows]

    async def count_tasks(self, platform: Platform, user_id: str) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM tasks WHERE platform = ? AND user_id = ?", (platform.value, user_id)
        )
        return int(row[0])

    async def count_newer(self, platform: Platform, user_id: str, created_at: float) -> int:
        """How many of the user's tasks are newer than ``created_at`` (a task's place in /history)."""
        row = await self._one(
            "SELECT COUNT(*) FROM tasks WHERE platform = ? AND user_id = ? AND created_at > ?",
            (platform.value, user_id, created_at),
        )
        return int(row[0])

    async def active_tasks(self, platform: Platform | None = None) -> list[TaskRecord]:
        sql = f"SELECT {_TASK_COLUMNS} FROM tasks WHERE status IN ('queued', 'running')"
        params: tuple[str, ...] = ()
        if platform is not None:
            sql += " AND platform = ?"
            params = (platform.value,)
        return [_task(r) for r in await self._all(sql + " ORDER BY created_at", params)]

    async def set_status_message(self, task_id: str, message_id: str) -> None:
        await self._write("UPDATE tasks SET status_message_id = ? WHERE task_id = ?", (message_id, task_id))

    async def mark_running(self, task_id: str) -> None:
        await self._write(
            "UPDATE tasks SET status = 'running', started_at = COALESCE(started_at, ?) "
            "WHERE task_id = ? AND status = 'queued'",
            (time.time(), task_id),
        )

    async def mark_done(
        self,
        task_id: str,
        *,
        output: MediaRef,
        engine: EngineName,
        duration_s: float,
        timings: dict[str, float] | None = None,
    ) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE tasks SET status = 'done', output = ?, engine = ?, duration_s = ?, timings = ?, "
                "finished_at = COALESCE(finished_at, ?) WHERE task_id = ?",
                (
                    output.model_dump_json(),
                    engine.value,
                    duration_s,
                    json.dumps(timings or {}),
                    time.time(),
                    task_id,
                ),
            )
            await db.execute(
                "INSERT OR REPLACE INTO media (task_id, role, media_key, size, filename) "
                "SELECT ?, 'output', ?, ?, ? WHERE EXISTS (SELECT 1 FROM tasks WHERE task_id = ?)",
                (task_id, output.key, output.size, output.filename, task_id),
            )
            await db.execute("DELETE FROM guild_renders WHERE task_id = ?", (task_id,))  # it counted

    async def mark_failed(
        self, task_id: str, *, reason: str, message: str, status: TaskStatus = TaskStatus.FAILED
    ) -> None:
        """Record a failure or a cancellation; a task that already finished keeps its outcome.
        A render that ends without a video gives back the guild quota unit it was counted for."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE tasks SET status = ?, failure_reason = ?, failure_message = ?, finished_at = ? "
                "WHERE task_id = ? AND status IN ('queued', 'running')",
                (status.value, reason, message, time.time(), task_id),
            )
            await db.execute(
                "UPDATE guild_usage SET renders = MAX(0, renders - 1) WHERE (platform, guild_id, day) IN "
                "(SELECT platform, guild_id, day FROM guild_renders WHERE task_id = ?) "
                "AND NOT EXISTS (SELECT 1 FROM tasks WHERE task_id = ? AND status = 'done')",
                (task_id, task_id),
            )
            await db.execute("DELETE FROM guild_renders WHERE task_id = ?", (task_id,))

    async def delete_task(self, task_id: str) -> list[MediaRef]:
        """Forget a task; returns its media that no remaining task refers to (for store.delete)."""
        rows = await self._all("SELECT media_key, size, filename FROM media WHERE task_id = ?", (task_id,))
        await self._write("DELETE FROM tasks WHERE task_id = ?", (task_id,))
        return [
            MediaRef(key=key, size=size, filename=filename)
            for key, size, filename in rows
            if not await self.media_in_use(key)
        ]

    async def media_in_use(self, media_key: str) -> bool:
        """Whether a task or a saved motion still refers to this stored file."""
        if await self._one("SELECT 1 FROM media WHERE media_key = ? LIMIT 1", (media_key,)):
            return True
        saved = await self._one(
            "SELECT 1 FROM saved_motions WHERE source LIKE ? LIMIT 1", (f"%{media_key}%",)
        )
        return saved is not None

    # deliveries --------------------------------------------------------------------------

    async def get_delivery(self, task_id: str) -> DeliveryRecord | None:
        row = await self._one(
            "SELECT task_id, platform, chat_id, message_id, file_id, delivered_at "
            "FROM deliveries WHERE task_id = ?",
            (task_id,),
        )
        if row is None:
            return None
        return DeliveryRecord(row[0], Platform(row[1]), row[2], row[3], row[4], row[5])

    async def is_delivered(self, task_id: str) -> bool:
        return await self._one("SELECT 1 FROM deliveries WHERE task_id = ?", (task_id,)) is not None

    async def record_delivery(
        self,
        task_id: str,
        *,
        platform: Platform,
        chat_id: str,
        message_id: str | None,
        file_id: str | None,
    ) -> bool:
        """Mark a task delivered; False when it already was (the caller skips the duplicate)."""
        return (
            await self._write(
                "INSERT OR IGNORE INTO deliveries "
                "(task_id, platform, chat_id, message_id, file_id, delivered_at) "
                "SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tasks WHERE task_id = ?)",
                (task_id, platform.value, chat_id, message_id, file_id, time.time(), task_id),
            )
            == 1
        )

    async def update_file_id(self, task_id: str, file_id: str) -> None:
        await self._write("UPDATE deliveries SET file_id = ? WHERE task_id = ?", (file_id, task_id))

    async def finished_videos(
        self, platform: Platform, user_id: str, *, search: str = "", limit: int = 20
    ) -> list[tuple[TaskRecord, DeliveryRecord]]:
        """The user's delivered videos with a file id, newest first (inline sharing)."""
        cols = ", ".join(f"t.{c.strip()}" for c in _TASK_COLUMNS.split(","))
        rows = await self._all(
            f"SELECT {cols}, d.task_id, d.platform, d.chat_id, d.message_id, d.file_id, d.delivered_at "
            "FROM tasks t JOIN deliveries d ON d.task_id = t.task_id "
            "WHERE t.platform = ? AND t.user_id = ? AND t.status = 'done' AND d.file_id IS NOT NULL "
            "AND t.task_id LIKE ? ORDER BY t.created_at DESC LIMIT ?",
            (platform.value, user_id, f"%{search.strip()}%", limit),
        )
        return [
            (_task(r[:18]), DeliveryRecord(r[18], Platform(r[19]), r[20], r[21], r[22], r[23])) for r in rows
        ]

    # saved motions -----------------------------------------------------------------------

    async def save_motion(
        self, platform: Platform, user_id: str, name: str, source: MotionSource
    ) -> SavedMotion:
        await self._ensure_user(platform, user_id)
        now = time.time()
        await self._write(
            "INSERT INTO saved_motions (platform, user_id, name, source, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (platform, user_id, name) DO UPDATE SET source = excluded.source",
            (platform.value, user_id, name, source.model_dump_json(), now),
        )
        motions = await self.saved_motions(platform, user_id)
        return next(m for m in motions if m.name == name)

    async def saved_motions(self, platform: Platform, user_id: str) -> list[SavedMotion]:
        rows = await self._all(
            "SELECT id, platform, user_id, name, source, created_at FROM saved_motions "
            "WHERE platform = ? AND user_id = ? ORDER BY created_at DESC, id DESC",
            (platform.value, user_id),
        )
        return [
            SavedMotion(r[0], Platform(r[1]), r[2], r[3], MotionSource.model_validate_json(r[4]), r[5])
            for r in rows
        ]

    async def saved_motion(self, platform: Platform, user_id: str, motion_id: int) -> SavedMotion | None:
        """One of this user's saved motions (ids come from clients: another user's is None)."""
        return next((m for m in await self.saved_motions(platform, user_id) if m.id == motion_id), None)

    async def delete_saved_motion(self, platform: Platform, user_id: str, motion_id: int) -> bool:
        deleted = await self._write(
            "DELETE FROM saved_motions WHERE id = ? AND platform = ? AND user_id = ?",
            (motion_id, platform.value, user_id),
        )
        return deleted == 1
