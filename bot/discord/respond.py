"""Core replies on an interaction: the initial response, edits of it, then follow-ups.

A reply with ``edit`` replaces the message whose button was pressed (or the deferred
response of a slash command); any other reply is a new message, ephemeral unless asked
otherwise (only the user needs to see their inputs, options and history). A reply with a
video is uploaded from the media store, within the upload limit Discord gave for this place.
"""

from __future__ import annotations

import io
import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from motionbot.bot.core import texts
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.discord.views import content, task_embed, view_for
from motionbot.queue.errors import MotionbotError
from motionbot.queue.jobs import EXTRA_SUFFIXES, Platform

if TYPE_CHECKING:
    from motionbot.bot.discord.client import MotionBot

log = logging.getLogger(__name__)
PEOPLE_PICTURE = "people.png"


def key_for(interaction: discord.Interaction[Any]) -> ConversationKey:
    """Per channel and user: in a guild channel each member has a separate conversation."""
    channel = interaction.channel_id if interaction.channel_id is not None else interaction.user.id
    return ConversationKey(Platform.DISCORD, str(channel), str(interaction.user.id))


def bot_can_post(interaction: discord.Interaction[Any]) -> bool:
    """The bot itself is a member where this happened (guild install, or the bot's own DM)."""
    if interaction.guild_id is not None:
        return interaction.is_guild_integration()
    return bool(interaction.context.dm_channel)


def _kw(reply: Reply, owner: int, *, clear_view: bool) -> dict[str, Any]:
    kw: dict[str, Any] = {"content": content(reply)}
    view = view_for(reply, owner)
    if view is not None:
        kw["view"] = view
    elif clear_view:
        kw["view"] = None
    return kw


async def show(
    interaction: discord.Interaction[Any],
    replies: list[Reply],
    *,
    ephemeral: bool = True,
    fill_original: bool = False,
) -> None:
    """Send ``replies`` for this interaction. ``fill_original``: the first one replaces a
    deferred ("thinking...") response of a slash command."""
    owner = interaction.user.id
    for i, reply in enumerate(replies):
        if reply.video is not None:
            await send_video(interaction, reply, ephemeral=ephemeral)
            continue
        if reply.picture is not None:
            await send_picture(interaction, reply, ephemeral=ephemeral)
            continue
        replace = reply.edit or (fill_original and i == 0)
        if not interaction.response.is_done():
            if replace and interaction.type is discord.InteractionType.component:
                await interaction.response.edit_message(**_kw(reply, owner, clear_view=True))
            else:
                await interaction.response.send_message(
                    ephemeral=ephemeral, **_kw(reply, owner, clear_view=False)
                )
        elif replace:
            await interaction.edit_original_response(**_kw(reply, owner, clear_view=True))
        else:
            await interaction.followup.send(ephemeral=ephemeral, **_kw(reply, owner, clear_view=False))


async def say(interaction: discord.Interaction[Any], text: str, *, ephemeral: bool = True) -> None:
    await show(interaction, [Reply(text)], ephemeral=ephemeral)


async def picture_file(bot: MotionBot, reply: Reply) -> discord.File | None:
    """A reply's picture (the numbered people of a photo or video) as an attachment, or None
    when the store no longer has it."""
    data = await bot.rt.conv.people.picture_bytes(reply.picture) if reply.picture else None
    return discord.File(io.BytesIO(data), filename=PEOPLE_PICTURE) if data is not None else None


async def send_picture(interaction: discord.Interaction[Any], reply: Reply, *, ephemeral: bool) -> None:
    """A new message with the picture attached and the reply's text and buttons."""
    file = await picture_file(interaction.client, reply)
    if file is None:
        return
    kw = _kw(reply, interaction.user.id, clear_view=False) | {"file": file}
    await _send(interaction, kw, ephemeral=ephemeral)


async def send_video(interaction: discord.Interaction[Any], reply: Reply, *, ephemeral: bool) -> None:
    """Upload a finished video from the media store (Discord has no reusable file ids)."""
    bot: MotionBot = interaction.client
    attachment = reply.video
    assert attachment is not None
    task = await bot.rt.history.get_task(attachment.task_id)
    media = attachment.media
    if media is None or task is None or not await bot.rt.client.store.exists(media):
        await _send(interaction, {"content": texts.MEDIA_GONE}, ephemeral=True)
        return
    if media.size > interaction.filesize_limit:
        from motionbot.bot.core.presenters import result_too_large

        await _send(
            interaction, {"content": result_too_large(media.size, interaction.filesize_limit)}, ephemeral=True
        )
        return
    deferred = not interaction.response.is_done()
    if deferred:  # fetching and uploading may take longer than Discord's 3 s
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    with tempfile.TemporaryDirectory(prefix="motionbot-dc-") as tmp:
        try:
            path = await bot.rt.client.store.fetch(media, Path(tmp))
        except MotionbotError:
            path = None
        if path is None:
            kw: dict[str, Any] = {"content": texts.MEDIA_GONE}
        else:
            kw = _kw(reply, interaction.user.id, clear_view=False)
            kw["embed"] = task_embed(task)
            files = [discord.File(path, filename=f"{attachment.task_id}.mp4")]
            room = interaction.filesize_limit - media.size
            for kind, ref in attachment.extras:  # the format's files too, while the upload fits
                if ref.size <= room and await bot.rt.client.store.exists(ref):
                    extra = await bot.rt.client.store.fetch(ref, Path(tmp))
                    files.append(discord.File(extra, filename=f"{attachment.task_id}{EXTRA_SUFFIXES[kind]}"))
                    room -= ref.size
            kw["attachments" if deferred else "files"] = files
        if deferred:
            await interaction.edit_original_response(**kw)
        else:
            await interaction.followup.send(ephemeral=ephemeral, **kw)


async def _send(interaction: discord.Interaction[Any], kw: dict[str, Any], *, ephemeral: bool) -> None:
    if not interaction.response.is_done():
        await interaction.response.send_message(ephemeral=ephemeral, **kw)
    else:
        await interaction.followup.send(ephemeral=ephemeral, **kw)
