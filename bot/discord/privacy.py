"""``/mydata`` (a JSON file of everything kept about you) and ``/forget`` (delete it all, after
one confirmation button), both only visible to the user who asked. The work is the core's
(:mod:`motionbot.bot.core.privacy`); this cog only attaches the file."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from motionbot.bot.discord.respond import key_for, show

if TYPE_CHECKING:
    from motionbot.bot.discord.client import MotionBot

EVERYWHERE = {"guilds": True, "dms": True, "private_channels": True}


class PrivacyCog(commands.Cog):
    def __init__(self, bot: MotionBot) -> None:
        self.bot = bot

    @app_commands.command(name="mydata", description="Everything kept about you, as a file (only you see it)")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(**EVERYWHERE)
    async def mydata(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        file = await self.bot.rt.conv.privacy.mydata(key_for(interaction))
        await interaction.edit_original_response(
            content=file.caption, attachments=[discord.File(io.BytesIO(file.data), filename=file.filename)]
        )

    @app_commands.command(name="forget", description="Delete everything kept about you")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(**EVERYWHERE)
    async def forget(self, interaction: discord.Interaction[Any]) -> None:
        await show(interaction, [self.bot.rt.conv.privacy.ask_forget(key_for(interaction))])
