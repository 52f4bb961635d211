"""The chat frontends' end-to-end fixtures, defined once: ``tg`` (the Telegram bot against the
fake Bot API), ``dc`` (the Discord bot against the fake Discord REST server), the Telegram
bot's settings and real inspect/render workers in the test's event loop.

A plugin of the root conftest (``pytest_plugins``), so tests in any folder (tests/ops runs the
admin commands through both bots) ask for these by name without importing them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from dc_harness import DC
from e2e_workers import worker_on
from fakes import discord as fd
from fakes.telegram import FakeTelegram
from tg_harness import TG, TOKEN, start_service

from motionbot.bot.discord.cli import logged_in
from motionbot.bot.settings import BotSettings
from motionbot.queue.jobs import Queues
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.settings import RendererSettings


def quick_chat(tmp_path: Path) -> dict[str, Any]:
    """The settings both bots share in these tests: the test's own history, quick edits and polls."""
    return {
        "history_db": tmp_path / "history.sqlite3",
        "inspect_timeout_s": 20.0,
        "edit_interval_s": 0.0,
        "progress_poll_s": 0.05,
    }


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "tg_settings(**fields): BotSettings fields in which a test's Telegram bot differs from tg_bsettings",
    )


@pytest.fixture
def tg_bsettings(tmp_path: Path, request: pytest.FixtureRequest) -> BotSettings:
    """The Telegram bot's settings: quick edits and polls, a rate limit a test does not hit. A
    module that needs other values names only those, e.g.
    ``pytestmark = pytest.mark.tg_settings(max_video_seconds=1.5)``."""
    marker = request.node.get_closest_marker("tg_settings")
    fields = {"telegram_token": TOKEN, **quick_chat(tmp_path), "rate_limit_events": 50}
    return BotSettings(**{**fields, **(marker.kwargs if marker is not None else {})})


@pytest.fixture
async def tg(qsettings: QueueSettings, tg_bsettings: BotSettings) -> AsyncIterator[TG]:
    fake = await FakeTelegram().start()
    service, polling = await start_service(fake, tg_bsettings, qsettings)
    harness = TG(fake, service, qsettings, tg_bsettings, polling)
    try:
        yield harness
    finally:
        await harness.service.stop_polling()
        with contextlib.suppress(Exception):
            await harness.polling
        await harness.service.close()
        await fake.close()


@pytest.fixture
async def dc(qsettings: QueueSettings, tmp_path: Path) -> AsyncIterator[DC]:
    base = discord.http.Route.BASE
    fake = await fd.FakeDiscord().start()
    bsettings = BotSettings(discord_token="test-token", discord_api_url=fake.api_url, **quick_chat(tmp_path))
    stack = contextlib.AsyncExitStack()
    bot = await stack.enter_async_context(logged_in(bsettings, qsettings))
    harness = DC(fake, bsettings, qsettings, bot, stack)
    await harness.start_delivery()
    try:
        yield harness
    finally:
        await harness.stop_delivery()
        await harness.stack.aclose()
        await fake.stop()
        discord.http.Route.BASE = base


@pytest.fixture
async def inspect_worker(qsettings: QueueSettings, tmp_path: Path) -> AsyncIterator[Any]:
    async with worker_on(qsettings, Queues.INSPECT, RendererSettings(cache_dir=tmp_path / "mc")) as w:
        yield w


@pytest.fixture
async def render_worker(qsettings: QueueSettings, tmp_path: Path) -> AsyncIterator[Any]:
    async with worker_on(qsettings, Queues.RENDER_CPU, RendererSettings(cache_dir=tmp_path / "mc")) as w:
        yield w
