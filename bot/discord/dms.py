"""The two-step conversation in DMs: send a photo, send a video, in either order.

The same behaviour as on Telegram, from the same core: an instant "got it", the next step
or the options keyboard, and the findings of the checks edited into the first message when
they arrive. Buttons are the persistent ones of :mod:`.views`; Generate turns the pressed
message into the status message (:mod:`.buttons`).
"""

from __future__ import annotations

import contextlib
import logging

import discord
from discord.ext import commands
from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.finding_words import error_text
from motionbot.bot.core.intake import classify, suffix_for
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.discord.cog import MotionCog
from motionbot.bot.discord.limits import attachment_problem
from motionbot.bot.discord.locale import speak_to_author
from motionbot.bot.discord.respond import picture_file
from motionbot.bot.discord.views import content, view_for
from motionbot.queue.errors import MotionbotError
from motionbot.queue.jobs import MediaKind, MediaRef, Platform

log = logging.getLogger(__name__)
MAX_FILES = 2


class DirectMessages(MotionCog):
    async def _send(
        self, channel: discord.abc.Messageable, reply: Reply, key: ConversationKey, owner: int
    ) -> discord.Message:
        """Send a reply; one with the options keyboard becomes the conversation's live keyboard
        and the message that showed it before loses its buttons."""
        view = view_for(reply, owner)
        if view is None:
            return await channel.send(content=content(reply))
        sent = await channel.send(content=content(reply), view=view)
        if reply.offers(act.Generate) and isinstance(sent.channel, discord.DMChannel):
            previous = await self.bot.rt.conv.options.keyboard_shown(key, str(sent.id))
            if previous is not None:
                with contextlib.suppress(discord.HTTPException):  # deleted meanwhile
                    await sent.channel.get_partial_message(int(previous)).edit(view=None)
        return sent

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None or message.author.bot:
            return
        owner = message.author.id
        await self.bot.unblock(owner)
        await speak_to_author(self.bot.rt.history.languages, owner)
        key = ConversationKey(Platform.DISCORD, str(message.channel.id), str(owner))
        conv = self.bot.rt.conv
        try:
            if not message.attachments:
                for reply in await conv.consent.start(key):
                    await self._send(message.channel, reply, key, owner)
                return
            for attachment in message.attachments[:MAX_FILES]:
                await self._take(message.channel, key, owner, attachment)
        except MotionbotError as exc:
            await message.channel.send(error_text(exc))

    async def _take(
        self,
        channel: discord.abc.Messageable,
        key: ConversationKey,
        owner: int,
        attachment: discord.Attachment,
    ) -> None:
        kind = classify(attachment.content_type, attachment.filename)
        if kind is None:
            await channel.send(texts.UNSUPPORTED_FILE)
            return
        problem = attachment_problem(attachment, kind, download_limit=self.bot.rt.download_limit)
        if problem is not None:
            await channel.send(problem)
            return
        conv = self.bot.rt.conv
        first = await self._send(channel, conv.inputs.received(kind), key, owner)
        data = await attachment.read()
        accepted = await conv.inputs.add(
            key,
            kind,
            data,
            filename=attachment.filename,
            suffix=suffix_for(kind, attachment.content_type, attachment.filename),
        )
        for reply in accepted.replies:
            await self._send(channel, reply, key, owner)
        self.bot.rt.spawn(self._findings(first, kind, accepted.ref, owner), name=f"inspect:{first.id}")

    async def _findings(self, message: discord.Message, kind: MediaKind, ref: MediaRef, owner: int) -> None:
        reply = await self.bot.rt.conv.inputs.inspect(kind, ref)
        view = view_for(reply, owner)
        await message.edit(content=content(reply), view=view)
        people = await self.bot.rt.conv.people.offer(kind, ref)  # several people: their numbers
        file = await picture_file(self.bot, people) if people is not None else None
        buttons = view_for(people, owner) if people is not None else None
        if people is not None and file is not None and buttons is not None:
            await message.channel.send(content=content(people), view=buttons, file=file)
