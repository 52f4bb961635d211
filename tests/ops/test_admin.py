"""Admin controls on real Redis: the pause flag and the service status snapshot."""

from __future__ import annotations

from typing import Any

from motionbot.ops import admin
from motionbot.ops.settings import OpsSettings
from motionbot.queue import pause as pause_flag
from motionbot.queue.errors import FailureReason


async def test_pause_says_why_in_a_clear_message(arq_redis: Any) -> None:
    """(The queue client refusing a submit while paused: tests/queue/test_limits_routing.py.)"""
    assert await pause_flag.paused(arq_redis) is None
    state = await pause_flag.pause(arq_redis, by="telegram:1", reason="upgrading the GPU driver")
    assert state.message.startswith(FailureReason.PAUSED.default_message)
    assert "paused" in state.message and "upgrading the GPU driver" in state.message
    assert (await pause_flag.paused(arq_redis)) == state
    assert await pause_flag.resume(arq_redis) is True
    assert await pause_flag.resume(arq_redis) is False
    assert await pause_flag.paused(arq_redis) is None


async def test_a_hand_set_flag_also_pauses(arq_redis: Any) -> None:
    await arq_redis.set(pause_flag.PAUSE_KEY, "1")  # redis-cli SET motionbot:paused 1
    state = await pause_flag.paused(arq_redis)
    assert state is not None and state.by == "redis"


async def test_status_snapshot(arq_redis: Any) -> None:
    await arq_redis.zadd("render:cpu", {"render:a": 1, "render:b": 2, "render:c": 3})
    await arq_redis.set(
        "render:cpu:health-check", "Nov-24 01:00:00 j_complete=3 j_failed=0 queued=3", px=5000
    )
    await arq_redis.set("arq:in-progress:render:z", b"1")
    await admin.record_render(arq_redis, outcome="done", engine="warp")
    await admin.record_render(arq_redis, outcome="done", engine="warp")
    await admin.record_render(arq_redis, outcome="failed", engine="diffusion")
    await pause_flag.pause(arq_redis, by="discord:5")
    status = await admin.status(arq_redis, health_check_interval_s=1)
    by_name = {q.name: q for q in status.queues}
    assert by_name["render:cpu"].waiting == 3 and by_name["render:cpu"].workers == 1
    assert by_name["render:gpu"].workers == 0 and by_name["inspect"].waiting == 0
    assert status.running == 1
    assert status.renders_today == 3 and status.today["done:warp"] == 2
    assert status.paused is not None
    text = status.format()
    assert "render:cpu: 3 waiting, 1 worker" in text and "render:gpu: 0 waiting, no worker" in text
    assert "2 done, 1 failed" in text and "Paused: New renders are paused" in text
    assert status.as_dict()["renders_today"] == 3


def test_admin_ids() -> None:
    ops = OpsSettings(admin_ids="111, telegram:222,discord:333")
    assert ops.is_admin("telegram", 111) and ops.is_admin("discord", "111")
    assert ops.is_admin("telegram", "222") and not ops.is_admin("discord", "222")
    assert ops.is_admin("discord", 333) and not ops.is_admin("telegram", 333)
    assert not ops.is_admin("telegram", 1) and not OpsSettings().is_admin("telegram", 111)


def test_admin_command(redis_url: str) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "MOTIONBOT_REDIS_URL": redis_url}

    def admin_cmd(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "motionbot.queue.cli", "admin", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert "Paused: no" in admin_cmd("status").stdout
    paused = admin_cmd("pause", "disk", "swap", "--by", "ops")
    assert paused.returncode == 0 and "disk swap" in paused.stdout
    assert '"by": "ops"' in admin_cmd("status", "--json").stdout
    assert "Resumed" in admin_cmd("resume").stdout
    assert "Was not paused" in admin_cmd("resume").stdout
    down = subprocess.run(
        [sys.executable, "-m", "motionbot.queue.cli", "admin", "status"],
        capture_output=True,
        text=True,
        env={**env, "MOTIONBOT_REDIS_URL": "redis://127.0.0.1:1/0"},
        timeout=60,
    )
    assert down.returncode == 4 and "Cannot reach Redis" in down.stderr
