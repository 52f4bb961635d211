"""Structured logs: JSON lines tagged with the task, and no token or file URL ever written."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from motionbot.ops.logs import REDACTED, Redactor, bound_task, secrets_from_env, setup_logging

TOKEN = "123456789:AAHfakeTelegramTokenForTests_abcdefghi"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    level = logging.getLogger().level
    handler = setup_logging(
        "test", level="DEBUG", fmt="json", secrets=[TOKEN, "s3cr3t-redis-pass"], stream=stream
    )
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(level)
        logging.captureWarnings(False)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_task_id(captured: io.StringIO) -> None:
    log = logging.getLogger("motionbot.test")
    with bound_task("tg-42-7"):
        log.info("rendering %s", "wave", extra={"engine": "warp"})
    log.warning("idle")
    first, second = _lines(captured)
    assert first["msg"] == "rendering wave" and first["task_id"] == "tg-42-7" and first["engine"] == "warp"
    assert first["level"] == "info" and first["service"] == "test" and first["logger"] == "motionbot.test"
    assert "task_id" not in second


def test_tokens_and_file_urls_never_reach_the_log(captured: io.StringIO) -> None:
    log = logging.getLogger("aiogram.event")  # a library logger: the handler redacts for everyone
    log.info("GET https://api.telegram.org/file/bot%s/photos/file_7.jpg", TOKEN)
    log.info("POST https://api.telegram.org/bot%s/sendVideo failed", TOKEN)
    log.info("token is %s", TOKEN)
    log.info("redis at redis://:s3cr3t-redis-pass@redis:6379/0")
    try:
        raise RuntimeError(f"Cannot connect to https://api.telegram.org/bot{TOKEN}/getUpdates")
    except RuntimeError:
        log.exception("polling failed")
    out = captured.getvalue()
    assert TOKEN not in out and TOKEN.split(":")[1] not in out
    assert "s3cr3t-redis-pass" not in out
    assert "/file/bot" not in out and "photos/file_7.jpg" not in out
    assert "[telegram-file-url]" in out and REDACTED in out
    assert "polling failed" in out and "RuntimeError" in out  # the traceback stays, minus the token


def test_unknown_secrets_are_caught_by_shape() -> None:
    redact = Redactor()
    other = "987654321:ZZZotherTokenNobodyToldUsAbout_123456"
    assert other not in redact(f"https://api.telegram.org/bot{other}/getMe")
    assert other not in redact(f"token={other}")
    itoken = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5OmZha2U.x_y-z"
    assert itoken not in redact(f"POST /api/v10/interactions/1234567/{itoken}/callback")
    assert itoken not in redact(f"POST /api/v10/webhooks/1234567/{itoken}?wait=1")
    signed = "https://cdn.discordapp.com/attachments/1/2/photo.jpg?ex=1&is=2&hm=abcdef"
    assert "hm=abcdef" not in redact(signed) and "photo.jpg" in redact(signed)
    assert "Bot " + REDACTED in redact("Authorization: Bot MTIzNDU2Nzg5.abcdefghijklmnopqrstuv")
    assert "hunter22" not in redact("https://user:hunter22@example.com/x")
    assert redact("nothing secret here: render 12:30") == "nothing secret here: render 12:30"


def test_secrets_come_from_the_environment() -> None:
    env = {
        "MOTIONBOT_TELEGRAM_TOKEN": TOKEN,
        "MOTIONBOT_S3_SECRET_KEY": "minio-secret-key",
        "MOTIONBOT_REDIS_URL": "redis://:pw-in-url-123@redis:6379/0",
        "MOTIONBOT_REDIS_PASSWORD": "short",  # too short to redact safely: ignored
        "MOTIONBOT_MEDIA_DIR": "/data/media",
    }
    found = secrets_from_env(env)
    assert TOKEN in found and "minio-secret-key" in found and "pw-in-url-123" in found
    assert "/data/media" not in found and "short" not in found


def test_text_format_is_redacted_too() -> None:
    stream = io.StringIO()
    handler = setup_logging("cli", fmt="text", secrets=[TOKEN], stream=stream)
    try:
        with bound_task("t1"):
            logging.getLogger("x").warning("sent with %s", TOKEN)
    finally:
        logging.getLogger().removeHandler(handler)
    line = stream.getvalue()
    assert TOKEN not in line and "[t1]" in line and "WARNING" in line
