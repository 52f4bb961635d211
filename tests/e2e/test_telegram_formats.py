"""Formats and aspects on Telegram end to end: fake Bot API <- real bot -> Redis -> real warp
worker -> delivery; the files the fake received are read back with the bundled ffmpeg."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_workers import person_clip
from fakes.telegram import BOT_USERNAME
from format_probes import assert_sticker, assert_transparent
from tg_harness import TG, USER, astronaut_jpeg, command

from motionbot.bot.core import texts
from motionbot.queue.jobs import Extra, OutputFormat, Platform
from motionbot.renderer.media.probe import probe

# 2 s renders, so four of them stay quick
pytestmark = pytest.mark.tg_settings(max_video_seconds=2.0)


def saved(data: bytes, path: Path) -> Path:
    path.write_bytes(data)
    return path


async def test_transparent_9x16_then_a_sticker_in_the_users_set_and_history(
    tg: TG, inspect_worker: object, render_worker: object, tmp_path: Path
) -> None:
    fake = tg.fake
    await tg.acknowledge()
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await tg.wait_text("Photo: One person", timeout=30)
    await fake.push_message(USER, USER, **command("/motions"))
    await tg.press("pre:wave")
    await tg.press("o:fmt:transparent")
    await tg.wait_label(texts.CHOSEN_MARK + texts.FORMAT_NAMES["transparent"])
    await tg.press("o:ar:9x16")
    await tg.wait_label(texts.CHOSEN_MARK + texts.ASPECT_NAMES["9:16"])
    await tg.press("gen")

    video = (await fake.wait_sent("sendVideo", timeout=90))[0]
    name, data = video.uploads["video"]
    task_id = name.removesuffix(".mp4")
    mp4 = probe(saved(data, tmp_path / "r.mp4"))
    assert mp4.width / mp4.height == pytest.approx(9 / 16, abs=0.02)
    document = (await fake.wait_sent("sendDocument", timeout=30))[0]
    doc_name, doc_data = document.uploads["document"]
    assert doc_name == f"{task_id}.webm" and task_id in document.fields["caption"]
    webm = assert_transparent(saved(doc_data, tmp_path / "r.webm"))
    assert (webm.width, webm.height) == (mp4.width, mp4.height)
    buttons = [b.get("callback_data") for row in video.fields["reply_markup"]["inline_keyboard"] for b in row]
    assert f"stk:{task_id}" in buttons

    task = await tg.rt.history.get_task(task_id)
    assert (
        task is not None and task.options.format is OutputFormat.TRANSPARENT and task.options.aspect == "9:16"
    )
    assert set(await tg.rt.history.task_extras(task_id)) == {Extra.WEBM}

    # Make a sticker: the same inputs as a video sticker, sent with sendSticker
    await tg.press(f"stk:{task_id}")
    sticker = (await fake.wait_sent("sendSticker", timeout=90))[0]
    sticker_name, sticker_data = sticker.uploads["sticker"]
    sticker_task = sticker_name.removesuffix(".sticker.webm")
    assert sticker_task != task_id and sticker.fields["emoji"]
    assert_sticker(saved(sticker_data, tmp_path / "s.webm"))
    assert len(fake.sent("sendVideo")) == 1  # a sticker task posts the sticker alone

    # Add to my sticker set: created the first time, added to after; the link opens it
    set_name = f"motionbot_{USER}_by_{BOT_USERNAME}"
    await tg.press(f"stka:{sticker_task}")
    created = await tg.wait_text(f"https://t.me/addstickers/{set_name}")
    assert texts.STICKER_SET_CREATED.split("{")[0] in created.fields["text"]
    assert fake.sticker_sets[set_name].user_id == USER and len(fake.sticker_sets[set_name].stickers) == 1
    await tg.press(f"stka:{sticker_task}")
    await tg.wait_text(texts.STICKER_ADDED.split("{")[0])
    assert len(fake.sticker_sets[set_name].stickers) == 2
    assert [r.method for r in fake.requests].count("createNewStickerSet") == 1

    # /history shows both with their format, and Send again brings the WebM too
    await fake.push_message(USER, USER, **command("/history"))
    page = await tg.wait_text(texts.HISTORY_TITLE.split("(")[0])
    assert "transparent, 9:16" in page.fields["text"] and "sticker" in page.fields["text"]
    await tg.press(f"ht:{task_id}")
    await tg.press(f"hs:{task_id}")
    await fake.wait_sent("sendVideo", count=2)
    again = await fake.wait_sent("sendDocument", count=2)
    assert again[1].uploads["document"][1] == doc_data
    tasks = await tg.rt.history.list_tasks(Platform.TELEGRAM, str(USER), offset=0, limit=5)
    assert {t.options.format for t in tasks} == {OutputFormat.TRANSPARENT, OutputFormat.STICKER}


async def test_before_after_and_the_videos_scene_with_a_reference_clip(
    tg: TG, inspect_worker: object, render_worker: object, tmp_path: Path
) -> None:
    fake = tg.fake
    clip = person_clip(tmp_path)
    reference = probe(saved(clip, tmp_path / "ref.mp4"))
    await tg.acknowledge()
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await tg.wait_text("Photo: One person", timeout=30)
    await fake.push_message(USER, USER, **fake.video_fields(clip))
    await tg.wait_button("gen", timeout=30)
    await tg.press("o:fmt:before_after")
    await tg.wait_label(texts.CHOSEN_MARK + texts.FORMAT_NAMES["before_after"])
    await tg.press("gen")
    pair_video = (await fake.wait_sent("sendVideo", timeout=90))[0]
    pair_name, pair_data = pair_video.uploads["video"]
    pair = probe(saved(pair_data, tmp_path / "pair.mp4"))
    # the reference beside (or above) the result: larger than either alone
    assert pair.width * pair.height > 1.5 * reference.width * reference.height

    # the video's scene: the result takes the reference clip's frame
    await tg.press(f"ha:{pair_name.removesuffix('.mp4')}")  # same inputs, other options
    await tg.press("o:fmt:mp4")
    await tg.press("o:bg:scene")
    await tg.wait_label(texts.CHOSEN_MARK + texts.BACKGROUND_NAMES["scene"])
    await tg.press("gen")
    scene_video = (await fake.wait_sent("sendVideo", count=2, timeout=90))[1]
    scene = probe(saved(scene_video.uploads["video"][1], tmp_path / "scene.mp4"))
    assert abs(scene.width / scene.height - reference.width / reference.height) < 0.02
    tasks = await tg.rt.history.list_tasks(Platform.TELEGRAM, str(USER), offset=0, limit=5)
    assert {(t.options.format, t.options.background) for t in tasks} == {
        (OutputFormat.BEFORE_AFTER, "photo"),
        (OutputFormat.MP4, "scene"),
    }
