"""/mydata and /forget through the real discord.py bot against the fake Discord API: the
JSON file (only the user sees it), then one confirmation button deleting everything kept,
a queued render included (cancelled, never delivered)."""

from __future__ import annotations

import json
import time

from dc_harness import DC, OTHER, USER, finished_task
from fakes import discord as fd

from motionbot.bot.core import texts
from motionbot.bot.history.models import TaskRecord, TaskStatus
from motionbot.queue.jobs import (
    DeliveryTarget,
    EngineName,
    MotionSource,
    Platform,
    Queues,
    RenderOptions,
    RenderRequest,
)

GUILD = fd.Place.guild()
DC_ = Platform.DISCORD


async def _queued(dc: DC, task_id: str) -> None:
    """A render of USER waiting in the queue (no worker runs here)."""
    photo = await dc.rt.client.store.put_bytes(b"\x89PNG queued photo", suffix=".png")
    target = DeliveryTarget(platform=DC_, chat_id="701", user_id=str(USER))
    motion = MotionSource(kind="preset", preset="wave")
    await dc.rt.client.submit(RenderRequest(task_id=task_id, target=target, photo=photo, motion=motion))
    await dc.rt.history.add_task(TaskRecord(
        task_id=task_id, platform=DC_, chat_id="701", user_id=str(USER), status=TaskStatus.QUEUED,
        engine=EngineName.WARP, options=RenderOptions(), photo=photo, motion=motion, created_at=time.time(),
    ))  # fmt: skip


async def test_mydata_file_then_forget_with_one_button(dc: DC) -> None:
    await dc.rt.history.acknowledge(DC_, str(USER))
    done = await finished_task(dc)
    others = await finished_task(dc, user=OTHER)
    await _queued(dc, "queuedtsk2")

    cmd = dc.inject(fd.slash(dc.fake, "mydata", USER, GUILD))
    shown = await dc.original(cmd, texts.MYDATA_CAPTION)
    assert shown["flags"] & 64  # only the user sees it
    doc = json.loads(dc.fake.file_bytes(shown["attachments"][0]))
    assert {t["task_id"] for t in doc["tasks"]} == {done, "queuedtsk2"} and doc["consent_given_at"]
    assert all(f["size_bytes"] > 0 and f["stored"] for f in doc["files"]) and len(doc["files"]) == 3

    cmd = dc.inject(fd.slash(dc.fake, "forget", USER, GUILD))
    ask = await dc.original(cmd, texts.FORGET_ASK)
    assert ask["flags"] & 64
    yes = dc.inject(fd.click(dc.fake, ask, fd.button(ask, texts.FORGET_YES), USER, GUILD))
    gone = await dc.original(yes, "Done: deleted")
    # finished_task stores the same photo and video bytes for both users: by content hash those
    # two files are the other user's too and stay; the queued render's photo was USER's alone
    assert "2 task(s), 0 saved move(s) and 1 stored file(s)" in gone["content"], gone["content"]
    assert texts.FORGOTTEN_CANCELLED in gone["content"] and not fd.buttons(gone)

    history = dc.rt.history
    assert await history.count_tasks(DC_, str(USER)) == 0 and await history.get_user(DC_, str(USER)) is None
    assert await dc.rt.client.redis.zcard(Queues.RENDER_CPU) == 0  # the queued render was cancelled
    assert await dc.rt.client.redis.zcard(Queues.deliver(DC_)) == 0
    other = await history.get_task(others)
    assert other is not None and other.output is not None and await dc.rt.client.store.exists(other.output)
    files = [p for p in dc.qsettings.media_dir.rglob("*") if p.is_file()]
    assert len(files) == 2  # the shared photo and video the other user's task refers to


async def test_forget_kept_when_answered_no(dc: DC) -> None:
    done = await finished_task(dc)
    cmd = dc.inject(fd.slash(dc.fake, "forget", USER, GUILD))
    ask = await dc.original(cmd, texts.FORGET_ASK)
    no = dc.inject(fd.click(dc.fake, ask, fd.button(ask, texts.FORGET_NO), USER, GUILD))
    await dc.original(no, texts.FORGET_KEPT)
    assert await dc.rt.history.get_task(done) is not None
