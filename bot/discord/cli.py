"""``motionbot bot discord [--sync]``: run the Discord bot with its deliver consumer.

Settings are read here, once: ``MOTIONBOT_DISCORD_TOKEN`` (required),
``MOTIONBOT_DISCORD_API_URL`` (REST base, e.g. a rate-limit proxy), the queue's Redis and the
history database. The command tree is uploaded to Discord only with ``--sync`` (Discord
rate-limits command updates, so not at every start); ``--sync`` also copies it to the guilds
in ``MOTIONBOT_DISCORD_GUILD_IDS`` (instant there, for testing) and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import discord
from motionbot.bot.cli import add_process_options, bot_process, run_loop, stop_on_signals
from motionbot.bot.delivery import DeliveryDispatcher, observed_delivery_worker
from motionbot.bot.discord.client import MotionBot, use_api_base
from motionbot.bot.discord.runtime import open_runtime
from motionbot.bot.settings import BotSettings
from motionbot.ops.instrument import start_heartbeat
from motionbot.queue.cli import EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE
from motionbot.queue.jobs import Platform
from motionbot.queue.settings import QueueSettings


def register(platforms: Any) -> None:
    parser = platforms.add_parser("discord", help="run the Discord bot (MOTIONBOT_DISCORD_TOKEN)")
    parser.add_argument(
        "--sync",
        action="store_true",
        help="upload the slash commands to Discord (globally and to MOTIONBOT_DISCORD_GUILD_IDS), then exit",
    )
    add_process_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = bot_process(
        "bot-discord", "discord", verbose=args.verbose,
        missing="MOTIONBOT_DISCORD_TOKEN is not set (the bot token from the Discord developer portal).",
    )  # fmt: skip
    main = (
        sync(settings, QueueSettings())
        if args.sync
        else serve(settings, QueueSettings(), delivery=not args.no_delivery)
    )
    return run_loop(main, bot="Discord", explain=_explain)


def _explain(exc: Exception) -> int | None:
    if isinstance(exc, discord.LoginFailure):
        print("Discord refused the token (MOTIONBOT_DISCORD_TOKEN).")
        return EXIT_USAGE
    if isinstance(exc, (discord.GatewayNotFound, discord.ConnectionClosed, OSError)):
        print(f"Can't reach Discord: {exc}")
        return EXIT_UNAVAILABLE
    return None


@contextlib.asynccontextmanager
async def logged_in(settings: BotSettings, queue_settings: QueueSettings) -> AsyncIterator[MotionBot]:
    """A logged-in bot (REST only: no gateway yet) with its runtime; closed on exit."""
    assert settings.discord_token is not None
    use_api_base(settings.discord_api_url)
    async with open_runtime(settings, queue_settings) as rt:
        bot = MotionBot(rt)
        try:
            await bot.login(settings.discord_token.get_secret_value())
            yield bot
        finally:
            await bot.close()


async def sync_commands(bot: MotionBot, guild_ids: tuple[int, ...]) -> dict[str, int]:
    """Upload the command tree globally and copy it to ``guild_ids``; returns counts per scope."""
    counts = {"global": len(await bot.tree.sync())}
    for gid in guild_ids:
        guild = discord.Object(gid)
        bot.tree.copy_global_to(guild=guild)
        counts[str(gid)] = len(await bot.tree.sync(guild=guild))
    return counts


async def sync(settings: BotSettings, queue_settings: QueueSettings) -> int:
    async with logged_in(settings, queue_settings) as bot:
        counts = await sync_commands(bot, settings.discord_guild_ids)
    for scope, n in counts.items():
        print(f"synced {n} commands ({scope})")
    return EXIT_OK


async def serve(settings: BotSettings, queue_settings: QueueSettings, *, delivery: bool) -> None:
    start_heartbeat()  # /healthz follows this event loop
    async with logged_in(settings, queue_settings) as bot:
        worker = None
        tasks = [asyncio.create_task(bot.connect(), name="discord-gateway")]
        if delivery:
            dispatcher = DeliveryDispatcher(bot.rt.history, {Platform.DISCORD: bot.notifier})
            worker = observed_delivery_worker(queue_settings, dispatcher, platform=Platform.DISCORD)
            tasks.append(asyncio.create_task(worker.async_run(), name="deliver-consumer"))
        stopper = asyncio.create_task(stop_on_signals().wait())
        done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
        if worker is not None:
            with contextlib.suppress(asyncio.CancelledError):  # a deliver job cut short re-runs later
                await worker.close()
        for task in [*tasks, stopper]:
            task.cancel()
        for task in done:
            if task is not stopper and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
