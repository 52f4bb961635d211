"""A small real engine for queue tests: it decodes the photo, writes a real short MP4 through
the media layer's VideoWriter and can be slowed down per frame, so tests can kill, cancel and
time out a render in the middle. Not a mock: it implements the Engine protocol end to end.

Environment (for ``motionbot worker --engine-factory fake_engine:factory`` subprocesses):
``FAKE_ENGINE_DELAY`` seconds per frame, ``FAKE_ENGINE_LOG`` a file that gets one line per
render started (tests count renders with it), ``FAKE_ENGINE_FAIL`` "transient:N" to raise an
OSError on the first N renders.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from motionbot.queue.jobs import Stage
from motionbot.renderer.engines.base import EngineInput, EngineOutput, ProgressCallback, no_progress
from motionbot.renderer.media.encode import VideoWriter
from motionbot.renderer.media.image import load_image
from motionbot.renderer.settings import RendererSettings


@dataclass
class FakeEngine:
    name: str = "warp"
    version: str = "fake-1"
    needs_motion: bool = True
    frame_delay_s: float = 0.0
    frames: int = 12
    fps: float = 12.0
    size: tuple[int, int] = (64, 48)
    log_path: Path | None = None
    transient_failures: int = 0
    noise: bool = False  # incompressible frames, for output-size limits
    renders: list[str] = field(default_factory=list)

    def render(self, job: EngineInput, progress: ProgressCallback = no_progress) -> EngineOutput:
        self.renders.append(job.output.stem)
        if self.log_path is not None:
            with self.log_path.open("a") as f:
                f.write(f"{job.output.stem} {os.getpid()}\n")
        if self.transient_failures > 0:
            self.transient_failures -= 1
            raise OSError("simulated transient fault (disk hiccup)")
        progress(Stage.DECODE, 0.0)
        photo = load_image(job.photo, min_side=16)
        base = np.asarray(photo.mean(axis=(0, 1)), dtype=np.uint8)
        w, h = self.size
        n = self.frames
        if job.motion is not None:
            n = min(n, job.motion.n_frames)
        progress(Stage.RENDER, 0.0)
        rng = np.random.default_rng(0)
        with VideoWriter(job.output, w, h, self.fps) as writer:
            for i in range(n):
                progress(Stage.RENDER, i / n)
                frame = np.empty((h, w, 3), dtype=np.uint8)
                frame[:] = base
                frame[:, : (i * w) // n] = 255 - base
                if self.noise:  # grain: costly at good quality, cheap at low quality
                    grain = rng.integers(-24, 25, (h, w, 3))
                    frame = np.clip(frame.astype(np.int16) + grain, 0, 255).astype(np.uint8)
                writer.write(frame)
                if self.frame_delay_s:
                    time.sleep(self.frame_delay_s)
            progress(Stage.ENCODE, 0.5)
        progress(Stage.ENCODE, 1.0)
        return EngineOutput(
            path=job.output,
            duration_s=n / self.fps,
            width=w,
            height=h,
            fps=self.fps,
            timings={"frames": float(n)},
        )


def factory(settings: RendererSettings) -> FakeEngine:
    fail = os.environ.get("FAKE_ENGINE_FAIL", "")
    log = os.environ.get("FAKE_ENGINE_LOG")
    return FakeEngine(
        frame_delay_s=float(os.environ.get("FAKE_ENGINE_DELAY", "0")),
        frames=int(os.environ.get("FAKE_ENGINE_FRAMES", "12")),
        log_path=Path(log) if log else None,
        transient_failures=int(fail.split(":")[1]) if fail.startswith("transient:") else 0,
    )
