"""Small helpers shared by the bot tests (found through pythonpath in the pytest settings)."""

from __future__ import annotations

import io
import time

from PIL import Image

from motionbot.bot.history import TaskRecord, TaskStatus
from motionbot.queue.jobs import EngineName, MediaRef, MotionSource, Platform, RenderOptions


def png_bytes(color: tuple[int, int, int] = (200, 120, 90), size: tuple[int, int] = (64, 80)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def task(
    task_id: str,
    user: str = "1",
    *,
    photo: str = "p1.jpg",
    video: str | None = "v1.mp4",
    created: float | None = None,
) -> TaskRecord:
    motion = (
        MotionSource(kind="video", video=MediaRef(key=video, size=20))
        if video
        else MotionSource(kind="preset", preset="wave")
    )
    return TaskRecord(
        task_id=task_id,
        platform=Platform.TELEGRAM,
        chat_id=user,
        user_id=user,
        status=TaskStatus.QUEUED,
        engine=EngineName.WARP,
        options=RenderOptions(),
        photo=MediaRef(key=photo, size=10),
        motion=motion,
        created_at=created or time.time(),
    )
