"""The options keyboard, Generate, and Shorter render (a result too big to send here)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from motionbot.bot.core import actions as act
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.telegram.handlers.common import (
    action_of,
    message_id_of,
    origin_of,
    pressed,
    retire_keyboard,
    show,
    task_of_press,
)
from motionbot.bot.telegram.runtime import Runtime
from motionbot.queue.jobs import OutputFormat

STICKER_SECONDS = 3.0  # Telegram's longest video sticker


async def generate(cb: CallbackQuery, key: ConversationKey, rt: Runtime) -> None:
    await cb.answer()
    await _generate(cb, key, rt)


async def shorter(cb: CallbackQuery, key: ConversationKey, rt: Runtime) -> None:
    """A result too big to send here: the same inputs and options again, half as long."""
    seconds = await task_of_press(cb, key, rt, act.Shorter, rt.conv.history.shorter_seconds)
    if seconds is not None:
        await _generate(cb, key, rt, max_seconds=seconds)


async def _generate(
    cb: CallbackQuery,
    key: ConversationKey,
    rt: Runtime,
    *,
    max_seconds: float | None = None,
    output_format: OutputFormat | None = None,
    keep: bool = False,
) -> None:
    """``keep``: the pressed message keeps its buttons (a result's, not a keyboard)."""
    reply_to = origin_of(cb)

    async def post_status(reply: Reply) -> str:
        msg = await rt.ui.send(key.chat_id, reply, reply_to=reply_to)
        return str(msg.message_id)

    result = await rt.conv.render.generate(
        key,
        post_status=post_status,
        reply_to=str(reply_to) if reply_to else None,
        max_bytes=rt.upload_limit(),
        max_seconds=max_seconds,
        output_format=output_format,
    )
    if result.status_message_id is None:
        await show(rt, key, [result.reply], reply_to=reply_to)
        return
    # the keyboard (or the Shorter button) did its job; a second press would start a second render
    if not keep:
        await retire_keyboard(rt, key, message_id_of(cb))
    rt.throttle.mark(key.chat_id)
    await rt.ui.edit(key.chat_id, result.status_message_id, result.reply)
    if result.task_id and not result.cached:
        rt.watch(result.task_id, key.chat_id, result.status_message_id, shown=result.reply.text)


async def make_sticker(cb: CallbackQuery, key: ConversationKey, rt: Runtime) -> None:
    """Make a sticker: the result's inputs and options again, as a video sticker (3 s at most)."""
    action = await action_of(cb, act.MakeSticker)
    refusal = await rt.conv.history.restore(key, action.task_id)
    if refusal is not None:
        await show(rt, key, [refusal], reply_to=origin_of(cb))
        return
    await _generate(cb, key, rt, max_seconds=STICKER_SECONDS, output_format=OutputFormat.STICKER, keep=True)


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="options")
    r.callback_query.register(pressed, F.data.func(lambda d: act.is_verb(d, act.SetOption)))
    r.callback_query.register(generate, F.data.func(lambda d: act.is_verb(d, act.Generate)))
    r.callback_query.register(shorter, F.data.func(lambda d: act.is_verb(d, act.Shorter)))
    r.callback_query.register(make_sticker, F.data.func(lambda d: act.is_verb(d, act.MakeSticker)))
    return r
