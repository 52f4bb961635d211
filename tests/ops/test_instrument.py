"""What entry points call to be observable: logs + endpoint, heartbeat, outcome counting."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import urllib.error
import urllib.request
from typing import Any

from motionbot.ops import admin, instrument
from motionbot.ops.settings import OpsSettings
from motionbot.queue import counters
from motionbot.queue.jobs import EngineName, MediaRef, RenderFailure, RenderResult


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


async def test_setup_process_serves_health_that_follows_the_event_loop() -> None:
    port = _free_port()
    level = logging.getLogger().level
    server = instrument.setup_process(
        "worker-test", ops=OpsSettings(metrics_port=port, metrics_host="127.0.0.1", liveness_stale_s=0.3)
    )
    assert server is not None
    try:
        assert await asyncio.to_thread(_health, port) == 200  # not armed yet: alive
        task = instrument.start_heartbeat(interval_s=0.05)
        await asyncio.sleep(0.1)
        assert await asyncio.to_thread(_health, port) == 200
        task.cancel()
        await asyncio.sleep(0.5)  # the loop is fine but nothing beats any more: reported dead
        assert await asyncio.to_thread(_health, port) == 503
    finally:
        server.close()
        instrument.HEARTBEAT.armed = False
        for h in [h for h in logging.getLogger().handlers if h.get_name() == "motionbot"]:
            logging.getLogger().removeHandler(h)
        logging.getLogger().setLevel(level)
        logging.captureWarnings(False)


async def test_job_hooks_track_running_jobs() -> None:
    hooks = instrument.job_hooks("inspect")
    before = counters.REGISTRY.get_sample_value("motionbot_jobs_running", {"queue": "inspect"}) or 0.0
    await hooks["on_job_start"]({})
    assert counters.REGISTRY.get_sample_value("motionbot_jobs_running", {"queue": "inspect"}) == before + 1
    await hooks["after_job_end"]({})
    assert counters.REGISTRY.get_sample_value("motionbot_jobs_running", {"queue": "inspect"}) == before


async def test_record_outcome_counts_once_per_task(arq_redis: Any) -> None:
    def value(name: str, **labels: str) -> float:
        return counters.REGISTRY.get_sample_value(name, labels) or 0.0

    done = RenderResult(
        task_id="t1",
        output=MediaRef(key="ab/" + "a" * 64 + ".mp4", size=1),
        duration_s=2,
        width=8,
        height=8,
        fps=25,
        engine=EngineName.WARP,
        engine_version="warp-1",
    )
    cached = done.model_copy(update={"task_id": "t2", "cached": True})
    failed = RenderFailure(
        task_id="t3", reason="no_person_in_photo", message="...", engine=EngineName.DIFFUSION
    )
    hist = value("motionbot_render_duration_seconds_count", engine="warp")
    hits = value("motionbot_cache_hits_total", cache="result")
    fails = value("motionbot_failures_total", queue="render:gpu", reason="no_person_in_photo")
    await instrument.record_outcome(arq_redis, done, queue="render:cpu", wall_s=3.5)
    await instrument.record_outcome(arq_redis, cached, queue="render:cpu", wall_s=0.1)
    await instrument.record_outcome(arq_redis, failed, queue="render:gpu", wall_s=1.0)
    assert value("motionbot_render_duration_seconds_count", engine="warp") == hist + 1  # cached: no render
    assert value("motionbot_cache_hits_total", cache="result") == hits + 1
    assert value("motionbot_failures_total", queue="render:gpu", reason="no_person_in_photo") == fails + 1
    status = await admin.status(arq_redis)
    assert status.today == {"done": 2, "done:warp": 2, "failed": 1, "failed:diffusion": 1}
    assert json.dumps(status.as_dict(), default=str)


async def test_job_logs_carry_the_task_id(arq_redis: Any, tmp_path: Any) -> None:
    """A real arq worker with the hooks: what the job logs is tagged with its task id."""
    import io

    import arq
    from arq.connections import RedisSettings

    from motionbot.ops.logs import setup_logging

    assert (
        instrument.task_id_of("render:tg-1-2") == "tg-1-2"
        and instrument.task_id_of("inspect:x") == "inspect:x"
    )

    async def job(ctx: dict[str, Any]) -> None:
        logging.getLogger("motionbot.test.job").info("working")

    stream = io.StringIO()
    level = logging.getLogger().level
    handler = setup_logging("worker", stream=stream, secrets=[])
    url = arq_redis.connection_pool.connection_kwargs
    worker = arq.Worker(
        [arq.worker.func(job, name="job")],
        queue_name="render:cpu",
        burst=True,
        poll_delay=0.01,
        handle_signals=False,
        redis_settings=RedisSettings(host=url["host"], port=url["port"]),
        **instrument.job_hooks("render:cpu"),
    )
    try:
        await arq_redis.enqueue_job("job", _job_id="render:tg-7-9", _queue_name="render:cpu")
        await worker.async_run()
    finally:
        await worker.close()
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(level)
        logging.captureWarnings(False)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (mine,) = [r for r in lines if r["msg"] == "working"]
    assert mine["task_id"] == "tg-7-9" and mine["service"] == "worker"


async def test_deliveries_are_counted(arq_redis: Any, redis_url: str, tmp_path: Any) -> None:
    from motionbot.queue.delivery import delivery_worker, enqueue_deliver
    from motionbot.queue.jobs import DeliverJob, DeliveryTarget, Platform
    from motionbot.queue.settings import QueueSettings

    def count(outcome: str) -> float:
        return (
            counters.REGISTRY.get_sample_value(
                "motionbot_deliveries_total", {"platform": "discord", "outcome": outcome}
            )
            or 0.0
        )

    settings = QueueSettings(redis_url=redis_url, media_dir=tmp_path, worker_poll_s=0.01)
    failure = RenderFailure(task_id="d1", reason="no_person_in_photo", message="...")
    job = DeliverJob(
        task_id="d1",
        target=DeliveryTarget(platform=Platform.DISCORD, chat_id="1", user_id="2"),
        outcome=failure,
    )
    seen: list[str] = []

    async def handler(got: DeliverJob) -> None:
        seen.append(got.task_id)

    from arq.connections import RedisSettings, create_pool

    from motionbot.queue.serde import ARQ_SERDE

    before = count("delivered")
    pool = await create_pool(RedisSettings.from_dsn(redis_url), **ARQ_SERDE)  # jobs travel as JSON
    try:
        assert await enqueue_deliver(pool, job)
    finally:
        await pool.aclose()
    worker = delivery_worker(settings, handler, platform=Platform.DISCORD, burst=True, poll_delay=0.01)
    try:
        await worker.async_run()
    finally:
        await worker.close()
    assert seen == ["d1"] and count("delivered") == before + 1
