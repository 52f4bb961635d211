"""`motionbot admin status|pause|resume|...`: the admin controls from a shell on the host.

The same controls as the bots' admin commands (status snapshot, pausing new jobs), for an
operator with access to Redis (MOTIONBOT_REDIS_URL), e.g. ``docker compose exec renderer-cpu
motionbot admin pause "upgrading"``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from importlib.metadata import entry_points
from typing import Any

from motionbot.ops import admin
from motionbot.queue import pause as pause_flag
from motionbot.queue.cli import EXIT_OK, EXIT_UNAVAILABLE
from motionbot.queue.settings import QueueSettings


async def _run(args: argparse.Namespace) -> int:
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    settings = QueueSettings()
    client = aioredis.Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        if args.action == "pause":
            state = await pause_flag.pause(client, by=args.by, reason=" ".join(args.reason))
            print(f"Paused: new jobs are refused with: {state.message}")
        elif args.action == "resume":
            print("Resumed: accepting new jobs." if await pause_flag.resume(client) else "Was not paused.")
        else:
            status = await admin.status(client, health_check_interval_s=settings.health_check_interval_s)
            print(json.dumps(status.as_dict(), indent=2, default=str) if args.json else status.format())
    except RedisError as exc:
        print(f"Cannot reach Redis (MOTIONBOT_REDIS_URL): {type(exc).__name__}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    finally:
        await client.aclose()
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    action = getattr(args, "admin_func", None)  # an action another package registered
    if action is not None:
        return int(action(args))
    return asyncio.run(_run(args))


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("admin", help="service status, pause or resume new jobs")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="queues, live workers, renders today, paused or not")
    status.add_argument("--json", action="store_true", help="print the snapshot as JSON")
    pause = actions.add_parser("pause", help="refuse new jobs (queued and running ones finish)")
    pause.add_argument("reason", nargs="*", help="shown to users who try to start a render")
    pause.add_argument("--by", default="cli", help="who paused (shown in status)")
    actions.add_parser("resume", help="accept new jobs again")
    # actions of the installed packages, e.g. the bot's `forget USER` and `export USER`
    for extra in entry_points(group="motionbot.admin"):
        extra.load()(actions)
    p.set_defaults(func=main)
