"""Photos and videos in, however they are sent: photo, image document, video, video
document, animation (GIF), video note; one by one or as an album.

The first reply goes out before anything is downloaded; fetching, storing (under the
conversation lock, so an album's parts take turns) and inspecting run in a background task,
and the findings replace that first reply when they arrive.
In groups the bot takes media addressed to it (a mention in the caption, a reply to one of
its messages, an album one of whose parts was addressed) or from a member whose
conversation with it is under way.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Literal

from aiogram import Bot, F, Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from motionbot.bot.core import texts
from motionbot.bot.core.conversation import Conversation
from motionbot.bot.core.intake import classify, suffix_for
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Actions, Reply
from motionbot.bot.telegram.files import download
from motionbot.bot.telegram.handlers.common import message_id_of, origin_of, reply_to_of, show
from motionbot.bot.telegram.runtime import Runtime
from motionbot.queue.errors import QueueError
from motionbot.queue.jobs import MediaRef

log = logging.getLogger(__name__)
Kind = Literal["photo", "video"]
ALBUM_TTL_S = 120


def _album_key(message: Message) -> str:
    return f"motionbot:tg:album:{message.chat.id}:{message.media_group_id}"


class Addressed(Filter):
    """Private chats always; in groups only media meant for the bot."""

    async def __call__(self, message: Message, bot: Bot, rt: Runtime, key: ConversationKey) -> bool:
        if message.chat.type == "private":
            return True
        me = await bot.me()
        replied = message.reply_to_message
        text = (message.caption or message.text or "").lower()
        addressed = (
            replied is not None and replied.from_user is not None and replied.from_user.id == me.id
        ) or (me.username is not None and f"@{me.username.lower()}" in text)
        if message.media_group_id:
            if addressed:
                await rt.redis.set(_album_key(message), 1, ex=ALBUM_TTL_S)
                return True
            if await rt.redis.exists(_album_key(message)):
                return True
        if addressed:
            return True
        state = await rt.conv.states.load(key)
        return state.photo is not None or state.motion is not None


async def _findings(rt: Runtime, chat_id: str, message_id: int, kind: Kind, ref: MediaRef) -> None:
    reply = await rt.conv.inspect(kind, ref)
    await rt.ui.edit(chat_id, message_id, reply)


async def receive(
    message: Message,
    key: ConversationKey,
    rt: Runtime,
    kind: Kind,
    file_id: str,
    *,
    size: int | None,
    filename: str | None,
    mime: str | None,
) -> None:
    """Answer at once; fetch, store and inspect in the background (bounded by ingest_slots)."""
    reply_to = reply_to_of(message)
    first = await rt.ui.send(key.chat_id, Conversation.received(kind), reply_to=reply_to)
    rt.spawn(
        _ingest(
            rt,
            key,
            kind,
            file_id,
            first.message_id,
            size=size,
            filename=filename,
            mime=mime,
            reply_to=reply_to,
        ),
        name=f"ingest:{key.chat_id}:{message.message_id}",
    )


async def _ingest(
    rt: Runtime,
    key: ConversationKey,
    kind: Kind,
    file_id: str,
    first_id: int,
    *,
    size: int | None,
    filename: str | None,
    mime: str | None,
    reply_to: int | None,
) -> None:
    suffix = suffix_for(kind, mime, filename)
    await rt.wait_quiet()
    async with rt.ingest_slots:
        with tempfile.TemporaryDirectory(prefix="motionbot-in-") as tmp:
            try:
                path = await download(
                    rt.bot,
                    file_id,
                    Path(tmp) / f"upload{suffix}",
                    size=size,
                    limit=rt.settings.telegram_download_limit(),
                )
                accepted = await rt.conv.add_input(key, kind, path, filename=filename or f"{kind}{suffix}")
            except QueueError as exc:
                await rt.ui.edit(key.chat_id, first_id, Reply(exc.message))
                return
    await show(rt, key.chat_id, accepted.replies, reply_to=reply_to)
    await _findings(rt, key.chat_id, first_id, kind, accepted.ref)


async def photo(message: Message, key: ConversationKey, rt: Runtime) -> None:
    assert message.photo
    best = max(message.photo, key=lambda p: p.width * p.height)
    await receive(
        message, key, rt, "photo", best.file_id, size=best.file_size, filename=None, mime="image/jpeg"
    )


async def video(message: Message, key: ConversationKey, rt: Runtime) -> None:
    assert message.video
    v = message.video
    await receive(
        message, key, rt, "video", v.file_id, size=v.file_size, filename=v.file_name, mime=v.mime_type
    )


async def animation(message: Message, key: ConversationKey, rt: Runtime) -> None:
    assert message.animation
    a = message.animation
    await receive(
        message,
        key,
        rt,
        "video",
        a.file_id,
        size=a.file_size,
        filename=a.file_name,
        mime=a.mime_type or "video/mp4",
    )


async def video_note(message: Message, key: ConversationKey, rt: Runtime) -> None:
    assert message.video_note
    n = message.video_note
    await receive(message, key, rt, "video", n.file_id, size=n.file_size, filename=None, mime="video/mp4")


async def document(message: Message, key: ConversationKey, rt: Runtime) -> None:
    assert message.document
    d = message.document
    kind = classify(d.mime_type, d.file_name)
    if kind is None:
        await rt.ui.send(key.chat_id, Reply(texts.UNSUPPORTED_FILE), reply_to=reply_to_of(message))
        return
    await receive(message, key, rt, kind, d.file_id, size=d.file_size, filename=d.file_name, mime=d.mime_type)


async def unsupported(message: Message, key: ConversationKey, rt: Runtime) -> None:
    await rt.ui.send(key.chat_id, Reply(texts.UNSUPPORTED_FILE))


async def input_buttons(cb: CallbackQuery, key: ConversationKey, rt: Runtime) -> None:
    await cb.answer()
    if cb.data and cb.data.split(":")[0] in (Actions.CONTINUE, Actions.REPLACE) and cb.message is not None:
        # the choice is made: drop the findings' buttons, keep their text
        try:
            await rt.bot.edit_message_reply_markup(
                chat_id=key.chat_id, message_id=cb.message.message_id, reply_markup=None
            )
        except Exception:  # cosmetic
            log.debug("could not clear the findings' buttons", exc_info=True)
    replies = await rt.conv.dispatch(key, cb.data or "")
    await show(rt, key.chat_id, replies, edit_id=message_id_of(cb), reply_to=origin_of(cb))


async def fallback_text(message: Message, key: ConversationKey, rt: Runtime) -> None:
    """Any other text in a private chat: say what the bot expects next."""
    state = await rt.conv.states.load(key)
    text = texts.NEED_VIDEO if state.photo else texts.NEED_PHOTO if state.motion else texts.WELCOME
    if state.ready:
        await show(rt, key.chat_id, [await rt.conv.options(key)])
        return
    await rt.ui.send(key.chat_id, Reply(text))


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="inputs")
    r.message.register(photo, F.photo, Addressed())
    r.message.register(video, F.video, Addressed())
    r.message.register(animation, F.animation, Addressed())
    r.message.register(video_note, F.video_note, Addressed())
    r.message.register(document, F.document, Addressed())
    r.message.register(unsupported, F.sticker | F.audio | F.voice, F.chat.type == "private")
    r.callback_query.register(
        input_buttons,
        F.data.startswith(Actions.CONTINUE + ":")
        | F.data.startswith(Actions.REPLACE + ":")
        | (F.data == Actions.MOTIONS)
        | F.data.startswith(Actions.PRESET + ":")
        | F.data.startswith(Actions.SAVED + ":")
        | (F.data == Actions.FORGET)
        | F.data.startswith(Actions.FORGET + ":"),
    )
    r.message.register(fallback_text, F.text, F.chat.type == "private")
    return r
