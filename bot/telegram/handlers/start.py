"""/start, the one-time rights acknowledgement, /motions and /language."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from motionbot.bot.core import actions as act
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.telegram.handlers.common import pressed, reply_to_of, show
from motionbot.bot.telegram.runtime import Runtime


async def start(message: Message, key: ConversationKey, rt: Runtime) -> None:
    await show(rt, key, await rt.conv.consent.start(key), reply_to=reply_to_of(message))


async def motions(message: Message, key: ConversationKey, rt: Runtime) -> None:
    await show(rt, key, [await rt.conv.moves.menu(key)], reply_to=reply_to_of(message))


async def language(message: Message, key: ConversationKey, rt: Runtime) -> None:
    await show(rt, key, [await rt.conv.language.menu(key)], reply_to=reply_to_of(message))


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="start")
    r.message.register(start, CommandStart())
    r.message.register(motions, Command("motions"))
    r.message.register(language, Command("language"))
    r.callback_query.register(pressed, F.data.func(lambda d: act.is_verb(d, act.Acknowledge, act.SetLanguage)))
    return r
