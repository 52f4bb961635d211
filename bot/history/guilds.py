"""Per-guild (server) settings an admin chooses: the channels the bot answers in and a daily
render quota for the whole guild. Stored in the history database (schema migrations 2-4) so
they survive restarts and every bot process sees the same values; this store is the only
code that reads or writes the guild tables (the database itself gives a unit back when a
counted render ends without a video, a trigger of migration 4).

The quota counts renders submitted from the guild per UTC day; it is checked before a
render is queued and counted once it is (:meth:`GuildStore.count_render`). A render that
ends without a video (failed or cancelled) is given back when history records that.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from motionbot.bot.history.db import Database
from motionbot.queue.jobs import Platform


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class GuildSettings:
    guild_id: str
    channels: tuple[str, ...] = field(default_factory=tuple)  # empty = every channel
    daily_quota: int = 0  # 0 = unlimited

    def allows(self, channel_id: str) -> bool:
        return not self.channels or channel_id in self.channels


class GuildStore:
    """Guild settings and quota use on the shared history :class:`Database`."""

    def __init__(self, db: Database, platform: Platform = Platform.DISCORD) -> None:
        self.db = db
        self.platform = platform

    async def get(self, guild_id: str) -> GuildSettings:
        row = await self.db.one(
            "SELECT channels, daily_quota FROM guild_settings WHERE platform = ? AND guild_id = ?",
            (self.platform.value, guild_id),
        )
        if row is None:
            return GuildSettings(guild_id)
        return GuildSettings(guild_id, tuple(json.loads(row["channels"])), int(row["daily_quota"]))

    async def _save(self, settings: GuildSettings) -> GuildSettings:
        await self.db.write(
            "INSERT INTO guild_settings (platform, guild_id, channels, daily_quota, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, guild_id) DO UPDATE SET "
            "channels = excluded.channels, daily_quota = excluded.daily_quota, "
            "updated_at = excluded.updated_at",
            (
                self.platform.value,
                settings.guild_id,
                json.dumps(list(settings.channels)),
                settings.daily_quota,
                time.time(),
            ),
        )
        return settings

    async def allow_channel(self, guild_id: str, channel_id: str) -> GuildSettings:
        current = await self.get(guild_id)
        channels = current.channels if channel_id in current.channels else (*current.channels, channel_id)
        return await self._save(GuildSettings(guild_id, channels, current.daily_quota))

    async def disallow_channel(self, guild_id: str, channel_id: str) -> GuildSettings:
        current = await self.get(guild_id)
        channels = tuple(c for c in current.channels if c != channel_id)
        return await self._save(GuildSettings(guild_id, channels, current.daily_quota))

    async def clear_channels(self, guild_id: str) -> GuildSettings:
        current = await self.get(guild_id)
        return await self._save(GuildSettings(guild_id, (), current.daily_quota))

    async def set_quota(self, guild_id: str, daily_quota: int) -> GuildSettings:
        current = await self.get(guild_id)
        return await self._save(GuildSettings(guild_id, current.channels, max(0, daily_quota)))

    async def used_today(self, guild_id: str) -> int:
        row = await self.db.one(
            "SELECT renders FROM guild_usage WHERE platform = ? AND guild_id = ? AND day = ?",
            (self.platform.value, guild_id, _today()),
        )
        return int(row["renders"]) if row else 0

    async def quota_left(self, guild_id: str) -> int | None:
        """Renders the guild may still start today; None when it has no quota."""
        settings = await self.get(guild_id)
        if settings.daily_quota <= 0:
            return None
        return max(0, settings.daily_quota - await self.used_today(guild_id))

    async def count_render(self, guild_id: str, task_id: str) -> None:
        day = _today()
        async with self.db.transaction() as db:
            await db.execute(
                "INSERT INTO guild_usage (platform, guild_id, day, renders) VALUES (?, ?, ?, 1) "
                "ON CONFLICT (platform, guild_id, day) DO UPDATE SET renders = renders + 1",
                (self.platform.value, guild_id, day),
            )
            await db.execute(
                "INSERT OR IGNORE INTO guild_renders (task_id, platform, guild_id, day) VALUES (?, ?, ?, ?)",
                (task_id, self.platform.value, guild_id, day),
            )
