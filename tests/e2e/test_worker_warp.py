"""End to end with the real warp engine: submit -> render:cpu worker -> deliver job -> MP4."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from queue_helpers import drain_deliveries, fast_settings, run_burst

from motionbot.queue.client import RenderClient
from motionbot.queue.jobs import (
    DeliveryTarget,
    EngineName,
    MotionSource,
    Platform,
    RenderOptions,
    RenderRequest,
    RenderResult,
    Stage,
)
from motionbot.renderer.settings import RendererSettings


async def test_preset_on_astronaut_through_the_queue(
    redis_url: str, arq_redis: object, tmp_path: Path
) -> None:
    from PIL import Image
    from skimage import data

    from motionbot.renderer.engines.warp.engine import WarpEngine
    from motionbot.renderer.media.probe import probe

    settings = fast_settings(redis_url, tmp_path)
    rs = RendererSettings(output_long_side=256, cache_dir=tmp_path / "motion-cache")
    client = await RenderClient.connect(settings)
    try:
        buf = io.BytesIO()
        Image.fromarray(data.astronaut()).save(buf, format="PNG")
        photo = await client.store.put_bytes(buf.getvalue(), suffix=".png", filename="astronaut.png")
        req = RenderRequest(
            task_id="e2e-warp-1",
            target=DeliveryTarget(platform=Platform.DISCORD, chat_id="chan", user_id="42"),
            photo=photo,
            motion=MotionSource(kind="preset", preset="wave"),
            options=RenderOptions(engine=EngineName.WARP, max_seconds=2.0),
        )
        sub = await client.submit(req)
        assert sub.cached is None and not sub.fallback_to_cpu
        worker = await run_burst(settings, None, rs)  # the registry loads the real warp engine
        assert worker.jobs_complete == 1

        (d,) = await drain_deliveries(settings)
        assert d.task_id == req.task_id and d.target == req.target
        result = d.outcome
        assert isinstance(result, RenderResult), result
        assert result.engine is EngineName.WARP and result.engine_version == WarpEngine.version
        assert max(result.width, result.height) <= 256
        assert 1.5 <= result.duration_s <= 2.1
        video = await client.store.fetch(result.output, tmp_path)
        info = probe(video)
        assert abs(info.duration_s - result.duration_s) < 0.2
        assert (await client.progress(req.task_id)).stage is Stage.DONE  # type: ignore[union-attr]

        again = await client.submit(req.model_copy(update={"task_id": "e2e-warp-2"}))
        assert again.cached is not None and again.cached.output == result.output
    finally:
        await client.close()


@pytest.mark.samples
async def test_reference_video_motion_is_extracted_once(
    redis_url: str, arq_redis: object, tmp_path: Path, samples_dir: Path
) -> None:
    """A video motion source: fetched from the store, extracted on the worker, cached by content
    hash, so a second photo with the same video skips extraction."""
    settings = fast_settings(redis_url, tmp_path, timeout_warp_s=240)
    rs = RendererSettings(output_long_side=192, max_fps=12, cache_dir=tmp_path / "motion-cache")
    client = await RenderClient.connect(settings)
    try:
        video = await client.store.put_file(samples_dir / "video_dance_fullbody.mp4")
        photos = [
            await client.store.put_file(samples_dir / name)
            for name in ("portrait_fullbody_man.png", "portrait_fullbody_woman.jpg")
        ]
        for i, photo in enumerate(photos):
            await client.submit(
                RenderRequest(
                    task_id=f"e2e-video-{i}",
                    target=DeliveryTarget(platform=Platform.TELEGRAM, chat_id="c", user_id=f"u{i}"),
                    photo=photo,
                    motion=MotionSource(kind="video", video=video),
                    options=RenderOptions(max_seconds=1.5),
                )
            )
        await run_burst(settings, None, rs)
        outcomes = {d.task_id: d.outcome for d in await drain_deliveries(settings)}
        assert set(outcomes) == {"e2e-video-0", "e2e-video-1"}
        for outcome in outcomes.values():
            assert isinstance(outcome, RenderResult), outcome
            assert 1.0 <= outcome.duration_s <= 1.6
        assert len(list((tmp_path / "motion-cache").rglob("*.json"))) == 1
        first, second = (outcomes[f"e2e-video-{i}"] for i in range(2))
        assert isinstance(first, RenderResult) and isinstance(second, RenderResult)
        assert second.timings["engine_s"] < first.timings["engine_s"]  # no second extraction
    finally:
        await client.close()
