"""Who can reach what: the local Redis of `motionbot run` asks for a password kept owner-only
in the data folder, doctor warns about a Redis without one, and the media store and the
history are readable by their owner only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import redis

from motionbot.bot.history import HistoryStore
from motionbot.ops import doctor, run
from motionbot.ops.checks import CheckResult, Status
from motionbot.queue.store import LocalMediaStore


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _auth(results: list[CheckResult]) -> CheckResult:
    (found,) = [r for r in results if r.name == "redis auth"]
    return found


def test_doctor_warns_about_a_redis_without_a_password(redis_url: str) -> None:
    result = _auth(doctor.check_redis(redis_url))
    assert result.status is Status.WARN and not result.failed
    assert "no password" in result.detail and result.fix and "requirepass" in result.fix


def test_local_redis_has_a_private_password_that_survives_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "redis"
    proc, url = run.start_redis(folder, 0)
    try:
        password = (folder / "redis.password").read_text().strip()
        assert len(password) >= 32 and f":{password}@127.0.0.1:" in url
        assert password not in " ".join(map(str, proc.args))  # not on the command line (ps)
        for name in ("redis.password", "redis.url", "redis.conf"):
            assert _mode(folder / name) == 0o600, name
        assert _mode(folder) == 0o700
        assert (folder / "redis.url").read_text().strip() == url
        authed = redis.Redis.from_url(url)
        assert authed.ping()
        authed.close()
        assert _auth(doctor.check_redis(url)).status is Status.OK
        anonymous = redis.Redis.from_url(url.replace(f":{password}@", ""))
        with pytest.raises(redis.AuthenticationError):
            anonymous.set("motionbot:probe", "1")
        anonymous.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    proc, again = run.start_redis(folder, 0)
    try:
        assert f":{password}@" in again  # the same password: queued data stays reachable
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def test_media_and_history_are_owner_only(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    ref = await store.put_bytes(b"a user's photo", suffix=".jpg")
    src = tmp_path / "result.mp4"
    src.write_bytes(b"a user's result")
    moved = await store.put_file(src)
    for r in (ref, moved):
        path = store.path_of(r)
        assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    assert _mode(tmp_path / "media") == 0o700
    history = await HistoryStore.open(tmp_path / "history.sqlite3")
    try:
        assert _mode(tmp_path / "history.sqlite3") == 0o600
    finally:
        await history.close()
