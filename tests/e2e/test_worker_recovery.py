"""Crash recovery with real processes: a worker killed mid-render, and a Redis restart.

Workers here are real ``motionbot worker`` subprocesses (the slow test engine is injected with
``--engine-factory``), and the Redis of the restart test is our own ``redis-server`` with AOF.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

QUEUE_TESTS = Path(__file__).resolve().parent.parent / "queue"

from fake_engine import FakeEngine  # noqa: E402
from queue_helpers import drain_deliveries, fast_settings, png_bytes, run_burst, wait_for  # noqa: E402

from motionbot.queue.client import RenderClient  # noqa: E402
from motionbot.queue.jobs import (  # noqa: E402
    DeliveryTarget,
    MotionSource,
    Platform,
    Queues,
    RenderRequest,
    RenderResult,
    Stage,
)
from motionbot.queue.settings import QueueSettings  # noqa: E402
from motionbot.renderer.settings import RendererSettings  # noqa: E402

MOTIONBOT = Path(sys.executable).with_name("motionbot")


def _request(photo: object, user: str, preset: str = "wave") -> RenderRequest:
    return RenderRequest(
        task_id=f"t-{user}-{preset}-{time.monotonic_ns()}",
        target=DeliveryTarget(platform=Platform.TELEGRAM, chat_id="c", user_id=user),
        photo=photo,  # type: ignore[arg-type]
        motion=MotionSource(kind="preset", preset=preset),
    )


def _worker_env(settings: QueueSettings, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTIONBOT_")}
    env.update(
        {
            "MOTIONBOT_REDIS_URL": settings.redis_url,
            "MOTIONBOT_MEDIA_DIR": str(settings.media_dir),
            "MOTIONBOT_WORK_DIR": str(settings.work_dir),
            "MOTIONBOT_CACHE_DIR": str(tmp_path / "motion-cache"),
            "MOTIONBOT_HEALTH_CHECK_INTERVAL_S": "1",
            "MOTIONBOT_WORKER_POLL_S": "0.05",
            "MOTIONBOT_HEARTBEAT_S": str(settings.heartbeat_s),
            "MOTIONBOT_PROGRESS_INTERVAL_S": "0",
            "PYTHONPATH": str(QUEUE_TESTS),
            "MOTIONBOT_METRICS_PORT": "0",
            "MOTIONBOT_LOG_FORMAT": "text",
            **extra,
        }
    )
    return env


def _start_worker(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(MOTIONBOT), "worker", "--queue", "render:cpu", "--engine-factory", "fake_engine:factory", *args],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


async def test_killed_worker_job_reruns_elsewhere_and_is_delivered_once(
    redis_url: str, arq_redis: object, tmp_path: Path
) -> None:
    settings = fast_settings(redis_url, tmp_path, heartbeat_s=0.5)
    client = await RenderClient.connect(settings)
    renders = tmp_path / "renders.log"
    env = _worker_env(
        settings, tmp_path, FAKE_ENGINE_DELAY="0.1", FAKE_ENGINE_FRAMES="30", FAKE_ENGINE_LOG=str(renders)
    )
    log = tmp_path / "workers.log"
    a = b = None
    try:
        photo = await client.store.put_bytes(png_bytes(), suffix=".png")
        req = _request(photo, "k")
        a = _start_worker(env, log)
        await client.submit(req)

        async def mid_render() -> bool:
            p = await client.progress(req.task_id)
            return p is not None and p.stage is Stage.RENDER and p.percent > 30

        await wait_for(mid_render, timeout=90, interval=0.05)  # worker start imports mediapipe
        a.send_signal(signal.SIGKILL)
        a.wait()
        killed_at = time.monotonic()

        b = _start_worker(env, log)
        await wait_for(lambda: client.book.outcome(req.task_id), timeout=90, interval=0.1)
        recovered_s = time.monotonic() - killed_at
        assert _stop(b) == 0, log.read_text()[-3000:]
        lines = renders.read_text().split("\n")
        pids = {line.split()[1] for line in lines if line}
        assert len([x for x in lines if x]) == 2 and len(pids) == 2  # ran on A, then again on B
        deliveries = await drain_deliveries(settings)
        assert [d.task_id for d in deliveries] == [req.task_id]  # exactly once
        assert isinstance(deliveries[0].outcome, RenderResult)
        assert await client.store.exists(deliveries[0].outcome.output)
        print(f"re-run finished {recovered_s:.1f}s after the kill")
    finally:
        for proc in (a, b):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        await client.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AofRedis:
    """Our own redis-server with an append-only file, so a restart keeps what was written."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[AofRedis]:
    data = tmp_path / "redis-data"
    data.mkdir()
    server = AofRedis(data)
    server.start()
    try:
        yield server
    finally:
        server.stop(signal.SIGKILL)


async def test_redis_restart_loses_no_queued_job(aof_redis: AofRedis, tmp_path: Path) -> None:
    settings = fast_settings(aof_redis.url, tmp_path)
    client = await RenderClient.connect(settings)
    photo = await client.store.put_bytes(png_bytes(), suffix=".png")
    submitted = []
    for i in range(20):
        req = _request(photo, f"user{i}", preset=("wave", "clap", "sway", "arms_up")[i % 4])
        await client.submit(req)
        submitted.append(req.task_id)
    await client.close()

    aof_redis.stop(signal.SIGTERM)  # a clean restart: redis fsyncs the AOF on shutdown
    aof_redis.start()

    client = await RenderClient.connect(settings)
    try:
        assert await client.redis.zcard(Queues.RENDER_CPU) == 20
        await run_burst(settings, FakeEngine(), RendererSettings(cache_dir=tmp_path / "mc"))
        deliveries = await drain_deliveries(settings)
        assert sorted(d.task_id for d in deliveries) == sorted(submitted)
        assert all(isinstance(d.outcome, RenderResult) for d in deliveries)
    finally:
        await client.close()


async def test_worker_rides_through_redis_restart(aof_redis: AofRedis, tmp_path: Path) -> None:
    """A running `motionbot worker` loses Redis mid-stream, reconnects, and every job is delivered once."""
    settings = fast_settings(aof_redis.url, tmp_path, heartbeat_s=0.5)
    client = await RenderClient.connect(settings)
    log = tmp_path / "worker.log"
    env = _worker_env(settings, tmp_path, FAKE_ENGINE_DELAY="0.05", FAKE_ENGINE_FRAMES="12")
    worker = None
    try:
        photo = await client.store.put_bytes(png_bytes(), suffix=".png")
        submitted = []
        for i in range(8):
            req = _request(photo, f"r{i}", preset=("wave", "clap", "sway", "arms_up")[i % 4])
            await client.submit(req)
            submitted.append(req.task_id)
        worker = _start_worker(env, log)
        try:
            await wait_for(lambda: client.book.outcome(submitted[0]), timeout=90, interval=0.05)
        except TimeoutError:
            pytest.fail(f"no job done in 90 s; worker log:\n{log.read_text()[-3000:]}")
        done_before = sum([await client.book.outcome(t) is not None for t in submitted])
        await client.close()
        aof_redis.stop(signal.SIGTERM)
        await asyncio.sleep(0.5)
        aof_redis.start()
        client = await RenderClient.connect(settings)

        async def all_done() -> bool:
            return all([await client.book.outcome(t) is not None for t in submitted])

        await wait_for(all_done, timeout=60, interval=0.2)
        assert _stop(worker) == 0, log.read_text()[-3000:]
        deliveries = await drain_deliveries(settings)
        assert sorted(d.task_id for d in deliveries) == sorted(submitted), log.read_text()[-3000:]
        assert done_before < len(submitted)  # the restart really happened mid-stream
        assert "reconnecting" in log.read_text()
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        await client.close()
