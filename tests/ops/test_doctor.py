"""`motionbot doctor` against a real Redis: reachability, persistence settings, exit codes, and
tokens reported without ever being printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from motionbot.ops import doctor
from motionbot.ops.checks import CheckResult, Status

TOKEN = "123456789:AAHdoctorTestTokenThatMustNotBePrinted"


def _by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def test_redis_checks_read_persistence_settings(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    aof = client.config_get("appendonly")["appendonly"]
    policy = client.config_get("maxmemory-policy")["maxmemory-policy"]
    try:
        client.config_set("appendonly", "yes")
        client.config_set("maxmemory-policy", "noeviction")
        got = _by_name(doctor.check_redis(redis_url))
        assert got["redis"].status is Status.OK
        assert got["redis persistence"].status is Status.OK and got["redis eviction"].status is Status.OK
        client.config_set("appendonly", "no")
        client.config_set("maxmemory-policy", "allkeys-lru")
        got = _by_name(doctor.check_redis(redis_url))
        assert got["redis persistence"].status is Status.WARN and not got["redis persistence"].failed
        assert got["redis eviction"].failed and "allkeys-lru" in got["redis eviction"].detail
    finally:
        client.config_set("appendonly", aof)
        client.config_set("maxmemory-policy", policy)
        client.close()


def test_unreachable_redis_fails_without_showing_the_password() -> None:
    (result,) = doctor.check_redis("redis://:hunter2-secret-pw@127.0.0.1:1/0", timeout_s=0.3)
    assert result.failed and "hunter2-secret-pw" not in result.detail and result.fix


def test_media_store_must_be_writable(tmp_path: Path) -> None:
    from motionbot.queue.settings import QueueSettings

    ok = _by_name(doctor.check_media_store(QueueSettings(media_dir=tmp_path / "media")))
    assert ok["media store"].status is Status.OK and ok["disk space"].status in (Status.OK, Status.WARN)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    (bad,) = doctor.check_media_store(QueueSettings(media_dir=blocked / "media"))
    assert bad.failed


def test_invalid_settings_are_named(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MOTIONBOT_DAILY_QUOTA", "lots")
    results, queue = doctor.check_settings()
    assert queue is None and results[0].failed and "MOTIONBOT_DAILY_QUOTA" in results[0].detail


def test_report_format() -> None:
    text = doctor.format_report(
        [
            CheckResult("redis", Status.OK, "reachable"),
            CheckResult("gpu", Status.SKIP, "no CUDA", required=False),
            CheckResult("ffmpeg", Status.FAIL, "missing", fix="pip install imageio-ffmpeg"),
        ]
    )
    assert "[ok  ] redis" in text and "[FAIL] ffmpeg" in text and "-> pip install imageio-ffmpeg" in text
    assert text.endswith("1 required check(s) failed.")


def test_doctor_command_end_to_end(redis_url: str, tmp_path: Path) -> None:
    """The real command in a child process, with every installed check provider."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTIONBOT_")}
    env |= {
        "MOTIONBOT_REDIS_URL": redis_url,
        "MOTIONBOT_MEDIA_DIR": str(tmp_path / "media"),
        "MOTIONBOT_HISTORY_DB": str(tmp_path / "history.sqlite3"),
        "MOTIONBOT_TELEGRAM_TOKEN": TOKEN,
    }
    cmd = [sys.executable, "-m", "motionbot.queue.cli", "doctor"]
    proc = subprocess.run(
        [*cmd, "--json"], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert TOKEN not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["redis"]["status"] == "ok"
    assert checks["telegram token"]["detail"] == "set"
    assert checks["discord token"]["status"] == "skip"
    if "ffmpeg" in checks:  # the renderer is installed in the dev environment
        assert checks["ffmpeg"]["status"] == "ok" and checks["mediapipe models"]["status"] == "ok"
        assert checks["gpu"]["status"] in ("ok", "skip")
    failed = [c["name"] for c in report["checks"] if c["status"] == "fail" and c["required"]]
    assert report["ok"] == (not failed) and proc.returncode == (0 if not failed else 4), failed
    quick = [*cmd, "--skip", "renderer"]
    text = subprocess.run(quick, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert "telegram token" in text.stdout and TOKEN not in text.stdout
    assert re.search(r"\[skip\] renderer checks +skipped \(--skip\)", text.stdout)
    down = subprocess.run(
        [*quick, "--json"],
        env=env | {"MOTIONBOT_REDIS_URL": "redis://127.0.0.1:1/0"},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert down.returncode == 4 and json.loads(down.stdout)["ok"] is False
