"""Retention: old media, scratch files and cache entries go; recent ones and metadata stay."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from motionbot.ops import retention
from motionbot.ops.settings import OpsSettings
from motionbot.queue import pins
from motionbot.queue.jobs import EngineName, MediaRef, RenderResult
from motionbot.queue.settings import QueueSettings

DAY = 86_400


def _file(root: Path, rel: str, age_days: float, size: int = 10) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    t = time.time() - age_days * DAY
    os.utime(path, (t, t))
    return path


def test_sweep_dir_deletes_only_old_files_and_prunes_empty_folders(tmp_path: Path) -> None:
    old = _file(tmp_path, "ab/" + "a" * 64 + ".mp4", age_days=20, size=100)
    new = _file(tmp_path, "cd/" + "c" * 64 + ".jpg", age_days=1)
    tmp_recent = _file(tmp_path, "cd/.tmp-abc", age_days=0.1)  # being written right now
    tmp_stale = _file(tmp_path, "cd/.tmp-old", age_days=2)
    cutoff = datetime.now(UTC) - timedelta(days=14)
    report = retention.sweep_dir(tmp_path, cutoff)
    assert not old.exists() and not (tmp_path / "ab").exists()
    assert new.exists() and tmp_recent.exists() and not tmp_stale.exists()
    assert report.deleted == 2 and report.freed_bytes == 110 and report.scanned == 4
    assert "ab/" + "a" * 64 + ".mp4" in report.deleted_keys
    assert retention.sweep_dir(tmp_path / "missing", cutoff).scanned == 0


async def test_run_retention_drops_stale_cache_and_records_the_cutoff(tmp_path: Path, arq_redis: Any) -> None:
    media, work, cache = tmp_path / "media", tmp_path / "work", tmp_path / "cache"
    gone_key = "ab/" + "a" * 64 + ".mp4"
    kept_key = "cd/" + "c" * 64 + ".mp4"
    _file(media, gone_key, age_days=30)
    _file(media, kept_key, age_days=1)
    _file(work, "task-1/frame.png", age_days=3)  # left by a crashed job
    _file(work, "task-2/frame.png", age_days=0)  # a job running now
    _file(cache, "motion/old.json", age_days=30)

    def result(key: str) -> str:
        return RenderResult(
            task_id="t",
            output=MediaRef(key=key, size=1),
            duration_s=1,
            width=8,
            height=8,
            fps=25,
            engine=EngineName.WARP,
            engine_version="1",
        ).model_dump_json()

    await arq_redis.set("motionbot:cache:stale", result(gone_key))
    await arq_redis.set("motionbot:cache:fresh", result(kept_key))
    queue = QueueSettings(media_dir=media, work_dir=work)
    reports = await retention.run_retention(
        queue, OpsSettings(retention_days=14), redis=arq_redis, extra_dirs=[cache]
    )
    assert {r.area: r.deleted for r in reports} == {"media": 1, "work": 1, "cache": 1}
    assert not (media / gone_key).exists() and (media / kept_key).exists()
    assert (work / "task-2/frame.png").exists()
    assert await arq_redis.get("motionbot:cache:stale") is None
    assert await arq_redis.get("motionbot:cache:fresh") is not None
    cutoff = await retention.expired_before(arq_redis)
    assert cutoff is not None and abs((datetime.now(UTC) - cutoff) - timedelta(days=14)) < timedelta(
        minutes=1
    )


async def test_pinned_media_outlives_retention(tmp_path: Path, arq_redis: Any) -> None:
    """A reference video saved as a reusable move is pinned by the bot: the sweep keeps it."""
    media = tmp_path / "media"
    saved = MediaRef(key="ab/" + "a" * 64 + ".mp4", size=10)
    other = "cd/" + "c" * 64 + ".mp4"
    _file(media, saved.key, age_days=400)
    _file(media, other, age_days=400)
    await pins.pin(arq_redis, saved)
    queue = QueueSettings(media_dir=media, work_dir=tmp_path / "work")
    reports = await retention.run_retention(queue, OpsSettings(retention_days=14), redis=arq_redis)
    assert reports[0].deleted_keys == [other] and (media / saved.key).exists()
    await pins.unpin(arq_redis, saved)
    assert await pins.pinned(arq_redis) == frozenset()
    await retention.run_retention(queue, OpsSettings(retention_days=14), redis=arq_redis)
    assert not (media / saved.key).exists()


async def test_retention_zero_keeps_everything(tmp_path: Path) -> None:
    _file(tmp_path / "media", "ab/" + "a" * 64 + ".mp4", age_days=999)
    reports = await retention.run_retention(
        QueueSettings(media_dir=tmp_path / "media"), OpsSettings(retention_days=0)
    )
    assert reports == [] and any((tmp_path / "media").rglob("*.mp4"))


def test_sweep_s3() -> None:
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="motionbot")
        for i in range(3):
            client.put_object(Bucket="motionbot", Key=f"ab/{i}.mp4", Body=b"12345")
        none = retention.sweep_s3(client, "motionbot", datetime.now(UTC) - timedelta(days=1))
        assert none.deleted == 0 and none.scanned == 3
        later = datetime.now(UTC) + timedelta(minutes=1)
        pinned = retention.sweep_s3(client, "motionbot", later, keep=frozenset({"ab/1.mp4"}))
        assert pinned.deleted == 2 and pinned.deleted_keys == ["ab/0.mp4", "ab/2.mp4"]
        every = retention.sweep_s3(client, "motionbot", later)
        assert every.deleted == 1 and every.freed_bytes == 5
        assert client.list_objects_v2(Bucket="motionbot").get("KeyCount") == 0


def test_cron_entry_is_unique_and_daily() -> None:
    job = retention.retention_cron(OpsSettings(retention_hour=4))
    assert job.name == "retention" and job.unique and job.hour == {4}
    assert job.coroutine is retention.retention_job
