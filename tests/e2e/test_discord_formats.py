"""Formats, aspects and albums on Discord end to end: the GIF (Discord's way to autoplay in a
channel) posted after the MP4, a 1:1 frame, three photos in one /animate giving three videos
under one status message; all found again in history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dc_harness import DC, USER, animate, astronaut_png, is_mp4, render_burst
from fakes import discord as fd

from motionbot.bot.core import texts
from motionbot.queue.jobs import Extra, OutputFormat

GUILD = fd.Place.guild()


async def press(dc: DC, message: dict[str, Any], label: str, shows: str) -> dict[str, Any]:
    """Press the button labelled ``label``; the message once it shows ``shows`` as a button."""
    click = dc.inject(fd.click(dc.fake, message, fd.button(message, label), USER, GUILD))

    def updated() -> dict[str, Any] | None:
        msg = dc.fake.original(click["token"]) or dc.fake.messages.get(message["id"])
        if msg is not None and any(b["label"] == shows for b in fd.buttons(msg)):
            return msg
        return None

    found: dict[str, Any] = await dc.wait_for(updated, 20.0)
    return found


async def test_gif_and_square_frame_follow_the_mp4(dc: DC, tmp_path: Path) -> None:
    cmd = await animate(dc, GUILD, motion="preset:wave")
    shown = await dc.original(cmd, texts.CONSENT)
    agree = dc.inject(fd.click(dc.fake, shown, fd.button(shown, texts.CONSENT_BUTTON), USER, GUILD))
    options = await dc.answer(agree, texts.OPTIONS_TITLE)
    options = await press(
        dc, options, texts.FORMAT_NAMES["gif"], texts.CHOSEN_MARK + texts.FORMAT_NAMES["gif"]
    )
    options = await press(
        dc, options, texts.ASPECT_NAMES["1:1"], texts.CHOSEN_MARK + texts.ASPECT_NAMES["1:1"]
    )
    click = dc.inject(fd.click(dc.fake, options, fd.button(options, texts.GENERATE), USER, GUILD))
    await dc.original(click, "Queued")
    worker = await render_burst(dc.qsettings, tmp_path)
    assert worker.jobs_complete == 1, worker.jobs_failed
    result = await dc.followup(click, "Task", with_file=True)
    assert is_mp4(dc.fake.file_bytes(result["attachments"][0]))
    task_id = {f["name"]: f["value"] for f in result["embeds"][0]["fields"]}["Task"]
    gif = await dc.followup(click, "GIF", with_file=True)
    assert gif["attachments"][0]["filename"] == f"{task_id}.gif"
    data = dc.fake.file_bytes(gif["attachments"][0])
    assert data[:6] in (b"GIF89a", b"GIF87a") and len(data) <= 10 * 1024 * 1024
    task = await dc.rt.history.get_task(task_id)
    assert task is not None and task.options.format is OutputFormat.GIF and task.options.aspect == "1:1"
    assert set(await dc.rt.history.task_extras(task_id)) == {Extra.GIF}


async def test_three_photos_in_one_animate_give_three_videos_under_one_status(dc: DC, tmp_path: Path) -> None:
    photos = {
        name: dc.fake.add_attachment(f"{name}.png", astronaut_png(side), "image/png")
        for name, side in (("photo", 192), ("photo2", 176), ("photo3", 160))
    }
    cmd = dc.inject(
        fd.slash(dc.fake, "animate", USER, GUILD, attachments=photos, options={"motion": "preset:wave"})
    )
    shown = await dc.original(cmd, texts.CONSENT)
    agree = dc.inject(fd.click(dc.fake, shown, fd.button(shown, texts.CONSENT_BUTTON), USER, GUILD))
    options = await dc.answer(agree, texts.OPTIONS_TITLE)
    assert texts.ALBUM_PHOTOS.format(count=3) in shown["content"] + options["content"]
    click = dc.inject(fd.click(dc.fake, options, fd.button(options, texts.GENERATE), USER, GUILD))
    await dc.original(click, texts.BATCH_QUEUED.format(done=0, total=3))
    worker = await render_burst(dc.qsettings, tmp_path)
    assert worker.jobs_complete == 3, worker.jobs_failed
    await dc.original(click, texts.BATCH_DONE.format(done=3, total=3))

    def results() -> list[dict[str, Any]] | None:
        found = [m for m in dc.fake.followups(click["token"]) if m["attachments"] and m.get("embeds")]
        return found if len(found) >= 3 else None

    posted: list[dict[str, Any]] = await dc.wait_for(results, 30.0)
    task_ids = {next(f["value"] for f in m["embeds"][0]["fields"] if f["name"] == "Task") for m in posted}
    assert len(task_ids) == 3 and len(posted) == 3
    tasks = [await dc.rt.history.get_task(t) for t in task_ids]
    assert all(t is not None and t.status.value == "done" for t in tasks)
    assert len({t.photo.key for t in tasks if t}) == 3 and len({t.status_message_id for t in tasks if t}) == 1
