"""`motionbot run`: the whole service on one machine, without Docker.

Starts a local ``redis-server`` (unless MOTIONBOT_REDIS_URL points at one) whose data and
append-only file live in the data folder, so a restart resumes queued jobs and
conversations; then the bots whose tokens are set, one inspect worker, the CPU render
workers, and a GPU render worker when CUDA and the model weights are present. Ctrl-C stops
everything cleanly. The GPU is probed in a child interpreter through the renderer's
``motionbot.probes`` entry point: the launcher never imports torch (or anything of the
renderer or the bot).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from motionbot.ops.logs import Redactor, secrets_from_env, setup_logging
from motionbot.ops.supervisor import ChildSpec, Supervisor
from motionbot.queue.cli import EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE
from motionbot.queue.jobs import Queues

log = logging.getLogger("motionbot.run")

MOTIONBOT = (sys.executable, "-m", "motionbot.queue.cli")
TOKENS = {"telegram": "MOTIONBOT_TELEGRAM_TOKEN", "discord": "MOTIONBOT_DISCORD_TOKEN"}

# runs in a child interpreter: the renderer (and torch) are loaded there, never here, and only
# through the entry point the renderer registers (the launcher does not name the renderer)
GPU_PROBE = """
import json
from importlib.metadata import entry_points
found = entry_points(group="motionbot.probes", name="gpu")
if not found:
    print(json.dumps({"cuda": False, "why": "the renderer is not installed"}))
else:
    print(json.dumps(next(iter(found)).load()()))
"""


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as docker compose reads them (comments, blank lines, optional quotes)."""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, whatever the umask (and fix an older, looser one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(text)


def redis_password(data_dir: Path) -> str:
    """The local Redis's password: made once (random), then kept in ``data_dir`` owner-only, so
    another account on the host can neither read the users' state nor queue or wipe jobs."""
    path = data_dir / "redis.password"
    try:
        password = path.read_text().strip()
    except FileNotFoundError:
        password = ""
    if len(password) < 32:
        password = secrets.token_urlsafe(32)
    write_private(path, password + "\n")
    return password


def start_redis(data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], str]:
    """A private redis-server on 127.0.0.1 with a password and AOF persistence in ``data_dir``;
    waits until it answers. The password reaches it in an owner-only config file, never on the
    command line (which every account can read in ``ps``). The append-only file is fsynced on
    every write: a render the user was told is queued survives a SIGKILL or a power cut (with
    ``everysec`` the last second of submits could be lost); a bot's writes are few."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError(
            "redis-server is not installed: `sudo apt-get install redis-server` (or `make system-deps`), "
            "or set MOTIONBOT_REDIS_URL to an existing Redis"
        )
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(data_dir, 0o700)
    (data_dir / "redis.url").unlink(missing_ok=True)  # written again once this one answers
    port = port or free_port()
    password = redis_password(data_dir)
    config = data_dir / "redis.conf"
    write_private(config, f"requirepass {password}\n")
    argv = [
        exe, str(config.resolve()), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data_dir.resolve()),
        "--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "noeviction",
        "--daemonize", "no", "--protected-mode", "yes", "--logfile", "", "--loglevel", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, start_new_session=True)
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    deadline = time.monotonic() + 30
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"redis-server exited with code {proc.returncode} (is port {port} in use?)"
                )
            try:
                # PING answers during AOF loading with an error; wait for the data to be back
                persistence: dict[str, Any] = client.info("persistence")  # type: ignore[assignment]
                if client.ping() and persistence.get("loading") == 0:
                    break
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                proc.terminate()
                raise RuntimeError("redis-server did not answer within 30 s")
            time.sleep(0.05)
    finally:
        client.close()
    write_private(data_dir / "redis.url", url + "\n")
    return proc, url


def probe_gpu(env: Mapping[str, str], timeout_s: float = 180) -> dict[str, Any]:
    try:
        proc = subprocess.run(
            [sys.executable, "-c", GPU_PROBE],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        lines = proc.stdout.strip().splitlines()
        return dict(json.loads(lines[-1])) if lines else {"cuda": False, "why": proc.stderr.strip()[-200:]}
    except (subprocess.TimeoutExpired, ValueError) as exc:
        return {"cuda": False, "why": f"probe failed: {exc}"}


def child_env(base: Mapping[str, str], data_dir: Path) -> dict[str, str]:
    """Defaults that put every path under the data folder (explicit settings win)."""
    env = dict(base)
    defaults = {
        "MOTIONBOT_MEDIA_DIR": data_dir / "media",
        "MOTIONBOT_WORK_DIR": data_dir / "work",
        "MOTIONBOT_CACHE_DIR": data_dir / "cache",
        "MOTIONBOT_HISTORY_DB": data_dir / "history.sqlite3",
    }
    for key, value in defaults.items():
        env.setdefault(key, str(value.resolve()))
    return env


def plan(env: Mapping[str, str], args: argparse.Namespace, gpu: Mapping[str, Any]) -> list[ChildSpec]:
    """The processes to run: inspect and CPU workers, GPU worker if usable, bots with tokens."""
    names: list[tuple[str, list[str]]] = [("worker-inspect", ["worker", "--queue", Queues.INSPECT])]
    for i in range(args.cpu_workers):
        names.append((f"worker-cpu-{i + 1}", ["worker", "--queue", Queues.RENDER_CPU]))
    if gpu.get("cuda") and gpu.get("model"):
        names.append(("worker-gpu", ["worker", "--queue", Queues.RENDER_GPU]))
    if not args.no_bots:
        for platform, var in TOKENS.items():
            if env.get(var, "").strip():
                names.append((f"bot-{platform}", ["bot", platform]))
    base_port = int(env.get("MOTIONBOT_METRICS_PORT", "9100") or 0)
    specs = []
    for i, (name, argv) in enumerate(names):
        child = dict(env)
        # one port each: processes on one host cannot share MOTIONBOT_METRICS_PORT
        child["MOTIONBOT_METRICS_PORT"] = str(base_port + i if base_port else 0)
        specs.append(ChildSpec(name, [*MOTIONBOT, *argv], child))
    return specs


def main(args: argparse.Namespace) -> int:
    if args.cpu_workers < 0 or args.grace < 0:
        sys.stderr.write("--cpu-workers and --grace cannot be negative\n")
        return EXIT_USAGE
    env: MutableMapping[str, str] = dict(os.environ)
    env_file = Path(args.env_file)
    if env_file.is_file():
        for key, value in read_env_file(env_file).items():
            env.setdefault(key, value)  # the real environment wins over the file
    elif args.env_file != ".env":
        sys.stderr.write(f"env file {env_file} not found\n")
        return EXIT_USAGE
    setup_logging(
        "run",
        level=env.get("MOTIONBOT_LOG_LEVEL", "INFO"),
        fmt=env.get("MOTIONBOT_LOG_FORMAT", "json"),
        secrets=secrets_from_env(env),
    )
    data_dir = Path(args.data_dir)
    # everything the service writes (media, history, caches, Redis's files) is its owner's
    # alone; the children inherit the umask
    os.umask(0o077)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = child_env(env, data_dir)

    redis_proc: subprocess.Popen[bytes] | None = None
    if not env.get("MOTIONBOT_REDIS_URL"):
        try:
            redis_proc, env["MOTIONBOT_REDIS_URL"] = start_redis(data_dir / "redis", args.redis_port)
        except RuntimeError as exc:
            log.error("%s", exc)
            return EXIT_UNAVAILABLE
        log.info(
            "local Redis at %s (password in %s, data in %s)",
            Redactor(secrets_from_env(env))(env["MOTIONBOT_REDIS_URL"]),
            data_dir / "redis" / "redis.password",
            data_dir / "redis",
        )
    else:
        log.info("using Redis at %s", Redactor(secrets_from_env(env))(env["MOTIONBOT_REDIS_URL"]))

    gpu: dict[str, Any] = {"cuda": False, "why": "--gpu off"}
    if args.gpu != "off":
        gpu = probe_gpu(env)
        if args.gpu == "on" and not (gpu.get("cuda") and gpu.get("model")):
            log.error("--gpu on, but the GPU engine cannot run here: %s", gpu.get("why"))
            if redis_proc is not None:
                redis_proc.terminate()
                redis_proc.wait(timeout=30)
            return EXIT_UNAVAILABLE
    log.info(
        "GPU render worker: %s", "yes" if gpu.get("cuda") and gpu.get("model") else f"no ({gpu.get('why')})"
    )

    specs = plan(env, args, gpu)
    if not any(s.name.startswith("bot-") for s in specs) and not args.no_bots:
        log.warning(
            "no bot token set (MOTIONBOT_TELEGRAM_TOKEN / MOTIONBOT_DISCORD_TOKEN): running workers only"
        )
    ports = {s.name: (s.env or {}).get("MOTIONBOT_METRICS_PORT", "0") for s in specs}
    log.info(
        "running %s; /metrics and /healthz on %s; Ctrl-C stops everything",
        ", ".join(s.name for s in specs),
        ", ".join(f"{name} :{port}" for name, port in ports.items() if port != "0") or "no port (turned off)",
    )
    supervisor = Supervisor(specs, grace_s=args.grace)
    try:
        supervisor.run()
    finally:
        if redis_proc is not None:
            log.info("stopping Redis")
            redis_proc.terminate()  # SIGTERM: redis fsyncs the append-only file and exits
            try:
                redis_proc.wait(timeout=args.grace)
            except subprocess.TimeoutExpired:
                redis_proc.kill()
                redis_proc.wait()
    log.info("stopped")
    return EXIT_OK


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run",
        help="run everything on this machine: Redis, workers, and the bots whose tokens are set",
        description="A small self-host without Docker. Reads .env, starts a local redis-server (unless "
        "MOTIONBOT_REDIS_URL is set) with its data in DATA_DIR/redis, an inspect worker, CPU render workers, "
        "a GPU worker when CUDA and the model weights are present, and the Telegram/Discord bots whose "
        "tokens are set. Ctrl-C stops everything; the next start resumes queued jobs.",
    )
    p.add_argument(
        "--data-dir", default="./data", help="where media, history and Redis data live (default ./data)"
    )
    p.add_argument("--env-file", default=".env", help="settings file (default .env, if present)")
    p.add_argument("--redis-port", type=int, default=0, help="port of the local Redis (default: a free one)")
    p.add_argument("--cpu-workers", type=int, default=1, help="CPU render workers (default 1)")
    p.add_argument(
        "--gpu", choices=("auto", "on", "off"), default="auto", help="GPU render worker (default auto)"
    )
    p.add_argument("--no-bots", action="store_true", help="run the workers only")
    p.add_argument("--grace", type=float, default=20.0, help="seconds each process gets to stop (default 20)")
    p.set_defaults(func=main)
