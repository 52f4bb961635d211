"""An album of photos with one video on Telegram: one video per photo under one status
message that counts them, each delivered once and kept in /history, the motion extracted once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from e2e_workers import person_clip
from PIL import Image
from skimage import data
from tg_harness import TG, USER, command

from motionbot.bot.core import texts
from motionbot.bot.history import TaskStatus
from motionbot.queue.counters import CACHE_MISSES
from motionbot.queue.jobs import Platform

# 1.5 s renders, so three of them stay quick
pytestmark = pytest.mark.tg_settings(max_video_seconds=1.5)


def photo_jpeg(side: int, *, mirrored: bool = False) -> bytes:
    img = Image.fromarray(data.astronaut()).resize((side, side))
    if mirrored:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


async def test_an_album_of_three_with_one_video_gives_three_videos_and_one_extraction(
    tg: TG, inspect_worker: object, render_worker: object, tmp_path: Path
) -> None:
    fake = tg.fake
    clip = person_clip(tmp_path)
    misses = CACHE_MISSES.labels("motion")._value.get()
    await tg.acknowledge()
    for photo in (photo_jpeg(256), photo_jpeg(240), photo_jpeg(256, mirrored=True)):
        await fake.push_message(USER, USER, media_group_id="album-1", **fake.photo_fields(photo))
    await tg.wait_count(texts.RECEIVED_PHOTO, 3)
    await fake.push_message(USER, USER, **fake.video_fields(clip))
    await tg.wait_text(texts.ALBUM_PHOTOS.format(count=3), timeout=30)
    await tg.press("gen")

    videos = await fake.wait_sent("sendVideo", count=3, timeout=120)
    await tg.wait_text(texts.BATCH_DONE.format(done=3, total=3), timeout=30)
    task_ids = {r.uploads["video"][0].removesuffix(".mp4") for r in videos}
    assert len(task_ids) == 3 and len(videos) == 3  # each delivered once
    tasks = [await tg.rt.history.get_task(t) for t in task_ids]
    assert all(t is not None and t.status is TaskStatus.DONE for t in tasks)
    assert len({t.status_message_id for t in tasks if t}) == 1  # under one status message
    assert len({t.photo.key for t in tasks if t}) == 3 and len({t.motion for t in tasks if t}) == 1
    status = tg.message(USER, next(t.status_message_id for t in tasks if t))
    assert status["text"] == texts.BATCH_DONE.format(done=3, total=3)
    edits = [
        str(r.fields.get("text"))
        for r in fake.sent("editMessageText")
        if str(r.fields.get("message_id")) == status["message_id"].__str__()
    ]
    assert (
        texts.BATCH_QUEUED.format(done=1, total=3) in edits
        or texts.BATCH_QUEUED.format(done=2, total=3) in edits
    )
    # the motion was extracted once: one cache entry, one miss
    assert len(list((tmp_path / "mc").rglob("*.json"))) == 1
    assert CACHE_MISSES.labels("motion")._value.get() - misses == 1
    # each is in /history
    listed = await tg.rt.history.list_tasks(Platform.TELEGRAM, str(USER), offset=0, limit=10)
    assert task_ids <= {t.task_id for t in listed}
    await fake.push_message(USER, USER, **command("/history"))
    page = await tg.wait_text(texts.HISTORY_TITLE.split("(")[0])
    assert "of 3" in page.fields["text"]
