"""A result's extra files on Telegram: the transparent WebM as a document, the GIF as an
animation (it autoplays), the video sticker with ``sendSticker``, and the user's own sticker
set (``createNewStickerSet`` the first time, ``addStickerToSet`` after).

A sticker set's name must end in ``_by_<bot username>`` and be unique on Telegram, so each
user gets one set named from their id; its ``t.me/addstickers/<name>`` link opens it.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import FSInputFile, InputSticker, Message

from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.presenters import extra_too_large
from motionbot.bot.core.replies import Button, Reply
from motionbot.bot.telegram.ui import MAX_CAPTION, markup, reply_parameters, with_retry_after
from motionbot.queue.jobs import EXTRA_SUFFIXES, Extra, MediaRef
from motionbot.queue.store import MediaStore

log = logging.getLogger(__name__)

STICKER_EMOJI = "\U0001f483"  # dancer: the emoji a sticker is found by
STICKER_SET_MAX = 120  # Telegram's limit of video stickers in one set


async def send_extra(
    bot: Bot,
    chat_id: int | str,
    kind: Extra,
    path: Path,
    reply: Reply,
    *,
    task_id: str,
    reply_to: int | str | None = None,
) -> Message:
    """Post one extra file with ``reply``'s text (a sticker has no caption, only buttons)."""
    source = FSInputFile(path, filename=f"{task_id}{EXTRA_SUFFIXES[kind]}")
    caption = reply.text[:MAX_CAPTION]
    send: Callable[..., Awaitable[Message]]
    if kind is Extra.STICKER:
        send = partial(bot.send_sticker, chat_id, source, emoji=STICKER_EMOJI)
    elif kind is Extra.GIF:
        send = partial(bot.send_animation, chat_id, source, caption=caption)
    else:  # kept a file, not a video: a WebM with alpha for editors
        send = partial(
            bot.send_document, chat_id, source, caption=caption, disable_content_type_detection=True
        )
    keyboard, answering = markup(reply), reply_parameters(reply_to)
    return await with_retry_after(lambda: send(reply_markup=keyboard, reply_parameters=answering))


async def send_extras(
    bot: Bot,
    store: MediaStore,
    chat_id: int | str,
    task_id: str,
    extras: dict[Extra, MediaRef],
    *,
    upload_limit: int | None,
    reply_to: int | str | None = None,
    sticker_reply: Reply | None = None,
) -> dict[Extra, Message]:
    """Post the extras after the video; one over the upload limit is named, never dropped."""
    sent: dict[Extra, Message] = {}
    with tempfile.TemporaryDirectory(prefix="motionbot-tg-x-") as tmp:
        for kind, ref in extras.items():
            caption = texts.EXTRA_CAPTIONS[kind.value].format(task_id=task_id)
            if upload_limit is not None and ref.size > upload_limit:
                text = extra_too_large(kind.value, ref.size, upload_limit)
                await bot.send_message(chat_id=chat_id, text=text)
                continue
            path = await store.fetch(ref, Path(tmp))
            reply = sticker_reply if kind is Extra.STICKER and sticker_reply is not None else Reply(caption)
            sent[kind] = await send_extra(bot, chat_id, kind, path, reply, task_id=task_id, reply_to=reply_to)
    return sent


def sticker_reply(task_id: str) -> Reply:
    """What a delivered sticker carries: the button that adds it to the user's set."""
    return Reply("", buttons=((Button(texts.ADD_STICKER, action=act.AddSticker(act.TaskId(task_id))),),))


def sticker_set_name(user_id: int | str, bot_username: str) -> str:
    """One set per user; Telegram wants a letter first, ``[a-z0-9_]`` and ``_by_<bot>`` last."""
    return f"motionbot_{user_id}_by_{bot_username}"[:64]


def addstickers_link(name: str) -> str:
    return f"https://t.me/addstickers/{name}"


async def add_to_user_set(bot: Bot, user_id: int, sticker: str | FSInputFile) -> str:
    """Add the sticker (a file id or an upload) to the user's set, creating it the first time;
    returns what to tell the user."""
    me = await bot.me()
    name = sticker_set_name(user_id, me.username or "bot")
    link = addstickers_link(name)
    entry = InputSticker(sticker=sticker, format="video", emoji_list=[STICKER_EMOJI])
    try:
        await bot.add_sticker_to_set(user_id=user_id, name=name, sticker=entry)
        return texts.STICKER_ADDED.format(link=link)
    except TelegramBadRequest as exc:
        message = exc.message.upper()
        if "STICKERS_TOO_MUCH" in message:
            return texts.STICKER_SET_FULL
        if "STICKERSET_INVALID" not in message:
            log.info("addStickerToSet refused: %s", exc.message)
            return texts.STICKER_FAILED.format(reason=exc.message)
    try:
        await bot.create_new_sticker_set(
            user_id=user_id, name=name, title=texts.STICKER_SET_TITLE, stickers=[entry]
        )
    except TelegramBadRequest as exc:
        log.info("createNewStickerSet refused: %s", exc.message)
        return texts.STICKER_FAILED.format(reason=exc.message)
    return texts.STICKER_SET_CREATED.format(link=link)
