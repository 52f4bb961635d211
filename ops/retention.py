"""Retention: media and results older than MOTIONBOT_RETENTION_DAYS are deleted on a schedule.

Runs as an arq cron job on the ``render:cpu`` workers (``unique``, so a scaled-out fleet
sweeps once per tick). The media store is content-addressed, so age is the file's write
time (local mtime, S3 LastModified). Result-cache entries pointing at deleted outputs are
dropped too, so a cache hit never delivers a file that is gone. The cutoff of the last
sweep is kept in Redis: the bot marks history rows older than it "expired" while keeping
their metadata.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from motionbot.ops.settings import OpsSettings
from motionbot.queue import counters
from motionbot.queue.jobs import RenderResult
from motionbot.queue.pins import pinned
from motionbot.queue.settings import QueueSettings
from motionbot.queue.tasks import PREFIX

log = logging.getLogger(__name__)

LAST_SWEEP_KEY = f"{PREFIX}retention:last"
JOB_NAME = "retention"
_TMP_MAX_AGE_S = 86_400  # half-written temp files of a crashed writer


@dataclass
class SweepReport:
    area: str
    cutoff: datetime
    scanned: int = 0
    deleted: int = 0
    freed_bytes: int = 0
    deleted_keys: list[str] = field(default_factory=list)
    errors: int = 0


def sweep_dir(
    root: Path,
    cutoff: datetime,
    *,
    area: str = "media",
    keys: bool = True,
    keep: frozenset[str] = frozenset(),
) -> SweepReport:
    """Delete regular files under ``root`` last written before ``cutoff``, except the ``keep``
    keys (pinned media); prune empty folders."""
    report = SweepReport(area=area, cutoff=cutoff)
    if not root.is_dir():
        return report
    limit = cutoff.timestamp()
    tmp_limit = time.time() - _TMP_MAX_AGE_S
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        base = Path(dirpath)
        for name in filenames:
            path = base / name
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue
            report.scanned += 1
            # a temp file is either being written now or was left by a crash: give it a day
            too_old = st.st_mtime < (tmp_limit if name.startswith(".tmp-") else limit)
            if not too_old or (keep and path.relative_to(root).as_posix() in keep):
                continue
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                report.errors += 1
                log.warning("retention could not delete %s: %s", path, exc)
                continue
            report.deleted += 1
            report.freed_bytes += st.st_size
            if keys:
                report.deleted_keys.append(path.relative_to(root).as_posix())
        if base != root and not dirnames:
            with contextlib.suppress(OSError):
                base.rmdir()  # only succeeds when empty
    return report


def sweep_s3(
    client: Any, bucket: str, cutoff: datetime, *, prefix: str = "", keep: frozenset[str] = frozenset()
) -> SweepReport:
    """Delete objects in ``bucket`` last modified before ``cutoff`` except the ``keep`` keys
    (batched, 1000 per call)."""
    report = SweepReport(area="media", cutoff=cutoff)
    batch: list[dict[str, str]] = []

    def flush() -> None:
        if not batch:
            return
        resp = client.delete_objects(Bucket=bucket, Delete={"Objects": list(batch), "Quiet": True})
        failed = {e["Key"] for e in resp.get("Errors", [])}
        report.errors += len(failed)
        for obj in batch:
            if obj["Key"] not in failed:
                report.deleted_keys.append(obj["Key"])
        report.deleted += len(batch) - len(failed)
        batch.clear()

    sizes: dict[str, int] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            report.scanned += 1
            if obj["LastModified"] < cutoff and obj["Key"] not in keep:
                batch.append({"Key": obj["Key"]})
                sizes[obj["Key"]] = int(obj.get("Size", 0))
                if len(batch) >= 1000:
                    flush()
    flush()
    report.freed_bytes = sum(sizes[k] for k in report.deleted_keys)
    return report


async def drop_stale_cache(redis: Any, deleted_keys: Iterable[str]) -> int:
    """Remove result-cache entries whose output (or thumbnail) was just deleted."""
    gone = set(deleted_keys)
    if not gone:
        return 0
    dropped = 0
    async for key in redis.scan_iter(match=f"{PREFIX}cache:*", count=500):
        raw = await redis.get(key)
        if raw is None:
            continue
        try:
            result = RenderResult.model_validate_json(raw)
        except ValueError:
            continue
        refs = {result.output.key} | ({result.thumbnail.key} if result.thumbnail else set())
        if refs & gone:
            dropped += int(await redis.delete(key))
    return dropped


async def run_retention(
    queue: QueueSettings,
    ops: OpsSettings,
    *,
    redis: Any | None = None,
    extra_dirs: Iterable[Path] = (),
    now: datetime | None = None,
) -> list[SweepReport]:
    """One sweep of the media store, the workers' scratch space and ``extra_dirs`` (caches)."""
    if ops.retention_days <= 0:
        log.info("retention is off (MOTIONBOT_RETENTION_DAYS=0)")
        return []
    cutoff = (now or datetime.now(UTC)) - timedelta(days=ops.retention_days)
    reports: list[SweepReport] = []
    keep = await pinned(redis) if redis is not None else frozenset()
    if queue.media_store == "s3":
        from motionbot.queue.store_s3 import S3MediaStore

        store = S3MediaStore.from_settings(queue)
        reports.append(await asyncio.to_thread(sweep_s3, store.client, store.bucket, cutoff, keep=keep))
    else:
        reports.append(await asyncio.to_thread(sweep_dir, Path(queue.media_dir), cutoff, keep=keep))
    # scratch space is per job and removed after it; anything a day old was left by a crash
    scratch_cutoff = max(cutoff, (now or datetime.now(UTC)) - timedelta(days=1))
    reports.append(
        await asyncio.to_thread(sweep_dir, Path(queue.work_dir), scratch_cutoff, area="work", keys=False)
    )
    for d in extra_dirs:
        reports.append(await asyncio.to_thread(sweep_dir, Path(d), cutoff, area=Path(d).name, keys=False))
    for r in reports:
        counters.RETENTION_DELETED.labels(r.area).inc(r.deleted)
    media = reports[0]
    dropped = 0
    if redis is not None:
        dropped = await drop_stale_cache(redis, media.deleted_keys)
        await redis.hset(
            LAST_SWEEP_KEY,
            mapping={
                "at": repr(time.time()),
                "cutoff": cutoff.isoformat(),
                "deleted": str(sum(r.deleted for r in reports)),
                "freed_bytes": str(sum(r.freed_bytes for r in reports)),
            },
        )
    log.info(
        "retention sweep: cutoff %s, %d files removed (%d MB), %d cache entries dropped",
        cutoff.isoformat(timespec="seconds"),
        sum(r.deleted for r in reports),
        sum(r.freed_bytes for r in reports) // 1_000_000,
        dropped,
    )
    return reports


async def expired_before(redis: Any) -> datetime | None:
    """Media written before this instant is gone: history rows older than it are "expired"."""
    raw = await redis.hget(LAST_SWEEP_KEY, "cutoff")
    if raw is None:
        return None
    return datetime.fromisoformat(raw.decode() if isinstance(raw, bytes) else raw)


async def retention_job(ctx: dict[str, Any]) -> dict[str, int]:
    """The arq function. The worker may put ``retention_dirs`` (e.g. the motion cache) in ctx."""
    reports = await run_retention(
        ctx.get("queue_settings") or QueueSettings(),
        ctx.get("ops_settings") or OpsSettings(),
        redis=ctx.get("redis"),
        extra_dirs=ctx.get("retention_dirs", ()),
    )
    return {r.area: r.deleted for r in reports}


def retention_cron(ops: OpsSettings | None = None) -> Any:
    """The cron entry for a worker's ``cron_jobs``: daily at MOTIONBOT_RETENTION_HOUR, once per fleet."""
    from arq.cron import cron

    ops = ops or OpsSettings()
    return cron(
        retention_job,
        name=JOB_NAME,
        hour={ops.retention_hour},
        minute={17},
        unique=True,
        run_at_startup=False,
        timeout=3600,
    )
