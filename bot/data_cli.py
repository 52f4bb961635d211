"""``motionbot admin forget USER`` and ``motionbot admin export USER``: an operator deletes or
exports one user's data from a shell on the host, the same way the bots' /forget and /mydata do.

USER is ``PLATFORM:ID`` (``telegram:123456789``, ``discord:80351110224678912``): ids of the two
platforms are separate namespaces. Registered into ``motionbot admin`` through the
``motionbot.admin`` entry point, so ops never imports the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from motionbot.queue.cli import EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE
from motionbot.queue.jobs import Platform


def parse_user(text: str) -> tuple[Platform, str]:
    platform, sep, user_id = text.partition(":")
    try:
        parsed = Platform(platform.lower())
    except ValueError:
        parsed = None
    if not sep or parsed is None or not user_id.isdigit():
        names = ", ".join(p.value for p in Platform)
        raise argparse.ArgumentTypeError(f"{text!r}: expected PLATFORM:ID with PLATFORM one of {names}")
    return parsed, user_id


async def _run(args: argparse.Namespace) -> int:
    from redis.exceptions import RedisError

    from motionbot.bot.core.user_data import UserData
    from motionbot.bot.history import HistoryStore
    from motionbot.bot.settings import BotSettings
    from motionbot.queue.client import RenderClient
    from motionbot.queue.settings import QueueSettings

    platform, user_id = args.user
    try:
        client = await RenderClient.connect(QueueSettings())
    except (RedisError, OSError) as exc:
        print(f"Cannot reach Redis (MOTIONBOT_REDIS_URL): {type(exc).__name__}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    history = await HistoryStore.open(BotSettings().history_db)
    try:
        data = UserData(history, client)
        if args.data_action == "export":
            sys.stdout.write((await data.export_json(platform, user_id)).decode() + "\n")
        else:
            gone = await data.forget(platform, user_id)
            print(json.dumps({"user": f"{platform.value}:{user_id}", "deleted": gone.as_dict()}))
    finally:
        await history.close()
        await client.close()
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    if not isinstance(getattr(args, "user", None), tuple):
        return EXIT_USAGE
    return asyncio.run(_run(args))


def register(actions: Any) -> None:
    """Add ``forget`` and ``export`` to the ``motionbot admin`` sub-parsers."""
    for name, what in (
        ("forget", "delete everything kept about a user (history, files, saved moves, Redis state)"),
        ("export", "print everything kept about a user as JSON (what /mydata sends)"),
    ):
        p = actions.add_parser(name, help=what)
        p.add_argument("user", type=parse_user, metavar="PLATFORM:ID", help="e.g. telegram:123456789")
        p.set_defaults(admin_func=main, data_action=name)
