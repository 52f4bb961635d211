"""The media store: content-hash keys, atomic writes, and the S3 flavour on a loopback moto server."""

from __future__ import annotations

import hashlib
import socket
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
