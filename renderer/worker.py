"""The arq worker of the renderer: one process per queue kind (render:cpu, render:gpu, inspect).

The engine is loaded once in ``on_startup`` (weights, detectors) and kept in ``ctx``; a GPU
worker runs one job at a time, a CPU worker ``concurrency`` jobs. Job arguments and results
are JSON (:mod:`motionbot.queue.serde`). A render worker shortens arq's in-progress lease to
``3 x heartbeat_s`` and renews it while a job runs, so a job whose worker was killed runs
again within seconds (arq's own lease is the longest job timeout + 10 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import shutil
import socket
import time
import uuid
from pathlib import Path
from typing import Any

from arq.connections import RedisSettings
from arq.worker import Retry, func
from pydantic import ValidationError
from redis.exceptions import RedisError

from motionbot.ops.instrument import job_hooks
from motionbot.ops.retention import retention_cron
from motionbot.queue.arq_worker import Worker
from motionbot.queue.delivery import enqueue_deliver
from motionbot.queue.errors import FailureReason, MotionbotError
from motionbot.queue.jobs import (
    DeliverJob,
    DeliveryTarget,
    EngineName,
    Finding,
    InspectReport,
    InspectRequest,
    JobNames,
    Queues,
    RenderFailure,
    RenderRequest,
    Severity,
)
from motionbot.queue.limits import UserLimits
from motionbot.queue.progress import ProgressBoard
from motionbot.queue.serde import ARQ_SERDE
from motionbot.queue.settings import QueueSettings
from motionbot.queue.store import open_store
from motionbot.queue.tasks import TaskBook
from motionbot.renderer.engines.base import Engine
from motionbot.renderer.motion.cache import MotionCache
from motionbot.renderer.render_job import RenderRun
from motionbot.renderer.settings import RendererSettings
from motionbot.renderer.worker_state import WorkerState

log = logging.getLogger(__name__)

RENDER_QUEUES = {Queues.RENDER_CPU: EngineName.WARP, Queues.RENDER_GPU: EngineName.DIFFUSION}
QUEUE_NAMES = (Queues.RENDER_CPU, Queues.RENDER_GPU, Queues.INSPECT)
ARQ_TIMEOUT_MARGIN_S = 30.0  # arq's timeout is ours plus this: ours fires first, with a message


async def render(ctx: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    state: WorkerState = ctx["motionbot"]
    try:
        request = RenderRequest.model_validate(payload)
    except ValidationError as exc:
        return await _refuse(ctx, payload, exc)
    try:
        return await RenderRun(state, ctx, request).run()
    except RedisError as exc:
        # Redis blinked while the outcome was being recorded: arq would fail the job for good
        # (and the user would hear nothing); run it again, which re-sends a recorded outcome
        # or renders once more
        log.warning("task %s: Redis error (%s); the job will run again", request.task_id, exc)
        raise Retry(defer=state.settings.retry_backoff_s) from exc


async def _refuse(ctx: dict[str, Any], payload: dict[str, Any], exc: ValidationError) -> dict[str, Any]:
    """A payload this worker cannot read (a newer bot during a rolling deploy, or a bug): tell
    the user through a deliver job when the task id and target can be read, never go silent."""
    log.error("unreadable render payload (version %s): %s", payload.get("version"), exc)
    try:
        task_id = str(payload["task_id"])
        target = DeliveryTarget.model_validate(payload["target"])
    except (KeyError, TypeError, ValidationError):
        return {"status": "invalid"}
    failure = RenderFailure(task_id=task_id, reason=FailureReason.INTERNAL_ERROR.value)
    if await TaskBook(ctx["redis"], ttl_s=86_400).claim(task_id, failure) is None:
        await enqueue_deliver(ctx["redis"], DeliverJob(task_id=task_id, target=target, outcome=failure))
    return {"status": "invalid"}


async def inspect(ctx: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """Input guidance for one photo or video; an unreadable file is a report, not an error."""
    state: WorkerState = ctx["motionbot"]
    request = InspectRequest.model_validate(payload)
    work = state.settings.work_dir / f"inspect-{ctx.get('job_id', uuid.uuid4().hex)}".replace(":", "-")
    try:
        from motionbot.renderer import inspect as checks  # type: ignore[attr-defined,unused-ignore]
        from motionbot.renderer.people_findings import PICTURE_NAME

        path = await state.store.fetch(request.media, work)
        check = checks.inspect_photo if request.kind == "photo" else checks.inspect_video
        pictures = work / "pictures"
        report: InspectReport = await asyncio.to_thread(
            functools.partial(check, path, state.renderer_settings, pictures=pictures)
        )
        picture = pictures / PICTURE_NAME
        if picture.is_file():  # several people: the numbered picture the bot shows with 1..N
            ref = await state.store.put_file(picture, filename=PICTURE_NAME)
            report = report.model_copy(update={"people_picture": ref})
    except MotionbotError as exc:
        report = InspectReport(
            kind=request.kind,
            ok=False,
            failure_reason=exc.reason.value,
            findings=[Finding(code=exc.reason.value, severity=Severity.ERROR, params=exc.params)],
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report.model_dump(mode="json")


async def _announce_forever(state: WorkerState, queue: str) -> None:
    engine = state.engine
    name = EngineName(engine.name) if engine is not None else None
    version = engine.version if engine is not None else None
    while True:
        with contextlib.suppress(Exception):
            await state.board.announce(queue, state.worker_id, name, version)
        await asyncio.sleep(state.settings.health_check_interval_s)


def _warm_up_inspect(work_dir: Path, rs: RendererSettings) -> None:
    """Load the detectors once before the first user waits on them (seconds on a cold start)."""
    import numpy as np
    from PIL import Image

    from motionbot.renderer import inspect as checks  # type: ignore[attr-defined,unused-ignore]

    path = work_dir / f"warm-up-{uuid.uuid4().hex[:8]}.png"
    try:
        Image.fromarray(np.full((320, 256, 3), 128, dtype=np.uint8)).save(path)
        t = time.perf_counter()
        checks.inspect_photo(path, rs)
        log.info("inspect warmed up in %.1f s", time.perf_counter() - t)
    except Exception as exc:  # a failed warm-up only costs the first user a wait
        log.warning("inspect warm-up failed: %s", exc)
    finally:
        path.unlink(missing_ok=True)


def build_worker(
    settings: QueueSettings,
    queue: str,
    *,
    engine: Engine | None = None,
    renderer_settings: RendererSettings | None = None,
    concurrency: int | None = None,
    burst: bool = False,
    warm_up: bool = True,
    **worker_kw: Any,
) -> Worker:
    """An arq Worker for ``queue``; ``engine`` injects a loaded engine (tests, benchmarks),
    otherwise the queue's engine is loaded by the registry at startup. An inspect worker runs
    the checks once at startup (``warm_up``) so the first user does not wait for model loads."""
    if queue not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue!r}; choose one of {', '.join(QUEUE_NAMES)}")
    rs = renderer_settings or RendererSettings()
    engine_name = RENDER_QUEUES.get(queue)

    async def startup(ctx: dict[str, Any]) -> None:
        redis = ctx["redis"]
        loaded = engine
        if engine_name is not None and loaded is None:
            from motionbot.renderer.engines.registry import load_engine

            loaded = await asyncio.to_thread(load_engine, engine_name, rs)
        state = WorkerState(
            settings=settings,
            renderer_settings=rs,
            store=open_store(settings),
            book=TaskBook(redis, ttl_s=settings.progress_ttl_s),
            board=ProgressBoard(redis, settings),
            limits=UserLimits(redis, settings),
            engine=loaded,
            motion_cache=MotionCache(rs.cache_dir),
            worker_id=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}",
        )
        settings.work_dir.mkdir(parents=True, exist_ok=True)
        if engine_name is None and warm_up:
            await asyncio.to_thread(_warm_up_inspect, settings.work_dir, rs)
        ctx["motionbot"] = state
        ctx["queue_settings"] = settings  # for the retention job
        ctx["retention_dirs"] = (rs.cache_dir,)
        await state.board.announce(queue, state.worker_id, engine_name, loaded.version if loaded else None)
        state.tasks.add(asyncio.create_task(_announce_forever(state, queue)))
        what = f" with {loaded.name} {loaded.version}" if loaded else ""
        log.info("worker %s ready on %s%s", state.worker_id, queue, what)

    async def shutdown(ctx: dict[str, Any]) -> None:
        state: WorkerState | None = ctx.get("motionbot")
        if state is None:
            return
        for task in state.tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await state.board.retire(queue, state.worker_id)

    if engine_name is not None:
        gpu = engine_name is EngineName.DIFFUSION
        own_timeout = settings.timeout_diffusion_s if gpu else settings.timeout_warp_s
        functions = [
            func(
                render,
                name=JobNames.RENDER,
                timeout=own_timeout + ARQ_TIMEOUT_MARGIN_S,
                max_tries=settings.render_max_tries + 1,
                keep_result=settings.keep_result_s,
            )
        ]
        max_jobs = 1 if engine_name is EngineName.DIFFUSION else (concurrency or 1)
    else:
        functions = [
            func(
                inspect,
                name=JobNames.INSPECT,
                timeout=settings.timeout_inspect_s,
                max_tries=2,
                keep_result=60,
            )
        ]
        max_jobs = concurrency or 4

    cron_jobs: list[Any] = []
    if engine_name is None:  # inspect workers also run the daily retention sweep, once per fleet
        cron_jobs.append(retention_cron())
    kw: dict[str, Any] = {
        "cron_jobs": cron_jobs,
        **job_hooks(queue),
        "queue_name": queue,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "on_startup": startup,
        "on_shutdown": shutdown,
        "burst": burst,
        "max_jobs": max_jobs,
        "poll_delay": settings.worker_poll_s,
        "health_check_interval": settings.health_check_interval_s,
        "keep_result": settings.keep_result_s,
        "allow_abort_jobs": True,
        "handle_signals": False,
        **ARQ_SERDE,
    }
    kw.update(worker_kw)
    worker = Worker(functions, **kw)
    if engine_name is not None:
        # our own lease, renewed by each running job (render_job.RenderRun._keep)
        worker.in_progress_timeout_s = 3 * settings.heartbeat_s
    return worker
