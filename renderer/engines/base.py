"""What every engine offers the worker and the CLI.

Engines are loaded once per process (model weights, detectors) and then render many jobs,
the same ``setup once / render many`` lifecycle as arq's ``on_startup``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from motionbot.queue.jobs import Extra, RenderOptions, Stage
from motionbot.renderer.motion.model import Motion

# Called with a stage and a fraction in 0..1 of that stage. It may raise RenderCancelled,
# which the engine must let propagate after cleaning up its partial output.
ProgressCallback = Callable[[Stage, float], None]


def no_progress(stage: Stage, fraction: float) -> None:
    """Progress sink for callers that do not report progress."""


@dataclass(frozen=True)
class EngineInput:
    photo: Path
    output: Path
    options: RenderOptions
    motion: Motion | None = None  # the warp engine needs it; the diffusion engine ignores it
    video: Path | None = None  # the reference video, when the motion came from one (audio, diffusion)


@dataclass(frozen=True)
class EngineOutput:
    path: Path
    duration_s: float
    width: int
    height: int
    fps: float
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    extras: dict[Extra, Path] = field(default_factory=dict)  # files besides the MP4 (formats.py)


class Engine(Protocol):
    name: str
    version: str  # part of the result cache key: bump it when output for the same input changes
    needs_motion: bool

    def render(self, job: EngineInput, progress: ProgressCallback = no_progress) -> EngineOutput: ...
