"""Per-user fairness, quotas, engine routing and the deliver queue's dedupe."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from arq.worker import Retry
from fake_engine import FakeEngine
from queue_helpers import RequestFactory, drain_deliveries, fast_settings, run_burst, running_worker, wait_for

from motionbot.queue.client import RenderClient
from motionbot.queue.delivery import delivery_worker, enqueue_deliver
from motionbot.queue.errors import FailureReason, QueueError
from motionbot.queue.jobs import (
    DeliverJob,
    DeliveryTarget,
    EngineName,
    Platform,
    Queues,
    RenderFailure,
    RenderResult,
    Stage,
)
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.errors import RendererError
from motionbot.renderer.settings import RendererSettings


async def test_one_running_job_per_user(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    await client.submit(make_request(user="alice"))
    with pytest.raises(QueueError) as err:
        await client.submit(make_request(user="alice", preset="clap"))
    assert err.value.reason is FailureReason.BUSY and "/cancel" in err.value.message
    await client.submit(make_request(user="bob"))  # other users are not blocked
    await run_burst(settings, FakeEngine(), renderer_settings)
    await client.submit(make_request(user="alice", preset="clap"))  # finished: free again


async def test_daily_quota(
    redis_url: str,
    arq_redis: object,
    tmp_path: Path,
    make_request: RequestFactory,
    renderer_settings: RendererSettings,
) -> None:
    settings = fast_settings(redis_url, tmp_path, daily_quota=2, max_running_per_user=5)
    client = await RenderClient.connect(settings)
    try:
        await client.submit(make_request(preset="wave"))
        await client.submit(make_request(preset="clap"))
        with pytest.raises(QueueError) as err:
            await client.submit(make_request(preset="sway"))
        assert err.value.reason is FailureReason.QUOTA_EXCEEDED and "2 renders" in err.value.message
        # a cancelled queued task gives its unit back
        first = make_request(user="carol")
        await client.submit(first)
        assert await client.limits.used_today(first.target) == 1
        await client.cancel(first.task_id)
        assert await client.limits.used_today(first.target) == 0
    finally:
        await client.close()


async def test_gpu_request_falls_back_to_cpu_preview(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    req = make_request(engine=EngineName.DIFFUSION, allow_cpu_fallback=True)
    sub = await client.submit(req)
    assert sub.fallback_to_cpu and sub.queue == Queues.RENDER_CPU
    await run_burst(settings, FakeEngine(), renderer_settings)
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderResult) and d.outcome.engine is EngineName.WARP
    assert any("preview" in w.lower() for w in d.outcome.warnings)


async def test_gpu_request_without_fallback(client: RenderClient, make_request: RequestFactory) -> None:
    req = make_request(engine=EngineName.DIFFUSION, allow_cpu_fallback=False)
    with pytest.raises(QueueError) as err:  # no GPU worker was ever seen: not deployed here
        await client.submit(req)
    assert err.value.reason is FailureReason.ENGINE_UNAVAILABLE
    # a GPU worker that was seen recently but is down now: queued, ETA honestly unknown
    await client.redis.zadd("motionbot:workers:render:gpu", {"gpu-1": time.time() - 3600})
    sub = await client.submit(req)
    assert sub.queue == Queues.RENDER_GPU and not sub.fallback_to_cpu and sub.eta_s is None


async def test_available_engines_follow_live_workers(
    client: RenderClient, settings: QueueSettings, renderer_settings: RendererSettings
) -> None:
    assert await client.available_engines() == set()
    await client.redis.set("render:gpu:health-check", b"x", px=2000)  # arq's key of a GPU worker
    assert await client.available_engines() == {EngineName.DIFFUSION}


async def test_deliver_job_once_per_task(client: RenderClient, settings: QueueSettings) -> None:
    job = DeliverJob(
        task_id="t1",
        target=make_target(),
        outcome=RenderFailure(task_id="t1", reason="timed_out", message="too slow"),
    )
    assert await enqueue_deliver(client.redis, job) is True
    assert await enqueue_deliver(client.redis, job) is False  # a re-run render: deduped by job id
    got = await drain_deliveries(settings)
    assert [g.task_id for g in got] == ["t1"]
    # even after arq's result is gone, the delivered marker stops a second send
    await client.redis.delete("arq:result:deliver:t1")
    assert await enqueue_deliver(client.redis, job) is True
    assert await drain_deliveries(settings) == []


async def test_delivery_handler_retry(client: RenderClient, settings: QueueSettings) -> None:
    calls: list[str] = []

    async def flaky(job: DeliverJob) -> None:
        calls.append(job.task_id)
        if len(calls) == 1:
            raise Retry(defer=0.05)  # e.g. the chat API said "retry after"
        if len(calls) == 2:
            raise ConnectionError("chat API unreachable")  # retried too, with backoff

    job = DeliverJob(
        task_id="t2",
        target=make_target(),
        outcome=RenderFailure(task_id="t2", reason="timed_out", message="too slow"),
    )
    await enqueue_deliver(client.redis, job)
    worker = delivery_worker(settings, flaky, platform=job.target.platform, burst=True, poll_delay=0.02)
    await worker.async_run()
    await worker.close()
    assert calls == ["t2", "t2", "t2"]


def make_target() -> DeliveryTarget:
    return DeliveryTarget(platform=Platform.DISCORD, chat_id="c", user_id="u")


async def test_gpu_out_of_memory_hands_over_to_cpu(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    class OomEngine(FakeEngine):
        def render(self, job, progress=None):  # type: ignore[no-untyped-def]
            self.renders.append(job.output.stem)
            raise RendererError(FailureReason.GPU_OUT_OF_MEMORY)

    await client.redis.zadd("motionbot:workers:render:gpu", {"gpu-1": time.time()})  # a GPU worker is up
    req = make_request(engine=EngineName.DIFFUSION, allow_cpu_fallback=True)
    sub = await client.submit(req)
    assert sub.queue == Queues.RENDER_GPU and not sub.fallback_to_cpu
    gpu = OomEngine(name="diffusion", version="oom-1")
    await run_burst(settings, gpu, renderer_settings, queue=Queues.RENDER_GPU)
    assert len(gpu.renders) == 1  # not retried on the GPU
    assert await drain_deliveries(settings) == []  # handed over, nothing sent yet
    progress = await client.progress(req.task_id)
    assert progress is not None and progress.stage is Stage.QUEUED and progress.queue_position == 0
    await run_burst(settings, FakeEngine(), renderer_settings)
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderResult) and d.outcome.engine is EngineName.WARP
    assert any("preview" in w.lower() for w in d.outcome.warnings)


async def test_gpu_out_of_memory_without_fallback_fails_clearly(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    class OomEngine(FakeEngine):
        def render(self, job, progress=None):  # type: ignore[no-untyped-def]
            raise RendererError(FailureReason.GPU_OUT_OF_MEMORY)

    await client.redis.zadd("motionbot:workers:render:gpu", {"gpu-1": time.time()})
    await client.submit(make_request(engine=EngineName.DIFFUSION, allow_cpu_fallback=False))
    await run_burst(settings, OomEngine(name="diffusion"), renderer_settings, queue=Queues.RENDER_GPU)
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderFailure) and d.outcome.reason == FailureReason.GPU_OUT_OF_MEMORY


async def test_available_engines_with_a_real_worker(
    client: RenderClient, settings: QueueSettings, renderer_settings: RendererSettings
) -> None:
    async with running_worker(settings, FakeEngine(), renderer_settings):
        await wait_for(lambda: client.redis.exists("render:cpu:health-check"))
        assert await client.available_engines() == {EngineName.WARP}
        assert await client.board.engine_version(EngineName.WARP) == "fake-1"
    assert await client.available_engines() == set()  # stopped: arq's key and our presence are gone


async def test_admin_pause_refuses_new_jobs_and_stats_count_outcomes(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    from motionbot.ops import admin
    from motionbot.queue import pause as pause_flag

    await pause_flag.pause(client.redis, by="ops", reason="GPU maintenance")
    with pytest.raises(QueueError) as err:
        await client.submit(make_request())
    assert err.value.reason is FailureReason.PAUSED and "GPU maintenance" in err.value.message
    await pause_flag.resume(client.redis)
    await client.submit(make_request())
    await run_burst(settings, FakeEngine(), renderer_settings)
    status = await admin.status(client.redis)
    assert status.today.get("done") == 1 and status.today.get("done:warp") == 1
