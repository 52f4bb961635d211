"""The Discord bot end to end: real discord.py against the fake REST server, real Redis,
SQLite, the bot's deliver consumer and a real burst worker on the warp engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dc_harness import DC, USER, animate, astronaut_png, inspect_worker_running, is_mp4, render_burst
from fakes import discord as fd

from motionbot.bot.core import texts
from motionbot.bot.history.models import TaskStatus
from motionbot.queue.jobs import Platform

GUILD = fd.Place.guild()


async def generate_and_render(dc: DC, tmp_path: Path, message: dict[str, Any], place: fd.Place,
                              *, user: int = USER) -> tuple[dict[str, Any], dict[str, Any]]:
    """Press Generate on ``message``, run the render worker; returns (click payload, result message)."""
    click = dc.inject(fd.click(dc.fake, message, fd.button(message, texts.GENERATE), user, place))
    status = await dc.original(click, "Queued")
    assert fd.button(status, "Cancel")
    worker = await render_burst(dc.qsettings, tmp_path)
    assert worker.jobs_complete == 1, worker.jobs_failed
    result = await dc.followup(click, "Task", with_file=True)
    return click, result


def status_edits(dc: DC, click: dict[str, Any]) -> list[str]:
    """Every text the status message (the pressed message, via the click's token) showed."""
    return [str((r.json or {}).get("content")) for r in dc.fake.find("PATCH", f"/{click['token']}/messages/@original")]


async def test_animate_photo_and_preset_then_photo_and_video_deliver_mp4_follow_ups(
    dc: DC, tmp_path: Path
) -> None:
    # first time: consent, then the options keyboard from the core, then Generate
    cmd = await animate(dc, GUILD, motion="preset:wave")
    shown = await dc.original(cmd, texts.CONSENT)
    assert "Photo:" in shown["content"] and "Wave hello" in shown["content"]
    assert shown["flags"] & 64  # ephemeral: only the user sees their inputs
    agree = dc.inject(fd.click(dc.fake, shown, fd.button(shown, texts.CONSENT_BUTTON), USER, GUILD))
    options = await dc.answer(agree, texts.OPTIONS_TITLE)
    thanked = (await dc.original(agree))["content"]  # the consent message turns into the options
    assert thanked.startswith(texts.THANKS) and texts.CONSENT_THANKS not in thanked
    click, result = await generate_and_render(dc, tmp_path, options, GUILD)

    embed = result["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    task_id = fields["Task"]
    assert fields["Engine"] == "Preview" and fields["Duration"].endswith(" s")
    assert is_mp4(dc.fake.file_bytes(result["attachments"][0]))
    assert result["flags"] & 64  # a follow-up of the ephemeral conversation
    labels = [b["label"] for b in fd.buttons(result)]
    assert labels == ["Share here", texts.SAME_MOTION_NEW_PHOTO, texts.AGAIN_OTHER_OPTIONS]
    assert all(b["custom_id"].startswith(f"mb:{USER}:") for b in fd.buttons(result))
    assert "Done!" in (await dc.original(click, "Done"))["content"]  # the status message, edited
    edits = status_edits(dc, click)
    # queue position and ETA (none yet: no worker was up when it was queued)
    assert edits[0] == texts.QUEUED_NEXT.format(eta=texts.ETA_UNKNOWN)
    stages = [e for e in edits if e.endswith("%") or "% (about" in e]
    assert stages, edits  # stage and percent while rendering
    assert any(name in e for e in stages for name in (texts.STAGE_NAMES["render"], texts.STAGE_NAMES["motion"],
                                                      texts.STAGE_NAMES["encode"], texts.STAGE_NAMES["decode"]))
    task = await dc.rt.history.get_task(task_id)
    assert task is not None and task.status is TaskStatus.DONE and task.user_id == str(USER)
    assert (await dc.rt.history.get_delivery(task_id)) is not None

    # the same photo with the video we just got back as the reference: two attachments,
    # checked by a real inspect worker, findings in the deferred response
    clip = dc.fake.file_bytes(result["attachments"][0])
    async with inspect_worker_running(dc.qsettings, tmp_path):
        cmd2 = await animate(dc, GUILD, video=clip, quality="warp", background="white")
        shown2 = await dc.original(cmd2, "Press Generate")
    assert shown2["content"].startswith("Photo:") and "\nVideo:" in shown2["content"]
    assert texts.CHECKING_UNAVAILABLE not in shown2["content"]  # the checks really ran
    _, result2 = await generate_and_render(dc, tmp_path, shown2, GUILD)
    task2 = await dc.rt.history.get_task({f["name"]: f["value"] for f in result2["embeds"][0]["fields"]}["Task"])
    assert task2 is not None and task2.motion.kind == "video" and task2.options.background == "white"
    assert is_mp4(dc.fake.file_bytes(result2["attachments"][0]))


async def test_animate_says_what_is_missing(dc: DC) -> None:
    from motionbot.bot.discord import texts as dtexts

    fake = dc.fake
    nothing = dc.inject(fd.slash(fake, "animate", USER, GUILD))
    assert (await dc.original(nothing, "Attach"))["content"] == dtexts.NEED_PHOTO_AND_MOTION
    photo = fake.add_attachment("me.png", astronaut_png(), "image/png")
    only_photo = dc.inject(fd.slash(fake, "animate", USER, GUILD, attachments={"photo": photo}))
    assert (await dc.original(only_photo, "Attach"))["content"] == dtexts.NEED_MOTION
    video = fake.add_attachment("move.mp4", b"\0" * 16, "video/mp4")
    both = dc.inject(fd.slash(fake, "animate", USER, GUILD, attachments={"photo": photo, "video": video},
                              options={"motion": "preset:wave"}))
    assert (await dc.original(both, "not both"))["content"] == dtexts.NOT_BOTH_MOTIONS
    for payload in (nothing, only_photo):
        assert "not both" not in (await dc.original(payload))["content"]


async def test_attachments_are_checked_before_download(dc: DC) -> None:
    fake = dc.fake
    doc = fake.add_attachment("notes.pdf", b"%PDF-1.4", "application/pdf")
    big = fake.add_attachment("huge.mp4", b"\0" * 16, "video/mp4", size=500 * 1024 * 1024)
    photo = fake.add_attachment("me.png", astronaut_png(), "image/png")
    wrong = dc.inject(fd.slash(fake, "animate", USER, GUILD, attachments={"photo": doc, "video": big}))
    reply = await dc.original(wrong, "isn't a photo")
    too_big = dc.inject(fd.slash(fake, "animate", USER, GUILD, attachments={"photo": photo, "video": big}))
    reply2 = await dc.original(too_big, "MB")
    both = dc.inject(fd.slash(fake, "animate", USER, GUILD, attachments={"photo": photo}))
    reply3 = await dc.original(both, "either a `video` or a `motion`")  # and nothing from before
    no_photo = dc.inject(fd.slash(fake, "animate", USER, GUILD, options={"motion": "preset:wave"}))
    await dc.original(no_photo, "Attach a `photo`")
    for r in (reply, reply2, reply3):
        assert r["flags"] & 64
    gone = fake.add_attachment("gone.png", astronaut_png(), "image/png")
    fake.cdn.clear()  # the CDN link no longer works
    lost = dc.inject(fd.slash(fake, "animate", USER, GUILD, attachments={"photo": gone},
                              options={"motion": "preset:wave"}))
    assert "couldn't download `gone.png`" in (await dc.original(lost, "download"))["content"]
    downloaded = [r for r in fake.requests if "huge.mp4" in r.path or "notes.pdf" in r.path]
    assert downloaded == []  # refused on type and size alone
    assert not fake.find("GET", r"/cdn/")  # the CDN route is not under /api anyway
    callbacks = fake.find("POST", r"/interactions/\d+/[^/]+/callback")
    assert [r.json["type"] for r in callbacks] == [4, 4, 4, 4, 5]  # refused at once; the last one deferred


async def test_motion_autocomplete_lists_presets_and_saved_motions(dc: DC) -> None:
    from motionbot.queue.jobs import MotionSource

    await dc.rt.history.save_motion(Platform.DISCORD, str(USER), "my dance",
                                    MotionSource(kind="preset", preset="sway"))
    payload = dc.inject(fd.autocomplete(dc.fake, "animate", USER, GUILD, focused="motion", value="a"))
    await dc.wait_for(lambda: dc.fake.find("POST", f"/interactions/{payload['id']}/"))
    (req,) = dc.fake.find("POST", f"/interactions/{payload['id']}/")
    assert req.json["type"] == 8
    values = [c["value"] for c in req.json["data"]["choices"]]
    assert "preset:wave" in values and "preset:clap" in values
    assert any(v.startswith("saved:") for v in values)


async def test_animate_has_a_per_user_cooldown(dc: DC) -> None:
    photo = dc.fake.add_attachment("me.png", astronaut_png(), "image/png")
    pdf = dc.fake.add_attachment("x.pdf", b"%PDF", "application/pdf")
    for _ in range(5):  # refused for the file type, but each call counts
        cmd = dc.inject(fd.slash(dc.fake, "animate", USER, GUILD, attachments={"photo": pdf},
                                 options={"motion": "preset:wave"}))
        await dc.original(cmd, "isn't a photo")
    sixth = dc.inject(fd.slash(dc.fake, "animate", USER, GUILD, attachments={"photo": photo},
                               options={"motion": "preset:wave"}))
    assert "too fast" in (await dc.original(sixth, "try again in"))["content"]
    other = dc.inject(fd.slash(dc.fake, "animate", 7777, GUILD, attachments={"photo": pdf},
                               options={"motion": "preset:wave"}))
    await dc.original(other, "isn't a photo")  # someone else is not slowed down


async def test_a_video_the_checks_reject_offers_only_cancel(dc: DC, tmp_path: Path) -> None:
    from dc_harness import tiny_mp4

    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    async with inspect_worker_running(dc.qsettings, tmp_path):
        cmd = await animate(dc, GUILD, video=tiny_mp4(frames=12, side=64))  # a moving square, no one in it
        shown = await dc.original(cmd, "again with another file")
    assert "\nVideo:" in shown["content"]
    assert [b["label"] for b in fd.buttons(shown)] == ["Cancel"]  # no Generate for unusable input
