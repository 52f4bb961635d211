"""The two-step DM conversation (through the core, as on Telegram), guild settings for
admins (channels, daily quota), and ``motionbot bot discord --sync``."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from dc_harness import DC, OTHER, USER, animate, astronaut_png, finish, tiny_mp4
from fakes import discord as fd

from motionbot.bot.core import texts
from motionbot.bot.discord import texts as dtexts
from motionbot.queue.jobs import Platform

DM = fd.Place.bot_dm(channel_id=8001)


def bot_messages(dc: DC, channel: int) -> list[dict[str, Any]]:
    return [m for m in dc.fake.channel_messages(channel) if m["author"]["id"] == str(fd.BOT_ID)]


async def test_dm_conversation_video_first_then_photo_then_generate(dc: DC) -> None:
    fake = dc.fake
    dc.inject(fd.dm_message(fake, USER, DM.channel_id, content="hi"))
    consent = await dc.channel_message(DM.channel_id, texts.CONSENT)
    agree = dc.inject(fd.click(fake, consent, fd.button(consent, texts.CONSENT_BUTTON), USER, DM))
    await dc.original(agree, texts.CONSENT_THANKS)

    video = fake.add_attachment("move.mp4", tiny_mp4(), "video/mp4")
    dc.inject(fd.dm_message(fake, USER, DM.channel_id, attachments=[video]))
    await dc.channel_message(DM.channel_id, texts.NEED_PHOTO)
    # the instant "got it" message is edited with the findings (no inspect worker: unavailable)
    await dc.channel_message(DM.channel_id, "Video: " + texts.CHECKING_UNAVAILABLE)

    photo = fake.add_attachment("me.png", astronaut_png(), "image/png")
    dc.inject(fd.dm_message(fake, USER, DM.channel_id, attachments=[photo]))
    options = await dc.channel_message(DM.channel_id, texts.OPTIONS_TITLE)
    assert all(b["custom_id"].startswith(f"mb:{USER}:") for b in fd.buttons(options))

    white = dc.inject(fd.click(fake, options, fd.button(options, texts.BACKGROUND_NAMES["white"]), USER, DM))
    edited = await dc.original(white, texts.OPTIONS_TITLE)
    assert any(b["label"] == texts.CHOSEN_MARK + "White" for b in fd.buttons(edited))
    gen = dc.inject(fd.click(fake, edited, fd.button(edited, texts.GENERATE), USER, DM))
    await dc.original(gen, "Queued")
    (task,) = await dc.rt.history.list_tasks(Platform.DISCORD, str(USER))
    assert task.motion.kind == "video" and task.options.background == "white"
    assert task.chat_id == str(DM.channel_id) and task.status_message_id == options["id"]

    # 15 minutes later: the bot edits its own DM message and posts the video itself
    fake.expired_tokens.add(gen["token"])
    await finish(dc, task, tiny_mp4())
    await dc.wait_for(lambda: "Done!" in fake.messages[int(options["id"])]["content"])
    assert fake.find("PATCH", f"^/channels/{DM.channel_id}/messages/{options['id']}$")
    result = await dc.channel_message(DM.channel_id, f"Task {task.task_id}", with_file=True)
    assert fd.button(result, "Share here")

    unsupported = fake.add_attachment("notes.pdf", b"%PDF", "application/pdf")
    dc.inject(fd.dm_message(fake, USER, DM.channel_id, attachments=[unsupported]))
    await dc.channel_message(DM.channel_id, texts.UNSUPPORTED_FILE)


async def test_dm_consent_is_asked_once_for_a_photo_then_a_video(dc: DC) -> None:
    fake = dc.fake
    photo = fake.add_attachment("me.png", astronaut_png(), "image/png")
    dc.inject(fd.dm_message(fake, USER, DM.channel_id, attachments=[photo]))
    consent = await dc.channel_message(DM.channel_id, texts.CONSENT)
    video = fake.add_attachment("move.mp4", tiny_mp4(), "video/mp4")
    dc.inject(fd.dm_message(fake, USER, DM.channel_id, attachments=[video]))
    await dc.channel_message(DM.channel_id, texts.CONSENT_PENDING)
    assert len([m for m in bot_messages(dc, DM.channel_id) if texts.CONSENT in m["content"]]) == 1

    agree = dc.inject(fd.click(fake, consent, fd.button(consent, texts.CONSENT_BUTTON), USER, DM))
    options = await dc.original(agree, texts.OPTIONS_TITLE)
    assert options["content"].startswith(texts.THANKS) and fd.button(options, texts.GENERATE)
    assert texts.CONSENT_THANKS not in options["content"]


async def test_dm_a_newer_keyboard_replaces_the_older_one(dc: DC) -> None:
    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    fake = dc.fake
    both = [fake.add_attachment("move.mp4", tiny_mp4(), "video/mp4"),
            fake.add_attachment("me.png", astronaut_png(), "image/png")]
    dc.inject(fd.dm_message(fake, USER, DM.channel_id, attachments=both))
    first = await dc.channel_message(DM.channel_id, texts.OPTIONS_TITLE)
    again = fake.add_attachment("me2.png", astronaut_png(160), "image/png")
    dc.inject(fd.dm_message(fake, USER, DM.channel_id, attachments=[again]))
    second = await dc.channel_message(DM.channel_id, texts.PHOTO_REPLACED)
    assert fd.button(second, texts.GENERATE) and second["id"] != first["id"]
    await dc.wait_for(lambda: not fd.buttons(fake.messages[int(first["id"])]))
    assert texts.OPTIONS_TITLE in fake.messages[int(first["id"])]["content"]  # its text stays


async def test_dm_photo_and_video_in_one_message(dc: DC) -> None:
    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    both = [dc.fake.add_attachment("move.mp4", tiny_mp4(), "video/mp4"),
            dc.fake.add_attachment("me.png", astronaut_png(), "image/png")]
    dc.inject(fd.dm_message(dc.fake, USER, DM.channel_id, attachments=both))
    options = await dc.channel_message(DM.channel_id, texts.OPTIONS_TITLE)
    assert fd.button(options, texts.GENERATE)


async def test_dm_preset_from_motions_buttons(dc: DC) -> None:
    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    photo = dc.fake.add_attachment("me.png", astronaut_png(), "image/png")
    dc.inject(fd.dm_message(dc.fake, USER, DM.channel_id, attachments=[photo]))
    await dc.channel_message(DM.channel_id, texts.NEED_VIDEO)
    motions = dc.inject(fd.slash(dc.fake, "motions", USER, DM))
    menu = await dc.original(motions, texts.MOTIONS_TITLE)
    pick = dc.inject(fd.click(dc.fake, menu, fd.button(menu, "Jumping jacks"), USER, DM))
    await dc.answer(pick, texts.OPTIONS_TITLE)


async def test_admin_settings_need_manage_server_and_restrict_channels_and_quota(dc: DC) -> None:
    fake = dc.fake
    here, there = fd.Place.guild(channel_id=701), fd.Place.guild(channel_id=702)
    nope = dc.inject(fd.slash(fake, "motionbot-admin", USER, here, subcommand="allow",
                              options={"channel": {"channel_id": 702}}))
    await dc.original(nope, "Manage Server")
    assert (await dc.rt.guilds.get("700")).channels == ()

    allow = dc.inject(fd.slash(fake, "motionbot-admin", USER, here, subcommand="allow",
                               options={"channel": {"channel_id": 702}}, admin=True))
    await dc.original(allow, "<#702>")
    quota = dc.inject(fd.slash(fake, "motionbot-admin", USER, here, subcommand="quota",
                               options={"renders": 1}, admin=True))
    await dc.original(quota, "1 renders a day")

    refused = await animate(dc, here, motion="preset:wave")
    await dc.original(refused, "I don't answer in this channel")
    hist = dc.inject(fd.slash(fake, "history", USER, here))
    await dc.original(hist, "<#702>")

    for user in (USER, OTHER):
        await dc.rt.history.acknowledge(Platform.DISCORD, str(user))
    first = await animate(dc, there, user=USER, motion="preset:wave")
    shown = await dc.original(first, "Press Generate")
    go = dc.inject(fd.click(fake, shown, fd.button(shown, texts.GENERATE), USER, there))
    await dc.original(go, "Queued")
    second = await animate(dc, there, user=OTHER, motion="preset:clap")
    shown2 = await dc.original(second, "Press Generate")
    go2 = dc.inject(fd.click(fake, shown2, fd.button(shown2, texts.GENERATE), OTHER, there))
    told = await dc.answer(go2, "renders it allows per day")
    assert told["flags"] & 64
    assert await dc.rt.history.count_tasks(Platform.DISCORD, str(OTHER)) == 0
    assert await dc.rt.guilds.used_today("700") == 1
    assert dtexts.GUILD_QUOTA_USED.split("{")[0] in told["content"]

    # in DMs guild rules don't apply
    dm = await animate(dc, DM, user=OTHER, motion="preset:clap")
    await dc.original(dm, "Press Generate")


async def test_cli_sync_uploads_user_installable_commands(dc: DC, tmp_path: Path) -> None:
    assert not dc.fake.find("PUT", "/commands")  # a plain start (the fixture's bot) syncs nothing
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTIONBOT_")}
    env.update({
        "MOTIONBOT_DISCORD_TOKEN": "test-token", "MOTIONBOT_DISCORD_API_URL": dc.fake.api_url,
        "MOTIONBOT_DISCORD_GUILD_IDS": "[700]", "MOTIONBOT_REDIS_URL": dc.qsettings.redis_url,
        "MOTIONBOT_HISTORY_DB": str(tmp_path / "cli.sqlite3"), "MOTIONBOT_MEDIA_DIR": str(tmp_path / "m"),
    })
    motionbot = Path(sys.executable).with_name("motionbot")
    proc = await asyncio.create_subprocess_exec(str(motionbot), "bot", "discord", "--sync", env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()[-2000:]
    synced = {c["name"]: c for c in dc.fake.commands["global"]}
    assert {"animate", "history", "share", "cancel", "motions", "motionbot-admin"} <= set(synced)
    animate_cmd = synced["animate"]
    assert sorted(animate_cmd["integration_types"]) == [0, 1] and sorted(animate_cmd["contexts"]) == [0, 1, 2]
    opts = {o["name"]: o for o in animate_cmd["options"]}
    assert opts["photo"]["type"] == 11 and opts["video"]["type"] == 11 and opts["motion"]["autocomplete"]
    # accepted with each language's option names (the fake refuses what Discord would)
    assert opts["keep_sound"]["name_localizations"]["es-ES"] == "mantener_sonido"
    assert not any(o.get("required") for o in opts.values())  # missing inputs come from the conversation
    admin = synced["motionbot-admin"]
    assert admin["integration_types"] == [0] and int(admin["default_member_permissions"]) == 1 << 5
    assert "700" in dc.fake.commands and b"synced" in out


async def test_cli_without_a_token_explains_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTIONBOT_")}
    motionbot = Path(sys.executable).with_name("motionbot")
    proc = await asyncio.create_subprocess_exec(str(motionbot), "bot", "discord", env=env, cwd=tmp_path,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2 and b"MOTIONBOT_DISCORD_TOKEN is not set" in out


async def test_service_pause_is_for_operators_only_and_stops_new_renders(
    dc: DC, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTIONBOT_ADMIN_IDS", f"discord:{OTHER}")
    nope = dc.inject(fd.slash(dc.fake, "motionbot-service", USER, DM, subcommand="pause"))
    await dc.original(nope, "Only the operators")
    pause = dc.inject(fd.slash(dc.fake, "motionbot-service", OTHER, DM, subcommand="pause",
                               options={"reason": "upgrading"}))
    await dc.original(pause, "Paused.")
    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    cmd = await animate(dc, fd.Place.guild(), motion="preset:wave")
    shown = await dc.original(cmd, "Press Generate")
    go = dc.inject(fd.click(dc.fake, shown, fd.button(shown, texts.GENERATE), USER, fd.Place.guild()))
    refused = await dc.answer(go, "upgrading")
    assert await dc.rt.history.count_tasks(Platform.DISCORD, str(USER)) == 0, refused["content"]
    resume = dc.inject(fd.slash(dc.fake, "motionbot-service", OTHER, DM, subcommand="resume"))
    await dc.original(resume, "Resumed")
