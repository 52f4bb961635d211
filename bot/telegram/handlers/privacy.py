"""/mydata (a JSON file of everything kept about the user) and /forget (delete it all, after
one confirmation button). Both answer in private chats only: a group would see the file, and
a group member could press someone else's confirmation."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.telegram.handlers.common import pressed, reply_to_of, show
from motionbot.bot.telegram.runtime import Runtime
from motionbot.bot.telegram.ui import with_retry_after


async def _private(message: Message, key: ConversationKey, rt: Runtime) -> bool:
    if message.chat.type == "private":
        return True
    await show(rt, key, [Reply(texts.PRIVATE_ONLY)], reply_to=reply_to_of(message))
    return False


async def mydata(message: Message, key: ConversationKey, rt: Runtime) -> None:
    if not await _private(message, key, rt):
        return
    file = await rt.conv.privacy.mydata(key)
    upload = BufferedInputFile(file.data, filename=file.filename)
    await with_retry_after(
        lambda: rt.bot.send_document(chat_id=key.chat_id, document=upload, caption=file.caption)
    )


async def forget(message: Message, key: ConversationKey, rt: Runtime) -> None:
    if await _private(message, key, rt):
        await show(rt, key, [rt.conv.privacy.ask_forget(key)])


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="privacy")
    r.message.register(mydata, Command("mydata"))
    r.message.register(forget, Command("forget"))
    r.callback_query.register(pressed, F.data.func(lambda d: act.is_verb(d, act.ConfirmForget, act.KeepData)))
    return r
