"""Queue fixtures: settings with short timings on the session's real Redis, a photo in the
store and a request factory."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from queue_helpers import RequestFactory, fast_settings, png_bytes

from motionbot.queue.client import RenderClient
from motionbot.queue.jobs import (
    DeliveryTarget,
    MediaRef,
    MotionSource,
    Platform,
    RenderOptions,
    RenderRequest,
)
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.settings import RendererSettings


@pytest.fixture
def qsettings(redis_url: str, arq_redis: object, tmp_path: Path) -> QueueSettings:
    """Overrides the root one here: retries and re-deliveries 50 ms apart too. Depends on
    arq_redis so that the database is flushed around each test."""
    return fast_settings(redis_url, tmp_path)


@pytest.fixture
def settings(qsettings: QueueSettings) -> QueueSettings:
    """The queue tests' name for ``qsettings``."""
    return qsettings


@pytest.fixture
def renderer_settings(tmp_path: Path) -> RendererSettings:
    return RendererSettings(cache_dir=tmp_path / "motion-cache")


@pytest.fixture
async def photo(client: RenderClient) -> MediaRef:
    return await client.store.put_bytes(png_bytes(), suffix=".png", filename="me.png")


@pytest.fixture
def make_request(photo: MediaRef) -> RequestFactory:
    def make(
        *,
        user: str = "u1",
        preset: str = "wave",
        photo_ref: MediaRef | None = None,
        task_id: str | None = None,
        **options: Any,
    ) -> RenderRequest:
        return RenderRequest(
            task_id=task_id or uuid.uuid4().hex,
            target=DeliveryTarget(platform=Platform.TELEGRAM, chat_id="c1", user_id=user),
            photo=photo_ref or photo,
            motion=MotionSource(kind="preset", preset=preset),
            options=RenderOptions(**options),
        )

    return make
