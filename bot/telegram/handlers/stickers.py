"""Add to my sticker set: the pressed sticker goes into the user's own set (made the first time)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from aiogram import F, Router
from aiogram.types import CallbackQuery, FSInputFile

from motionbot.bot.core import actions as act
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.telegram.extras import add_to_user_set
from motionbot.bot.telegram.handlers.common import origin_of, show, task_of_press
from motionbot.bot.telegram.runtime import Runtime


async def add_sticker(cb: CallbackQuery, key: ConversationKey, rt: Runtime) -> None:
    found = await task_of_press(cb, key, rt, act.AddSticker, rt.conv.history.sticker_of)
    if found is None:
        return
    ref, file_id = found
    if file_id is not None:
        text = await add_to_user_set(rt.bot, int(key.user_id), file_id)
    else:  # never sent (or sent elsewhere): upload it from the store
        with tempfile.TemporaryDirectory(prefix="motionbot-tg-s-") as tmp:
            path = await rt.client.store.fetch(ref, Path(tmp))
            text = await add_to_user_set(rt.bot, int(key.user_id), FSInputFile(path))
    await show(rt, key, [Reply(text)], reply_to=origin_of(cb))


def router() -> Router:
    r = Router(name="stickers")
    r.callback_query.register(add_sticker, F.data.func(lambda d: act.is_verb(d, act.AddSticker)))
    return r
