"""``motionbot bot <platform>``: run a chat frontend with its deliver consumer.

Each platform adds its own sub-parser: Telegram here, Discord from
``motionbot.bot.discord.cli.register(platforms)`` when that module exists. Settings are read
here, once, and passed down.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from motionbot.queue.cli import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from motionbot.bot.settings import BotSettings

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("bot", help="run a chat bot (Telegram, Discord)")
    platforms = parser.add_subparsers(dest="platform", metavar="PLATFORM")
    parser.set_defaults(func=lambda args: (parser.print_help(), EXIT_USAGE)[1])

    tg = platforms.add_parser("telegram", help="run the Telegram bot (MOTIONBOT_TELEGRAM_TOKEN)")
    tg.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates on a webhook (MOTIONBOT_TELEGRAM_WEBHOOK_URL, _SECRET, _HOST, _PORT) "
        "instead of long polling",
    )
    add_process_options(tg)
    tg.set_defaults(func=run_telegram)

    with contextlib.suppress(ImportError):  # the Discord frontend registers itself when present
        discord_cli = importlib.import_module("motionbot.bot.discord.cli")
        discord_cli.register(platforms)


def add_process_options(parser: argparse.ArgumentParser) -> None:
    """The options every bot command takes (where deliveries are consumed, how much is logged)."""
    parser.add_argument(
        "--no-delivery",
        action="store_true",
        help="don't consume the deliver queue here (another bot process does)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")


def bot_process(service: str, platform: str, *, verbose: bool, missing: str) -> BotSettings:
    """Instrument this bot process (JSON logs with tokens redacted, /metrics and /healthz on
    MOTIONBOT_METRICS_PORT) and read its settings. Without the platform's token
    (``<platform>_token``) it says ``missing`` and exits with the usage code, as argparse does
    for a missing argument."""
    from motionbot.bot.settings import BotSettings, has_token
    from motionbot.ops.instrument import setup_process

    setup_process(service, level="DEBUG" if verbose else None)
    settings = BotSettings()
    if not has_token(getattr(settings, f"{platform}_token")):
        print(missing)
        raise SystemExit(EXIT_USAGE)
    return settings


def run_telegram(args: argparse.Namespace) -> int:
    from motionbot.queue.settings import QueueSettings

    settings = bot_process(
        "bot-telegram", "telegram", verbose=args.verbose,
        missing="MOTIONBOT_TELEGRAM_TOKEN is not set (the token @BotFather gave you).",
    )  # fmt: skip
    if args.webhook and not settings.telegram_webhook_url:
        print("--webhook needs MOTIONBOT_TELEGRAM_WEBHOOK_URL (the public https URL Telegram posts to).")
        return EXIT_USAGE
    return run_loop(
        _serve_telegram(settings, QueueSettings(), webhook=args.webhook, delivery=not args.no_delivery),
        bot="Telegram",
    )


def run_loop(
    main: Coroutine[Any, Any, int | None],
    *,
    bot: str,
    explain: Callable[[Exception], int | None] = lambda _: None,
) -> int:
    """Run a bot's event loop to its exit code: Ctrl-C is a normal stop; an error ``explain``
    knows (it says what went wrong and returns the code) ends it plainly, any other is logged."""
    try:
        return asyncio.run(main) or EXIT_OK
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception as exc:
        code = explain(exc)
        if code is not None:
            return code
        log.exception("the %s bot stopped", bot)
        return EXIT_INTERNAL


def stop_on_signals() -> asyncio.Event:
    """An event SIGINT and SIGTERM set, for a bot to stop cleanly (let the deliveries land)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def _serve_telegram(settings: Any, queue_settings: Any, *, webhook: bool, delivery: bool) -> None:
    from motionbot.bot.telegram.app import TelegramService
    from motionbot.ops.instrument import start_heartbeat

    start_heartbeat()  # /healthz follows this event loop
    service = await TelegramService.create(settings, queue_settings, webhook=webhook)
    stop = stop_on_signals()
    try:
        await service.start(delivery=delivery)
        if webhook:
            await service.run_webhook(stop)
        else:
            polling = asyncio.create_task(service.run_polling())
            await stop.wait()
            await service.stop_polling()
            await polling
    finally:
        await service.close()
