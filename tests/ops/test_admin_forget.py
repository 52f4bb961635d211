"""`motionbot admin export|forget PLATFORM:ID` from a shell: the operator's way to hand a user
their data or delete it, as the bots' /mydata and /forget do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from motionbot.bot.history import HistoryStore
from motionbot.bot.history.models import TaskRecord, TaskStatus
from motionbot.queue.jobs import EngineName, MotionSource, Platform, RenderOptions
from motionbot.queue.settings import QueueSettings
from motionbot.queue.store import LocalMediaStore


def _admin(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "motionbot.queue.cli", "admin", *argv],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def test_admin_export_and_forget_a_user(qsettings: QueueSettings, tmp_path: Path) -> None:
    store = LocalMediaStore(qsettings.media_dir)
    photo = await store.put_bytes(b"\x89PNG a user's photo", suffix=".png")
    db = tmp_path / "history.sqlite3"
    history = await HistoryStore.open(db)
    task = TaskRecord(
        task_id="adminforg1", platform=Platform.TELEGRAM, chat_id="555", user_id="555",
        status=TaskStatus.FAILED, engine=EngineName.WARP, options=RenderOptions(), photo=photo,
        motion=MotionSource(kind="preset", preset="wave"), created_at=time.time(),
    )  # fmt: skip
    try:
        await history.acknowledge(Platform.TELEGRAM, "555")
        await history.add_task(task)
    finally:
        await history.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTIONBOT_")}
    env |= {"MOTIONBOT_REDIS_URL": qsettings.redis_url, "MOTIONBOT_MEDIA_DIR": str(qsettings.media_dir),
            "MOTIONBOT_HISTORY_DB": str(db)}  # fmt: skip

    exported = _admin(env, "export", "telegram:555")
    assert exported.returncode == 0, exported.stderr
    doc = json.loads(exported.stdout)
    assert [t["task_id"] for t in doc["tasks"]] == ["adminforg1"] and doc["consent_given_at"]
    assert doc["files"] == [
        {"key": photo.key, "size_bytes": photo.size, "stored": True, "used_by": ["task adminforg1: photo"]}
    ]

    forgot = _admin(env, "forget", "telegram:555")
    assert forgot.returncode == 0, forgot.stderr
    deleted = json.loads(forgot.stdout)["deleted"]
    assert deleted["tasks"] == 1 and deleted["files"] == 1 and deleted["bytes"] == photo.size
    assert not await store.exists(photo)
    assert json.loads(_admin(env, "export", "telegram:555").stdout)["tasks"] == []

    bad = _admin(env, "forget", "555")  # the platform is part of the id
    assert bad.returncode == 2 and "PLATFORM:ID" in bad.stderr
