"""Telegram bot latency: time from an update reaching the Bot API to the bot's first reply.

200 simulated users send a photo at the same moment to the real bot (aiogram polling, Redis
FSM + event isolation, rate limit, SQLite history, media store) through the fake Bot API
server of the tests, all on loopback. The first reply ("Got your photo") must not wait for
the download, the store or the inspection; those follow. Prints p50/p99 of the first reply,
of the follow-up (photo stored, next step asked), with ``--inspect`` of the findings from a
real inspect worker in a subprocess, and last the same burst against a bare aiogram bot on
the same machine (polling, and a webhook answering in its HTTP reply): the floor the
framework itself sets here.

    .venv/bin/python benchmarks/telegram.py [--users 200] [--inspect]
"""

# ruff: noqa: E402  (tests/ goes on sys.path below, before the fake Telegram server is imported)
from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from fakes.telegram import BOT_ID

from motionbot.bot.core import texts
from motionbot.bot.history import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.bot.telegram.app import TelegramService
from motionbot.queue.jobs import Platform
from motionbot.queue.settings import QueueSettings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def photo_jpeg() -> bytes:
    from PIL import Image
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((256, 256)).save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def line(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{name:<34} n={len(ms):<4} p50={percentile(ms, 50):8.1f} ms  p99={percentile(ms, 99):8.1f} ms  "
        f"max={max(ms):8.1f} ms  mean={statistics.fmean(ms):8.1f} ms"
    )


class FakeApi:
    """The fake Bot API's control endpoints: push a burst of photos, read when replies came."""

    def __init__(self, base_url: str, http: Any) -> None:
        self.base_url = base_url
        self.http = http

    async def push(self, user_ids: list[int], data: bytes, *, distinct: bool = False) -> dict[int, float]:
        # distinct: every user's photo is a different file, so no cached report is reused
        params = {"users": ",".join(map(str, user_ids)), "distinct": "1" if distinct else "0"}
        async with self.http.post(f"{self.base_url}/__control/photo", data=data, params=params) as resp:
            return {int(k): v for k, v in (await resp.json()).items()}

    async def sent(self, fragment: str) -> dict[int, float]:
        async with self.http.get(f"{self.base_url}/__control/requests") as resp:
            rows = await resp.json()
        got: dict[int, float] = {}
        for r in rows:
            if r["method"] in ("sendMessage", "editMessageText") and fragment in str(r["text"] or ""):
                got.setdefault(int(r["chat_id"]), r["at"])
        return got

    async def until(self, fragment: str, count: int, timeout: float) -> dict[int, float]:
        # poll a count (cheap: the bot's loop is the one being measured), fetch the times once
        deadline = time.monotonic() + timeout
        while True:
            async with self.http.get(f"{self.base_url}/__control/count", params={"text": fragment}) as resp:
                got = int(await resp.json())
            if got >= count:
                return await self.sent(fragment)
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {got} of {count} users got {fragment!r}")
            await asyncio.sleep(0.1)


def start_fake() -> tuple[subprocess.Popen[str], str]:
    """The fake Bot API in a process of its own, as Telegram is: only the bot is measured."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakes" / "telegram.py")], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


async def echo_floor(users: int) -> list[float]:
    """The same burst against a bare aiogram bot (memory storage, no middleware, one
    sendMessage per photo): what the framework itself costs on this machine."""
    from aiogram import Dispatcher, F
    from aiogram.types import Message

    fake_proc, base_url = start_fake()
    await asyncio.sleep(0.3)
    bot = Bot(f"{BOT_ID}:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    dp = Dispatcher()

    @dp.message(F.photo)
    async def got_photo(message: Message) -> None:
        await message.answer(texts.RECEIVED_PHOTO)

    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, polling_timeout=10, close_bot_session=False)
    )
    try:
        api = FakeApi(base_url, await bot.session.create_session())  # type: ignore[attr-defined]
        data = photo_jpeg()
        await api.push([9_999], data)
        await api.until(texts.RECEIVED_PHOTO, 1, 30)
        await asyncio.sleep(0.5)
        pushed = await api.push(list(range(10_001, 10_001 + users)), data)
        replies = await api.until(texts.RECEIVED_PHOTO, users + 1, 60)
        return [t - pushed[c] for c, t in replies.items() if c in pushed]
    finally:
        await dp.stop_polling()
        await polling
        await bot.session.close()
        fake_proc.terminate()
        fake_proc.wait(10)


async def serve_echo_webhook(port: int) -> None:
    """A bare aiogram bot on a webhook that answers in the webhook's HTTP response (no
    outgoing request at all): the cheapest first reply Telegram allows."""
    from aiogram import Dispatcher, F
    from aiogram.methods import SendMessage
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from aiohttp import web

    bot = Bot(f"{BOT_ID}:TEST")
    dp = Dispatcher()

    @dp.message(F.photo)
    async def got_photo(message: Message) -> SendMessage:
        return message.answer(texts.RECEIVED_PHOTO)

    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, handle_in_background=False).register(app, path="/hook")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


async def webhook_floor(users: int, connections: int = 40) -> list[float]:
    """Telegram's side of a webhook burst: ``users`` updates posted over ``connections``
    parallel connections (Telegram's default max_connections is 40); the time until each
    reply comes back in the response."""
    import aiohttp

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve-echo-webhook", str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        photo = [{"file_id": "f", "file_unique_id": "u", "width": 256, "height": 256, "file_size": 9000}]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as http:

            async def post(i: int) -> float:
                user = {"id": 10_001 + i, "is_bot": False, "first_name": "A"}
                message = {"message_id": 1, "date": 0, "chat": {"id": user["id"], "type": "private"}}
                update = {"update_id": i, "message": {**message, "from": user, "photo": photo}}
                t0 = time.monotonic()
                async with http.post(f"http://127.0.0.1:{port}/hook", json=update) as resp:
                    body = await resp.read()
                assert texts.RECEIVED_PHOTO.encode() in body
                return time.monotonic() - t0

            for i in range(connections):  # warm: connections open, as they stay with Telegram
                await post(i)
            return list(await asyncio.gather(*(post(i) for i in range(users))))
    finally:
        proc.terminate()
        proc.wait(10)


async def run(users: int, inspect: bool, floor: bool, root: Path) -> int:
    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(root)],
        stdout=subprocess.DEVNULL,
    )
    fake_proc, base_url = start_fake()
    worker: subprocess.Popen[bytes] | None = None
    try:
        await asyncio.sleep(0.3)
        qs = QueueSettings(
            redis_url=f"redis://127.0.0.1:{port}/0",
            media_dir=root / "media",
            work_dir=root / "work",
            health_check_interval_s=1,
            daily_quota=0,
        )
        bs = BotSettings(
            telegram_token=f"{BOT_ID}:TEST",
            history_db=root / "history.sqlite3",
            inspect_timeout_s=120,
            rate_limit_events=50,
        )
        if inspect:
            env = {
                **os.environ,
                "MOTIONBOT_REDIS_URL": qs.redis_url,
                "MOTIONBOT_MEDIA_DIR": str(qs.media_dir),
                "MOTIONBOT_WORK_DIR": str(qs.work_dir),
                "MOTIONBOT_HEALTH_CHECK_INTERVAL_S": "1",
            }
            worker = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "motionbot"),
                    "worker",
                    "--queue",
                    "inspect",
                    "--log-level",
                    "WARNING",
                ],
                env=env,
            )
        history = await HistoryStore.open(bs.history_db)
        for uid in range(9_999, 10_001 + users):
            await history.acknowledge(Platform.TELEGRAM, str(uid))
        bot = Bot(
            bs.telegram_token.get_secret_value(),  # type: ignore[union-attr]
            session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)),
        )
        service = await TelegramService.create(bs, qs, bot=bot, history=history)
        await service.start(delivery=False)
        polling = asyncio.create_task(service.run_polling(polling_timeout=10))
        if inspect:
            for _ in range(600):
                if await service.rt.client.board.alive_workers("inspect"):
                    break
                await asyncio.sleep(0.1)

        data = photo_jpeg()
        api = FakeApi(base_url, await bot.session.create_session())  # type: ignore[attr-defined]
        push, until = api.push, api.until

        # warm up, as a bot that has been running a while is: one user's photo end to end
        await push([9_999], data)
        await until(texts.NEED_VIDEO, 1, 30)
        await asyncio.sleep(0.5)  # polling waits on getUpdates again

        cpu0 = time.process_time()
        pushed = await push(list(range(10_001, 10_001 + users)), data, distinct=inspect)
        replies = await until(texts.RECEIVED_PHOTO, users + 1, 120)
        cpu_first = time.process_time() - cpu0
        stored_at = await until(texts.NEED_VIDEO, users + 1, 120)
        first = [t - pushed[c] for c, t in replies.items() if c in pushed]
        stored = [t - pushed[c] for c, t in stored_at.items() if c in pushed]
        print(f"{users} users send a photo at once (fake Bot API in its own process, real Redis, SQLite):")
        print(line("first reply (Got your photo)", first))
        print(line("photo stored, next step asked", stored))
        if inspect:
            found = await until("Photo: ", users + 1, 600)
            print(
                line(
                    "findings (inspect worker, 1 proc)",
                    [t - pushed[c] for c, t in found.items() if c in pushed],
                )
            )
        print(
            f"bot CPU until the last first reply: {cpu_first * 1000:.0f} ms "
            f"({cpu_first * 1000 / users:.2f} ms per update, background storing included)"
        )
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        target = percentile([v * 1000 for v in first], 99)
        print(f"target p99 < 100 ms: {'met' if target < 100 else 'NOT met'} ({target:.1f} ms)")
        await service.stop_polling()
        await polling
        await service.close()
        if floor:
            print(line("floor: bare aiogram bot, polling", await echo_floor(users)))
            print(line("floor: webhook, reply in response", await webhook_floor(users)))
        return 0
    finally:
        fake_proc.terminate()
        fake_proc.wait(10)
        if worker is not None:
            worker.terminate()
            with contextlib.suppress(Exception):
                worker.wait(10)
        redis.terminate()
        redis.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument(
        "--inspect", action="store_true", help="also time findings from a real inspect worker"
    )
    parser.add_argument(
        "--no-floor",
        action="store_true",
        help="skip the same burst against a bare aiogram echo bot (the framework's own cost here)",
    )
    parser.add_argument("--serve-echo-webhook", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo_webhook:
        asyncio.run(serve_echo_webhook(args.serve_echo_webhook))
        return 0
    if shutil.which("redis-server") is None:
        print("redis-server is not installed (make system-deps)")
        return 4
    with tempfile.TemporaryDirectory(prefix="mb-tg-bench-") as tmp:
        return asyncio.run(run(args.users, args.inspect, not args.no_floor, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
