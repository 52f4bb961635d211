"""/cancel: stop the queued or running render, or forget the pending inputs."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.history.models import TaskStatus
from motionbot.bot.telegram.handlers.common import origin_of, reply_to_of, show
from motionbot.bot.telegram.runtime import Runtime


async def _cancel(key: ConversationKey, rt: Runtime, reply_to: int | None) -> None:
    state = await rt.conv.states.load(key)
    replies = await rt.conv.render.cancel(key)
    if state.task_id:
        task = await rt.history.get_task(state.task_id)
        if task is not None and task.status is TaskStatus.CANCELLED and task.status_message_id:
            await rt.ui.edit(key.chat_id, task.status_message_id, Reply(texts.CANCELLED))
    await show(rt, key, replies, reply_to=reply_to)


async def cancel_command(message: Message, key: ConversationKey, rt: Runtime) -> None:
    await _cancel(key, rt, reply_to_of(message))


async def cancel_button(cb: CallbackQuery, key: ConversationKey, rt: Runtime) -> None:
    await cb.answer()
    await _cancel(key, rt, origin_of(cb))


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="cancel")
    r.message.register(cancel_command, Command("cancel"))
    r.callback_query.register(cancel_button, F.data.func(lambda d: act.is_verb(d, act.Cancel)))
    return r
