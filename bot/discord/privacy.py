"""``/mydata`` (a JSON file of everything kept about you) and ``/forget`` (delete it all, after
one confirmation button), both only visible to the user who asked. The work is the core's
(:mod:`motionbot.bot.core.privacy`); this cog only attaches the file."""

from __future__ import annotations

import io
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from motionbot.bot.discord.cog import MotionCog, anywhere
from motionbot.bot.discord.respond import key_for, show


class PrivacyCog(MotionCog):
    @app_commands.command(name="mydata", description=locale_str("Everything kept about you, as a file (only you see it)"))
    @anywhere
    async def mydata(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        file = await self.bot.rt.conv.privacy.mydata(key_for(interaction))
        await interaction.edit_original_response(
            content=file.caption, attachments=[discord.File(io.BytesIO(file.data), filename=file.filename)]
        )

    @app_commands.command(name="forget", description=locale_str("Delete everything kept about you"))
    @anywhere
    async def forget(self, interaction: discord.Interaction[Any]) -> None:
        await show(interaction, [self.bot.rt.conv.privacy.ask_forget(key_for(interaction))])
