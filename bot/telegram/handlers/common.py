"""Small helpers every handler module uses."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from motionbot.bot.core import actions as act
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.telegram.extras import send_extras, sticker_reply
from motionbot.bot.telegram.runtime import Runtime

A = TypeVar("A", bound=act.Action)
T = TypeVar("T")


def in_group(message: Message) -> bool:
    return message.chat.type != "private"


def reply_to_of(message: Message) -> int | None:
    """In groups the bot answers as a reply to the member's message, so members can tell
    whose conversation a message belongs to."""
    return message.message_id if in_group(message) else None


def origin_of(cb: CallbackQuery) -> int | None:
    """The member's message a pressed keyboard answered (groups), to reply to it again."""
    msg = cb.message
    if not isinstance(msg, Message) or msg.chat.type == "private":
        return None
    return msg.reply_to_message.message_id if msg.reply_to_message else None


def message_id_of(cb: CallbackQuery) -> int | None:
    return cb.message.message_id if cb.message is not None else None


async def action_of(cb: CallbackQuery, kind: type[A]) -> A:
    """Answer the press and read its action; the router's filter has already matched the verb."""
    await cb.answer()
    action = act.parse(cb.data or "")
    assert isinstance(action, kind)
    return action


async def task_of_press(
    cb: CallbackQuery,
    key: ConversationKey,
    rt: Runtime,
    kind: type[act.TaskAction],
    lookup: Callable[[ConversationKey, str], Awaitable[T | Reply]],
) -> T | None:
    """A press on a result's button: what ``lookup`` finds for its task, or None once the
    core's refusal (another user's task, files gone...) has been shown."""
    action = await action_of(cb, kind)
    found = await lookup(key, action.task_id)
    if isinstance(found, Reply):
        await show(rt, key, [found], reply_to=origin_of(cb))
        return None
    return found


async def show(
    rt: Runtime,
    key: ConversationKey,
    replies: list[Reply],
    *,
    edit_id: int | None = None,
    reply_to: int | None = None,
) -> None:
    """Send core replies in order; the first one marked ``edit`` replaces ``edit_id``.

    A reply with the options keyboard becomes the conversation's one live keyboard: the
    message that showed the keyboard before loses its buttons.
    """
    chat_id = key.chat_id
    for reply in replies:
        if reply.video is not None:
            await send_video_reply(rt, chat_id, reply, reply_to=reply_to)
            continue
        sent = await rt.ui.answer(chat_id, reply, edit_id=edit_id, reply_to=reply_to)
        shown_in = sent.message_id if sent is not None else edit_id
        if reply.edit:
            edit_id = None
        if reply.offers(act.Generate) and shown_in is not None:
            await retire_keyboard(rt, key, await rt.conv.options.keyboard_shown(key, str(shown_in)))


async def retire_keyboard(rt: Runtime, key: ConversationKey, message_id: str | int | None) -> None:
    """Remove the buttons of a keyboard that is no longer the live one (its text stays)."""
    if message_id is None:
        return
    with contextlib.suppress(TelegramBadRequest):  # deleted, or already without buttons
        await rt.bot.edit_message_reply_markup(
            chat_id=key.chat_id, message_id=int(message_id), reply_markup=None
        )


async def send_video_reply(rt: Runtime, chat_id: int | str, reply: Reply, *, reply_to: int | None) -> None:
    """Re-send a finished video: by file id when Telegram has it, else upload it once and
    remember the new file id so the next re-send is free."""
    video = reply.video
    assert video is not None
    if video.file_id:
        await rt.ui.send_video(chat_id, reply, reply_to=reply_to)
    else:
        assert video.media is not None
        with tempfile.TemporaryDirectory(prefix="motionbot-tg-") as tmp:
            path = await rt.client.store.fetch(video.media, Path(tmp))
            msg = await rt.ui.send_video(chat_id, reply, path=str(path), reply_to=reply_to)
        if msg.video is not None:
            await rt.history.update_file_id(video.task_id, msg.video.file_id)
    if video.extras:  # the format's files (WebM, GIF, sticker) go with it again
        await send_extras(
            rt.bot, rt.client.store, chat_id, video.task_id, dict(video.extras),
            upload_limit=rt.upload_limit(), reply_to=reply_to, sticker_reply=sticker_reply(video.task_id),
        )  # fmt: skip


async def pressed(cb: CallbackQuery, key: ConversationKey, rt: Runtime) -> None:
    """A button the core handles on its own: its replies, the first in place of the pressed message."""
    await cb.answer()
    replies = await rt.conv.press(key, cb.data or "")
    await show(rt, key, replies, edit_id=message_id_of(cb), reply_to=origin_of(cb))
