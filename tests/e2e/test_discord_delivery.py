"""Delivery on Discord: the upload limit read from the interaction, Discord's 413 answer, the
15-minute token running out (channel message, or a DM where the bot is no member)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dc_harness import DC, USER, animate, finish, is_mp4, render_burst, tiny_mp4
from fakes import discord as fd
from queue_helpers import wait_for

from motionbot.bot.core import texts
from motionbot.bot.history.models import TaskRecord
from motionbot.queue.jobs import Platform

BOOSTED = fd.Place.guild(filesize_limit=50 * 1024 * 1024)


async def queue_render(dc: DC, place: fd.Place) -> tuple[dict[str, Any], TaskRecord]:
    """/animate with a preset, Generate: a render job is queued; returns (click, task)."""
    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    cmd = await animate(dc, place, motion="preset:wave")
    shown = await dc.original(cmd, "Press Generate")
    click = dc.inject(fd.click(dc.fake, shown, fd.button(shown, texts.GENERATE), USER, place))
    await dc.original(click, "Queued")
    (task,) = await dc.rt.history.list_tasks(Platform.DISCORD, str(USER))
    return click, task


async def test_render_request_carries_the_upload_limit_discord_gave(dc: DC) -> None:
    _, task = await queue_render(dc, BOOSTED)
    assert task.options.max_bytes == 50 * 1024 * 1024  # the boosted guild's limit, not 10 MiB


async def test_upload_refused_with_413_says_so_and_offers_a_shorter_render(dc: DC) -> None:
    click, task = await queue_render(dc, fd.Place.guild())
    dc.fake.upload_limit = 100  # Discord answers 413 / 40005 to any bigger file
    await finish(dc, task, tiny_mp4())
    status = await dc.original(click, "over the")
    assert fd.button(status, "Shorter render").endswith(f":short:{task.task_id}")
    assert not [m for m in dc.fake.followups(click["token"]) if m["attachments"]]
    # told once, not retried forever (recorded just after the message is edited)
    assert await wait_for(lambda: dc.rt.history.is_delivered(task.task_id))

    shorter = dc.inject(fd.click(dc.fake, status, fd.button(status, "Shorter render"), USER, fd.Place.guild()))
    await dc.original(shorter, "Queued")
    newest = (await dc.rt.history.list_tasks(Platform.DISCORD, str(USER)))[0]
    assert newest.task_id != task.task_id and newest.photo == task.photo and newest.motion == task.motion
    assert newest.options.max_seconds < task.options.max_seconds  # half as long (at least 1 s)


async def test_after_the_token_expires_the_result_is_a_channel_message(dc: DC) -> None:
    place = fd.Place.guild(channel_id=7011)
    click, task = await queue_render(dc, place)
    dc.fake.expired_tokens.add(click["token"])
    await finish(dc, task, tiny_mp4())
    status = await dc.channel_message(7011, "Done!")
    result = await dc.channel_message(7011, f"Task {task.task_id}", with_file=True)
    assert is_mp4(dc.fake.file_bytes(result["attachments"][0]))
    assert not status["flags"] & 64 and not result["flags"] & 64
    assert fd.button(result, "Share here")


async def test_after_the_token_expires_in_a_group_dm_the_result_goes_to_the_users_dm(dc: DC) -> None:
    place = fd.Place.private(channel_id=9011)  # user-installed app: the bot is no member here
    click, task = await queue_render(dc, place)
    dc.fake.expired_tokens.add(click["token"])
    await finish(dc, task, tiny_mp4())
    dm = await dc.wait_for(lambda: dc.fake.dm_channels.get(USER))
    result = await dc.channel_message(dm, f"Task {task.task_id}", with_file=True)
    assert is_mp4(dc.fake.file_bytes(result["attachments"][0]))
    assert not dc.fake.find("POST", "^/channels/9011/")  # never tried to post where it can't


async def test_a_render_over_the_places_limit_is_re_encoded_to_fit(dc: DC, tmp_path: Path) -> None:
    limit = 40_000  # a jumping-jacks preview at 256 px comes out near 80 kB
    place = fd.Place.guild(filesize_limit=limit)
    dc.fake.upload_limit = limit  # and Discord would refuse anything bigger
    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    cmd = await animate(dc, place, motion="preset:jumping_jacks")
    shown = await dc.original(cmd, "Press Generate")
    click = dc.inject(fd.click(dc.fake, shown, fd.button(shown, texts.GENERATE), USER, place))
    await dc.original(click, "Queued")
    worker = await render_burst(dc.qsettings, tmp_path)
    assert worker.jobs_complete == 1
    result = await dc.followup(click, "Task", with_file=True)
    data = dc.fake.file_bytes(result["attachments"][0])
    assert is_mp4(data) and len(data) <= limit  # the worker fitted it (RenderOptions.max_bytes)
    (task,) = await dc.rt.history.list_tasks(Platform.DISCORD, str(USER))
    assert task.options.max_bytes == limit and task.output is not None and task.output.size <= limit


async def test_progress_after_the_token_expires_moves_to_a_bot_message(dc: DC, tmp_path: Path) -> None:
    place = fd.Place.guild(channel_id=7021)
    click, task = await queue_render(dc, place)
    dc.fake.expired_tokens.add(click["token"])  # as if 15 minutes had passed in the queue
    worker = await render_burst(dc.qsettings, tmp_path)
    assert worker.jobs_complete == 1
    result = await dc.channel_message(7021, f"Task {task.task_id}", with_file=True)
    posts = [r for r in dc.fake.find("POST", "^/channels/7021/messages$") if not r.files]
    assert posts and ("%" in posts[0].json["content"] or "Queued" in posts[0].json["content"])
    status = await dc.channel_message(7021, "Done!")  # that status message, edited to the end
    assert status["id"] != result["id"] and not status["flags"] & 64
    assert dc.fake.find("PATCH", f"^/channels/7021/messages/{status['id']}$")
