"""What a pressed button does.

Every button is an :class:`~.views.ActionButton` carrying its owner and a typed core action.
Only the owner may press it (ids can be forged, so the core checks task ownership again). Most
actions go straight to :meth:`Conversation.dispatch`; three need Discord's hands:

* Generate: the pressed message becomes the task's status message, its interaction token
  (fresh for 15 minutes) is kept for progress edits and the delivery;
* ShareHere: post the finished video into this channel, through the interaction response
  (so it works where the bot is no member: user-installed app in DMs / group DMs);
* Shorter: the same inputs again, half as long (offered when a result was too large to
  upload here even compressed).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.finding_words import error_text
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.discord import policy
from motionbot.bot.discord import texts as dtexts
from motionbot.bot.discord.locale import speak_to
from motionbot.bot.discord.messenger import TaskContext
from motionbot.bot.discord.respond import bot_can_post, key_for, show
from motionbot.bot.discord.views import content, task_embed, view_for
from motionbot.queue.errors import MotionbotError

if TYPE_CHECKING:
    from motionbot.bot.discord.client import MotionBot

log = logging.getLogger(__name__)

def reuse_hint(action: act.Action | None) -> str | None:
    """What to run next after Same move / Same photo (files reach the bot through /animate)."""
    if isinstance(action, act.SameMove):
        return dtexts.REUSE_MOTION_HINT
    return dtexts.REUSE_PHOTO_HINT if isinstance(action, act.SamePhoto) else None


class ButtonHandler:
    def __init__(self, bot: MotionBot) -> None:
        self.bot = bot

    @property
    def rt(self) -> Any:
        return self.bot.rt

    async def pressed(self, interaction: discord.Interaction[Any], owned: act.Owned, *, data: str) -> None:
        """``data``: the button's packed action, for the core's answer when it did not parse."""
        await speak_to(self.rt.history.languages, interaction)
        if not owned.pressed_by(interaction.user.id):
            await interaction.response.send_message(dtexts.NOT_YOUR_BUTTONS, ephemeral=True)
            return
        action = owned.action
        try:
            if isinstance(action, act.ShareHere):
                await self.share(interaction, action.task_id)
                return
            render = isinstance(action, act.Generate | act.Shorter)
            refused = await policy.refusal(self.rt.guilds, interaction, render=render)
            if refused is not None:
                await show(interaction, [Reply(refused)])
                return
            key = key_for(interaction)
            if isinstance(action, act.Generate):
                await self.generate(interaction, key)
            elif isinstance(action, act.Shorter):
                await self.shorter(interaction, key, action.task_id)
            else:
                replies = await self.rt.conv.press(key, data)
                if isinstance(action, act.Cancel) and replies:  # the pressed message is what was cancelled
                    replies = [dataclasses.replace(replies[0], edit=True), *replies[1:]]
                hint = reuse_hint(action)
                if replies and hint and not interaction.context.dm_channel:
                    replies = [*replies, Reply(hint)]  # here files reach the bot only through /animate
                if replies:
                    await show(interaction, replies)
                elif not interaction.response.is_done():
                    await interaction.response.defer()
        except MotionbotError as exc:
            await show(interaction, [Reply(error_text(exc))])
        except Exception:
            log.exception("button %s failed", data)
            with contextlib.suppress(discord.HTTPException):
                await show(interaction, [Reply(texts.INTERNAL_ERROR)])

    # generate ---------------------------------------------------------------------------

    async def generate(
        self, interaction: discord.Interaction[Any], key: ConversationKey, *, max_seconds: float | None = None
    ) -> None:
        """Queue the render; the pressed message becomes its status message."""
        assert interaction.message is not None
        status_id = str(interaction.message.id)

        async def post_status(reply: Reply) -> str:
            await interaction.response.edit_message(content=content(reply), view=None)
            await self.rt.contexts.save(status_id, self.context_of(interaction))
            return status_id

        generated = await self.rt.conv.render.generate(
            key, post_status=post_status, max_bytes=interaction.filesize_limit, max_seconds=max_seconds
        )
        if generated.status_message_id is None:  # refused before anything was queued
            await show(interaction, [generated.reply])
            return
        if interaction.guild_id is not None:  # an album counts one render per photo
            for task_id in generated.batch or ([generated.task_id] if generated.task_id else []):
                await self.rt.guilds.count_render(str(interaction.guild_id), task_id)
        if generated.cached:
            return  # the deliver job is on its way and will edit the status itself
        reply = generated.reply
        view = view_for(reply, interaction.user.id)
        await interaction.edit_original_response(content=content(reply), view=view)
        if generated.task_id is not None:
            self.bot.watch(generated.task_id, status_id)

    @staticmethod
    def context_of(interaction: discord.Interaction[Any]) -> TaskContext:
        message = interaction.message
        ephemeral = bool(message is not None and message.flags.ephemeral)
        can_post = bot_can_post(interaction)
        return TaskContext(
            application_id=interaction.application_id,
            token=interaction.token,
            issued_at=time.time(),
            ephemeral=ephemeral,
            channel_id=interaction.channel_id or interaction.user.id,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            bot_can_post=can_post,
            upload_limit=interaction.filesize_limit,
            # a public bot message stays editable by the bot once the token has run out
            message_id=message.id if message is not None and can_post and not ephemeral else None,
        )

    async def shorter(
        self, interaction: discord.Interaction[Any], key: ConversationKey, task_id: str
    ) -> None:
        seconds = await self.rt.conv.history.shorter_seconds(key, task_id)
        if isinstance(seconds, Reply):
            await show(interaction, [seconds])
            return
        await self.generate(interaction, key, max_seconds=seconds)

    # share ------------------------------------------------------------------------------

    async def share(self, interaction: discord.Interaction[Any], task_id: str) -> None:
        """Post a finished video publicly where the interaction happened."""
        key = key_for(interaction)
        refused = await policy.refusal(self.rt.guilds, interaction)
        if refused is not None:
            await show(interaction, [Reply(refused)])
            return
        task = await self.rt.conv.sharing.shareable(key, task_id, upload_limit=interaction.filesize_limit)
        if isinstance(task, Reply):
            await show(interaction, [task])
            return
        assert task.output is not None  # shareable: finished, with its video
        await interaction.response.defer(thinking=True)  # public: this is the shared post
        with tempfile.TemporaryDirectory(prefix="motionbot-dc-") as tmp:
            path = await self.rt.client.store.fetch(task.output, Path(tmp))
            await interaction.edit_original_response(
                content=dtexts.SHARED_BY.format(user=interaction.user.id),
                embed=task_embed(task),
                attachments=[discord.File(path, filename=f"{task_id}.mp4")],
            )
        log.info("task %s shared in channel %s", task_id, interaction.channel_id)
