"""`motionbot doctor`: is this host (or container) ready to run motionbot?

The checks here cover what every process shares (settings, Redis and its persistence, the
media store and its free space, live workers); the renderer and the bot add their own
through the ``motionbot.checks`` entry points, so each image reports what it can run.
Exit code 0 when every required check passes, 4 (unavailable) otherwise. Secrets are never
printed: a token is "set" or "missing".
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pydantic import ValidationError

from motionbot.ops.checks import CheckResult, Status, installed_providers
from motionbot.ops.logs import Redactor, secrets_from_env
from motionbot.ops.settings import OpsSettings
from motionbot.queue.cli import EXIT_OK, EXIT_UNAVAILABLE
from motionbot.queue.settings import QueueSettings

DISK_WARN_BYTES = 5 * 1024**3
DISK_FAIL_BYTES = 500 * 1024**2


def check_settings() -> tuple[list[CheckResult], QueueSettings | None]:
    try:
        queue = QueueSettings()
        OpsSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"MOTIONBOT_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        return [
            CheckResult("settings", Status.FAIL, problems, fix="correct these in .env (see .env.example)")
        ], None
    return [CheckResult("settings", Status.OK, "MOTIONBOT_* settings are valid")], queue


def check_redis(url: str, *, timeout_s: float = 3.0) -> list[CheckResult]:
    import redis

    shown = Redactor(secrets_from_env())(url)
    client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    try:
        try:
            client.ping()
            info: dict[str, Any] = client.info("server")  # type: ignore[assignment]
            version = str(info.get("redis_version", "?"))
        except redis.RedisError as exc:
            return [
                CheckResult(
                    "redis",
                    Status.FAIL,
                    f"cannot reach {shown}: {type(exc).__name__}: {Redactor(secrets_from_env())(str(exc))}",
                    fix="start Redis or set MOTIONBOT_REDIS_URL (with the password) to a reachable server",
                )
            ]
        results = [CheckResult("redis", Status.OK, f"reachable at {shown} (Redis {version})"), _redis_auth(url)]
        try:
            aof = str(_config_get(client, "appendonly"))
            policy = str(_config_get(client, "maxmemory-policy"))
        except redis.RedisError as exc:
            results.append(
                CheckResult(
                    "redis persistence",
                    Status.WARN,
                    f"cannot read CONFIG ({exc}); check by hand",
                    required=False,
                )
            )
            return results
        if aof == "yes":
            results.append(
                CheckResult("redis persistence", Status.OK, "appendonly yes (queued jobs survive a restart)")
            )
        else:
            results.append(
                CheckResult(
                    "redis persistence",
                    Status.WARN,
                    f"appendonly {aof}: queued jobs and conversations are lost when Redis restarts",
                    required=False,
                    fix="run redis-server with --appendonly yes --appendfsync everysec",
                )
            )
        if policy == "noeviction":
            results.append(CheckResult("redis eviction", Status.OK, "maxmemory-policy noeviction"))
        else:
            results.append(
                CheckResult(
                    "redis eviction",
                    Status.FAIL,
                    f"maxmemory-policy {policy}: Redis may silently evict queued jobs under memory pressure",
                    fix="set maxmemory-policy noeviction",
                )
            )
        return results
    finally:
        client.close()


def _redis_auth(url: str) -> CheckResult:
    """Whoever can connect to Redis can read every user's conversation and file references,
    queue renders and wipe the queue: it must ask for a password, or sit on a unix socket in
    a folder only the service's account can enter. Called once the URL's credentials worked."""
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        folder = Path(parsed.path).parent
        try:
            mode = folder.stat().st_mode & 0o777
        except OSError:
            mode = 0o777
        if parsed.password or not mode & 0o077:
            return CheckResult("redis auth", Status.OK, f"unix socket in {folder} (mode {mode:o})")
        detail = f"unix socket in {folder} (mode {mode:o}) and no password: other accounts can connect"
    elif parsed.password:
        return CheckResult("redis auth", Status.OK, "password required")
    else:
        detail = "no password: any account on this host (or the network) can read the users' state, queue renders or wipe the queue"
    return CheckResult(
        "redis auth",
        Status.WARN,
        detail,
        required=False,
        fix="set requirepass and put it in MOTIONBOT_REDIS_URL (redis://:PASSWORD@host:port/0), or use a "
        "unix socket in a 0700 folder; `motionbot run` gives its own Redis a password",
    )


def _config_get(client: Any, name: str) -> str:
    raw = client.config_get(name)
    value = raw.get(name, raw.get(name.encode(), b"?"))
    return value.decode() if isinstance(value, bytes) else str(value)


def check_workers(url: str, health_check_interval_s: int, *, timeout_s: float = 3.0) -> list[CheckResult]:
    """Which queues have a live worker (arq health keys); informative, never required."""
    import redis

    from motionbot.queue.jobs import DELIVER_QUEUES, Queues
    from motionbot.queue.progress import health_key

    client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    try:
        queues = [Queues.RENDER_CPU, Queues.RENDER_GPU, Queues.INSPECT, *DELIVER_QUEUES]
        alive = {q: bool(client.exists(health_key(q))) for q in queues}
    except redis.RedisError:
        return []
    finally:
        client.close()
    up = [q for q, ok in alive.items() if ok]
    down = [q for q, ok in alive.items() if not ok]
    detail = f"live: {', '.join(up) or 'none'}" + (f"; no worker: {', '.join(down)}" if down else "")
    return [CheckResult("workers", Status.OK if up else Status.WARN, detail, required=False)]


def check_media_store(settings: QueueSettings) -> list[CheckResult]:
    if settings.media_store == "s3":
        return [_check_s3(settings)]
    root = Path(settings.media_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".tmp-doctor-"):
            pass
    except OSError as exc:
        return [
            CheckResult(
                "media store",
                Status.FAIL,
                f"{root} is not writable: {exc.strerror or exc}",
                fix="create the folder and give this user write access (compose: the media volume)",
            )
        ]
    results = [CheckResult("media store", Status.OK, f"local folder {root.resolve()} is writable")]
    free = shutil.disk_usage(root).free
    gb = free / 1024**3
    if free < DISK_FAIL_BYTES:
        results.append(
            CheckResult("disk space", Status.FAIL, f"{gb:.2f} GB free under {root}", fix="free disk space")
        )
    elif free < DISK_WARN_BYTES:
        results.append(
            CheckResult(
                "disk space",
                Status.WARN,
                f"{gb:.1f} GB free under {root}",
                required=False,
                fix="free disk space or lower MOTIONBOT_RETENTION_DAYS",
            )
        )
    else:
        results.append(CheckResult("disk space", Status.OK, f"{gb:.1f} GB free under {root}"))
    return results


def _check_s3(settings: QueueSettings) -> CheckResult:
    try:
        from motionbot.queue.store_s3 import S3MediaStore

        store = S3MediaStore.from_settings(settings)
        store.client.head_bucket(Bucket=store.bucket)
    except ImportError:
        return CheckResult(
            "media store",
            Status.FAIL,
            "MOTIONBOT_MEDIA_STORE=s3 but boto3 is not installed",
            fix="pip install motionbot[s3]",
        )
    except Exception as exc:
        return CheckResult(
            "media store",
            Status.FAIL,
            f"bucket {settings.s3_bucket!r} at {settings.s3_endpoint_url or 'AWS'} "
            f"not usable: {type(exc).__name__}",
            fix="check MOTIONBOT_S3_* (endpoint, bucket, keys) and that the bucket exists",
        )
    return CheckResult("media store", Status.OK, f"S3 bucket {settings.s3_bucket!r} reachable")


def run_checks(*, redis: bool = True, providers: bool = True, skip: Sequence[str] = ()) -> list[CheckResult]:
    results, queue = check_settings()
    if queue is not None:
        if redis:
            redis_results = check_redis(queue.redis_url)
            results += redis_results
            if redis_results[0].status is Status.OK:
                results += check_workers(queue.redis_url, queue.health_check_interval_s)
        results += check_media_store(queue)
    if providers:
        found, missing = installed_providers()
        for name, provider in found.items():
            if name in skip:
                results.append(CheckResult(f"{name} checks", Status.SKIP, "skipped (--skip)", required=False))
                continue
            results += _safe(name, provider)
        for name, why in missing.items():
            results.append(CheckResult(f"{name} checks", Status.SKIP, why, required=False))
    return results


def _safe(name: str, provider: Callable[[], list[CheckResult]]) -> list[CheckResult]:
    try:
        return provider()
    except Exception as exc:  # a broken check must show up as a failure, not crash the report
        return [CheckResult(f"{name} checks", Status.FAIL, f"check crashed: {type(exc).__name__}: {exc}")]


_MARK = {Status.OK: "ok  ", Status.WARN: "warn", Status.FAIL: "FAIL", Status.SKIP: "skip"}


def format_report(results: list[CheckResult]) -> str:
    width = max((len(r.name) for r in results), default=10)
    lines = []
    for r in results:
        optional = " (optional)" if r.status is Status.FAIL and not r.required else ""
        lines.append(f"[{_MARK[r.status]}] {r.name.ljust(width)}  {r.detail}{optional}")
        if r.fix and r.status in (Status.FAIL, Status.WARN):
            lines.append(f"       {' ' * width}  -> {r.fix}")
    failed = [r for r in results if r.failed]
    lines.append("")
    lines.append(f"{len(failed)} required check(s) failed." if failed else "Ready.")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    start = time.monotonic()
    results = run_checks(redis=not args.no_redis, skip=args.skip or ())
    ok = not any(r.failed for r in results)
    if args.json:
        payload = {
            "ok": ok,
            "seconds": round(time.monotonic() - start, 2),
            "checks": [r.as_dict() for r in results],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        sys.stdout.write(format_report(results) + "\n")
    return EXIT_OK if ok else EXIT_UNAVAILABLE


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "doctor",
        help="check that this host is ready: Redis, media store, ffmpeg, models, GPU, tokens",
        description="Check Redis (reachable, appendonly, noeviction), the media store and its free space, "
        "and whatever the installed parts add (renderer: ffmpeg, mediapipe models, GPU, model folder; "
        "bot: tokens). Exit code 0 when every required check passes, 4 otherwise.",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--no-redis", action="store_true", help="skip the Redis checks (e.g. before Redis is up)")
    p.add_argument(
        "--skip", action="append", metavar="PART", help="skip one part's checks (renderer, bot); repeatable"
    )
    p.set_defaults(func=main)
