"""Faults under `motionbot run`, with figures: what a crash costs the users, and what is lost.

    .venv/bin/python benchmarks/faults.py                       # all four
    .venv/bin/python benchmarks/faults.py --only worker --kills 5

It starts `motionbot run` itself (its own Redis, an inspect and a CPU render worker, in a temp
data folder; no network) and consumes the Telegram deliver queue in this process, counting
every delivery of every task:

* worker: SIGKILL the CPU render worker mid-render ``--kills`` times in a row (the supervisor
  restarts it, arq re-runs the job once its lease runs out): videos delivered, and how many
  times each; recovery time from the kill to the delivery, p50 and max.
* redis: ``--submits`` renders submitted one after another (the last within the final second),
  then redis-server is SIGKILLed and `motionbot run` started again on the same data folder:
  jobs lost (told "queued", never delivered) and deliveries per task.
* full: the media store on a small tmpfs (mounting needs root; skipped otherwise) filled up, then
  a render: what the user is told, whether the operator's log says so, whether a half-written
  file is left; then room is made and the next render works.
* bot: the Telegram bot (against the fake Bot API of tests/fakes) is SIGKILLed after a user sent
  a photo and before the video; after the supervisor restarts it, the user's next video
  completes the pair and the video arrives.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

from motionbot.queue.client import RenderClient
from motionbot.queue.delivery import delivery_worker
from motionbot.queue.jobs import (
    DeliverJob,
    DeliveryTarget,
    MotionSource,
    Platform,
    RenderOptions,
    RenderRequest,
    RenderResult,
    Stage,
)
from motionbot.queue.settings import QueueSettings

ROOT = Path(__file__).resolve().parent.parent
BOT_TOKEN = "42:AAH-faults-benchmark-token"


def astronaut_jpeg(side: int = 320) -> bytes:
    from PIL import Image
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((side, side)).save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append((int(entry.name), cmdline))
    return found


def child_pid(launcher: subprocess.Popen[str], *needles: str, timeout_s: float = 120) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for pid, cmd in _children(launcher.pid):
            if all(n in cmd for n in needles):
                return pid
        time.sleep(0.1)
    raise TimeoutError(f"no child process with {needles}")


class Launcher:
    """`motionbot run` in a subprocess on one data folder and one Redis port."""

    def __init__(self, data: Path, log: IO[str], env: dict[str, str], port: int) -> None:
        self.data, self.log, self.env, self.port = data, log, env, port
        self.proc: subprocess.Popen[str] | None = None

    def start(self, *extra: str) -> str:
        cmd = [sys.executable, "-m", "motionbot.queue.cli", "run", "--data-dir", str(self.data), "--gpu", "off",
               "--grace", "10", "--redis-port", str(self.port), *extra]  # fmt: skip
        url_file = self.data / "redis" / "redis.url"
        url_file.unlink(missing_ok=True)
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while not url_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"motionbot run did not start (see {self.log.name})")
            time.sleep(0.1)
        return url_file.read_text().strip()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Deliveries:
    """The Telegram deliver queue consumed here: every delivery of every task, timed."""

    def __init__(self, settings: QueueSettings) -> None:
        self.settings = settings
        self.seen: dict[str, list[float]] = {}
        self.outcomes: dict[str, Any] = {}
        self._worker: Any = None
        self._task: asyncio.Task[None] | None = None

    async def _handle(self, job: DeliverJob) -> None:
        self.seen.setdefault(job.task_id, []).append(time.monotonic())
        self.outcomes[job.task_id] = job.outcome

    async def start(self) -> None:
        self._worker = delivery_worker(
            self.settings, self._handle, platform=Platform.TELEGRAM, poll_delay=0.05
        )
        self._task = asyncio.create_task(self._worker.async_run())

    async def stop(self) -> None:
        if self._worker is not None:
            with contextlib.suppress(Exception):  # Redis already gone
                await self._worker.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def wait(self, task_id: str, timeout_s: float) -> float | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if task_id in self.seen:
                return self.seen[task_id][0]
            await asyncio.sleep(0.05)
        return None


async def submit(client: RenderClient, photo: Any, n: int, tag: str) -> str:
    task_id = f"{tag}{n:04d}"[:10].ljust(10, "x")
    target = DeliveryTarget(platform=Platform.TELEGRAM, chat_id=str(5000 + n), user_id=str(5000 + n))
    request = RenderRequest(
        task_id=task_id,
        target=target,
        photo=photo,
        motion=MotionSource(kind="preset", preset="wave"),
        options=RenderOptions(background=f"#{(n * 2654435761) % 0xFFFFFF:06x}"),  # no result-cache hits
    )
    await client.submit(request)
    return task_id


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def worker_kills(launcher: Launcher, client: RenderClient, deliveries: Deliveries, kills: int) -> None:
    print(f"\n== SIGKILL the CPU render worker mid-render, {kills} times in a row")
    photo = await client.store.put_bytes(astronaut_jpeg(), suffix=".jpg", filename="me.jpg")
    assert launcher.proc is not None
    recoveries: list[float] = []
    tasks = []
    for n in range(kills):
        task_id = await submit(client, photo, n, "kw")
        tasks.append(task_id)
        deadline = time.monotonic() + 300
        p = None
        while time.monotonic() < deadline and task_id not in deliveries.seen:
            p = await client.progress(task_id)
            if p is not None and p.stage is Stage.RENDER:
                break
            await asyncio.sleep(0.05)
        else:
            outcome = deliveries.outcomes.get(task_id)
            print(f"  {task_id}: never seen rendering (last progress {p}; outcome {outcome})")
            continue
        pid = child_pid(launcher.proc, "worker", "render:cpu")
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        delivered = await deliveries.wait(task_id, 600)
        if delivered is None:
            print(f"  {task_id}: not delivered within 600 s")
            continue
        recoveries.append(delivered - killed_at)
        print(f"  kill {n + 1:2d}: delivered {delivered - killed_at:5.1f} s after the kill")
    await asyncio.sleep(3)  # a late duplicate would show up here
    counts = Counter(len(deliveries.seen.get(t, [])) for t in tasks)
    done = sum(isinstance(deliveries.outcomes.get(t), RenderResult) for t in tasks)
    print(f"  videos delivered: {done}/{kills}; deliveries per task: {dict(sorted(counts.items()))}")
    if recoveries:
        print(f"  recovery (kill -> video): p50 {statistics.median(recoveries):.1f} s, "
              f"max {max(recoveries):.1f} s, mean {statistics.mean(recoveries):.1f} s")  # fmt: skip


async def redis_kill(
    launcher: Launcher, settings: QueueSettings, deliveries: Deliveries, submits: int
) -> None:
    print(f"\n== {submits} submits, then SIGKILL redis-server (the last submit within the final second)")
    client = await RenderClient.connect(settings)
    photo = await client.store.put_bytes(astronaut_jpeg(288), suffix=".jpg", filename="me.jpg")
    assert launcher.proc is not None
    tasks: list[str] = []
    told: list[float] = []
    for n in range(submits):
        tasks.append(await submit(client, photo, n, "rk"))
        told.append(time.monotonic())
        await asyncio.sleep(0.05)
    redis_pid = child_pid(launcher.proc, "redis-server")
    os.kill(redis_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    print(f"  killed redis-server {killed_at - told[-1]:.3f} s after the last submit was answered")
    await deliveries.stop()
    await client.close()
    launcher.stop()
    before = {t for t in tasks if t in deliveries.seen}
    launcher.start("--no-bots")
    deliveries.seen = {t: v for t, v in deliveries.seen.items() if t in before}
    await deliveries.start()
    deadline = time.monotonic() + 60 * submits
    while time.monotonic() < deadline and not all(t in deliveries.seen for t in tasks):
        await asyncio.sleep(0.2)
    await asyncio.sleep(3)
    lost = [t for t in tasks if t not in deliveries.seen]
    counts = Counter(len(deliveries.seen.get(t, [])) for t in tasks if t not in lost)
    print(
        f"  delivered before the kill: {len(before)}; after the restart: {submits - len(before) - len(lost)}"
    )
    print(f"  jobs lost: {len(lost)}/{submits} {lost if lost else ''}; deliveries per task: {dict(counts)}")


async def store_full(settings: QueueSettings, deliveries: Deliveries, log_path: Path) -> None:
    print("\n== the media store is full")
    root = settings.media_dir
    free = shutil.disk_usage(root).free
    client = await RenderClient.connect(settings)
    try:
        photo = await client.store.put_bytes(astronaut_jpeg(256), suffix=".jpg", filename="me.jpg")
        filler = root / "filler"
        with filler.open("wb") as fh, contextlib.suppress(OSError):  # leave a few kB: less than any video
            fh.write(bytes(max(0, shutil.disk_usage(root).free - 8192)))
        print(f"  store: tmpfs of {free / 1e6:.1f} MB, {shutil.disk_usage(root).free} bytes left")
        task_id = await submit(client, photo, 1, "sf")
        started = time.monotonic()
        delivered = await deliveries.wait(task_id, 600)
        outcome = deliveries.outcomes.get(task_id)
        if delivered is None:
            print("  no answer within 600 s")
        else:
            print(f"  the user was told after {delivered - started:.1f} s: "
                  f"{getattr(outcome, 'reason', 'a video?!')}: {getattr(outcome, 'message', '')}")  # fmt: skip
        partial = [p.name for p in root.rglob(".tmp-*")]
        print(f"  half-written files left in the store: {len(partial)}")
        logged = [ln for ln in log_path.read_text().splitlines() if "cannot take a file" in ln]
        print(
            f"  operator log lines about it: {len(logged)}" + (f" (e.g. {logged[0][:160]})" if logged else "")
        )
        filler.unlink()
        task_id = await submit(client, photo, 2, "sf")
        started = time.monotonic()
        delivered = await deliveries.wait(task_id, 600)
        ok = isinstance(deliveries.outcomes.get(task_id), RenderResult)
        print(f"  room made: the next render {'arrived' if ok else 'did not arrive'}"
              + (f" after {delivered - started:.1f} s" if delivered else ""))  # fmt: skip
    finally:
        await client.close()


async def bot_kill(launcher: Launcher, log: IO[str]) -> None:
    print("\n== SIGKILL the Telegram bot between the photo and the video")
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from bad_inputs import mp4, swaying
    from fakes.telegram import FakeTelegram

    fake = await FakeTelegram().start()
    user = 7001
    launcher.env |= {"MOTIONBOT_TELEGRAM_TOKEN": BOT_TOKEN, "MOTIONBOT_TELEGRAM_API_URL": fake.base_url}
    try:
        launcher.start()
        assert launcher.proc is not None

        def sent_text(fragment: str) -> bool:
            return any(
                fragment in str(r.fields.get("text", "")) for r in fake.sent("sendMessage", "editMessageText")
            )

        async def press(action: str) -> None:
            def find() -> int | None:
                for (chat, mid), msg in sorted(fake.messages.items(), key=lambda kv: -kv[0][1]):
                    rows = (msg.get("reply_markup") or {}).get("inline_keyboard", [])
                    if chat == user and any(b.get("callback_data") == action for row in rows for b in row):
                        return mid
                return None

            await fake.press(user, user, await fake.wait_for(find, 120), action)

        await fake.push_message(
            user, user, text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
        )
        await press("ack")
        await fake.push_message(user, user, **fake.photo_fields(astronaut_jpeg()))
        await fake.wait_for(lambda: sent_text("Photo:"), 180)
        bot = child_pid(launcher.proc, "bot", "telegram")
        os.kill(bot, signal.SIGKILL)
        killed_at = time.monotonic()
        while child_pid(launcher.proc, "bot", "telegram") == bot:
            await asyncio.sleep(0.1)
        clip = mp4(swaying(256, 24), 12)
        await fake.push_message(user, user, **fake.video_fields(clip))
        await fake.wait_for(lambda: sent_text("Video:"), 240)
        back = time.monotonic() - killed_at
        await press("gen")
        videos = await fake.wait_sent("sendVideo", timeout=600)
        print(f"  the bot answered the video {back:.1f} s after the kill; the pair was completed and "
              f"{len(videos)} video(s) arrived, {time.monotonic() - killed_at:.1f} s after the kill")  # fmt: skip
    finally:
        launcher.stop()
        await fake.close()


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", choices=["worker", "redis", "full", "bot"], action="append")
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--submits", type=int, default=20)
    p.add_argument(
        "--heartbeat", type=float, default=None, help="MOTIONBOT_HEARTBEAT_S (default: the product's)"
    )
    args = p.parse_args()
    only = set(args.only or ["worker", "redis", "full", "bot"])
    tmp = Path(tempfile.mkdtemp(prefix="motionbot-faults-"))
    data = tmp / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTIONBOT_")}
    env |= {"MOTIONBOT_METRICS_PORT": "0", "MOTIONBOT_DAILY_QUOTA": "0", "MOTIONBOT_OUTPUT_LONG_SIDE": "384",
            "MOTIONBOT_HEALTH_CHECK_INTERVAL_S": "1", "MOTIONBOT_EDIT_INTERVAL_S": "0",
            "MOTIONBOT_INSPECT_TIMEOUT_S": "60"}  # fmt: skip
    if args.heartbeat:
        env["MOTIONBOT_HEARTBEAT_S"] = str(args.heartbeat)
    mounted = False
    if "full" in only:
        (data / "media").mkdir(parents=True)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(data / "media")],
                                 capture_output=True).returncode == 0  # fmt: skip
    from motionbot.ops.run import free_port

    log_path = tmp / "run.log"
    print(f"motionbot run in {tmp}; heartbeat {env.get('MOTIONBOT_HEARTBEAT_S', 'default (10)')} s, "
          f"output long side 384 px, 2-core machine")  # fmt: skip
    try:
        with log_path.open("w") as log:
            launcher = Launcher(data, log, env, free_port())
            url = launcher.start("--no-bots")
            settings = QueueSettings(redis_url=url, media_dir=data / "media", worker_poll_s=0.05)
            deliveries = Deliveries(settings)
            await deliveries.start()
            client = await RenderClient.connect(settings)
            try:
                if "worker" in only:
                    await worker_kills(launcher, client, deliveries, args.kills)
                if "full" in only:
                    if mounted:
                        await store_full(settings, deliveries, log_path)
                    else:
                        print("\n== the media store is full: skipped (cannot mount a tmpfs here)")
                await client.close()
                if "redis" in only:
                    await redis_kill(launcher, settings, deliveries, args.submits)
            finally:
                await deliveries.stop()
                launcher.stop()
            if "bot" in only:
                await bot_kill(launcher, log)
    finally:
        if mounted:
            subprocess.run(["umount", str(data / "media")], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
