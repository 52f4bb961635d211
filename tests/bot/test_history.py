"""HistoryStore on a real SQLite file: migrations, tasks, deliveries, media references."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from bot_helpers import task

from motionbot.bot.history import HistoryStore, TaskStatus
from motionbot.bot.history.schema import MIGRATIONS
from motionbot.queue.jobs import EngineName, MediaRef, MotionSource, Platform

TG = Platform.TELEGRAM


async def test_schema_version_wal_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    store = await HistoryStore.open(path)
    await store.acknowledge(TG, "7")
    await store.close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"tasks_by_user", "media_by_key"} <= indexes
    con.close()
    again = await HistoryStore.open(path)  # migrating twice is a no-op, data kept
    assert await again.is_acknowledged(TG, "7")
    await again.close()


async def test_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    con.close()
    with pytest.raises(RuntimeError, match="newer"):
        await HistoryStore.open(path)


async def test_ack_and_blocked(history: HistoryStore) -> None:
    assert not await history.is_acknowledged(TG, "1")
    await history.acknowledge(TG, "1")
    assert await history.is_acknowledged(TG, "1")
    assert not await history.is_acknowledged(Platform.DISCORD, "1")  # per platform
    await history.mark_blocked(TG, "1")
    assert await history.is_blocked(TG, "1")
    await history.mark_blocked(TG, "1", blocked=False)
    assert not await history.is_blocked(TG, "1")


async def test_tasks_newest_first_paginated_per_user(history: HistoryStore) -> None:
    now = time.time()
    for i in range(7):
        await history.add_task(task(f"t{i}", created=now + i))
    await history.add_task(task("other", user="2", created=now + 100))
    assert await history.count_tasks(TG, "1") == 7
    page0 = [t.task_id for t in await history.list_tasks(TG, "1", offset=0, limit=3)]
    page2 = [t.task_id for t in await history.list_tasks(TG, "1", offset=6, limit=3)]
    assert page0 == ["t6", "t5", "t4"] and page2 == ["t0"]


async def test_outcomes_and_exactly_once_delivery(history: HistoryStore) -> None:
    await history.add_task(task("a"))
    await history.mark_running("a")
    out = MediaRef(key="out.mp4", size=99)
    await history.mark_done("a", output=out, engine=EngineName.WARP, duration_s=2.5, timings={"render": 1.0})
    await history.mark_failed(
        "a", reason="internal_error", message="late"
    )  # a finished task keeps its outcome
    got = await history.get_task("a")
    assert got is not None and got.status is TaskStatus.DONE and got.output == out and got.duration_s == 2.5
    assert got.started_at is not None and got.finished_at is not None
    assert await history.record_delivery("a", platform=TG, chat_id="1", message_id="5", file_id="F")
    assert not await history.record_delivery("a", platform=TG, chat_id="1", message_id="6", file_id="G")
    delivery = await history.get_delivery("a")
    assert delivery is not None and delivery.file_id == "F" and delivery.message_id == "5"
    videos = await history.finished_videos(TG, "1")
    assert [(t.task_id, d.file_id) for t, d in videos] == [("a", "F")]
    assert await history.finished_videos(TG, "2") == []


async def test_delete_returns_only_unshared_media(history: HistoryStore) -> None:
    await history.add_task(task("a", photo="shared.jpg", video="va.mp4"))
    await history.add_task(task("b", photo="shared.jpg", video="vb.mp4"))
    await history.mark_done("a", output=MediaRef(key="oa.mp4", size=1), engine=EngineName.WARP, duration_s=1)
    orphans = {r.key for r in await history.delete_task("a")}
    assert orphans == {"va.mp4", "oa.mp4"}  # the photo is still used by task b
    assert await history.get_task("a") is None
    assert {r.key for r in await history.delete_task("b")} == {"shared.jpg", "vb.mp4"}


async def test_saved_motions(history: HistoryStore) -> None:
    src = MotionSource(kind="preset", preset="clap")
    saved = await history.save_motion(TG, "1", "my clap", src)
    assert saved.source == src
    assert [m.name for m in await history.saved_motions(TG, "1")] == ["my clap"]
    assert not await history.delete_saved_motion(TG, "2", saved.id)  # not the owner
    assert await history.delete_saved_motion(TG, "1", saved.id)


async def test_a_database_of_the_previous_schema_migrates_forward(tmp_path: Path) -> None:
    """A file written by the release before migration 4 (schema 3): every task is found, and
    the media of its saved motions count as in use by key (filled from their JSON)."""
    from motionbot.bot.history.guilds import GuildStore

    path = tmp_path / "v3.sqlite3"
    con = sqlite3.connect(path, isolation_level=None)
    for number, script in enumerate(MIGRATIONS[:3], start=1):
        con.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    tasks = [task("aaaaaaaaaa", video="v1.mp4"), task("bbbbbbbbbb", video=None), task("cccccccccc", user="2")]
    for t in tasks:
        con.execute(
            "INSERT INTO tasks (task_id, platform, chat_id, user_id, status, engine, options, photo, motion, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (t.task_id, t.platform.value, t.chat_id, t.user_id, t.status.value, t.engine.value,
             t.options.model_dump_json(), t.photo.model_dump_json(), t.motion.model_dump_json(), t.created_at),
        )  # fmt: skip
    saved = MotionSource(kind="video", video=MediaRef(key="only-saved.mp4", size=5))
    con.execute(
        "INSERT INTO saved_motions (platform, user_id, name, source, created_at) VALUES ('telegram', '1', 'm', ?, 0)",
        (saved.model_dump_json(),),
    )
    con.execute(
        "INSERT INTO guild_usage (platform, guild_id, day, renders) VALUES ('discord', '7', date('now'), 1)"
    )
    con.execute("INSERT INTO guild_renders VALUES ('cccccccccc', 'discord', '7', date('now'))")
    con.close()

    history = await HistoryStore.open(path)
    try:
        for t in tasks:
            found = await history.get_task(t.task_id)
            assert found is not None and found.motion == t.motion and found.photo == t.photo
        assert await history.count_tasks(TG, "1") == 2
        assert await history.media_in_use("only-saved.mp4")  # by key, from the saved motion
        (mine,) = await history.saved_motions(TG, "1")
        assert await history.delete_saved_motion(TG, "1", mine.id)
        assert not await history.media_in_use("only-saved.mp4")
        guilds = GuildStore(history.db)
        assert await guilds.used_today("7") == 1
        await history.mark_failed("cccccccccc", reason="worker_crashed", message="x")
        assert await guilds.used_today("7") == 0  # the counted render ended without a video
    finally:
        await history.close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
