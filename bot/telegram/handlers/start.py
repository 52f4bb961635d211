"""/start, the one-time rights acknowledgement, and /motions."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Actions
from motionbot.bot.telegram.handlers.common import message_id_of, origin_of, reply_to_of, show
from motionbot.bot.telegram.runtime import Runtime


async def start(message: Message, key: ConversationKey, rt: Runtime) -> None:
    await show(rt, key.chat_id, await rt.conv.start(key), reply_to=reply_to_of(message))


async def motions(message: Message, key: ConversationKey, rt: Runtime) -> None:
    await show(rt, key.chat_id, [await rt.conv.motions(key)], reply_to=reply_to_of(message))


async def acknowledge(cb: CallbackQuery, key: ConversationKey, rt: Runtime) -> None:
    await cb.answer()
    replies = await rt.conv.dispatch(key, Actions.ACK)
    await show(rt, key.chat_id, replies, edit_id=message_id_of(cb), reply_to=origin_of(cb))


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="start")
    r.message.register(start, CommandStart())
    r.message.register(motions, Command("motions"))
    r.callback_query.register(acknowledge, F.data == Actions.ACK)
    return r
