"""The history database connection every history store shares.

One SQLite file in WAL mode with a busy timeout, so the bot's handlers and its delivery
consumer (and a second bot process during a restart) can share it; rows come back as
``sqlite3.Row`` and are read by column name. The schema is brought forward on open
(:mod:`.schema`).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from motionbot.bot.history.schema import migrate

Row = sqlite3.Row


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        # one connection is shared by every coroutine: a transaction must not interleave
        # with another coroutine's statements (its ROLLBACK would undo them too)
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, busy_timeout_ms: int = 5000) -> Database:
        path = Path(path)
        in_memory = str(path) == ":memory:"
        if not in_memory:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        if not in_memory:
            os.chmod(path, 0o600)  # users' history: readable by the service's account only
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await migrate(conn)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path)

    async def close(self) -> None:
        await self._conn.close()

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cur:
            row: Row | None = await cur.fetchone()
            return row

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def count(self, rows: str, params: Sequence[Any] = ()) -> int:
        """``SELECT COUNT(*) FROM <rows>``: ``rows`` is a table and its WHERE clause."""
        row = await self.one(f"SELECT COUNT(*) AS n FROM {rows}", params)
        return int(row["n"]) if row is not None else 0

    async def write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement outside any transaction; returns the rows it changed."""
        async with self._lock:
            cur = await self._conn.execute(sql, params)
            return cur.rowcount

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several statements that all happen or none (BEGIN IMMEDIATE ... COMMIT)."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")
