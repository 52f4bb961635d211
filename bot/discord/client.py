"""The Discord bot: a ``commands.Bot`` holding the runtime, its cogs and persistent buttons.

``setup_hook`` (run by ``login``) adds the cogs and registers :class:`~.views.ActionButton`
as a dynamic item, so buttons of messages sent before a restart keep working, and resumes
progress watching of tasks that were rendering when the previous process stopped.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from motionbot.bot.core import texts
from motionbot.bot.core.finding_words import error_text
from motionbot.bot.core.progress import watch_progress
from motionbot.bot.core.replies import Reply
from motionbot.bot.discord import texts as dtexts
from motionbot.bot.discord.buttons import ButtonHandler
from motionbot.bot.discord.locale import CatalogueTranslator, speak_to
from motionbot.bot.discord.messenger import Messenger
from motionbot.bot.discord.notifier import DiscordNotifier
from motionbot.bot.discord.respond import show
from motionbot.bot.discord.runtime import Runtime
from motionbot.bot.discord.views import ActionButton
from motionbot.queue.errors import MotionbotError
from motionbot.queue.jobs import Platform

log = logging.getLogger(__name__)


def use_api_base(url: str | None) -> None:
    """Send discord.py's REST calls to ``url`` (a rate-limit proxy, or a test server).

    discord.py builds every REST URL - interaction callbacks and follow-up webhooks included
    - from ``Route.BASE``; this is the one place that sets it.
    """
    discord.http.Route.BASE = (url or "https://discord.com/api/v10").rstrip("/")


def intents() -> discord.Intents:
    """Guilds (channels, permissions) and DMs (the two-step conversation). DM message
    content needs no privileged intent."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.dm_messages = True
    return chosen


class MotionTree(app_commands.CommandTree[Any]):
    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Every command runs in the user's language (set here, in the command's own task)."""
        bot: MotionBot = interaction.client
        await speak_to(bot.rt.history.languages, interaction)
        return True

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        cause = getattr(error, "original", error)
        if isinstance(cause, MotionbotError):
            text = error_text(cause)
        elif isinstance(error, app_commands.CommandOnCooldown):
            text = dtexts.TOO_FAST.format(rate_limited=texts.RATE_LIMITED, seconds=error.retry_after)
        elif isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
            text = dtexts.NEEDS_MANAGE_SERVER
        else:
            log.error("command %s failed", interaction.command and interaction.command.name, exc_info=error)
            text = texts.INTERNAL_ERROR
        try:  # a deferred command's "thinking..." placeholder is replaced by the message
            await show(interaction, [Reply(text)], fill_original=interaction.response.is_done())
        except discord.HTTPException:
            log.warning("could not tell the user about the error")


class MotionBot(commands.Bot):
    def __init__(self, rt: Runtime, **kwargs: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            help_command=None,
            tree_cls=MotionTree,
            **kwargs,
        )
        self.rt = rt
        self.messenger = Messenger(self, rt.settings, rt.contexts)
        self.buttons = ButtonHandler(self)
        self.notifier = DiscordNotifier(
            self.messenger, rt.client.store, default_upload_limit=rt.default_upload_limit
        )

    async def setup_hook(self) -> None:
        from motionbot.bot.discord.admin import AdminCog
        from motionbot.bot.discord.animate import AnimateCog
        from motionbot.bot.discord.dms import DirectMessages
        from motionbot.bot.discord.library import LibraryCog
        from motionbot.bot.discord.ops import ServiceCog
        from motionbot.bot.discord.privacy import PrivacyCog

        self.add_dynamic_items(ActionButton)
        await self.tree.set_translator(CatalogueTranslator())
        cogs = (AnimateCog(self), LibraryCog(self), AdminCog(self), ServiceCog(self), DirectMessages(self),
                PrivacyCog(self))  # fmt: skip
        for cog in cogs:
            await self.add_cog(cog)
        self.notifier.application_id = self.application_id
        await self.resume_watching()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A user who talks to the bot again can be reached again (delivery skips blocked users)."""
        await self.unblock(interaction.user.id)

    async def unblock(self, user_id: int) -> None:
        if await self.rt.history.is_blocked(Platform.DISCORD, str(user_id)):
            await self.rt.history.mark_blocked(Platform.DISCORD, str(user_id), blocked=False)

    async def close(self) -> None:
        """Stop background work first: progress watchers resume in the next process."""
        await self.rt.drain(timeout=0)
        await super().close()

    async def resume_watching(self) -> None:
        """Pick up progress edits of tasks still queued or rendering from before a restart."""
        for task in await self.rt.history.active_tasks(Platform.DISCORD):
            if task.status_message_id is not None:
                self.watch(task.task_id, task.status_message_id)

    def watch(self, task_id: str, status_id: str) -> None:
        async def edit(reply: Reply) -> None:
            ctx = await self.rt.contexts.load(status_id)
            if ctx is not None:
                await self.messenger.edit_status(status_id, ctx, reply)

        async def run() -> None:
            ctx = await self.rt.contexts.load(status_id)
            if ctx is None:
                return
            await watch_progress(
                client=self.rt.client,
                history=self.rt.history,
                task_id=task_id,
                chat_id=str(ctx.channel_id),
                edit=edit,
                throttle=self.rt.throttle,
                poll_s=self.rt.settings.progress_poll_s,
            )

        self.rt.spawn(run(), name=f"progress:{task_id}")
