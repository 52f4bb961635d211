"""The steps of one render, from the stored inputs to the stored result.

Fetch the photo and the motion, run the engine in a thread (stopped through the reporter when
the job is cancelled or times out), fit the video to the chat's upload limit, make its still
and store both. What to do when a step fails is the job's business (:mod:`render_job`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from motionbot.queue.errors import FailureReason, MotionbotError
from motionbot.queue.jobs import (
    EXTRA_SUFFIXES,
    EngineName,
    Extra,
    MediaRef,
    RenderRequest,
    RenderResult,
    Stage,
)
from motionbot.renderer import pipeline
from motionbot.renderer.engines.base import Engine, EngineOutput
from motionbot.renderer.errors import RenderCancelled, RendererError
from motionbot.renderer.worker_state import Reporter, WorkerState

log = logging.getLogger(__name__)

THREAD_GRACE_S = 10.0  # how long a stopped render thread gets to notice and clean up
FALLBACK_WARNING = (
    "Rendered as a quick CPU preview: the high-quality (GPU) renderer was not available for this video."
)


class RenderSteps:
    """One run's render in its own work folder; ``reporter`` is set once the render starts."""

    def __init__(self, state: WorkerState, request: RenderRequest, work: Path) -> None:
        self.state = state
        self.req = request
        self.work = work
        self.task_id = request.task_id
        self.reporter: Reporter | None = None

    async def from_cache(self, engine: Engine) -> RenderResult | None:
        if self.state.settings.result_cache_ttl_s <= 0:
            return None
        hit = await self.state.book.cached(self.req, engine.version)
        if hit is None or not await self.state.store.exists(hit.output):
            return None
        return hit.model_copy(
            update={"task_id": self.task_id, "cached": True, "timings": {}, "warnings": self._warnings([])}
        )

    async def render(self, engine: Engine) -> RenderResult:
        s = self.state
        loop = asyncio.get_running_loop()
        rate = await s.board.rate(self.req.options.engine)
        estimate = rate * min(self.req.options.max_seconds, s.settings.eta_typical_output_s)
        rep = self.reporter = Reporter(
            loop, s.board, self.task_id, interval_s=s.settings.progress_interval_s, estimate_s=estimate
        )
        rep(Stage.DECODE, 0.0)
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        t0 = time.monotonic()
        photo = await s.store.fetch(self.req.photo, self.work)
        source = await self._motion_source()
        t1 = time.monotonic()
        output = self.work / f"{self.task_id}.mp4"
        out: EngineOutput = await self._in_thread(
            rep,
            functools.partial(
                pipeline.render,
                photo,
                source,
                output,
                self.req.options,
                engine,
                s.renderer_settings,
                cache=s.motion_cache,
                progress=rep,
            ),
        )
        if rep.cancel.is_set():
            raise RenderCancelled()
        t2 = time.monotonic()
        out = await self._fit(out)
        # the still and the upload are independent: do them side by side
        thumb, ref = await asyncio.gather(
            self._thumbnail(out.path),
            s.store.put_file(out.path, filename=f"motionbot-{self.task_id[:16]}.mp4"),
        )
        extras = await self._store_extras(out)
        timings = {
            **out.timings,
            "fetch_motion_s": round(t1 - t0, 3),
            "engine_s": round(t2 - t1, 3),
            "fit_thumbnail_store_s": round(time.monotonic() - t2, 3),
        }
        return RenderResult(
            task_id=self.task_id,
            output=ref,
            thumbnail=thumb,
            extras=extras,
            duration_s=out.duration_s,
            width=out.width,
            height=out.height,
            fps=out.fps,
            engine=EngineName(engine.name),
            engine_version=engine.version,
            timings=timings,
            warnings=self._warnings(list(out.warnings)),
        )

    async def _fit(self, out: EngineOutput) -> EngineOutput:
        """Re-encode to the chat's upload limit (options.max_bytes) when the render is over it;
        raises OUTPUT_TOO_LARGE when even the smallest encoding does not fit."""
        limit = self.req.options.max_bytes
        if limit is None or out.path.stat().st_size <= limit:
            return out
        from motionbot.renderer.media.encode import fit_to_budget
        from motionbot.renderer.media.probe import probe

        fitted = await asyncio.to_thread(
            fit_to_budget, out.path, self.work / f"{self.task_id}-fit.mp4", limit
        )
        info = await asyncio.to_thread(probe, fitted)
        note = f"Compressed to fit the {limit / 1e6:.0f} MB upload limit here."
        return dataclasses.replace(
            out,
            path=fitted,
            width=info.width or out.width,
            height=info.height or out.height,
            warnings=[*out.warnings, note],
        )

    async def _store_extras(self, out: EngineOutput) -> dict[Extra, MediaRef]:
        """The format's files besides the MP4 (a WebM, a sticker, a GIF), in the media store."""
        name = f"motionbot-{self.task_id[:16]}"
        return {
            kind: await self.state.store.put_file(path, filename=f"{name}{EXTRA_SUFFIXES[kind]}")
            for kind, path in out.extras.items()
        }

    async def _thumbnail(self, video: Path) -> MediaRef | None:
        """A JPEG still for chat previews; a video without one is still delivered."""
        if not self.state.settings.thumbnails:
            return None
        from motionbot.renderer.media.encode import write_thumbnail

        try:
            path = await asyncio.to_thread(write_thumbnail, video, self.work / "thumb.jpg")
            return await self.state.store.put_file(path, filename="thumb.jpg")
        except (MotionbotError, OSError) as exc:
            log.warning("task %s: no thumbnail (%s)", self.task_id, exc)
            return None

    def _warnings(self, warnings: list[str]) -> list[str]:
        if self.req.fallback_from is not None:
            warnings.insert(0, FALLBACK_WARNING)
        return warnings

    async def _in_thread(self, rep: Reporter, fn: Callable[[], Any]) -> Any:
        """Run sync code in a thread; when this coroutine is cancelled (timeout, abort,
        shutdown) tell the thread to stop at its next progress call and give it a moment to
        clean up, so it does not keep rendering for nobody."""
        fut = asyncio.ensure_future(asyncio.to_thread(fn))
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError:
            rep.cancel.set()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + THREAD_GRACE_S
            while not fut.done() and loop.time() < deadline:
                try:  # a second cancel (abort, then shutdown) must not cut the wait short
                    await asyncio.wait({fut}, timeout=deadline - loop.time())
                except asyncio.CancelledError:
                    continue
            if fut.done() and not fut.cancelled():
                fut.exception()  # retrieved: RenderCancelled is expected here
            raise

    async def _motion_source(self) -> str | Path:
        """What pipeline.render takes: a preset name, or a local reference video / motion .json."""
        src = self.req.motion
        if src.kind == "preset" and src.preset:
            return src.preset
        if src.kind == "saved" and src.saved:
            return await self.state.store.fetch(src.saved, self.work)
        if src.kind == "video" and src.video:
            return await self.state.store.fetch(src.video, self.work)
        raise RendererError(FailureReason.UNKNOWN_MOTION)
