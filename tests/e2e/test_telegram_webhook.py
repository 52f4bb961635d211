"""Webhook mode (secret token checked) and the per-user rate limit."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from tg_harness import TG, USER, command

from motionbot.bot.core import texts

SECRET = "s3cret-token"


# webhook mode, and a rate limit small enough to hit
pytestmark = pytest.mark.tg_settings(
    telegram_webhook_url="https://bot.example/telegram/webhook",
    telegram_webhook_secret=SECRET,
    rate_limit_events=4,
    rate_limit_window_s=60,
)


async def test_webhook_checks_the_secret_and_handles_updates(tg: TG) -> None:
    update = {"update_id": 900, "message": tg.fake.message(USER, USER, **command("/motions"))}
    async with TestClient(TestServer(tg.service.webhook_app())) as http:
        path = tg.rt.settings.telegram_webhook_path
        denied = await http.post(path, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
        assert denied.status == 401
        accepted = await http.post(path, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert accepted.status == 200
        await tg.wait_text(texts.MOTIONS_TITLE)


async def test_rate_limit_tells_once_and_drops_the_rest(tg: TG) -> None:
    for _ in range(8):
        await tg.fake.push_message(USER, USER, **command("/motions"))
    await tg.wait_text(texts.RATE_LIMITED)
    await tg.fake.push_message(USER, USER, **command("/motions"))
    await tg.fake.wait_for(lambda: len(tg.fake.updates) == 0)
    assert tg.texts().count(texts.MOTIONS_TITLE) == 4
    assert tg.texts().count(texts.RATE_LIMITED) == 1


async def test_admin_commands_only_for_admins(tg: TG, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTIONBOT_ADMIN_IDS", f"telegram:{USER}")
    await tg.fake.push_message(USER, USER, **command("/pause maintenance until 3pm"))
    await tg.wait_text("Paused.")
    await tg.fake.push_message(USER, USER, **command("/resume"))
    await tg.wait_text("Resumed")
    await tg.fake.push_message(777, 777, **command("/pause"))  # not an admin: an unknown command
    await tg.wait_text(texts.WELCOME, chat_id=777)
    assert not [t for t in tg.texts(777) if "Paused" in t]


async def test_event_isolation_follows_the_update_source(redis_url: str) -> None:
    """Polling has one consumer per token: in-process locks; webhook processes share Redis locks."""
    from aiogram.fsm.storage.memory import SimpleEventIsolation
    from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

    from motionbot.bot.telegram.app import event_isolation

    storage = RedisStorage.from_url(redis_url)
    try:
        assert isinstance(event_isolation(storage, webhook=False), SimpleEventIsolation)
        assert isinstance(event_isolation(storage, webhook=True), RedisEventIsolation)
    finally:
        await storage.close()
