"""Guild rules an admin set (see :mod:`.admin`): where the bot answers, how much it renders.

DMs and private channels have no guild and no rules. A guild without settings allows every
channel and has no quota of its own (the per-user quota of the queue still applies).
"""

from __future__ import annotations

from typing import Any

import discord
from motionbot.bot.discord import texts as dtexts
from motionbot.bot.history.guilds import GuildStore


async def refusal(
    guilds: GuildStore, interaction: discord.Interaction[Any], *, render: bool = False
) -> str | None:
    """Why the bot won't act here (a sentence for the user), or None."""
    if interaction.guild_id is None:
        return None
    settings = await guilds.get(str(interaction.guild_id))
    if not settings.allows(str(interaction.channel_id)):
        return dtexts.QUIET_HERE.format(channels=", ".join(f"<#{c}>" for c in settings.channels))
    if render:
        left = await guilds.quota_left(str(interaction.guild_id))
        if left == 0:
            return dtexts.GUILD_QUOTA_USED.format(quota=settings.daily_quota)
    return None
