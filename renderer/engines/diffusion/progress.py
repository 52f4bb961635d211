"""Per-segment and per-step progress (and cancellation) from inside the modular pipeline.

The Wan-Animate-2 modular denoise loop has no ``callback_on_step_end``. Every unit of work it
does is a transformer call, though: one ``kv_cache_mode="extract"`` pass opens each segment,
then every denoising step calls the transformer once per guidance branch, the conditional
branch first. A forward pre-hook (plain ``torch.nn.Module`` API, which coexists with diffusers'
offloading hooks) therefore sees each segment and each step start, reports the fraction done
and gives the progress callback its chance to raise ``RenderCancelled`` between steps.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from motionbot.queue.jobs import Stage
from motionbot.renderer.engines.base import ProgressCallback


@dataclass
class StepTracker:
    segments: int
    steps: int
    progress: ProgressCallback
    segment: int = -1  # index of the segment being denoised
    step: int = 0  # steps started within that segment

    @property
    def total(self) -> int:
        return max(1, self.segments * self.steps)

    def on_call(self, kwargs: dict[str, Any]) -> None:
        mode = kwargs.get("kv_cache_mode")
        if mode == "extract":
            self.segment += 1
            self.step = 0
        elif mode == "cached" and not kwargs.get("is_uncondtion", False):
            self.step += 1
        else:
            return
        done = max(0, self.segment) * self.steps + max(0, self.step - 1)
        self.progress(Stage.RENDER, min(1.0, done / self.total))


@contextmanager
def track_steps(transformer: torch.nn.Module, tracker: StepTracker) -> Iterator[StepTracker]:
    def pre_hook(module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        tracker.on_call(kwargs)

    handle = transformer.register_forward_pre_hook(pre_hook, with_kwargs=True)
    try:
        yield tracker
    finally:
        handle.remove()
