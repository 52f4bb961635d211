"""``/motionbot-admin``: per-guild settings for people with Manage Server.

Which channels the bot answers in (none chosen = everywhere) and how many renders the whole
guild may start per day (0 = no guild limit). Stored in the history database
(:class:`~motionbot.bot.history.guilds.GuildStore`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands
from motionbot.bot.discord import texts as dtexts
from motionbot.bot.discord.respond import say
from motionbot.bot.history.guilds import GuildSettings

if TYPE_CHECKING:
    from motionbot.bot.discord.client import MotionBot


def describe(settings: GuildSettings, used: int) -> str:
    channels = ", ".join(f"<#{c}>" for c in settings.channels) or dtexts.SETTINGS_EVERY_CHANNEL
    quota = (
        dtexts.SETTINGS_QUOTA_VALUE.format(quota=settings.daily_quota, used=used)
        if settings.daily_quota
        else dtexts.SETTINGS_NO_QUOTA
    )
    return (
        dtexts.SETTINGS_CHANNELS.format(channels=channels) + "\n" + dtexts.SETTINGS_QUOTA.format(quota=quota)
    )


@app_commands.guild_only()
@app_commands.allowed_installs(guilds=True, users=False)
@app_commands.default_permissions(manage_guild=True)
class AdminCog(
    commands.GroupCog,
    group_name="motionbot-admin",
    group_description=locale_str("Server settings of the bot"),
):
    def __init__(self, bot: MotionBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Default permissions are only a default a server can change: check the member too."""
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    async def _show(self, interaction: discord.Interaction[Any], settings: GuildSettings, lead: str) -> None:
        used = await self.bot.rt.guilds.used_today(settings.guild_id)
        await say(interaction, f"{lead}\n{describe(settings, used)}")

    @app_commands.command(name="show", description=locale_str("Where I answer and the server's daily quota"))
    async def show_settings(self, interaction: discord.Interaction[Any]) -> None:
        settings = await self.bot.rt.guilds.get(str(interaction.guild_id))
        await self._show(interaction, settings, dtexts.SETTINGS_TITLE)

    @app_commands.command(
        name="allow", description=locale_str("Answer in this channel (once any is chosen, only there)")
    )
    @app_commands.rename(channel=locale_str("channel"))
    async def allow(
        self, interaction: discord.Interaction[Any], channel: app_commands.AppCommandChannel
    ) -> None:
        await self._channel(interaction, channel, allowed=True)

    @app_commands.command(name="disallow", description=locale_str("Stop answering in this channel"))
    @app_commands.rename(channel=locale_str("channel"))
    async def disallow(
        self, interaction: discord.Interaction[Any], channel: app_commands.AppCommandChannel
    ) -> None:
        await self._channel(interaction, channel, allowed=False)

    async def _channel(
        self, interaction: discord.Interaction[Any], channel: app_commands.AppCommandChannel, *, allowed: bool
    ) -> None:
        guilds, guild_id = self.bot.rt.guilds, str(interaction.guild_id)
        change = guilds.allow_channel if allowed else guilds.disallow_channel
        settings = await change(guild_id, str(channel.id))
        lead = dtexts.ALLOWED if allowed else dtexts.DISALLOWED
        await self._show(interaction, settings, lead.format(channel=channel.id))

    @app_commands.command(name="everywhere", description=locale_str("Answer in every channel again"))
    async def everywhere(self, interaction: discord.Interaction[Any]) -> None:
        settings = await self.bot.rt.guilds.clear_channels(str(interaction.guild_id))
        await self._show(interaction, settings, dtexts.EVERYWHERE)

    @app_commands.command(
        name="quota", description=locale_str("Renders the whole server may start per day (0 = no limit)")
    )
    @app_commands.rename(renders=locale_str("renders"))
    async def quota(
        self, interaction: discord.Interaction[Any], renders: app_commands.Range[int, 0, 100_000]
    ) -> None:
        settings = await self.bot.rt.guilds.set_quota(str(interaction.guild_id), renders)
        await self._show(interaction, settings, dtexts.QUOTA_UPDATED)
