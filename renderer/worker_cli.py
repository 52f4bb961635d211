"""``motionbot worker``: run render/inspect workers against the queue in Redis.

One process may serve several queues (``--queue render:cpu --queue inspect``); the engine is
loaded once before the workers start, so a reconnect after a Redis restart does not reload
model weights. SIGTERM/SIGINT stop the workers; running jobs are handed back to the queue by
arq and run again elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from motionbot.ops.instrument import setup_process, start_heartbeat
from motionbot.queue.cli import EXIT_INTERNAL, EXIT_OK, EXIT_UNAVAILABLE
from motionbot.queue.errors import MotionbotError
from motionbot.queue.jobs import Queues
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.engines.base import Engine
from motionbot.renderer.settings import RendererSettings
from motionbot.renderer.worker import QUEUE_NAMES, RENDER_QUEUES, build_worker

log = logging.getLogger("motionbot.worker")
RECONNECT_S = (1.0, 2.0, 5.0, 10.0)


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "worker",
        help="run a render or inspect worker",
        description="Consume render or inspect jobs from Redis (MOTIONBOT_REDIS_URL) and deliver results.",
    )
    p.add_argument(
        "--queue",
        action="append",
        choices=QUEUE_NAMES,
        dest="queues",
        help="queue to serve; repeat for several (default: render:cpu and inspect)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="jobs at a time (CPU render and inspect queues; a GPU worker always runs 1)",
    )
    p.add_argument("--burst", action="store_true", help="exit once the queues are empty")
    p.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (default MOTIONBOT_LOG_LEVEL)")
    p.add_argument(
        "--engine-factory",
        metavar="MODULE:CALLABLE",
        default=None,
        help="load the render engine from this callable(RendererSettings) instead of the "
        "registry (a custom engine; the test suite's slow engine)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    settings, rs = QueueSettings(), RendererSettings()
    server = setup_process("worker", redis_url=settings.redis_url, level=args.log_level)
    queues: list[str] = list(dict.fromkeys(args.queues or ["render:cpu", "inspect"]))
    if server is not None and Queues.RENDER_GPU in queues:
        # /healthz says "loading", then "warming up" (with progress), until the engine is warm
        from motionbot.renderer.engines.diffusion.readiness import READINESS

        server.health = READINESS.health
    if args.concurrency is not None and args.concurrency < 1:
        log.error("--concurrency must be at least 1")
        return 2
    try:
        engines = _load_engines(queues, rs, args.engine_factory)
    except MotionbotError as exc:
        # the operator's words (what to change), not the user-facing sentence of the reason
        log.error("cannot start (%s): %s", exc.reason.value, exc.detail or exc.message)
        return EXIT_UNAVAILABLE
    try:
        serve = _serve(settings, rs, queues, engines, concurrency=args.concurrency, burst=args.burst)
        return asyncio.run(serve)
    except KeyboardInterrupt:
        return EXIT_OK


def _load_engines(queues: list[str], rs: RendererSettings, factory: str | None) -> dict[str, Engine]:
    """Load each render queue's engine once, before any worker connects."""
    if factory:
        module, _, attr = factory.partition(":")
        make = getattr(importlib.import_module(module), attr or "factory")
        return {q: make(rs) for q in queues if q in RENDER_QUEUES}
    from motionbot.renderer.engines.registry import load_engine

    return {q: load_engine(RENDER_QUEUES[q], rs) for q in queues if q in RENDER_QUEUES}


async def _serve(
    settings: QueueSettings,
    rs: RendererSettings,
    queues: list[str],
    engines: dict[str, Engine],
    *,
    concurrency: int | None,
    burst: bool,
) -> int:
    loop = asyncio.get_running_loop()
    start_heartbeat()  # /healthz follows this event loop
    stopping = asyncio.Event()
    attempt = 0
    while True:
        workers = [
            build_worker(
                settings, q, engine=engines.get(q), renderer_settings=rs, concurrency=concurrency, burst=burst
            )
            for q in queues
        ]

        def stop(sig: signal.Signals, workers: list[Any] = workers) -> None:
            stopping.set()
            for w in workers:
                w.handle_sig(sig)

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop, sig)
        try:
            await asyncio.gather(*(w.async_run() for w in workers))
            return EXIT_OK
        except asyncio.CancelledError:
            return EXIT_OK
        except (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError) as exc:
            if stopping.is_set():
                return EXIT_OK
            delay = RECONNECT_S[min(attempt, len(RECONNECT_S) - 1)]
            attempt += 1
            log.warning("lost Redis (%s); reconnecting in %.0f s", exc, delay)
        except Exception:
            log.exception("worker crashed")
            return EXIT_INTERNAL
        finally:
            for w in workers:
                try:
                    await w.close()
                except Exception as exc:  # closing after a lost connection fails too
                    log.debug("closing worker: %s", exc)
        await asyncio.sleep(delay)
