"""The media store: content-hash keys, atomic writes, and the S3 flavour on a loopback moto server."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from motionbot.queue.errors import FailureReason, QueueError
from motionbot.queue.jobs import MediaRef
from motionbot.queue.settings import QueueSettings
from motionbot.queue.store import LocalMediaStore, MediaStore, open_store


async def _round_trip(store: MediaStore, tmp_path: Path) -> None:
    data = b"\x00\x01fake mp4 bytes" * 1000
    digest = hashlib.sha256(data).hexdigest()
    ref = await store.put_bytes(data, suffix="MP4", filename="clip.mp4")
    assert ref.key == f"{digest[:2]}/{digest}.mp4" and ref.size == len(data) and ref.filename == "clip.mp4"
    assert await store.exists(ref)
    got = await store.fetch(ref, tmp_path / "dl")
    assert got.read_bytes() == data

    src = tmp_path / "photo.PNG"
    src.write_bytes(b"png-ish" * 50)
    ref2 = await store.put_file(src)
    assert ref2.key.endswith(".png") and ref2.filename == "photo.PNG"
    assert await store.put_file(src) == ref2  # same content, same key, stored once

    await store.delete(ref)
    assert not await store.exists(ref)
    with pytest.raises(QueueError) as err:
        await store.fetch(ref, tmp_path / "dl2")
    assert err.value.reason is FailureReason.MEDIA_EXPIRED


async def test_local_round_trip(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    await _round_trip(store, tmp_path)
    # nothing half-written is left behind
    assert not [p for p in (tmp_path / "media").rglob(".tmp-*")]


async def test_local_fetch_returns_own_file(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    ref = await store.put_bytes(b"abc", suffix=".jpg")
    path = await store.fetch(ref, tmp_path / "elsewhere")
    assert path.parent.parent == (tmp_path / "media").resolve()
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab/../../x.mp4", "/abs/path.mp4", "ab/" + "g" * 64])
async def test_keys_from_redis_cannot_escape(tmp_path: Path, key: str) -> None:
    store = LocalMediaStore(tmp_path / "media")
    with pytest.raises(QueueError):
        await store.fetch(MediaRef(key=key, size=1), tmp_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


async def test_s3_round_trip(moto_url: str, tmp_path: Path) -> None:
    import boto3

    settings = QueueSettings(
        media_store="s3",
        s3_endpoint_url=moto_url,
        s3_bucket="media",
        s3_access_key="test",
        s3_secret_key="test",
    )  # type: ignore[arg-type]
    boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket="media")
    store = open_store(settings)
    assert type(store).__name__ == "S3MediaStore"
    await _round_trip(store, tmp_path)
    # a second host (a fresh client on the same bucket) sees the same objects
    other = open_store(settings)
    ref = await store.put_bytes(b"shared", suffix=".json")
    assert (await other.fetch(ref, tmp_path / "host2")).read_bytes() == b"shared"


def test_a_full_store_says_so_and_leaves_no_partial_file(tmp_path: Path) -> None:
    """On a real 64 kB filesystem (tmpfs; mounting needs root): a file that does not fit is
    refused as STORAGE_FULL and no half-written temp file stays behind."""
    root = tmp_path / "small"
    root.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(root)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.decode().strip()}")
    try:
        store = LocalMediaStore(root)
        small = asyncio.run(store.put_bytes(b"fits", suffix=".jpg"))
        with pytest.raises(QueueError) as info:
            asyncio.run(store.put_bytes(bytes(300_000), suffix=".mp4"))
        assert info.value.reason is FailureReason.STORAGE_FULL and "no room" in info.value.message
        big = tmp_path / "result.mp4"
        big.write_bytes(bytes(300_000))
        with pytest.raises(QueueError):
            asyncio.run(store.put_file(big))
        left = sorted(p.name for p in root.rglob("*") if p.is_file())
        assert left == [store.path_of(small).name]  # no .tmp- leftovers, nothing half-written
    finally:
        subprocess.run(["umount", str(root)], check=True)
