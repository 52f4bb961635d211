"""Cancelling queued and running tasks."""

from __future__ import annotations

import asyncio
from typing import Any

from arq.constants import in_progress_key_prefix, job_key_prefix
from fake_engine import FakeEngine
from queue_helpers import RequestFactory, drain_deliveries, run_burst, running_worker, wait_for

from motionbot.queue.client import RenderClient
from motionbot.queue.jobs import Queues, RenderResult, Stage
from motionbot.queue.progress import workers_key
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.settings import RendererSettings


async def test_cancel_queued(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    keep, drop = make_request(user="a"), make_request(user="b", preset="clap")
    await client.submit(keep)
    await client.submit(drop)
    assert await client.cancel(drop.task_id) is True
    assert await client.cancel(drop.task_id) is False  # already cancelled
    assert await client.redis.zcard(Queues.RENDER_CPU) == 1
    assert (await client.progress(drop.task_id)).stage is Stage.CANCELLED  # type: ignore[union-attr]
    assert await client.limits.in_flight(drop.target) == 0  # the user may submit again

    engine = FakeEngine()
    await run_burst(settings, engine, renderer_settings)
    assert len(engine.renders) == 1
    deliveries = await drain_deliveries(settings)
    assert [d.task_id for d in deliveries] == [keep.task_id]  # no deliver job for a cancel


async def test_cancel_running(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    req = make_request()
    await client.submit(req)
    engine = FakeEngine(frame_delay_s=0.1, frames=100)  # 10 s if not stopped
    async with running_worker(settings, engine, renderer_settings) as worker:

        async def rendering() -> bool:
            p = await client.progress(req.task_id)
            return p is not None and p.stage is Stage.RENDER and p.percent > 21

        await wait_for(rendering)
        t0 = asyncio.get_running_loop().time()
        assert await client.cancel(req.task_id) is True
        await wait_for(lambda: worker.jobs_complete + worker.jobs_failed >= 1, timeout=5)
        stopped_in = asyncio.get_running_loop().time() - t0
    assert stopped_in < 4.0, stopped_in  # stopped between frames, not after the ~8 s left of the render
    assert (await client.progress(req.task_id)).stage is Stage.CANCELLED  # type: ignore[union-attr]
    assert await drain_deliveries(settings) == []
    assert not list(settings.work_dir.iterdir())  # partial output removed
    assert len(list(settings.media_dir.rglob("*.mp4"))) == 0


async def test_shutdown_while_a_cancelled_job_records_its_outcome(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    """A cancel that lands just before the worker is stopped: the job's outcome is still being
    written when close() begins. The close waits for it, runs the shutdown hook and raises
    nothing (arq's own close raised CancelledError out of that write)."""
    req = make_request()
    await client.submit(req)
    recording, release = asyncio.Event(), asyncio.Event()

    async def slow_outcome_write(ctx: dict[str, Any]) -> None:
        recording.set()
        await release.wait()

    engine = FakeEngine(frame_delay_s=0.1, frames=100)
    async with running_worker(settings, engine, renderer_settings, on_job_end=slow_outcome_write):

        async def rendering() -> bool:
            p = await client.progress(req.task_id)
            return p is not None and p.stage is Stage.RENDER

        await wait_for(rendering)
        assert await client.cancel(req.task_id) is True
        await asyncio.wait_for(recording.wait(), timeout=10)
        asyncio.get_running_loop().call_later(0.3, release.set)  # while close() waits
    assert release.is_set()
    rec = await client.book.get(req.task_id)
    assert rec is not None
    assert not await client.redis.exists(job_key_prefix + rec.job_id)  # finished, not to be re-run
    assert not await client.redis.exists(in_progress_key_prefix + rec.job_id)
    assert await client.redis.zcard(workers_key(Queues.RENDER_CPU)) == 0  # shutdown hook ran
    assert (await client.progress(req.task_id)).stage is Stage.CANCELLED  # type: ignore[union-attr]
    assert await drain_deliveries(settings) == []


async def test_cancel_after_done_is_refused(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    req = make_request()
    await client.submit(req)
    await run_burst(settings, FakeEngine(), renderer_settings)
    assert await client.cancel(req.task_id) is False
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderResult)


async def test_cancel_unknown_task(client: RenderClient) -> None:
    assert await client.cancel("no-such-task") is False
