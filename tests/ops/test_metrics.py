"""The /metrics and /healthz endpoint, the job metrics and the queue-depth collector."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import redis
from prometheus_client import CollectorRegistry

from motionbot.ops import metrics
from motionbot.ops.metrics import Heartbeat, MetricsServer, QueueDepthCollector, track_job
from motionbot.queue import counters
from motionbot.queue.errors import FailureReason, QueueError


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _sample(name: str, **labels: str) -> float:
    value = counters.REGISTRY.get_sample_value(name, labels)
    return 0.0 if value is None else value


def test_endpoint_serves_metrics_and_liveness() -> None:
    server = MetricsServer("worker-test", host="127.0.0.1", port=0).start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        status, body = _get(base + "/metrics")
        assert status == 200
        for name in (
            "motionbot_jobs_running",
            "motionbot_render_duration_seconds",
            "motionbot_failures_total",
            "motionbot_deliveries_total",
            "motionbot_cache_hits_total",
        ):
            assert name in body
        status, body = _get(base + "/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert _get(base + "/nope")[0] == 404
    finally:
        server.close()


def test_a_stuck_event_loop_fails_liveness() -> None:
    beat = Heartbeat(stale_after_s=0.2)
    server = MetricsServer("bot-test", host="127.0.0.1", port=0, heartbeat=beat).start()
    try:
        url = f"http://127.0.0.1:{server.port}/healthz"
        assert _get(url)[0] == 200
        beat.last -= 1.0  # no beat for a second
        status, body = _get(url)
        assert status == 503 and json.loads(body)["status"] == "unhealthy"
        beat.beat()
        assert _get(url)[0] == 200
    finally:
        server.close()


async def test_heartbeat_task_keeps_beating() -> None:
    beat = Heartbeat(stale_after_s=0.5)
    beat.last -= 10
    task = asyncio.create_task(beat.run(interval_s=0.01))
    await asyncio.sleep(0.05)
    assert beat.alive
    task.cancel()


def test_extra_health_check_is_reported() -> None:
    server = MetricsServer("w", host="127.0.0.1", port=0, health=lambda: (False, {"redis": "down"})).start()
    try:
        status, body = _get(f"http://127.0.0.1:{server.port}/healthz")
        assert status == 503 and json.loads(body)["redis"] == "down"
    finally:
        server.close()


def test_track_job_counts_outcomes_durations_and_failure_reasons() -> None:
    before_done = _sample("motionbot_jobs_total", queue="render:cpu", outcome="done")
    before_count = _sample("motionbot_render_duration_seconds_count", engine="warp")
    before_fail = _sample("motionbot_failures_total", queue="render:cpu", reason="no_person_in_photo")
    with track_job("render:cpu", engine="warp"):
        assert _sample("motionbot_jobs_running", queue="render:cpu") >= 1
    with pytest.raises(QueueError), track_job("render:cpu", engine="warp"):
        raise QueueError(FailureReason.NO_PERSON_IN_PHOTO)
    with track_job("render:cpu", engine="warp") as job:  # a failure reported as a result, not raised
        job.update(outcome="failed", reason="video_too_long")
    assert _sample("motionbot_jobs_total", queue="render:cpu", outcome="done") == before_done + 1
    assert _sample("motionbot_render_duration_seconds_count", engine="warp") == before_count + 1
    assert (
        _sample("motionbot_failures_total", queue="render:cpu", reason="no_person_in_photo")
        == before_fail + 1
    )
    assert _sample("motionbot_failures_total", queue="render:cpu", reason="video_too_long") >= 1
    assert _sample("motionbot_jobs_running", queue="render:cpu") == 0


def test_queue_depth_is_read_from_redis(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.zadd("render:cpu", {"render:a": 1, "render:b": 2})
    client.zadd("inspect", {"inspect:x": 1})
    registry = CollectorRegistry()
    collector = QueueDepthCollector(redis_url)
    registry.register(collector)
    try:
        assert registry.get_sample_value("motionbot_queue_depth", {"queue": "render:cpu"}) == 2
        assert registry.get_sample_value("motionbot_queue_depth", {"queue": "inspect"}) == 1
        assert registry.get_sample_value("motionbot_queue_depth", {"queue": "render:gpu"}) == 0
    finally:
        collector.close()
        client.flushall()
        client.close()


def test_queue_depth_disappears_when_redis_is_down() -> None:
    registry = CollectorRegistry()
    collector = QueueDepthCollector("redis://127.0.0.1:1/0", timeout_s=0.2)
    registry.register(collector)
    assert registry.get_sample_value("motionbot_queue_depth", {"queue": "render:cpu"}) is None
    collector.close()


def test_serve_with_port_zero_is_off_and_a_busy_port_is_not_fatal() -> None:
    assert metrics.serve("x", 0) is None
    first = MetricsServer("a", host="127.0.0.1", port=0).start()
    try:
        assert metrics.serve("b", first.port, host="127.0.0.1") is None
    finally:
        first.close()


def test_container_healthcheck_module() -> None:
    server = MetricsServer("w", host="127.0.0.1", port=0).start()
    env = {**os.environ, "MOTIONBOT_METRICS_PORT": str(server.port)}
    cmd = [sys.executable, "-m", "motionbot.ops.healthcheck"]
    try:
        assert subprocess.run(cmd, env=env, capture_output=True).returncode == 0
    finally:
        server.close()
    assert subprocess.run(cmd, env=env, capture_output=True).returncode == 1  # nothing listens now
    off = {**env, "MOTIONBOT_METRICS_PORT": "0"}
    assert subprocess.run(cmd, env=off, capture_output=True).returncode == 0
