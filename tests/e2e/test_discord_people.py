"""Several people on Discord: the findings say who is used, the numbered picture comes as an
attachment with buttons 1..N (only the owner's clicks count), a click is sent in the render
request and kept by /history's Again and by a saved move, in DMs and through /animate. Once
with reports built in code (the frontend's part, no detector needed), once with the real
inspect and render workers on the two-people samples (skipped without them)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from dc_harness import DC, OTHER, USER, animate, astronaut_png, tiny_mp4
from e2e_workers import worker_on
from fakes import discord as fd
from people_inputs import TWO_PEOPLE_PHOTO, TWO_PEOPLE_VIDEO, needs_samples, seed_people

from motionbot.bot.core import ConversationKey, texts
from motionbot.bot.discord import texts as dtexts
from motionbot.bot.history import TaskRecord, TaskStatus
from motionbot.queue.jobs import Platform, Queues
from motionbot.renderer.settings import RendererSettings

DM = fd.Place.bot_dm(channel_id=8101)
GUILD = fd.Place.guild()
DM_KEY = ConversationKey(Platform.DISCORD, str(DM.channel_id), str(USER))


async def pictures(dc: DC, channel: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The video's and the photo's people pictures posted in a DM."""
    video = await dc.channel_message(channel, texts.PEOPLE_PICTURE_VIDEO, with_file=True, timeout=180)
    photo = await dc.channel_message(channel, texts.PEOPLE_PICTURE_PHOTO, with_file=True, timeout=180)
    return video, photo


async def choose(dc: DC, picture: dict[str, Any], number: int, expected: str) -> dict[str, Any]:
    click = dc.inject(fd.click(dc.fake, picture, fd.button(picture, str(number)), USER, DM))
    return await dc.answer(click, expected)


async def only_task(dc: DC) -> TaskRecord:
    (task,) = await dc.rt.history.list_tasks(Platform.DISCORD, str(USER))
    return task


async def again_from_history(dc: DC, task_id: str) -> str:
    """/history, the task's card, Again: the options keyboard's text."""
    page = await dc.original(dc.inject(fd.slash(dc.fake, "history", USER, DM)), "Your videos")
    card = await dc.original(dc.inject(fd.click(dc.fake, page, fd.button(page, task_id), USER, DM)), task_id)
    again = dc.inject(fd.click(dc.fake, card, fd.button(card, texts.AGAIN_OTHER_OPTIONS), USER, DM))
    shown = await dc.answer(again, texts.REUSE_AGAIN.format(task_id=task_id))
    return str(shown["content"])


async def test_people_chosen_on_the_pictures_are_sent_and_kept(dc: DC) -> None:
    fake = dc.fake
    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    photo_bytes, video_bytes = astronaut_png(), tiny_mp4()
    await seed_people(dc.rt, "photo", photo_bytes, ".png", chosen=1)
    await seed_people(dc.rt, "video", video_bytes, ".mp4", chosen=2)
    both = [
        fake.add_attachment("move.mp4", video_bytes, "video/mp4"),
        fake.add_attachment("me.png", photo_bytes, "image/png"),
    ]
    dc.inject(fd.dm_message(fake, USER, DM.channel_id, attachments=both))
    await dc.channel_message(DM.channel_id, "People in this video: 2. I'll copy the one on the right")
    video_picture, photo_picture = await pictures(dc, DM.channel_id)
    assert [b["label"] for b in fd.buttons(video_picture)] == ["1", "2"]
    assert fake.file_bytes(video_picture["attachments"][0]).startswith(b"\x89PNG")
    refused = dc.inject(fd.click(fake, video_picture, fd.button(video_picture, "1"), OTHER, DM))
    await dc.answer(refused, dtexts.NOT_YOUR_BUTTONS)

    await choose(dc, video_picture, 1, texts.PERSON_CHOSEN_VIDEO.format(number=1))
    keyboard = await choose(dc, photo_picture, 2, texts.OPTIONS_SUBJECT.format(number=2))
    assert texts.OPTIONS_PERFORMER.format(number=1) in keyboard["content"]
    gen = dc.inject(fd.click(fake, keyboard, fd.button(keyboard, texts.GENERATE), USER, DM))
    await dc.original(gen, "Queued")
    task = await only_task(dc)
    assert (task.options.performer, task.options.subject) == (1, 2)
    await dc.rt.conv.render.cancel(DM_KEY)

    # new inputs start with their defaults; Again from /history brings the numbers back
    again = [fake.add_attachment("other.mp4", tiny_mp4(frames=8), "video/mp4")]
    dc.inject(fd.dm_message(fake, USER, DM.channel_id, attachments=again))
    await dc.channel_message(DM.channel_id, texts.VIDEO_REPLACED)
    assert (await dc.rt.conv.states.load(DM_KEY)).performer is None
    shown = await again_from_history(dc, task.task_id)
    assert (
        texts.OPTIONS_PERFORMER.format(number=1) in shown and texts.OPTIONS_SUBJECT.format(number=2) in shown
    )

    # a saved move keeps its performer, and /animate with it brings it back
    await dc.rt.conv.moves.save_task_motion(DM_KEY, task.task_id)
    (saved,) = await dc.rt.history.saved_motions(Platform.DISCORD, str(USER))
    assert saved.performer == 1
    cmd = await animate(dc, GUILD, motion=f"saved:{saved.id}")
    await dc.original(cmd, dtexts.SAVED_MOTION)
    guild_key = ConversationKey(Platform.DISCORD, str(GUILD.channel_id), str(USER))
    assert (await dc.rt.conv.states.load(guild_key)).performer == 1


async def test_animate_shows_the_people_pictures_as_follow_ups(dc: DC) -> None:
    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    video_bytes = tiny_mp4()
    await seed_people(dc.rt, "photo", astronaut_png(), ".png", chosen=2)  # the bytes animate() attaches
    video = await seed_people(dc.rt, "video", video_bytes, ".mp4", chosen=1)
    cmd = await animate(dc, GUILD, video=video_bytes)
    summary = await dc.original(cmd, "People in this photo: 2.")
    assert "The one on the right will do the move" in summary["content"]
    photo_picture = await dc.followup(cmd, texts.PEOPLE_PICTURE_PHOTO, with_file=True)
    video_picture = await dc.followup(cmd, texts.PEOPLE_PICTURE_VIDEO, with_file=True)
    assert photo_picture["flags"] & 64 and video_picture["flags"] & 64  # only the user sees them
    click = dc.inject(fd.click(dc.fake, video_picture, fd.button(video_picture, "2"), USER, GUILD))
    await dc.answer(click, texts.PERSON_CHOSEN_VIDEO.format(number=2))
    key = ConversationKey(Platform.DISCORD, str(GUILD.channel_id), str(USER))
    state = await dc.rt.conv.states.load(key)
    assert state.motion is not None and state.motion.video is not None
    assert state.motion.video.key == video.key and state.performer == 2


@needs_samples
async def test_two_people_samples_choose_the_second_render_and_keep_it(dc: DC, tmp_path: Path) -> None:
    fake = dc.fake
    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    rs = RendererSettings(cache_dir=tmp_path / "mc", output_long_side=256)
    async with (
        worker_on(dc.qsettings, Queues.INSPECT, rs),
        worker_on(dc.qsettings, Queues.RENDER_CPU, rs),
    ):
        both = [
            fake.add_attachment("handshake.mp4", TWO_PEOPLE_VIDEO.read_bytes(), "video/mp4"),
            fake.add_attachment("two.jpg", TWO_PEOPLE_PHOTO.read_bytes(), "image/jpeg"),
        ]
        dc.inject(fd.dm_message(fake, USER, DM.channel_id, attachments=both))
        video_picture, photo_picture = await pictures(dc, DM.channel_id)
        await choose(dc, video_picture, 2, texts.PERSON_CHOSEN_VIDEO.format(number=2))
        keyboard = await choose(dc, photo_picture, 2, texts.OPTIONS_SUBJECT.format(number=2))
        gen = dc.inject(fd.click(fake, keyboard, fd.button(keyboard, texts.GENERATE), USER, DM))
        await dc.original(gen, "Queued")
        task = await only_task(dc)
        for _ in range(3000):  # rendered and delivered
            done = await dc.rt.history.get_task(task.task_id)
            if done is not None and done.status.finished:
                break
            await asyncio.sleep(0.1)
    assert done is not None and done.status is TaskStatus.DONE, done
    assert (done.options.performer, done.options.subject) == (2, 2)
    await dc.followup(gen, f"Task {task.task_id}", with_file=True, timeout=60)  # through the fresh token
    shown = await again_from_history(dc, task.task_id)
    assert texts.OPTIONS_PERFORMER.format(number=2) in shown
    state = await dc.rt.conv.states.load(DM_KEY)
    assert (state.performer, state.subject) == (2, 2)
