"""Queue figures: enqueue throughput, the latency the queue adds to a render, and render
throughput with 1, 2 and 4 CPU worker processes on a stream of short preset renders.

    .venv/bin/python benchmarks/queue_figures.py                 # everything
    .venv/bin/python benchmarks/queue_figures.py --skip-scaling  # only the queue's own figures

Runs its own redis-server (a free port, a temp dir) and media store; needs no network.
Targets: enqueue >= 2,000 jobs/s from one process; overhead < 50 ms per job.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from motionbot.queue.client import RenderClient
from motionbot.queue.jobs import (
    DeliveryTarget,
    JobNames,
    MediaRef,
    MotionSource,
    Platform,
    Queues,
    RenderOptions,
    RenderRequest,
    Stage,
)
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.engines.base import EngineInput, EngineOutput, ProgressCallback, no_progress

BACKGROUNDS = ("photo", "white", "green", "blur", "#203040", "#ffcc00")
PRESETS = ("wave", "clap", "sway", "arms_up", "jumping_jacks")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Redis:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        (root / "redis").mkdir()
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(root / "redis"),
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def request(photo: MediaRef, i: int, *, user: str | None = None, max_seconds: float = 2.0) -> RenderRequest:
    return RenderRequest(
        task_id=f"bench-{i}-{time.monotonic_ns()}",
        target=DeliveryTarget(platform=Platform.TELEGRAM, chat_id="c", user_id=user or f"user{i}"),
        photo=photo,
        motion=MotionSource(kind="preset", preset=PRESETS[i % len(PRESETS)]),
        options=RenderOptions(
            background=BACKGROUNDS[(i // len(PRESETS)) % len(BACKGROUNDS)], max_seconds=max_seconds
        ),
    )


async def gather_limited(coros: list[Any], limit: int) -> list[Any]:
    sem = asyncio.Semaphore(limit)

    async def one(c: Any) -> Any:
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


# --- 1. enqueue throughput ---
async def redis_cpu(client: RenderClient) -> float:
    info = await client.redis.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


async def enqueue_figures(settings: QueueSettings, photo_bytes: bytes, n: int, concurrency: int) -> None:
    client = await RenderClient.connect(settings)
    try:
        photo = await client.store.put_bytes(photo_bytes, suffix=".png")
        reqs = [request(photo, i) for i in range(n)]
        payloads = [r.model_dump(mode="json") for r in reqs]
        await client.redis.flushdb()
        t = time.perf_counter()
        await gather_limited(
            [
                client.redis.enqueue_job(
                    JobNames.RENDER, p, _job_id=f"raw:{i}", _queue_name=Queues.RENDER_CPU
                )
                for i, p in enumerate(payloads)
            ],
            concurrency,
        )
        raw = n / (time.perf_counter() - t)
        await client.redis.flushdb()
        t, cpu, rcpu = time.perf_counter(), time.process_time(), await redis_cpu(client)
        subs = await gather_limited([client.submit(r) for r in reqs], concurrency)
        full = n / (time.perf_counter() - t)
        client_us = 1e6 * (time.process_time() - cpu) / n
        redis_us = 1e6 * (await redis_cpu(client) - rcpu) / n
        assert await client.redis.zcard(Queues.RENDER_CPU) == n and len(subs) == n
        await client.redis.flushdb()
        t = time.perf_counter()
        for r in reqs[: n // 10]:
            await client.submit(r)
        serial = (n // 10) / (time.perf_counter() - t)
        print(f"enqueue, one process, {n} jobs:")
        print(f"  arq enqueue_job (JSON), {concurrency} in flight : {raw:8.0f} jobs/s")
        print(f"  RenderClient.submit (limits, task record,      : {full:8.0f} jobs/s   (target >= 2000)")
        print(f"    progress, enqueue, position, ETA), {concurrency} in flight")
        print(f"  RenderClient.submit one at a time              : {serial:8.0f} jobs/s")
        print(
            f"  CPU per submit: client {client_us:.0f} us, redis-server {redis_us:.0f} us -> one free core "
            f"each would take {1e6 / max(client_us, redis_us):.0f} jobs/s "
            f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
    finally:
        await client.redis.flushdb()
        await client.close()


# --- 2. the queue's overhead around a trivial render ---
@dataclass
class TrivialEngine:
    """Copies a prepared 0.5 s MP4: the render itself costs nothing, what is left is the queue."""

    clip: Path
    name: str = "warp"
    version: str = "trivial-1"
    needs_motion: bool = True
    started: dict[str, float] = field(default_factory=dict)
    finished: dict[str, float] = field(default_factory=dict)

    def render(self, job: EngineInput, progress: ProgressCallback = no_progress) -> EngineOutput:
        task = job.output.stem
        self.started[task] = time.time()
        shutil.copyfile(self.clip, job.output)
        self.finished[task] = time.time()
        return EngineOutput(path=job.output, duration_s=0.5, width=64, height=64, fps=12.0)


def make_clip(path: Path) -> Path:
    import numpy as np

    from motionbot.renderer.media.encode import VideoWriter

    with VideoWriter(path, 64, 64, 12.0) as w:
        for i in range(6):
            w.write(np.full((64, 64, 3), i * 40, dtype=np.uint8))
    return path


async def stop_worker(worker: Any, task: asyncio.Task[Any], client: RenderClient) -> None:
    """After a figure: let the last job's bookkeeping end, stop the worker, empty Redis."""
    while any(not t.done() for t in worker.tasks.values()):
        await asyncio.sleep(0.01)
    await worker.close()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await client.redis.flushdb()
    await client.close()


async def overhead_figures(
    settings: QueueSettings, photo_bytes: bytes, root: Path, n: int, *, label: str
) -> None:
    from motionbot.renderer.settings import RendererSettings
    from motionbot.renderer.worker import build_worker

    engine = TrivialEngine(make_clip(root / f"clip-{label[:4]}.mp4"))
    client = await RenderClient.connect(settings)
    picked: dict[str, float] = {}

    async def job_started(ctx: dict[str, Any]) -> None:  # arq's hook: the worker took the job
        picked[str(ctx["job_id"]).removeprefix("render:")] = time.time()

    worker = build_worker(
        settings,
        Queues.RENDER_CPU,
        engine=engine,
        renderer_settings=RendererSettings(cache_dir=root / "mc"),
        on_job_start=job_started,
    )
    task = asyncio.create_task(worker.async_run())
    try:
        while "motionbot" not in worker.ctx:
            await asyncio.sleep(0.01)
        photo = await client.store.put_bytes(photo_bytes, suffix=".png")
        to_pick, to_start, to_deliver, total = [], [], [], []
        for i in range(n):
            req = request(photo, i, user=f"o{i}")
            t0 = time.time()
            await client.submit(req)
            key = f"arq:job:deliver:{req.task_id}"
            while not await client.redis.exists(key):
                await asyncio.sleep(0.001)
            t_visible = time.time()
            to_pick.append(picked[req.task_id] - t0)
            to_start.append(engine.started[req.task_id] - picked[req.task_id])
            to_deliver.append(t_visible - engine.finished[req.task_id])
            total.append(t_visible - t0)
        ms = lambda xs, q: 1000 * statistics.quantiles(xs, n=20)[q]  # noqa: E731
        med = lambda xs: 1000 * statistics.median(xs)  # noqa: E731
        print(
            f"queue overhead per job (trivial engine, {label}, worker poll "
            f"{settings.worker_poll_s * 1000:.0f} ms, {n} jobs one after another):"
        )
        for name, xs in (
            ("submit -> a worker takes it", to_pick),
            ("render ends -> deliver job ", to_deliver),
            ("(job taken -> engine called", to_start),
        ):
            print(f"  {name} : median {med(xs):5.1f} ms, p95 {ms(xs, 18):5.1f} ms")
        print("   is the render's own prep: fetch the photo, build the preset motion)")
        both = med(to_pick) + med(to_deliver)
        print(f"  queue overhead (first two)  : median {both:5.1f} ms   (target < 50)")
        print(f"  submit -> deliver, total    : median {med(total):5.1f} ms")
    finally:
        await stop_worker(worker, task, client)


# --- 2b. inspect round trip ---
async def inspect_figures(settings: QueueSettings, photo_bytes: bytes, root: Path, n: int) -> None:
    from motionbot.renderer.settings import RendererSettings
    from motionbot.renderer.worker import build_worker

    client = await RenderClient.connect(settings)
    worker = build_worker(settings, Queues.INSPECT, renderer_settings=RendererSettings(cache_dir=root / "mc"))
    task = asyncio.create_task(worker.async_run())
    try:
        while not await client.redis.exists("inspect:health-check"):
            await asyncio.sleep(0.01)
        photo = await client.store.put_bytes(photo_bytes, suffix=".png")
        times = []
        for _ in range(n):
            t = time.perf_counter()
            report = await client.inspect(photo, "photo", timeout_s=30)
            times.append(time.perf_counter() - t)
        assert report.people == 1
        print(f"inspect a 512x512 photo through the queue ({n} calls, the bot caches reports by hash):")
        print(f"  first {1000 * times[0]:.0f} ms, then median {1000 * statistics.median(times[1:]):.0f} ms")
    finally:
        await stop_worker(worker, task, client)


# --- 3. render throughput with 1, 2, 4 worker processes (real warp engine) ---
async def scaling_figures(
    settings: QueueSettings, photo_bytes: bytes, root: Path, counts: list[int], jobs: int, long_side: int
) -> None:
    motionbot = Path(sys.executable).with_name("motionbot")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTIONBOT_")}
    env.update(
        {
            "MOTIONBOT_REDIS_URL": settings.redis_url,
            "MOTIONBOT_MEDIA_DIR": str(settings.media_dir),
            "MOTIONBOT_WORK_DIR": str(settings.work_dir),
            "MOTIONBOT_CACHE_DIR": str(root / "motion-cache"),
            "MOTIONBOT_OUTPUT_LONG_SIDE": str(long_side),
            "MOTIONBOT_HEALTH_CHECK_INTERVAL_S": "1",
            "OMP_NUM_THREADS": "1",
            "MOTIONBOT_METRICS_PORT": "0",
        }
    )
    print(
        f"render throughput, warp engine, {jobs} preset renders of 2 s at {long_side} px "
        f"(this machine: {os.cpu_count()} cores):"
    )
    base = None
    for n in counts:
        client = await RenderClient.connect(settings)
        await client.redis.flushdb()
        cmd = [str(motionbot), "worker", "--queue", "render:cpu", "--log-level", "WARNING"]
        procs = [
            subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(n)
        ]
        try:
            while await client.redis.zcard("motionbot:workers:render:cpu") < n:
                await asyncio.sleep(0.1)
            photo = await client.store.put_bytes(photo_bytes, suffix=".png")
            reqs = [request(photo, i, user=f"s{n}-{i}") for i in range(jobs)]
            t = time.perf_counter()
            for r in reqs:
                await client.submit(r)
            pending = {r.task_id for r in reqs}
            out_s, failed = 0.0, 0
            while pending:
                for tid in list(pending):
                    p = await client.progress(tid)
                    if p is not None and p.stage in (Stage.DONE, Stage.FAILED):
                        pending.discard(tid)
                        outcome = await client.book.outcome(tid)
                        out_s += getattr(outcome, "duration_s", 0.0)
                        failed += p.stage is Stage.FAILED
                await asyncio.sleep(0.05)
            wall = time.perf_counter() - t
            rate = jobs / wall
            base = base or rate
            print(
                f"  {n} worker(s): {wall:6.1f} s wall, {rate:5.2f} renders/s, "
                f"{out_s / wall:5.2f} s of video per s, x{rate / base:4.2f} vs 1 worker"
                + (f", {failed} FAILED" if failed else "")
            )
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
            await client.close()


def astronaut_png() -> bytes:
    from PIL import Image
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, format="PNG")
    return buf.getvalue()


async def main(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="mb-bench-"))
    redis = Redis(root)
    try:
        settings = QueueSettings(
            redis_url=redis.url,
            media_dir=root / "media",
            work_dir=root / "work",
            daily_quota=0,
            health_check_interval_s=1,
        )
        photo = astronaut_png()
        await enqueue_figures(settings, photo, args.jobs, args.concurrency)
        plain = settings.model_copy(update={"result_cache_ttl_s": 0, "thumbnails": False})
        await overhead_figures(plain, photo, root, args.overhead_jobs, label="no thumbnail")
        await overhead_figures(
            plain.model_copy(update={"thumbnails": True}),
            photo,
            root,
            args.overhead_jobs // 2,
            label="with the JPEG thumbnail, an ffmpeg call",
        )
        await inspect_figures(settings, photo, root, 10)
        if not args.skip_scaling:
            counts = [int(x) for x in args.workers.split(",")]
            await scaling_figures(settings, photo, root, counts, args.renders, args.long_side)
    finally:
        redis.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=5000, help="jobs for the enqueue figure")
    parser.add_argument("--concurrency", type=int, default=32, help="submits in flight")
    parser.add_argument("--overhead-jobs", type=int, default=100)
    parser.add_argument("--workers", default="1,2,4", help="worker process counts to compare")
    parser.add_argument("--renders", type=int, default=12, help="renders per worker count")
    parser.add_argument("--long-side", type=int, default=256, help="output size for the scaling runs")
    parser.add_argument("--skip-scaling", action="store_true")
    asyncio.run(main(parser.parse_args()))
