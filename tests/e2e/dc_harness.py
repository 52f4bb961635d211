"""End-to-end harness for the Discord bot: the fake Discord REST server, the real discord.py
bot logged in through the same code path as ``motionbot bot discord`` (REST base from
``MOTIONBOT_DISCORD_API_URL``), Redis, SQLite, the bot process's deliver consumer, and real
queue workers (inspect, and the warp engine on render:cpu) in this event loop.

Its fixture ``dc`` is defined in chat_fixtures.py, a plugin of the root conftest.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from e2e_workers import moving_square_mp4, worker_on
from fakes import discord as fd

from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.delivery import DeliveryDispatcher
from motionbot.bot.discord.cli import logged_in
from motionbot.bot.discord.client import MotionBot
from motionbot.bot.history.models import TaskRecord
from motionbot.bot.settings import BotSettings
from motionbot.queue.delivery import delivery_worker, enqueue_deliver
from motionbot.queue.jobs import DeliverJob, EngineName, Platform, Queues, RenderResult
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.settings import RendererSettings
from motionbot.renderer.worker import build_worker

USER = 5001
OTHER = 5002


def astronaut_png(side: int = 192) -> bytes:
    from PIL import Image
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((side, side)).save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class DC:
    fake: fd.FakeDiscord
    bsettings: BotSettings
    qsettings: QueueSettings
    bot: MotionBot
    stack: contextlib.AsyncExitStack
    deliver_task: asyncio.Task[Any] | None = None
    workers: list[Any] = field(default_factory=list)

    @property
    def rt(self) -> Any:
        return self.bot.rt

    def inject(self, payload: dict[str, Any]) -> dict[str, Any]:
        event = "MESSAGE_CREATE" if "author" in payload else "INTERACTION_CREATE"
        fd.gateway(self.bot, event, payload)
        return payload

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if loop.time() > deadline:
                raise TimeoutError("condition not met in time; last requests: "
                                   + ", ".join(f"{r.method} {r.path}" for r in self.fake.requests[-8:]))
            await asyncio.sleep(0.02)

    async def original(self, payload: dict[str, Any], contains: str = "", timeout: float = 20.0
                       ) -> dict[str, Any]:
        """The interaction's original response once its content contains ``contains``."""

        def find() -> dict[str, Any] | None:
            msg = self.fake.original(payload["token"])
            return msg if msg is not None and contains in msg["content"] else None

        found: dict[str, Any] = await self.wait_for(find, timeout)
        return found

    async def followup(self, payload: dict[str, Any], contains: str = "", *, with_file: bool = False,
                       timeout: float = 20.0) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            for m in self.fake.followups(payload["token"]):
                if contains in m["content"] and (m["attachments"] or not with_file):
                    return m
            return None

        found: dict[str, Any] = await self.wait_for(find, timeout)
        return found

    async def answer(self, payload: dict[str, Any], contains: str, timeout: float = 20.0) -> dict[str, Any]:
        """A message of this interaction (its response or a follow-up) containing ``contains``."""

        def find() -> dict[str, Any] | None:
            original = self.fake.original(payload["token"])
            for m in [original] if original else []:
                if contains in m["content"]:
                    return m
            return next((m for m in self.fake.followups(payload["token"]) if contains in m["content"]), None)

        found: dict[str, Any] = await self.wait_for(find, timeout)
        return found

    async def channel_message(self, channel_id: int, contains: str = "", *, with_file: bool = False,
                              timeout: float = 20.0) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            for m in self.fake.channel_messages(channel_id):
                if m.get("_token") or m["author"]["id"] != str(fd.BOT_ID):
                    continue
                if contains in m["content"] and (m["attachments"] or not with_file):
                    return m
            return None

        found: dict[str, Any] = await self.wait_for(find, timeout)
        return found

    async def start_delivery(self) -> None:
        dispatcher = DeliveryDispatcher(self.rt.history, {Platform.DISCORD: self.bot.notifier})
        worker = delivery_worker(self.qsettings, dispatcher, platform=Platform.DISCORD, poll_delay=0.02)
        self.workers.append(worker)
        self.deliver_task = asyncio.create_task(worker.async_run())

    async def stop_delivery(self) -> None:
        if self.deliver_task is not None:
            with contextlib.suppress(asyncio.CancelledError):  # a job cut short while finishing
                await self.workers[-1].close()
            self.deliver_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.deliver_task
            self.deliver_task = None

    async def restart(self) -> None:
        """A new bot process: new client, runtime and deliver consumer on the same Redis and SQLite."""
        await self.stop_delivery()
        await self.stack.aclose()
        self.stack = contextlib.AsyncExitStack()
        self.bot = await self.stack.enter_async_context(logged_in(self.bsettings, self.qsettings))
        await self.start_delivery()


async def render_burst(qsettings: QueueSettings, tmp_path: Path) -> Any:
    """A real burst worker on render:cpu with the warp engine: renders what is queued, then stops."""
    rs = RendererSettings(output_long_side=256, cache_dir=tmp_path / "motion-cache")
    worker = build_worker(qsettings, Queues.RENDER_CPU, renderer_settings=rs, burst=True)
    try:
        await worker.async_run()
    finally:
        await worker.close()
    return worker


@contextlib.asynccontextmanager
async def inspect_worker_running(qsettings: QueueSettings, tmp_path: Path) -> AsyncIterator[Any]:
    async with worker_on(qsettings, Queues.INSPECT, RendererSettings(cache_dir=tmp_path / "motion-cache")) as w:
        yield w


def tiny_mp4(frames: int = 6, side: int = 32) -> bytes:
    """A real, tiny MP4 (a moving square, no person)."""
    return moving_square_mp4(frames, side, fps=6)


async def finished_task(dc: DC, *, user: int = USER, task_id: str | None = None, created_at: float | None = None,
                        channel: int = 701, motion: Any = None) -> str:
    """A task as the render path leaves it (queued, then done with an MP4 in the store), for
    history tests that need many of them without rendering each."""
    import time

    from motionbot.bot.core.keys import new_task_id
    from motionbot.bot.history.models import TaskRecord, TaskStatus
    from motionbot.queue.jobs import EngineName, MotionSource, RenderOptions

    store = dc.rt.client.store
    photo = await store.put_bytes(astronaut_png(64), suffix=".png", filename="me.png")
    output = await store.put_bytes(tiny_mp4(), suffix=".mp4", filename="out.mp4")
    tid = task_id or new_task_id()
    await dc.rt.history.add_task(TaskRecord(
        task_id=tid, platform=Platform.DISCORD, chat_id=str(channel), user_id=str(user), status=TaskStatus.QUEUED,
        engine=EngineName.WARP, options=RenderOptions(), photo=photo,
        motion=motion or MotionSource(kind="preset", preset="wave"), created_at=created_at or time.time(),
    ))
    await dc.rt.history.mark_done(tid, output=output, engine=EngineName.WARP, duration_s=1.0)
    await dc.rt.history.record_delivery(tid, platform=Platform.DISCORD, chat_id=str(channel), message_id="1",
                                        file_id="https://cdn.example/x.mp4")
    return tid


def is_mp4(data: bytes) -> bool:
    return data[4:8] == b"ftyp"


async def animate(dc: DC, place: fd.Place, *, user: int = USER, video: bytes | None = None,
                  motion: str | None = None, **options: Any) -> dict[str, Any]:
    attachments = {"photo": dc.fake.add_attachment("me.png", astronaut_png(), "image/png")}
    if video is not None:
        attachments["video"] = dc.fake.add_attachment("move.mp4", video, "video/mp4")
    if motion is not None:
        options["motion"] = motion
    return dc.inject(fd.slash(dc.fake, "animate", user, place, attachments=attachments, options=options))


async def finish(dc: DC, task: TaskRecord, data: bytes) -> None:
    """What the render worker does at the end: the MP4 in the store and a deliver job."""
    output = await dc.rt.client.store.put_bytes(data, suffix=".mp4", filename=f"{task.task_id}.mp4")
    assert await dc.rt.client.cancel(task.task_id)  # the queued render job is not needed here
    result = RenderResult(task_id=task.task_id, output=output, duration_s=1.0, width=32, height=32, fps=6.0,
                          engine=EngineName.WARP, engine_version="warp-1")
    key = ConversationKey(Platform.DISCORD, task.chat_id, task.user_id)
    await enqueue_deliver(dc.rt.client.redis, DeliverJob(
        task_id=task.task_id, target=key.target(status_message_id=task.status_message_id), outcome=result))
