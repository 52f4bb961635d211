"""``/history`` (your videos, paginated, only visible to you), ``/share`` (post one here),
``/motions`` (built-in moves for the DM conversation) and ``/cancel`` (stop the current
render or forget the files sent so far).

The history page and task cards come from the core; their buttons (re-post, same motion or
photo, again, delete, pages) are persistent buttons handled in :mod:`.buttons`.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from motionbot.bot.core.presenters import engine_name, fmt_date
from motionbot.bot.core.replies import Reply
from motionbot.bot.discord import policy
from motionbot.bot.discord.cog import MotionCog, anywhere
from motionbot.bot.discord.respond import key_for, say, show
from motionbot.queue.jobs import Platform


class LibraryCog(MotionCog):
    @app_commands.command(name="history", description=locale_str("Your videos (only you see this)"))
    @anywhere
    async def history(self, interaction: discord.Interaction[Any]) -> None:
        refused = await policy.refusal(self.bot.rt.guilds, interaction)
        if refused is not None:
            await say(interaction, refused)
            return
        page = await self.bot.rt.conv.history.page(key_for(interaction), 0)
        await show(interaction, [page])

    @app_commands.command(name="share", description=locale_str("Post one of your finished videos here"))
    @app_commands.describe(task=locale_str("The task id (see /history)"))
    @app_commands.rename(task=locale_str("task"))
    @anywhere
    async def share(self, interaction: discord.Interaction[Any], task: str) -> None:
        await self.bot.buttons.share(interaction, task.strip().lower())

    @share.autocomplete("task")
    async def _task_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        videos = await self.bot.rt.history.finished_videos(
            Platform.DISCORD, str(interaction.user.id), search=current, limit=25
        )
        return [
            app_commands.Choice(
                name=f"{t.task_id} - {engine_name(t.engine.value)}, {fmt_date(t.created_at)}", value=t.task_id
            )
            for t, _ in videos
        ]

    @app_commands.command(
        name="motions", description=locale_str("Built-in and saved moves to use instead of a video")
    )
    @anywhere
    async def motions(self, interaction: discord.Interaction[Any]) -> None:
        refused = await policy.refusal(self.bot.rt.guilds, interaction)
        if refused:
            await show(interaction, [Reply(refused)])
            return
        await show(interaction, [await self.bot.rt.conv.moves.menu(key_for(interaction))])

    @app_commands.command(
        name="cancel", description=locale_str("Stop your current video, or forget the files you sent")
    )
    @anywhere
    async def cancel(self, interaction: discord.Interaction[Any]) -> None:
        await show(interaction, await self.bot.rt.conv.render.cancel(key_for(interaction)))

    @app_commands.command(name="language", description=locale_str("Change the language I speak"))
    @anywhere
    async def language(self, interaction: discord.Interaction[Any]) -> None:
        await show(interaction, [await self.bot.rt.conv.language.menu(key_for(interaction))])
