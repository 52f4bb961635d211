"""Which language each user speaks with the bot, kept in the users table (migration 5).

A user's language is the one chosen with /language, else their app's (Telegram's
``language_code``, Discord's interaction locale) as last seen. Both are read on every update
and whenever a result is delivered, so they are answered from memory once read; the app's is
written only when it changes.
"""

from __future__ import annotations

import time

from motionbot.bot.history.db import Database
from motionbot.queue.jobs import Platform

UserKey = tuple[Platform, str]


class Languages:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._known: dict[UserKey, tuple[str | None, str | None]] = {}  # (chosen, app's)

    async def _read(self, platform: Platform, user_id: str) -> tuple[str | None, str | None]:
        key = (platform, user_id)
        if key not in self._known:
            row = await self.db.one(
                "SELECT language, app_language FROM users WHERE platform = ? AND user_id = ?",
                (platform.value, user_id),
            )
            self._known[key] = (row["language"], row["app_language"]) if row else (None, None)
        return self._known[key]

    async def _write(self, platform: Platform, user_id: str, column: str, value: str | None) -> None:
        await self.db.write(
            f"INSERT INTO users (platform, user_id, created_at, {column}) VALUES (?, ?, ?, ?) "
            f"ON CONFLICT (platform, user_id) DO UPDATE SET {column} = excluded.{column}",
            (platform.value, user_id, time.time(), value),
        )

    async def chosen(self, platform: Platform, user_id: str) -> str | None:
        return (await self._read(platform, user_id))[0]

    async def of(self, platform: Platform, user_id: str) -> str | None:
        """The language to speak to this user: chosen, else their app's, else None (unknown)."""
        chosen, app = await self._read(platform, user_id)
        return chosen or app

    async def choose(self, platform: Platform, user_id: str, language: str | None) -> None:
        """``None``: back to the app's language."""
        _, app = await self._read(platform, user_id)
        await self._write(platform, user_id, "language", language)
        self._known[(platform, user_id)] = (language, app)

    async def seen(self, platform: Platform, user_id: str, app_language: str) -> str:
        """Note the app's language of an incoming update; returns the language to speak."""
        chosen, app = await self._read(platform, user_id)
        if app != app_language:
            await self._write(platform, user_id, "app_language", app_language)
            self._known[(platform, user_id)] = (chosen, app_language)
        return chosen or app_language

    def forget(self, platform: Platform, user_id: str) -> None:
        """The user's row is gone (/forget): read it anew next time."""
        self._known.pop((platform, user_id), None)
