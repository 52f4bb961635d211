"""Several people on Telegram: the findings say who is used, the numbered picture comes with
buttons 1..N, a press is sent in the render request and kept by /history's Again and by a
saved move. Once with reports built in code (the frontend's part, no detector needed), once
with the real inspect and render workers on the two-people samples (skipped without them)."""

from __future__ import annotations

import asyncio

import pytest
from e2e_workers import moving_square_mp4
from people_inputs import TWO_PEOPLE_PHOTO, TWO_PEOPLE_VIDEO, needs_samples, seed_people
from tg_harness import TG, USER, astronaut_jpeg, command, key_of

from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.history import TaskRecord, TaskStatus
from motionbot.queue.jobs import Platform

# a 1.5 s render of the samples stays quick; the real inspection of them may take a while
pytestmark = pytest.mark.tg_settings(max_video_seconds=1.5, inspect_timeout_s=120.0)


async def only_task(tg: TG) -> TaskRecord:
    (task,) = await tg.rt.history.list_tasks(Platform.TELEGRAM, str(USER), offset=0, limit=5)
    return task


async def again_from_history(tg: TG, task_id: str) -> str:
    """/history, the task's card, Again: the options keyboard's text."""
    await tg.fake.push_message(USER, USER, **command("/history"))
    await tg.press(act.ShowTask(act.TaskId(task_id)).pack())
    await tg.press(act.Again(act.TaskId(task_id)).pack())
    found = await tg.wait_text(texts.REUSE_AGAIN.format(task_id=task_id))
    return str(found.fields["text"])


async def test_people_chosen_on_the_pictures_are_sent_and_kept(tg: TG) -> None:
    fake = tg.fake
    photo_bytes, video_bytes = astronaut_jpeg(), moving_square_mp4()
    photo = await seed_people(tg.rt, "photo", photo_bytes, ".jpg", chosen=1)
    video = await seed_people(tg.rt, "video", video_bytes, ".mp4", chosen=2)
    await tg.acknowledge()
    await fake.push_message(USER, USER, **fake.photo_fields(photo_bytes))
    await fake.push_message(USER, USER, **fake.video_fields(video_bytes))
    await tg.wait_text("People in this video: 2. I'll copy the one on the right; tap a number")
    await tg.wait_text("People in this photo: 2. The one on the left will do the move")
    pictures = await fake.wait_sent("sendPhoto", count=2)
    assert {r.fields["caption"] for r in pictures} == {texts.PEOPLE_PICTURE_PHOTO, texts.PEOPLE_PICTURE_VIDEO}
    assert all(r.uploads["photo"][1].startswith(b"\x89PNG") for r in pictures)

    await tg.press(act.ChoosePerson("video", 1, act.MediaTag.of(video.key)).pack())
    await tg.wait_text(texts.PERSON_CHOSEN_VIDEO.format(number=1))
    await tg.press(act.ChoosePerson("photo", 2, act.MediaTag.of(photo.key)).pack())
    keyboard = await tg.wait_text(texts.OPTIONS_SUBJECT.format(number=2))
    assert texts.OPTIONS_PERFORMER.format(number=1) in str(keyboard.fields["text"])
    await tg.press("gen")
    await tg.wait_text("Queued")
    task = await only_task(tg)
    assert (task.options.performer, task.options.subject) == (1, 2)

    # a new video starts with its own default; Again from /history brings the numbers back
    await fake.push_message(USER, USER, **fake.video_fields(moving_square_mp4(frames=10)))
    await tg.wait_text(texts.VIDEO_REPLACED)
    assert (await tg.rt.conv.states.load(key_of())).performer is None
    shown = await again_from_history(tg, task.task_id)
    assert (
        texts.OPTIONS_PERFORMER.format(number=1) in shown and texts.OPTIONS_SUBJECT.format(number=2) in shown
    )
    state = await tg.rt.conv.states.load(key_of())
    assert (state.motion, state.performer, state.subject) == (task.motion, 1, 2)

    # a saved move keeps its performer
    await tg.press(act.SaveMove(act.TaskId(task.task_id)).pack())
    await tg.wait_text("Saved the move")
    (saved,) = await tg.rt.history.saved_motions(Platform.TELEGRAM, str(USER))
    assert saved.performer == 1 and saved.source == task.motion
    await fake.push_message(USER, USER, **fake.video_fields(moving_square_mp4(frames=8)))
    await tg.wait_count(texts.VIDEO_REPLACED, 2)
    await fake.push_message(USER, USER, **command("/motions"))
    await tg.press(act.UseSavedMove(saved.id).pack())
    await tg.wait_text(texts.SAVED_MOTION_CHOSEN.format(name=saved.name))
    assert (await tg.rt.conv.states.load(key_of())).performer == 1


@needs_samples
async def test_two_people_samples_choose_the_second_render_and_keep_it(
    tg: TG, inspect_worker: object, render_worker: object
) -> None:
    fake = tg.fake
    await tg.acknowledge()
    await fake.push_message(USER, USER, **fake.photo_fields(TWO_PEOPLE_PHOTO.read_bytes()))
    await fake.push_message(USER, USER, **fake.video_fields(TWO_PEOPLE_VIDEO.read_bytes()))
    # the real inspection numbers the people and draws them
    pictures = await fake.wait_sent("sendPhoto", count=2, timeout=180)
    buttons = {
        b["callback_data"]
        for r in pictures
        for row in r.fields["reply_markup"]["inline_keyboard"]
        for b in row
    }
    second_video = next(b for b in buttons if b.startswith("who:video:2:"))
    second_photo = next(b for b in buttons if b.startswith("who:photo:2:"))
    await tg.wait_text("People in this video: 2.")
    await tg.press(second_video)
    await tg.wait_text(texts.PERSON_CHOSEN_VIDEO.format(number=2))
    await tg.press(second_photo)
    await tg.wait_text(texts.OPTIONS_SUBJECT.format(number=2))
    await tg.press("gen")
    await fake.wait_sent("sendVideo", timeout=300)
    task = await only_task(tg)
    for _ in range(100):  # the delivery is recorded just after the upload
        done = await tg.rt.history.get_task(task.task_id)
        if done is not None and done.status is TaskStatus.DONE:
            break
        await asyncio.sleep(0.1)
    assert done is not None and done.status is TaskStatus.DONE, done
    assert (done.options.performer, done.options.subject) == (2, 2)
    shown = await again_from_history(tg, task.task_id)
    assert texts.OPTIONS_PERFORMER.format(number=2) in shown
    state = await tg.rt.conv.states.load(key_of())
    assert (state.performer, state.subject) == (2, 2)
