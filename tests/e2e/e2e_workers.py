"""Pieces both chat frontends' end-to-end harnesses use: real queue workers in the test's
event loop, and a tiny real video with no person in it."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np

from motionbot.queue.client import RenderClient
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.settings import RendererSettings
from motionbot.renderer.worker import build_worker


@contextlib.asynccontextmanager
async def worker_on(qsettings: QueueSettings, queue: str, rs: RendererSettings) -> AsyncIterator[Any]:
    """A real worker on ``queue``, yielded once it has announced itself (the bots only ask
    workers that are alive)."""
    worker = build_worker(qsettings, queue, renderer_settings=rs)
    task = asyncio.create_task(worker.async_run())
    client = await RenderClient.connect(qsettings)
    try:
        for _ in range(1200):
            if await client.board.alive_workers(queue) or task.done():
                break
            await asyncio.sleep(0.05)
    finally:
        await client.close()
    try:
        yield worker
    finally:
        await worker.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def moving_square_mp4(frames: int = 12, side: int = 64, fps: int = 12) -> bytes:
    """A tiny real MP4 with no person in it (a bad reference video, or a stand-in result)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "square.mp4"
        writer = imageio_ffmpeg.write_frames(str(path), (side, side), fps=fps, quality=5, macro_block_size=16)
        writer.send(None)
        for i in range(frames):
            frame = np.zeros((side, side, 3), np.uint8)
            frame[side // 6 : side // 2, 2 + 2 * i : 2 + side // 3 + 2 * i] = 255
            writer.send(frame.tobytes())
        writer.close()
        return path.read_bytes()


def person_clip(tmp_path: Path, *, seconds: float = 2.0) -> bytes:
    """A real clip of a person waving (the warp engine's own render of skimage's astronaut),
    for a reference video whose motion can be extracted."""
    from PIL import Image
    from skimage import data

    from motionbot.queue.jobs import RenderOptions
    from motionbot.renderer import pipeline
    from motionbot.renderer.engines.warp.engine import WarpEngine

    settings = RendererSettings(output_long_side=256, ai_label_visible=False)
    photo = tmp_path / "person-clip.jpg"
    Image.fromarray(data.astronaut()).resize((256, 256)).save(photo, quality=85)
    engine = WarpEngine.load(settings)
    try:
        options = RenderOptions(max_seconds=seconds)
        out = pipeline.render(photo, "wave", tmp_path / "person-clip.mp4", options, engine, settings)
    finally:
        engine.close()
    return out.path.read_bytes()
