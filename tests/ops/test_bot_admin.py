"""The service admin commands in both bots, end to end through the fake chat servers: only the
ids in MOTIONBOT_ADMIN_IDS may see the status and pause or resume new renders."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dc_harness import DC, OTHER
from fakes import discord as fd
from tg_harness import TG, USER, command

from motionbot.bot import i18n
from motionbot.bot.core import reason_texts, texts
from motionbot.queue import pause as pause_flag

# queue names and the time zone stay as they are in every language
# queue names, platforms and command names (commands stay English in every language: "resume")
QUEUE_WORDS = {"render", "cpu", "gpu", "inspect", "deliver", "telegram", "discord", "cli", "UTC", "resume"}


async def test_telegram_admin_commands(tg: TG, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTIONBOT_ADMIN_IDS", f"telegram:{USER}")
    redis: Any = tg.rt.client.redis
    await tg.fake.push_message(USER, USER, **command("/status"))
    await tg.wait_text("render:cpu:")
    await tg.fake.push_message(USER, USER, **command("/pause moving to a new disk"))
    await tg.wait_text("Paused.")
    state = await pause_flag.paused(redis)
    assert state is not None and state.by == f"telegram:{USER}" and state.reason == "moving to a new disk"
    await tg.fake.push_message(USER, USER, **command("/status"))
    await tg.wait_text("Paused: New videos are paused for now: moving to a new disk")
    await tg.fake.push_message(USER, USER, **command("/resume"))
    await tg.wait_text("Resumed")
    assert await pause_flag.paused(redis) is None

    stranger = USER + 1
    await tg.fake.push_message(stranger, stranger, **command("/pause"))
    await tg.fake.push_message(stranger, stranger, **command("/start"))  # a reply comes to this one
    await tg.fake.wait_sent("sendMessage", chat_id=stranger)
    assert await pause_flag.paused(redis) is None
    assert not any("Paused" in t for t in tg.texts(stranger))


async def test_an_operator_reads_the_admin_answers_in_russian(
    tg: TG, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTIONBOT_ADMIN_IDS", f"telegram:{USER}")
    tg.fake.user_languages[USER] = "ru"
    with i18n.use("ru"):
        running, paused = texts.ADMIN_STATUS_RUNNING.split("{")[0], texts.ADMIN_PAUSED.split("{")[0]
        resumed, told = texts.ADMIN_RESUMED, reason_texts.FAILURES["paused:note"].split("{")[0]
    await tg.fake.push_message(USER, USER, **command("/status"))
    await tg.wait_text(running)
    await tg.fake.push_message(USER, USER, **command("/pause переезд на новый диск"))
    await tg.wait_text(paused + told + "переезд на новый диск")  # what users are told, in Russian too
    await tg.fake.push_message(USER, USER, **command("/status"))
    await tg.wait_text("переезд на новый диск\nrender:cpu:")
    await tg.fake.push_message(USER, USER, **command("/resume"))
    await tg.wait_text(resumed)
    latin = {w for t in tg.texts(USER) for w in re.findall(r"[A-Za-z]+", t)}
    assert latin <= QUEUE_WORDS, latin - QUEUE_WORDS


async def test_service_refusal_is_in_the_users_language(dc: DC, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTIONBOT_ADMIN_IDS", f"discord:{OTHER}")
    dc.fake.user_locales[OTHER - 1] = "pt-BR"
    with i18n.use("pt_BR"):
        only = texts.ADMIN_ONLY
    refused = dc.inject(
        fd.slash(dc.fake, "motionbot-service", OTHER - 1, fd.Place.guild(), subcommand="status")
    )
    await dc.original(refused, only)


async def test_discord_admin_commands(dc: DC, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = dc.fake
    monkeypatch.setenv("MOTIONBOT_ADMIN_IDS", f"discord:{OTHER}")
    here = fd.Place.guild(channel_id=701)
    status = dc.inject(fd.slash(fake, "motionbot-service", OTHER, here, subcommand="status"))
    await dc.original(status, "render:cpu:")
    pause = dc.inject(fd.slash(fake, "motionbot-service", OTHER, here, subcommand="pause",
                               options={"reason": "new GPU"}))  # fmt: skip
    await dc.original(pause, "Paused.")
    state = await pause_flag.paused(dc.rt.client.redis)
    assert state is not None and state.reason == "new GPU" and state.by == f"discord:{OTHER}"

    refused = dc.inject(fd.slash(fake, "motionbot-service", OTHER - 1, here, subcommand="resume"))
    await dc.original(refused, "Only the operators")
    assert await pause_flag.paused(dc.rt.client.redis) is not None
    resume = dc.inject(fd.slash(fake, "motionbot-service", OTHER, here, subcommand="resume"))
    await dc.original(resume, "Resumed")
    assert await pause_flag.paused(dc.rt.client.redis) is None
