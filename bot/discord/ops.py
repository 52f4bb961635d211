"""``/motionbot-service status|pause|resume`` for the service's admins (MOTIONBOT_ADMIN_IDS).

Unlike ``/motionbot-admin`` (a server's own settings, for its managers) these act on the whole
deployment, so they are checked against the operator's list of user ids, in DMs too. The
feature is the core's (:mod:`motionbot.bot.core.admin`); answers are ephemeral.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands
from motionbot.bot.core import texts
from motionbot.bot.discord.cog import anywhere
from motionbot.bot.discord.respond import key_for, say

if TYPE_CHECKING:
    from motionbot.bot.discord.client import MotionBot


@anywhere
class ServiceCog(
    commands.GroupCog, group_name="motionbot-service", group_description=locale_str("Operate the service")
):
    def __init__(self, bot: MotionBot) -> None:
        self.bot = bot
        super().__init__()

    async def _refused(self, interaction: discord.Interaction[Any]) -> bool:
        """Checked in each command (not interaction_check): the tree's error handler would
        answer a failed check with the Manage Server message of /motionbot-admin."""
        if self.bot.rt.conv.admin.is_admin(key_for(interaction)):
            return False
        await say(interaction, texts.ADMIN_ONLY)
        return True

    @app_commands.command(name="status", description=locale_str("Queues, live workers, renders today"))
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        if await self._refused(interaction):
            return
        await say(interaction, (await self.bot.rt.conv.admin.status()).text)

    @app_commands.command(name="pause", description=locale_str("Refuse new renders (running ones finish)"))
    @app_commands.describe(reason=locale_str("shown to people who try to start a render"))
    @app_commands.rename(reason=locale_str("reason"))
    async def pause(self, interaction: discord.Interaction[Any], reason: str = "") -> None:
        if await self._refused(interaction):
            return
        await say(interaction, (await self.bot.rt.conv.admin.pause(key_for(interaction), reason)).text)

    @app_commands.command(name="resume", description=locale_str("Accept new renders again"))
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        if await self._refused(interaction):
            return
        await say(interaction, (await self.bot.rt.conv.admin.resume()).text)
