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

from aiogram import Bot, F, Router
from aiogram.filters import Filter
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.finding_words import error_text
from motionbot.bot.core.inputs import Inputs
from motionbot.bot.core.intake import classify, suffix_for
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.telegram.files import download
from motionbot.bot.telegram.handlers.common import pressed, reply_to_of, show
from motionbot.bot.telegram.runtime import Runtime
from motionbot.bot.telegram.ui import MAX_CAPTION, markup, reply_parameters, with_retry_after
from motionbot.queue.errors import QueueError
from motionbot.queue.jobs import MediaKind, MediaRef

log = logging.getLogger(__name__)
ALBUM_TTL_S = 120
PEOPLE_PICTURE = "people.png"


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


async def _findings(
    rt: Runtime, chat_id: str, message_id: int, kind: MediaKind, ref: MediaRef, *, reply_to: int | None
) -> None:
    """The findings in place of the first reply; with several people, their numbered picture
    and a button per number below it."""
    reply = await rt.conv.inputs.inspect(kind, ref)
    await rt.ui.edit(chat_id, message_id, reply)
    people = await rt.conv.people.offer(kind, ref)
    data = await rt.conv.people.picture_bytes(people.picture) if people and people.picture else None
    if people is not None and data is not None:
        picture = BufferedInputFile(data, filename=PEOPLE_PICTURE)
        await with_retry_after(
            lambda: rt.bot.send_photo(
                chat_id=chat_id,
                photo=picture,
                caption=people.text[:MAX_CAPTION],
                reply_markup=markup(people),
                reply_parameters=reply_parameters(reply_to),
            )
        )


async def receive(
    message: Message,
    key: ConversationKey,
    rt: Runtime,
    kind: MediaKind,
    file_id: str,
    *,
    size: int | None,
    filename: str | None,
    mime: str | None,
) -> None:
    """Answer at once; fetch, store and inspect in the background (bounded by ingest_slots).
    The photos of an album join one another (one video each)."""
    reply_to = reply_to_of(message)
    first = await rt.ui.send(key.chat_id, Inputs.received(kind), reply_to=reply_to)
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
            album_group=message.media_group_id if kind == "photo" else None,
        ),
        name=f"ingest:{key.chat_id}:{message.message_id}",
    )


async def _ingest(
    rt: Runtime,
    key: ConversationKey,
    kind: MediaKind,
    file_id: str,
    first_id: int,
    *,
    size: int | None,
    filename: str | None,
    mime: str | None,
    reply_to: int | None,
    album_group: str | None = None,
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
                accepted = await rt.conv.inputs.add(
                    key, kind, path, filename=filename or f"{kind}{suffix}", album_group=album_group
                )
            except QueueError as exc:
                await rt.ui.edit(key.chat_id, first_id, Reply(error_text(exc)))
                return
    await show(rt, key, accepted.replies, reply_to=reply_to)
    await _findings(rt, key.chat_id, first_id, kind, accepted.ref, reply_to=reply_to)


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


async def findings_choice(cb: CallbackQuery, key: ConversationKey, rt: Runtime) -> None:
    """Continue anyway / send another, under the findings: the choice is made, so the
    findings keep their text and lose their buttons."""
    if cb.message is not None:
        try:
            await rt.bot.edit_message_reply_markup(
                chat_id=key.chat_id, message_id=cb.message.message_id, reply_markup=None
            )
        except Exception:  # cosmetic
            log.debug("could not clear the findings' buttons", exc_info=True)
    await pressed(cb, key, rt)


async def fallback_text(message: Message, key: ConversationKey, rt: Runtime) -> None:
    """Any other text in a private chat: say what the bot expects next."""
    await show(rt, key, [await rt.conv.inputs.hint(key)])


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
        findings_choice, F.data.func(lambda d: act.is_verb(d, act.KeepInput, act.ReplaceInput))
    )
    moves = (act.ShowMoves, act.ChoosePreset, act.UseSavedMove, act.ForgetMenu, act.ForgetSavedMove)
    r.callback_query.register(pressed, F.data.func(lambda d: act.meant_for(d, act.ChoosePerson)))
    r.callback_query.register(pressed, F.data.func(lambda d: act.meant_for(d, *moves)))
    r.message.register(fallback_text, F.text, F.chat.type == "private")
    return r
