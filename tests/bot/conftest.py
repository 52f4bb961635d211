"""Bot fixtures: a history file and the conversation core wired the way a frontend wires it
(on the root conftest's RenderClient and queue settings)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from motionbot.bot.core import Conversation, RedisStateStore
from motionbot.bot.history import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.queue.client import RenderClient


@pytest.fixture
def bsettings(tmp_path: Path) -> BotSettings:
    return BotSettings(
        history_db=tmp_path / "history.sqlite3",
        inspect_timeout_s=2.0,
        edit_interval_s=0.0,
        progress_poll_s=0.05,
    )


@pytest.fixture
async def history(bsettings: BotSettings) -> AsyncIterator[HistoryStore]:
    h = await HistoryStore.open(bsettings.history_db)
    yield h
    await h.close()


@pytest.fixture
def conv(client: RenderClient, history: HistoryStore, bsettings: BotSettings) -> Conversation:
    return Conversation(
        client=client, history=history, states=RedisStateStore(client.redis), settings=bsettings
    )
