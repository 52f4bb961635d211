"""What the bot's slash-command cogs share: the bot they serve, and where a user may call them."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from motionbot.bot.discord.client import MotionBot

T = TypeVar("T")


def anywhere(command: T) -> T:
    """Installable on a server and on a user's account, and callable in the server's channels,
    in DMs with the bot and in private channels (a user's own install)."""
    contexts = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    return app_commands.allowed_installs(guilds=True, users=True)(contexts(command))


class MotionCog(commands.Cog):
    def __init__(self, bot: MotionBot) -> None:
        self.bot = bot
