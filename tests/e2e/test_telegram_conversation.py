"""What the Telegram bot says around consent and Generate, end to end (fake Bot API, real
aiogram bot, Redis, SQLite; a real warp render worker where a video is delivered)."""

from __future__ import annotations

import asyncio
from typing import Any

from e2e_workers import moving_square_mp4
from tg_harness import TG, USER, astronaut_jpeg, command

from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.queue.jobs import Platform


def sent_texts(tg: TG, fragment: str) -> list[str]:
    """New messages (not edits) that contain ``fragment``."""
    found = [str(r.fields.get("text", "")) for r in tg.fake.sent("sendMessage", chat_id=USER)]
    return [t for t in found if fragment in t]


def live_keyboards(tg: TG) -> list[int]:
    """Bot messages that show a Generate button now."""
    gen = act.Generate().pack()
    return [
        mid
        for (chat, mid), msg in tg.fake.messages.items()
        if chat == USER
        and any(
            b.get("callback_data") == gen
            for row in (msg.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        )
    ]


async def test_consent_is_asked_once_and_agreeing_goes_on_with_the_files(tg: TG) -> None:
    fake = tg.fake
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await tg.wait_text(texts.CONSENT)
    await fake.push_message(USER, USER, **fake.video_fields(moving_square_mp4()))
    await tg.wait_text(texts.CONSENT_PENDING)
    assert len(sent_texts(tg, texts.CONSENT)) == 1  # one prompt for two files

    await tg.press(act.Acknowledge().pack())
    thanked = await tg.wait_text(texts.OPTIONS_TITLE)
    assert thanked.method == "editMessageText"  # the prompt itself turns into the options
    assert str(thanked.fields["text"]).startswith(texts.THANKS)
    assert not [t for t in tg.texts() if texts.CONSENT_THANKS in t]  # no "send a photo to begin"
    assert live_keyboards(tg) == [int(thanked.fields["message_id"])]


async def test_a_newer_keyboard_replaces_the_older_one(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await tg.wait_text(texts.NEED_VIDEO)
    await fake.push_message(USER, USER, **fake.video_fields(moving_square_mp4()))
    await tg.wait_button(act.Generate().pack())
    # a returning user's conversation still holds both inputs: each new file shows a keyboard
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg(200)))
    await tg.wait_text(texts.PHOTO_REPLACED)
    await fake.push_message(USER, USER, **fake.video_fields(moving_square_mp4(frames=10)))
    await tg.wait_text(texts.VIDEO_REPLACED)

    def settled() -> bool:
        return len(sent_texts(tg, texts.OPTIONS_TITLE)) == 3 and len(live_keyboards(tg)) == 1

    await fake.wait_for(settled, 15)
    shown = [
        mid
        for (chat, mid), m in fake.messages.items()
        if chat == USER and texts.OPTIONS_TITLE in m.get("text", "")
    ]
    assert live_keyboards(tg) == [max(shown)]  # the older two lost their buttons and kept their text


async def test_a_repeated_generate_does_not_render_twice(tg: TG, render_worker: Any) -> None:
    fake = tg.fake
    await tg.acknowledge()
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await fake.push_message(USER, USER, **command("/motions"))
    await tg.press(act.ChoosePreset("wave").pack())
    keyboard = await tg.wait_button(act.Generate().pack())
    await fake.press(USER, USER, keyboard, act.Generate().pack())
    await asyncio.sleep(1.0)
    await fake.press(USER, USER, keyboard, act.Generate().pack())  # a second later, same keyboard
    repeat = await fake.wait_for(
        lambda: next((t for t in tg.texts() if t in (texts.ALREADY_RENDERING, texts.ALREADY_SENT)), None), 30
    )
    assert repeat
    await fake.wait_sent("sendVideo", timeout=60)
    await tg.wait_text("Done!", timeout=30)
    await fake.press(USER, USER, keyboard, act.Generate().pack())  # again, after the delivery
    await tg.wait_count(texts.ALREADY_SENT, 1)
    await asyncio.sleep(1.0)
    assert len(fake.sent("sendVideo", chat_id=USER)) == 1
    assert await tg.rt.history.count_tasks(Platform.TELEGRAM, str(USER)) == 1
