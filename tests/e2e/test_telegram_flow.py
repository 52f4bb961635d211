"""The Telegram bot end to end: fake Bot API <- real aiogram bot -> Redis -> real workers
(inspection, warp engine) -> deliver consumer -> video sent; SQLite history."""

from __future__ import annotations

from tg_harness import (
    TG,
    USER,
    astronaut_jpeg,
    command,
)

from motionbot.bot.core import texts
from motionbot.bot.history import TaskStatus
from motionbot.queue.jobs import Platform


async def test_photo_preset_render_delivery_history_and_share(
    tg: TG, inspect_worker: object, render_worker: object
) -> None:
    fake = tg.fake
    await tg.acknowledge()
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await tg.wait_text(texts.RECEIVED_PHOTO)
    await tg.wait_text(texts.NEED_VIDEO)
    findings = await tg.wait_text("Photo: One person", timeout=30)
    assert findings.method == "editMessageText"
    await fake.push_message(USER, USER, **command("/motions"))
    await tg.press("pre:wave")
    await tg.wait_button("gen")
    await tg.press("o:bg:white")
    await tg.wait_label(texts.CHOSEN_MARK + "White")
    await tg.press("gen")
    sent = await fake.wait_sent("sendVideo", timeout=60)
    video = sent[0]
    assert video.fields["supports_streaming"] is True
    name, data = video.uploads["video"]
    assert name.endswith(".mp4") and data[4:8] == b"ftyp"
    task_id = name.removesuffix(".mp4")
    assert task_id in video.fields["caption"] and "Preview" in video.fields["caption"]
    buttons = [b for row in video.fields["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["switch_inline_query"] == task_id
    assert {b.get("callback_data") for b in buttons} >= {f"hm:{task_id}", f"ha:{task_id}"}
    await tg.wait_text(texts.DONE.format(task_id=task_id))

    history = tg.rt.history
    task = await history.get_task(task_id)
    assert task is not None and task.status is TaskStatus.DONE and task.options.background == "white"
    delivery = await history.get_delivery(task_id)
    assert delivery is not None and delivery.file_id and delivery.file_id.startswith("sent-video-")

    # /history -> card -> re-send costs nothing (the stored file id, no upload)
    await fake.push_message(USER, USER, **command("/history"))
    await tg.press(f"ht:{task_id}")
    await tg.press(f"hs:{task_id}")
    resent = await fake.wait_sent("sendVideo", count=2)
    assert resent[1].fields["video"] == delivery.file_id and resent[1].uploads == {}

    # inline mode lists the video by its file id, personal and briefly cached
    await fake.inline(USER, "")
    answer = (await fake.wait_sent("answerInlineQuery"))[0]
    results = answer.fields["results"]
    assert answer.fields["is_personal"] is True and int(answer.fields["cache_time"]) <= 10
    assert results[0]["video_file_id"] == delivery.file_id and results[0]["type"] == "video"

    # same motion, new photo: the preset is kept, only a photo is asked for
    await tg.press(f"hm:{task_id}")
    await tg.wait_text(texts.REUSE_MOTION.format(task_id=task_id))
    state = await tg.rt.conv.states.load(
        __import__("motionbot.bot.core", fromlist=["ConversationKey"]).ConversationKey(
            Platform.TELEGRAM, str(USER), str(USER)
        )
    )
    assert state.photo is None and state.motion is not None and state.motion.preset == "wave"
