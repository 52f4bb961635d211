"""/status, /pause and /resume for the service's admins (MOTIONBOT_ADMIN_IDS).

Platform-neutral logic lives in :mod:`motionbot.ops.admin`; this router only checks the
sender and formats the answer. For anyone else the commands do not match, so they fall
through to the ordinary handlers as unknown text.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from motionbot.bot.core.replies import Reply
from motionbot.bot.telegram.handlers.common import show
from motionbot.bot.telegram.runtime import Runtime
from motionbot.ops import admin
from motionbot.ops.settings import OpsSettings
from motionbot.queue import pause as pause_flag


def is_admin(message: Message) -> bool:
    user = message.from_user
    # settings read per message: a changed .env takes effect at the next restart anyway,
    # and this keeps the router free of construction-time state
    return user is not None and OpsSettings().is_admin("telegram", user.id)


async def status(message: Message, rt: Runtime) -> None:
    snapshot = await admin.status(
        rt.client.redis, health_check_interval_s=rt.queue_settings.health_check_interval_s
    )
    await show(rt, message.chat.id, [Reply(snapshot.format())])


async def pause(message: Message, command: CommandObject, rt: Runtime) -> None:
    user = message.from_user
    assert user is not None  # is_admin checked it
    state = await pause_flag.pause(rt.client.redis, by=f"telegram:{user.id}", reason=command.args or "")
    await show(
        rt,
        message.chat.id,
        [Reply(f"Paused. New requests now get: {state.message}\nSend /resume to end it.")],
    )


async def resume(message: Message, rt: Runtime) -> None:
    was = await pause_flag.resume(rt.client.redis)
    await show(
        rt, message.chat.id, [Reply("Resumed: accepting new renders." if was else "Renders were not paused.")]
    )


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="ops")
    r.message.register(status, Command("status"), is_admin)
    r.message.register(pause, Command("pause"), is_admin)
    r.message.register(resume, Command("resume"), is_admin)
    return r
