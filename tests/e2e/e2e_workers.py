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
