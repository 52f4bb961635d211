"""Fixtures shared by every test group.

Redis is real: one ``redis-server`` per session on a free port in a temporary directory
(pytest-redis), flushed between tests. Tests that need ../shared/samples skip cleanly when
it is absent, as it is in a user's clone.

Test helpers are plain modules found through ``pythonpath`` in the pytest settings (tests/
and each group's folder), never through ``sys.path`` edits; fixtures are defined once, here,
in a group's conftest, or in chat_fixtures (the bots against the fake chat servers).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytest_redis import factories

from motionbot.queue.client import RenderClient
from motionbot.queue.settings import QueueSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = REPO_ROOT.parent / "shared" / "samples"

pytest_plugins = ("chat_fixtures",)

redis_proc = factories.redis_proc(
    executable=shutil.which("redis-server") or "/usr/bin/redis-server", port=None
)


@pytest.fixture
def samples_dir() -> Path:
    if not SAMPLES_DIR.is_dir():
        pytest.skip("../shared/samples is not present")
    return SAMPLES_DIR


@pytest.fixture
def redis_url(redis_proc: object) -> str:
    proc = redis_proc
    return f"redis://{proc.host}:{proc.port}/0"  # type: ignore[attr-defined]


@pytest.fixture
async def arq_redis(redis_url: str) -> AsyncIterator[object]:
    """An arq pool on the session's real Redis, flushed before and after each test."""
    from arq.connections import RedisSettings, create_pool

    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    await pool.flushall()
    try:
        yield pool
    finally:
        await pool.flushall()
        await pool.aclose()


@pytest.fixture
def qsettings(redis_url: str, arq_redis: object, tmp_path: Path) -> QueueSettings:
    """Queue settings with short timings on the session's real Redis (flushed around the test
    through ``arq_redis``) and media/work folders in the test's own directory."""
    return QueueSettings(
        redis_url=redis_url,
        media_dir=tmp_path / "media",
        work_dir=tmp_path / "work",
        health_check_interval_s=1,
        worker_poll_s=0.02,
        heartbeat_s=0.5,
        progress_interval_s=0.0,
        daily_quota=0,
    )


@pytest.fixture
async def client(qsettings: QueueSettings) -> AsyncIterator[RenderClient]:
    """The bot's side of the queue, on ``qsettings`` (a group's conftest may override those)."""
    c = await RenderClient.connect(qsettings)
    try:
        yield c
    finally:
        await c.close()
