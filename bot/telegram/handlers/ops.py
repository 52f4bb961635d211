"""/status, /pause and /resume for the service's admins (MOTIONBOT_ADMIN_IDS).

The feature is the core's (:mod:`motionbot.bot.core.admin`); this router only matches the
commands for admins. For anyone else they do not match, so they fall through to the
ordinary handlers as unknown text.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.telegram.handlers.common import show
from motionbot.bot.telegram.runtime import Runtime


def is_admin(message: Message, key: ConversationKey, rt: Runtime) -> bool:
    return rt.conv.admin.is_admin(key)


async def status(message: Message, key: ConversationKey, rt: Runtime) -> None:
    await show(rt, key, [await rt.conv.admin.status()])


async def pause(message: Message, command: CommandObject, key: ConversationKey, rt: Runtime) -> None:
    await show(rt, key, [await rt.conv.admin.pause(key, command.args or "")])


async def resume(message: Message, key: ConversationKey, rt: Runtime) -> None:
    await show(rt, key, [await rt.conv.admin.resume()])


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="ops")
    r.message.register(status, Command("status"), is_admin)
    r.message.register(pause, Command("pause"), is_admin)
    r.message.register(resume, Command("resume"), is_admin)
    return r
