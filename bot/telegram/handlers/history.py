"""/history: the user's tasks, newest first, with a card per task (re-send, reuse, share,
delete). Task ids in button data are checked against the presser by the core."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from motionbot.bot.core import actions as act
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.telegram.handlers.common import pressed, reply_to_of, show
from motionbot.bot.telegram.runtime import Runtime

HISTORY_ACTIONS = (act.HistoryPage, act.ShowTask, act.Resend, act.SameMove, act.SamePhoto, act.Again,
                   act.DeleteTask, act.SaveMove)  # fmt: skip


async def history(message: Message, key: ConversationKey, rt: Runtime) -> None:
    await show(rt, key, [await rt.conv.history.page(key, 0)], reply_to=reply_to_of(message))


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="history")
    r.message.register(history, Command("history"))
    r.callback_query.register(pressed, F.data.func(lambda d: act.meant_for(d, *HISTORY_ACTIONS)))
    return r
