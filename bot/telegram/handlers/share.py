"""/share TASK @channel: post a finished video to a channel both the user and the bot run."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.types import ChatMemberAdministrator, ChatMemberOwner, Message

from motionbot.bot.core import presenters, texts
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.telegram.handlers.common import reply_to_of
from motionbot.bot.telegram.runtime import Runtime

log = logging.getLogger(__name__)


async def share(message: Message, command: CommandObject, key: ConversationKey, rt: Runtime) -> None:
    reply_to = reply_to_of(message)

    async def say(text: str) -> None:
        await rt.ui.send(key.chat_id, Reply(text), reply_to=reply_to)

    args = (command.args or "").split()
    if len(args) != 2 or not (args[1].startswith("@") or args[1].lstrip("-").isdigit()):
        await say(texts.SHARE_USAGE)
        return
    task_id, channel = args
    task = await rt.conv.sharing.shareable(key, task_id)
    file_id = await rt.conv.sharing.file_id(task_id)
    if isinstance(task, Reply) or file_id is None:
        await say(task.text if isinstance(task, Reply) else texts.NOT_FINISHED)
        return
    me = await rt.bot.me()
    try:
        user_member = await rt.bot.get_chat_member(channel, message.from_user.id if message.from_user else 0)
        bot_member = await rt.bot.get_chat_member(channel, me.id)
    except (TelegramBadRequest, TelegramForbiddenError):
        await say(texts.SHARE_CHANNEL_UNKNOWN.format(channel=channel))
        return
    if not isinstance(user_member, ChatMemberOwner | ChatMemberAdministrator):
        await say(texts.SHARE_NOT_ADMIN_USER.format(channel=channel))
        return
    if not isinstance(bot_member, ChatMemberAdministrator) or bot_member.can_post_messages is False:
        await say(texts.SHARE_NOT_ADMIN_BOT.format(channel=channel))
        return
    caption = presenters.task_caption(task)
    try:
        await rt.bot.send_video(chat_id=channel, video=file_id, caption=caption, supports_streaming=True)
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        log.info("posting %s to %s failed: %s", task_id, channel, exc)
        await say(texts.SHARE_NOT_ADMIN_BOT.format(channel=channel))
        return
    await say(texts.SHARE_DONE.format(task_id=task_id, channel=channel))


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="share")
    r.message.register(share, Command("share"))
    return r
