"""What a render worker keeps between jobs, and the bridge from the render thread to Redis."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from concurrent.futures import Future
from dataclasses import KW_ONLY, dataclass, field

from motionbot.queue.jobs import EngineName, Progress, Stage
from motionbot.queue.limits import UserLimits
from motionbot.queue.progress import ProgressBoard, overall_percent
from motionbot.queue.settings import QueueSettings
from motionbot.queue.store import MediaStore
from motionbot.queue.tasks import TaskBook
from motionbot.renderer.engines.base import Engine
from motionbot.renderer.errors import RenderCancelled
from motionbot.renderer.motion.cache import MotionCache
from motionbot.renderer.settings import RendererSettings


@dataclass
class WorkerState:
    """What ``on_startup`` loads once per worker process and every job shares."""

    settings: QueueSettings
    renderer_settings: RendererSettings
    store: MediaStore
    book: TaskBook
    board: ProgressBoard
    limits: UserLimits
    engine: Engine | None = None
    motion_cache: MotionCache | None = None  # reference videos' motion, by content hash
    worker_id: str = ""
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def engine_name(self) -> EngineName:
        assert self.engine is not None
        return EngineName(self.engine.name)

    def timeout_for(self, engine: EngineName) -> float:
        s = self.settings
        return s.timeout_diffusion_s if engine is EngineName.DIFFUSION else s.timeout_warp_s


@dataclass(eq=False)
class Reporter:
    """The engine's progress callback: throttled publishes, and the cancel check between frames.

    It runs on the render thread, so it never blocks on Redis: publishes are handed to the
    event loop, and cancellation is a local flag the job's keeper task sets.
    """

    loop: asyncio.AbstractEventLoop
    board: ProgressBoard
    task_id: str
    _: KW_ONLY
    interval_s: float
    estimate_s: float
    cancel: threading.Event = field(default_factory=threading.Event, init=False)
    closed: bool = field(default=False, init=False)
    started: float = field(default_factory=time.monotonic, init=False)
    percent: float = field(default=0.0, init=False)
    _stage: Stage | None = field(default=None, init=False)
    _last: float = field(default=0.0, init=False)
    _pending: Future[bool] | None = field(default=None, init=False)

    def __call__(self, stage: Stage, fraction: float) -> None:
        if self.cancel.is_set():
            raise RenderCancelled()
        now = time.monotonic()
        self.percent = max(self.percent, overall_percent(stage, fraction))
        if self.closed or (stage == self._stage and now - self._last < self.interval_s):
            return
        self._stage, self._last = stage, now
        elapsed = now - self.started
        if self.percent >= 5:
            eta = elapsed * (100 - self.percent) / self.percent
        else:
            eta = max(self.estimate_s - elapsed, 0.0)
        progress = Progress(
            task_id=self.task_id,
            stage=stage,
            percent=round(self.percent, 1),
            eta_s=round(eta, 1),
            updated_at=time.time(),
        )
        self._pending = asyncio.run_coroutine_threadsafe(self.board.publish(progress), self.loop)

    async def close(self) -> None:
        """Stop publishing and let the last publish land before the final state is written."""
        self.closed = True
        if self._pending is not None:
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(self._pending)
