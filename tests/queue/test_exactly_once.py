"""Many users, two workers, cancels landing at random moments: every task ends exactly one way."""

from __future__ import annotations

import asyncio
import random

from fake_engine import FakeEngine
from queue_helpers import RequestFactory, drain_deliveries, png_bytes, running_worker, wait_for

from motionbot.queue.client import RenderClient
from motionbot.queue.jobs import RenderResult, Stage
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.settings import RendererSettings


async def test_each_task_delivered_once_or_cancelled(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    rng = random.Random(7)
    photos = [await client.store.put_bytes(png_bytes(seed=i), suffix=".png") for i in range(30)]
    reqs = [make_request(user=f"user{i}", photo_ref=p) for i, p in enumerate(photos)]
    for r in reqs:
        await client.submit(r)
    to_cancel = rng.sample(reqs, 10)
    cancelled: set[str] = set()
    engines = [FakeEngine(frame_delay_s=0.01, frames=8), FakeEngine(frame_delay_s=0.01, frames=8)]
    async with (
        running_worker(settings, engines[0], renderer_settings),
        running_worker(settings, engines[1], renderer_settings),
    ):
        for r in to_cancel:
            await asyncio.sleep(rng.uniform(0, 0.15))
            if await client.cancel(r.task_id):
                cancelled.add(r.task_id)

        async def unsettled() -> list[tuple[str, Stage | None]]:
            stages = [(r.task_id, getattr(await client.progress(r.task_id), "stage", None)) for r in reqs]
            return [(t, st) for t, st in stages if st not in (Stage.DONE, Stage.FAILED, Stage.CANCELLED)]

        async def settled() -> bool:
            return not await unsettled()

        try:
            await wait_for(settled, timeout=30, interval=0.1)
        except TimeoutError:
            raise AssertionError(f"tasks not settled: {await unsettled()}") from None
        await asyncio.sleep(0.3)  # a cancelled job's worker finishes its cleanup
    deliveries = await drain_deliveries(settings)
    delivered = [d.task_id for d in deliveries]
    assert len(delivered) == len(set(delivered))  # never twice
    assert set(delivered) == {r.task_id for r in reqs} - cancelled  # never lost, never after a cancel
    assert all(isinstance(d.outcome, RenderResult) for d in deliveries)
    assert cancelled  # the test did exercise cancels
    for r in reqs:
        p = await client.progress(r.task_id)
        assert p is not None and p.stage is (Stage.CANCELLED if r.task_id in cancelled else Stage.DONE)
        assert await client.limits.in_flight(r.target) == 0
    assert sum(len(e.renders) for e in engines) <= len(reqs)
    assert not list(settings.work_dir.iterdir())
