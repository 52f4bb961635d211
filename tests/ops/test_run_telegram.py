"""`motionbot run` with the Telegram bot, end to end against the fake Bot API server.

Everything runs as `motionbot run` starts it in production (its own Redis, the bot, an inspect
and a CPU render worker as separate processes). A photo is sent, the launcher is stopped with
Ctrl-C and started again, and the conversation goes on from where it was: the photo sent
before the restart is animated with a preset and the video arrives. Finally every line any
process logged is searched for the bot token.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from fakes.telegram import FakeTelegram
from tg_harness import USER, astronaut_jpeg, command

from motionbot.bot.core import texts

pytestmark = pytest.mark.slow

# bot id 42 (the fake's); the secret half is what must never be logged
TOKEN = "42:AAH-e2e-secret-token-value-must-never-be-logged"


def _start(tmp_path: Path, fake: FakeTelegram, log: Any) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTIONBOT_")}
    env |= {
        "MOTIONBOT_TELEGRAM_TOKEN": TOKEN,
        "MOTIONBOT_TELEGRAM_API_URL": fake.base_url,
        "MOTIONBOT_METRICS_PORT": "0",
        "MOTIONBOT_HEALTH_CHECK_INTERVAL_S": "1",
        "MOTIONBOT_DAILY_QUOTA": "0",
        "MOTIONBOT_EDIT_INTERVAL_S": "0",
        "MOTIONBOT_INSPECT_TIMEOUT_S": "30",
        "MOTIONBOT_OUTPUT_LONG_SIDE": "256",
    }
    cmd = [sys.executable, "-m", "motionbot.queue.cli", "run", "--data-dir", str(tmp_path / "data"),
           "--gpu", "off", "--grace", "15"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)


async def _workers_ready(tmp_path: Path, proc: subprocess.Popen[str], timeout_s: float = 180) -> None:
    url_file = tmp_path / "data" / "redis" / "redis.url"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"motionbot run exited ({proc.returncode})"
        try:
            client = redis.Redis.from_url(url_file.read_text().strip())
            try:
                if client.exists("inspect:health-check") and client.exists("render:cpu:health-check"):
                    return
            finally:
                client.close()
        except (FileNotFoundError, redis.RedisError):
            pass
        await asyncio.sleep(0.3)
    raise AssertionError("the workers did not come up")


async def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    code = await asyncio.to_thread(proc.wait, 60)
    assert code == 0


async def _press(fake: FakeTelegram, action: str, timeout: float = 60) -> None:
    """Press the button with ``action`` on the newest bot message showing it."""

    def find() -> int | None:
        for (chat, mid), msg in sorted(fake.messages.items(), key=lambda kv: -kv[0][1]):
            rows = (msg.get("reply_markup") or {}).get("inline_keyboard", [])
            if chat == USER and any(b.get("callback_data") == action for row in rows for b in row):
                return mid
        return None

    mid: int = await fake.wait_for(find, timeout)
    await fake.press(USER, USER, mid, action)


async def _text(fake: FakeTelegram, fragment: str, timeout: float = 60) -> None:
    await fake.wait_for(
        lambda: any(
            fragment in str(r.fields.get("text", "")) for r in fake.sent("sendMessage", "editMessageText")
        ),
        timeout,
    )


async def test_run_with_telegram_resumes_the_conversation_after_a_restart(tmp_path: Path) -> None:
    fake = await FakeTelegram().start()
    log_path = tmp_path / "run.log"
    try:
        with log_path.open("w") as log:
            proc = _start(tmp_path, fake, log)
            try:
                await _workers_ready(tmp_path, proc)
                await fake.push_message(USER, USER, **command("/start"))
                await _press(fake, "ack")
                await _text(fake, texts.CONSENT_THANKS)
                await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
                await _text(fake, "Photo: One person", timeout=90)
            finally:
                await _stop(proc)

            # a new launcher: same data folder, new processes; the conversation state is in Redis's AOF
            proc = _start(tmp_path, fake, log)
            try:
                await _workers_ready(tmp_path, proc)
                await fake.push_message(USER, USER, **command("/motions"))
                await _press(fake, "pre:wave")
                await _press(fake, "gen")
                (video,) = await fake.wait_sent("sendVideo", timeout=180)
                name, data = video.uploads["video"]
                assert name.endswith(".mp4") and data[4:8] == b"ftyp"
            finally:
                await _stop(proc)
    finally:
        await fake.close()
    out = log_path.read_text()
    secret = TOKEN.split(":", 1)[1]
    assert secret not in out, "the bot token reached a log"
    assert "bot-telegram" in out  # the bot did run under the launcher
