"""Helpers shared by the queue and worker tests (on pythonpath in the pytest settings; a worker
also lets worker subprocesses import fake_engine)."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import numpy as np
from fake_engine import FakeEngine
from PIL import Image

from motionbot.queue.delivery import delivery_worker
from motionbot.queue.jobs import DeliverJob, Platform, Queues, RenderRequest
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.settings import RendererSettings
from motionbot.renderer.worker import build_worker

RequestFactory = Callable[..., RenderRequest]


def fast_settings(redis_url: str, root: Path, **overrides: Any) -> QueueSettings:
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "media_dir": root / "media",
        "work_dir": root / "work",
        "health_check_interval_s": 1,
        "worker_poll_s": 0.02,
        "heartbeat_s": 0.5,
        "progress_interval_s": 0.0,
        "retry_backoff_s": 0.05,
        "deliver_retry_s": 0.05,
        "daily_quota": 0,
    }
    values.update(overrides)
    return QueueSettings(**values)


def png_bytes(seed: int = 0, size: tuple[int, int] = (80, 96)) -> bytes:
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


async def run_burst(
    settings: QueueSettings,
    engine: FakeEngine | None,
    rs: RendererSettings,
    queue: str = Queues.RENDER_CPU,
    **kw: Any,
) -> Any:
    worker = build_worker(settings, queue, engine=engine, renderer_settings=rs, burst=True, **kw)
    try:
        await worker.async_run()
    finally:
        await worker.close()
    return worker


async def drain_deliveries(settings: QueueSettings) -> list[DeliverJob]:
    got: list[DeliverJob] = []

    async def handler(job: DeliverJob) -> None:
        got.append(job)

    for platform in Platform:  # each platform has its own deliver queue
        worker = delivery_worker(settings, handler, platform=platform, burst=True, poll_delay=0.02)
        try:
            await worker.async_run()
        finally:
            await worker.close()
    return got


@contextlib.asynccontextmanager
async def running_worker(
    settings: QueueSettings,
    engine: FakeEngine | None,
    rs: RendererSettings,
    queue: str = Queues.RENDER_CPU,
    **kw: Any,
) -> AsyncIterator[Any]:
    """A long-running (non-burst) worker in this event loop, stopped on exit."""
    worker = build_worker(settings, queue, engine=engine, renderer_settings=rs, **kw)
    task = asyncio.create_task(worker.async_run())
    try:
        await wait_for(lambda: "motionbot" in worker.ctx or task.done())  # started (engine loaded)
        if task.done():
            task.result()
        yield worker
    finally:
        await worker.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(interval)
