"""Telegram history end to end: pagination, re-send by file id, forged buttons, deletion."""

from __future__ import annotations

from e2e_workers import moving_square_mp4
from tg_harness import TG, USER, command, finished_task, key_of

from motionbot.bot.core import texts
from motionbot.queue import pins
from motionbot.queue.jobs import MotionSource, Platform

INTRUDER = 2002


async def test_pagination_card_and_resend(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    ids = [await finished_task(tg) for _ in range(7)]
    await fake.wait_sent("sendVideo", count=7, timeout=30)
    await fake.push_message(USER, USER, **command("/history"))
    first = await tg.wait_text("Your videos (1-5 of 7)")
    assert all(f"ht:{t}" in str(first.fields["reply_markup"]) for t in ids[2:])  # newest first
    await tg.press("hp:1")
    second = await tg.wait_text("Your videos (6-7 of 7)")
    assert second.method == "editMessageText"  # paginated in place
    assert f"ht:{ids[0]}" in str(second.fields["reply_markup"]) and "hp:0" in str(
        second.fields["reply_markup"]
    )
    await tg.press(f"ht:{ids[0]}")
    card = await tg.wait_text(f"Task {ids[0]}\nStatus: finished")
    assert "switch_inline_query" in str(card.fields["reply_markup"])
    uploads_before = len([r for r in fake.sent("sendVideo") if r.uploads])
    await tg.press(f"hs:{ids[0]}")
    resent = await fake.wait_sent("sendVideo", count=8)
    delivery = await tg.rt.history.get_delivery(ids[0])
    assert delivery is not None and resent[-1].fields["video"] == delivery.file_id
    assert len([r for r in fake.sent("sendVideo") if r.uploads]) == uploads_before


async def test_forged_buttons_are_refused(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    task_id = await finished_task(tg)
    await fake.wait_sent("sendVideo")
    await tg.acknowledge(INTRUDER)
    # the intruder forges callback data naming the owner's task on a message of their own chat
    own = await tg.rt.ui.send(INTRUDER, __import__("motionbot.bot.core", fromlist=["Reply"]).Reply("x"))
    for verb in ("hd", "hs", "hm", "ht"):
        await fake.press(INTRUDER, INTRUDER, own.message_id, f"{verb}:{task_id}")
    await tg.wait_count(texts.NOT_YOURS, 4, chat_id=INTRUDER)
    assert await tg.rt.history.get_task(task_id) is not None
    assert len(fake.sent("sendVideo", chat_id=INTRUDER)) == 0
    await fake.inline(INTRUDER, task_id)
    answer = (await fake.wait_sent("answerInlineQuery"))[0]
    assert answer.fields["results"] == []


async def test_delete_removes_task_and_media(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    task_id = await finished_task(tg)
    await fake.wait_sent("sendVideo")
    task = await tg.rt.history.get_task(task_id)
    assert task is not None and task.output is not None
    store = tg.rt.client.store
    assert await store.exists(task.output) and await store.exists(task.photo)
    await fake.push_message(USER, USER, **command("/history"))
    await tg.press(f"ht:{task_id}")
    await tg.press(f"hd:{task_id}")
    await tg.wait_text(texts.TASK_DELETED.format(task_id=task_id))
    assert await tg.rt.history.get_task(task_id) is None
    assert not await store.exists(task.output) and not await store.exists(task.photo)
    await fake.push_message(USER, USER, **command("/history"))
    await tg.wait_text(texts.HISTORY_EMPTY)


async def test_save_a_move_then_use_it_with_a_new_photo_then_forget_it(tg: TG) -> None:
    fake, store, history = tg.fake, tg.rt.client.store, tg.rt.history
    await tg.acknowledge()
    video = await store.put_bytes(moving_square_mp4(), suffix=".mp4", filename="salsa night.mp4")
    task_id = await finished_task(tg, motion=MotionSource(kind="video", video=video))
    await fake.wait_sent("sendVideo")
    await tg.press(f"sm:{task_id}")  # the button under the delivered video
    await tg.wait_text(texts.MOTION_SAVED.format(name="salsa night"))
    assert video.key in await pins.pinned(tg.rt.client.redis)  # retention keeps it
    await tg.press(f"sm:{task_id}")
    await tg.wait_text(texts.MOTION_ALREADY_SAVED.format(name="salsa night"))
    (saved,) = await history.saved_motions(Platform.TELEGRAM, str(USER))

    await fake.push_message(USER, USER, **command("/motions"))
    await tg.wait_text(f"{texts.SAVED_MOTIONS_TITLE} salsa night")
    await tg.press(f"sv:{saved.id}")
    await tg.wait_text(texts.SAVED_MOTION_CHOSEN.format(name="salsa night"))
    state = await tg.rt.conv.states.load(key_of(USER, USER))
    assert state.motion == saved.source and state.photo is None  # next: a new photo

    # deleting the task keeps the video: the saved move still uses it
    await fake.push_message(USER, USER, **command("/history"))
    await tg.press(f"ht:{task_id}")
    await tg.press(f"hd:{task_id}")
    await tg.wait_text(texts.TASK_DELETED.format(task_id=task_id))
    assert await store.exists(video)
    await fake.push_message(USER, USER, **command("/motions"))
    await tg.press("sf")
    await tg.press(f"sf:{saved.id}")
    await tg.wait_text(texts.SAVED_MOTION_FORGOTTEN.format(name="salsa night"))
    assert not await store.exists(video)
    assert video.key not in await pins.pinned(tg.rt.client.redis)
    assert await history.saved_motions(Platform.TELEGRAM, str(USER)) == []


async def test_a_preset_result_offers_no_save_button(tg: TG) -> None:
    await tg.acknowledge()
    task_id = await finished_task(tg)  # a built-in move
    sent = await tg.fake.wait_sent("sendVideo")
    assert f"sm:{task_id}" not in str(sent[0].fields["reply_markup"])
