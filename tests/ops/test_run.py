"""`motionbot run` end to end, workers only (no bot token): its own Redis with AOF in the data
folder, real workers, a preset render through the queue client ending in a deliver job, a
clean Ctrl-C, and a restart that picks up the job queued before it.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import pytest
import redis

from motionbot.queue.jobs import (
    DeliveryTarget,
    EngineName,
    MotionSource,
    Platform,
    RenderOptions,
    RenderRequest,
)
from motionbot.queue.serde import job_loads
from motionbot.queue.settings import QueueSettings

TOKEN = "123456789:AAHrunTestTokenThatMustNeverBeLogged"
pytestmark = pytest.mark.slow


def _start(tmp_path: Path, log: IO[str], *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTIONBOT_")}
    # a token in the environment: must never show up in any process's log
    env |= {
        "MOTIONBOT_TELEGRAM_TOKEN": TOKEN,
        "MOTIONBOT_METRICS_PORT": "0",
        "MOTIONBOT_HEALTH_CHECK_INTERVAL_S": "1",
    }
    cmd = [
        sys.executable,
        "-m",
        "motionbot.queue.cli",
        "run",
        "--data-dir",
        str(tmp_path / "data"),
        "--gpu",
        "off",
        "--no-bots",
        "--grace",
        "15",
        *extra,
    ]
    return subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)


def _wait(predicate: Any, timeout_s: float, what: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"motionbot run exited early ({proc.returncode}) waiting for {what}"
        try:
            if predicate():
                return
        except (redis.RedisError, FileNotFoundError):
            pass
        time.sleep(0.2)
    log = Path(proc.args[proc.args.index("--data-dir") + 1]).parent / "run.log"  # type: ignore[union-attr]
    raise AssertionError(f"timed out waiting for {what}; log tail:\n" + log.read_text()[-3000:])


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0


def _photo() -> bytes:
    from PIL import Image
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, format="PNG")
    return buf.getvalue()


async def _submit(url: str, media_dir: Path) -> str:
    from motionbot.queue.client import RenderClient

    client = await RenderClient.connect(QueueSettings(redis_url=url, media_dir=media_dir, daily_quota=0))
    try:
        photo = await client.store.put_bytes(_photo(), suffix=".png", filename="astronaut.png")
        req = RenderRequest(
            task_id="run-e2e-1",
            target=DeliveryTarget(platform=Platform.TELEGRAM, chat_id="1", user_id="1"),
            photo=photo,
            motion=MotionSource(kind="preset", preset="wave"),
            options=RenderOptions(engine=EngineName.WARP, max_seconds=1.0),
        )
        await client.submit(req)
        return req.task_id
    finally:
        await client.close()


def test_run_workers_persist_and_resume(tmp_path: Path) -> None:
    data = tmp_path / "data"
    log_path = tmp_path / "run.log"
    with log_path.open("w") as log:
        # 1. no CPU render worker: the render job waits in Redis
        proc = _start(tmp_path, log, "--cpu-workers", "0")
        try:
            url_file = data / "redis" / "redis.url"
            _wait(url_file.exists, 30, "the local Redis", proc)
            url = url_file.read_text().strip()
            client = redis.Redis.from_url(url)
            assert client.config_get("appendonly")["appendonly"] == "yes"
            assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
            _wait(lambda: client.exists("inspect:health-check"), 120, "the inspect worker", proc)
            task_id = asyncio.run(_submit(url, data / "media"))
            assert client.zcard("render:cpu") == 1
            client.close()
        finally:
            _stop(proc)
        # everything is down: the Redis port refuses connections
        with pytest.raises(redis.ConnectionError):
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        assert list((data / "redis").rglob("*.aof")), "no append-only file in the data folder"

        # 2. restart with a CPU worker: the queued job is still there and gets rendered
        url_file.unlink()
        proc = _start(tmp_path, log)
        try:
            _wait(url_file.exists, 30, "the local Redis", proc)
            new_url = url_file.read_text().strip()
            client = redis.Redis.from_url(new_url)
            _wait(lambda: client.exists(f"arq:job:deliver:{task_id}"), 240, "the deliver job", proc)
            payload = job_loads(client.get(f"arq:job:deliver:{task_id}"))
            outcome = payload["a"][0]["outcome"] if "a" in payload else payload["args"][0]["outcome"]
            assert outcome["status"] == "done", outcome
            assert client.zscore("deliver:telegram", f"deliver:{task_id}") is not None
            client.close()
            # the Redis asks for its password; what the service wrote is its owner's alone
            password = (data / "redis" / "redis.password").read_text().strip()
            assert f":{password}@" in new_url
            written = [p for p in data.rglob("*") if p.name != "run.log"]
            assert written and all(p.stat().st_mode & 0o077 == 0 for p in written), [
                (str(p), oct(p.stat().st_mode)) for p in written if p.stat().st_mode & 0o077
            ]
        finally:
            _stop(proc)
    out = log_path.read_text()
    assert TOKEN not in out and TOKEN.split(":")[1] not in out
    assert password not in out
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(r.get("service") == "run" and "local Redis" in r["msg"] for r in records)
