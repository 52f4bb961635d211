"""HistoryStore: the bot's durable memory (users, tasks, deliveries, saved motions).

It works on the shared :class:`~motionbot.bot.history.db.Database` (SQLite, rows read by
column name, mapped to records in :mod:`.rows`); guild settings and quotas have a store of their own on the same database
(:mod:`.guilds`). Every per-user query is indexed on (platform, user_id). Media a task or a
saved motion refers to are rows of their own (``media``, ``saved_motion_media``), so a file
is known to be in use by its key.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

from motionbot.bot.history.db import Database
from motionbot.bot.history.languages import Languages
from motionbot.bot.history.models import (
    DeliveryRecord,
    SavedMotion,
    TaskRecord,
    TaskStatus,
    UserRecord,
)
from motionbot.bot.history.rows import (
    DELIVERY,
    EXTRA_ROLE,
    TASK_COLUMNS,
    TASKS,
    TASKS_AND_DELIVERIES,
    delivery_of,
    media_ref_of,
    media_rows,
    motion_media,
    saved_of,
    task_of,
    task_values,
)
from motionbot.queue.jobs import EngineName, Extra, MediaRef, MotionSource, Platform


class HistoryStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.languages = Languages(db)
        # every incoming update asks "is this user marked blocked?": answered from memory,
        # loaded at open and kept by mark_blocked (the bot process writes the marks)
        self._blocked: set[tuple[Platform, str]] = set()

    @property
    def path(self) -> Path:
        return self.db.path

    @classmethod
    async def open(cls, path: Path | str, *, busy_timeout_ms: int = 5000) -> HistoryStore:
        store = cls(await Database.open(path, busy_timeout_ms=busy_timeout_ms))
        rows = await store.db.all("SELECT platform, user_id FROM users WHERE blocked_at IS NOT NULL")
        store._blocked = {(Platform(r["platform"]), r["user_id"]) for r in rows}
        return store

    async def close(self) -> None:
        await self.db.close()

    # users -------------------------------------------------------------------------------

    async def get_user(self, platform: Platform, user_id: str) -> UserRecord | None:
        row = await self.db.one(
            "SELECT platform, user_id, acknowledged_at, blocked_at, created_at FROM users "
            "WHERE platform = ? AND user_id = ?",
            (platform.value, user_id),
        )
        if row is None:
            return None
        return UserRecord(**dict(row) | {"platform": Platform(row["platform"])})

    async def _ensure_user(self, platform: Platform, user_id: str) -> None:
        await self.db.write(
            "INSERT OR IGNORE INTO users (platform, user_id, created_at) VALUES (?, ?, ?)",
            (platform.value, user_id, time.time()),
        )

    async def is_acknowledged(self, platform: Platform, user_id: str) -> bool:
        user = await self.get_user(platform, user_id)
        return user is not None and user.acknowledged_at is not None

    async def acknowledge(self, platform: Platform, user_id: str) -> None:
        await self._ensure_user(platform, user_id)
        await self.db.write(
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
        await self.db.write(
            "UPDATE users SET blocked_at = ? WHERE platform = ? AND user_id = ?",
            (time.time() if blocked else None, platform.value, user_id),
        )

    async def is_blocked(self, platform: Platform, user_id: str) -> bool:
        return (platform, user_id) in self._blocked

    # tasks -------------------------------------------------------------------------------

    async def add_task(self, task: TaskRecord) -> None:
        await self._ensure_user(task.platform, task.user_id)
        async with self.db.transaction() as db:
            await db.execute(
                f"INSERT INTO tasks ({TASKS}) VALUES ({', '.join('?' * len(TASK_COLUMNS))})",
                task_values(task),
            )
            await db.executemany(
                "INSERT OR REPLACE INTO media (task_id, role, media_key, size, filename) "
                "VALUES (?, ?, ?, ?, ?)",
                list(media_rows(task)),
            )

    async def get_task(self, task_id: str) -> TaskRecord | None:
        row = await self.db.one(f"SELECT {TASKS} FROM tasks WHERE task_id = ?", (task_id,))
        return task_of(row) if row else None

    async def list_tasks(
        self, platform: Platform, user_id: str, *, offset: int = 0, limit: int = 5
    ) -> list[TaskRecord]:
        rows = await self.db.all(
            f"SELECT {TASKS} FROM tasks WHERE platform = ? AND user_id = ? "
            "ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
            (platform.value, user_id, limit, offset),
        )
        return [task_of(r) for r in rows]

    async def count_tasks(self, platform: Platform, user_id: str) -> int:
        return await self.db.count("tasks WHERE platform = ? AND user_id = ?", (platform.value, user_id))

    async def count_newer(self, platform: Platform, user_id: str, created_at: float) -> int:
        """How many of the user's tasks are newer than ``created_at`` (a task's place in /history)."""
        return await self.db.count(
            "tasks WHERE platform = ? AND user_id = ? AND created_at > ?",
            (platform.value, user_id, created_at),
        )

    async def active_tasks(self, platform: Platform | None = None) -> list[TaskRecord]:
        sql = f"SELECT {TASKS} FROM tasks WHERE status IN ('queued', 'running')"
        params: tuple[str, ...] = ()
        if platform is not None:
            sql += " AND platform = ?"
            params = (platform.value,)
        return [task_of(r) for r in await self.db.all(sql + " ORDER BY created_at", params)]

    async def mark_running(self, task_id: str) -> None:
        await self.db.write(
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
        extras: dict[Extra, MediaRef] | None = None,
    ) -> None:
        """``extras``: the format's files besides the MP4, kept as media rows ``extra:<kind>``
        (deleted with the task, counted by /mydata, found again by /history)."""
        async with self.db.transaction() as db:
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
            files = [("output", output), *((EXTRA_ROLE + k.value, ref) for k, ref in (extras or {}).items())]
            await db.executemany(
                "INSERT OR REPLACE INTO media (task_id, role, media_key, size, filename) "
                "SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tasks WHERE task_id = ?)",
                [(task_id, role, ref.key, ref.size, ref.filename, task_id) for role, ref in files],
            )

    async def finished_sharing_status(self, platform: Platform, chat_id: str, status_message_id: str) -> int:
        """How many tasks of an album (they share one status message) have finished."""
        row = await self.db.one(
            "SELECT COUNT(*) AS n FROM tasks WHERE platform = ? AND chat_id = ? AND status_message_id = ? "
            "AND status IN ('done', 'failed', 'cancelled')",
            (platform.value, chat_id, status_message_id),
        )
        return int(row["n"]) if row else 0

    async def task_extras(self, task_id: str) -> dict[Extra, MediaRef]:
        """A finished task's files besides its MP4 (transparent WebM, sticker, GIF)."""
        rows = await self.db.all(
            "SELECT role, media_key, size, filename FROM media WHERE task_id = ? AND role LIKE ?",
            (task_id, EXTRA_ROLE + "%"),
        )
        extras: dict[Extra, MediaRef] = {}
        for r in rows:
            with contextlib.suppress(ValueError):  # a kind a newer release wrote
                extras[Extra(r["role"].removeprefix(EXTRA_ROLE))] = media_ref_of(r)
        return extras

    async def mark_failed(
        self, task_id: str, *, reason: str, message: str, status: TaskStatus = TaskStatus.FAILED
    ) -> None:
        """Record a failure or a cancellation; a task that already finished keeps its outcome.
        (The database gives back the guild quota unit of a render that ends without a video.)"""
        await self.db.write(
            "UPDATE tasks SET status = ?, failure_reason = ?, failure_message = ?, finished_at = ? "
            "WHERE task_id = ? AND status IN ('queued', 'running')",
            (status.value, reason, message, time.time(), task_id),
        )

    async def delete_task(self, task_id: str) -> list[MediaRef]:
        """Forget a task; returns its media that no remaining task refers to (for store.delete)."""
        rows = await self.db.all("SELECT media_key, size, filename FROM media WHERE task_id = ?", (task_id,))
        await self.db.write("DELETE FROM tasks WHERE task_id = ?", (task_id,))
        return [media_ref_of(r) for r in rows if not await self.media_in_use(r["media_key"])]

    async def media_in_use(self, media_key: str) -> bool:
        """Whether a task or a saved motion still refers to this stored file."""
        row = await self.db.one(
            "SELECT EXISTS (SELECT 1 FROM media WHERE media_key = ?) "
            "OR EXISTS (SELECT 1 FROM saved_motion_media WHERE media_key = ?) AS used",
            (media_key, media_key),
        )
        return bool(row and row["used"])

    # deliveries --------------------------------------------------------------------------

    async def get_delivery(self, task_id: str) -> DeliveryRecord | None:
        row = await self.db.one(f"SELECT {DELIVERY} FROM deliveries WHERE task_id = ?", (task_id,))
        return delivery_of(row) if row is not None else None

    async def is_delivered(self, task_id: str) -> bool:
        return await self.db.one("SELECT 1 FROM deliveries WHERE task_id = ?", (task_id,)) is not None

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
            await self.db.write(
                "INSERT OR IGNORE INTO deliveries "
                "(task_id, platform, chat_id, message_id, file_id, delivered_at) "
                "SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tasks WHERE task_id = ?)",
                (task_id, platform.value, chat_id, message_id, file_id, time.time(), task_id),
            )
            == 1
        )

    async def update_file_id(self, task_id: str, file_id: str) -> None:
        await self.db.write("UPDATE deliveries SET file_id = ? WHERE task_id = ?", (file_id, task_id))

    async def finished_videos(
        self, platform: Platform, user_id: str, *, search: str = "", limit: int = 20
    ) -> list[tuple[TaskRecord, DeliveryRecord]]:
        """The user's delivered videos with a file id, newest first (inline sharing)."""
        rows = await self.db.all(
            f"SELECT {TASKS_AND_DELIVERIES} "
            "FROM tasks t JOIN deliveries d ON d.task_id = t.task_id "
            "WHERE t.platform = ? AND t.user_id = ? AND t.status = 'done' AND d.file_id IS NOT NULL "
            "AND t.task_id LIKE ? ORDER BY t.created_at DESC LIMIT ?",
            (platform.value, user_id, f"%{search.strip()}%", limit),
        )
        return [(task_of(r), delivery_of(r, "d_")) for r in rows]

    # saved motions -----------------------------------------------------------------------

    async def save_motion(
        self,
        platform: Platform,
        user_id: str,
        name: str,
        source: MotionSource,
        *,
        performer: int | None = None,
    ) -> SavedMotion:
        await self._ensure_user(platform, user_id)
        now = time.time()
        async with self.db.transaction() as db:
            await db.execute(
                "INSERT INTO saved_motions (platform, user_id, name, source, created_at, performer) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, user_id, name) "
                "DO UPDATE SET source = excluded.source, performer = excluded.performer",
                (platform.value, user_id, name, source.model_dump_json(), now, performer),
            )
            async with db.execute(
                "SELECT id FROM saved_motions WHERE platform = ? AND user_id = ? AND name = ?",
                (platform.value, user_id, name),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None  # just written
            await db.execute("DELETE FROM saved_motion_media WHERE motion_id = ?", (row["id"],))
            await db.executemany(
                "INSERT OR IGNORE INTO saved_motion_media (motion_id, media_key) VALUES (?, ?)",
                [(row["id"], key) for key in motion_media(source)],
            )
        motions = await self.saved_motions(platform, user_id)
        return next(m for m in motions if m.name == name)

    async def saved_motions(self, platform: Platform, user_id: str) -> list[SavedMotion]:
        rows = await self.db.all(
            "SELECT id, platform, user_id, name, source, created_at, performer FROM saved_motions "
            "WHERE platform = ? AND user_id = ? ORDER BY created_at DESC, id DESC",
            (platform.value, user_id),
        )
        return [saved_of(r) for r in rows]

    async def saved_motion(self, platform: Platform, user_id: str, motion_id: int) -> SavedMotion | None:
        """One of this user's saved motions (ids come from clients: another user's is None)."""
        return next((m for m in await self.saved_motions(platform, user_id) if m.id == motion_id), None)

    async def delete_saved_motion(self, platform: Platform, user_id: str, motion_id: int) -> bool:
        deleted = await self.db.write(
            "DELETE FROM saved_motions WHERE id = ? AND platform = ? AND user_id = ?",
            (motion_id, platform.value, user_id),
        )
        return deleted == 1
