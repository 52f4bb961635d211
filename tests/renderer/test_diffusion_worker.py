"""The diffusion engine behind the real render:gpu queue worker (tiny model, real Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import media_factories as mf
import pytest
import torch
from queue_helpers import drain_deliveries, fast_settings, png_bytes, running_worker, wait_for
from tiny_wan import tiny_settings

from motionbot.queue import english
from motionbot.queue.client import RenderClient
from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import (
    DeliveryTarget,
    EngineName,
    MotionSource,
    Platform,
    Queues,
    RenderFailure,
    RenderOptions,
    RenderRequest,
    RenderResult,
    Stage,
)
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.engines.diffusion.engine import DiffusionEngine
from motionbot.renderer.engines.diffusion.readiness import READINESS
from motionbot.renderer.engines.registry import load_engine
from motionbot.renderer.media.probe import probe
from motionbot.renderer.settings import RendererSettings

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def settings(redis_url: str, arq_redis: object, tmp_path: Path) -> QueueSettings:
    # a render holds the CPU for seconds: a longer lease than the queue tests' keeps a loaded
    # machine from mistaking the busy worker for a dead one
    return fast_settings(redis_url, tmp_path, heartbeat_s=5.0)


@pytest.fixture
def rs(tiny_model: Path, tmp_path: Path) -> RendererSettings:
    return tiny_settings(
        diffusion_model=str(tiny_model), cache_dir=tmp_path / "cache", diffusion_warm_up=True
    )


@pytest.fixture
async def client(settings: QueueSettings) -> AsyncIterator[RenderClient]:
    c = await RenderClient.connect(settings)
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture
def oom_engine(rs: RendererSettings) -> Iterator[DiffusionEngine]:
    """A loaded engine whose every transformer call runs out of CUDA memory (test seam)."""
    engine = load_engine("diffusion", rs)
    assert isinstance(engine, DiffusionEngine)

    def out_of_memory(module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 30.00 GiB")

    handle = engine.model.transformer.register_forward_pre_hook(out_of_memory, with_kwargs=True)
    yield engine
    handle.remove()


async def make_request(client: RenderClient, tmp_path: Path, task_id: str, **options: Any) -> RenderRequest:
    video = mf.testsrc_video(tmp_path / f"{task_id}.mp4", size="64x64", fps=24, seconds=0.75)
    photo = await client.store.put_bytes(png_bytes(3, (64, 96)), suffix=".png", filename="me.png")
    clip = await client.store.put_bytes(video.read_bytes(), suffix=".mp4", filename="dance.mp4")
    return RenderRequest(
        task_id=task_id,
        target=DeliveryTarget(platform=Platform.TELEGRAM, chat_id="c1", user_id=f"u-{task_id}"),
        photo=photo,
        motion=MotionSource(kind="video", video=clip),
        options=RenderOptions(engine=EngineName.DIFFUSION, **options),
    )


async def test_gpu_worker_loads_the_engine_and_delivers(
    client: RenderClient, settings: QueueSettings, rs: RendererSettings, tmp_path: Path
) -> None:
    async with running_worker(settings, None, rs, queue=Queues.RENDER_GPU) as worker:
        engine = worker.ctx["motionbot"].engine
        assert isinstance(engine, DiffusionEngine)  # loaded by the registry from MOTIONBOT_DIFFUSION_MODEL
        assert len(engine.warm_shapes) == 5 and READINESS.ready  # warmed up before the first job
        req = await make_request(client, tmp_path, "gpu-1", allow_cpu_fallback=False)
        sub = await client.submit(req)
        assert sub.queue == Queues.RENDER_GPU and not sub.fallback_to_cpu
        await wait_for(lambda: worker.jobs_complete + worker.jobs_failed >= 1, timeout=240)
    (d,) = await drain_deliveries(settings)
    result = d.outcome
    assert isinstance(result, RenderResult), result
    assert result.engine is EngineName.DIFFUSION and result.engine_version == engine.version
    assert result.fps == 24.0 and (result.width, result.height) == (42, 64)
    video = await client.store.fetch(result.output, tmp_path / "fetched")
    info = probe(video)
    assert abs(info.duration_s - result.duration_s) < 0.1  # type: ignore[operator]
    assert (await client.progress(req.task_id)).stage is Stage.DONE  # type: ignore[union-attr]


async def test_gpu_out_of_memory_hands_the_job_to_the_cpu_queue(
    client: RenderClient,
    settings: QueueSettings,
    rs: RendererSettings,
    oom_engine: DiffusionEngine,
    tmp_path: Path,
) -> None:
    async with running_worker(settings, oom_engine, rs, queue=Queues.RENDER_GPU) as worker:  # type: ignore[arg-type]
        req = await make_request(client, tmp_path, "gpu-oom-1", allow_cpu_fallback=True)
        assert (await client.submit(req)).queue == Queues.RENDER_GPU
        await wait_for(lambda: worker.jobs_complete + worker.jobs_failed >= 1, timeout=240)
    assert await client.redis.zcard(Queues.RENDER_CPU) == 1  # a preview job waits for a CPU worker
    assert (await client.progress(req.task_id)).stage is Stage.QUEUED  # type: ignore[union-attr]
    assert await drain_deliveries(settings) == []


async def test_gpu_out_of_memory_without_preview_fails_clearly(
    client: RenderClient,
    settings: QueueSettings,
    rs: RendererSettings,
    oom_engine: DiffusionEngine,
    tmp_path: Path,
) -> None:
    async with running_worker(settings, oom_engine, rs, queue=Queues.RENDER_GPU) as worker:  # type: ignore[arg-type]
        req = await make_request(client, tmp_path, "gpu-oom-2", allow_cpu_fallback=False)
        await client.submit(req)
        await wait_for(lambda: worker.jobs_complete + worker.jobs_failed >= 1, timeout=240)
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderFailure)
    assert d.outcome.reason == FailureReason.GPU_OUT_OF_MEMORY.value
    assert d.outcome.message is None and "ran out of memory" in english.failure(d.outcome.reason)
    assert len(list(settings.media_dir.rglob("*.mp4"))) == 1  # only the uploaded reference clip
