"""/history: the user's tasks, newest first, with a card per task (re-send, reuse, share,
delete). Task ids in button data are checked against the presser by the core."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Actions
from motionbot.bot.telegram.handlers.common import message_id_of, origin_of, reply_to_of, show
from motionbot.bot.telegram.runtime import Runtime

VERBS = (Actions.HISTORY, *Actions.ON_TASK)


async def history(message: Message, key: ConversationKey, rt: Runtime) -> None:
    await show(rt, key.chat_id, [await rt.conv.history_page(key, 0)], reply_to=reply_to_of(message))


async def history_buttons(cb: CallbackQuery, key: ConversationKey, rt: Runtime) -> None:
    await cb.answer()
    replies = await rt.conv.dispatch(key, cb.data or "")
    await show(rt, key.chat_id, replies, edit_id=message_id_of(cb), reply_to=origin_of(cb))


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="history")
    r.message.register(history, Command("history"))
    r.callback_query.register(history_buttons, F.data.func(lambda d: d.split(":", 1)[0] in VERBS))
    return r
