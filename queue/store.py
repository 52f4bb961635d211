"""The media store: files addressed by content hash, shared by the bot and every worker.

Bytes never travel through Redis; jobs carry a :class:`MediaRef` whose key is
``<2 hex>/<sha256><suffix>``. The same bytes always get the same key, so a re-upload or a
re-run of a render stores nothing new, and a key can be trusted to name exactly one content.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from motionbot.queue.errors import FailureReason, QueueError
from motionbot.queue.jobs import MediaRef
from motionbot.queue.settings import QueueSettings

_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z0-9]{1,8})?$")
_SUFFIX = re.compile(r"^(\.[a-z0-9]{1,8})?$")
_CHUNK = 1 << 20
# users' photos, videos and results: readable by the service's account only (every container
# runs as the same uid, 10001)
FILE_MODE = 0o600
DIR_MODE = 0o700
# a disk or quota full, a read-only or unwritable folder
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG})

log = logging.getLogger(__name__)


class MediaStore(Protocol):
    async def put_file(self, path: Path, *, filename: str | None = None) -> MediaRef: ...
    async def put_bytes(self, data: bytes, *, suffix: str, filename: str | None = None) -> MediaRef: ...
    async def fetch(self, ref: MediaRef, dest_dir: Path) -> Path: ...
    async def delete(self, ref: MediaRef) -> None: ...
    async def exists(self, ref: MediaRef) -> bool: ...


def normalise_suffix(suffix: str) -> str:
    suffix = suffix.lower()
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    if not _SUFFIX.match(suffix):
        raise ValueError(f"unusable file suffix {suffix!r}")
    return suffix


def key_for(digest: str, suffix: str) -> str:
    return f"{digest[:2]}/{digest}{normalise_suffix(suffix)}"


def check_key(key: str) -> str:
    """A key comes from Redis, i.e. from another process: never let it leave the store."""
    if not _KEY.match(key):
        raise QueueError(FailureReason.INTERNAL_ERROR, detail=f"malformed media key {key!r}")
    return key


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def expired(ref: MediaRef) -> QueueError:
    return QueueError(FailureReason.MEDIA_EXPIRED, detail=f"media {ref.key} is not in the store")


class LocalMediaStore:
    """A directory on a disk every process mounts (a single host or a shared volume)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)

    def path_of(self, ref: MediaRef) -> Path:
        return self.root / check_key(ref.key)

    def _install(self, src: Path, key: str, *, move: bool) -> None:
        """Copy (or move) into place through a temp file in the same folder: readers never
        see a half-written file, and two writers of the same content both succeed."""
        dest = self.root / key
        if dest.exists():
            return
        dest.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
        os.close(fd)
        try:
            if move:
                os.replace(src, tmp)
            else:
                shutil.copyfile(src, tmp)
            os.chmod(tmp, FILE_MODE)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _put_file(self, path: Path, filename: str | None) -> MediaRef:
        digest = file_digest(path)
        key = key_for(digest, path.suffix)
        self._install(path, key, move=False)
        return MediaRef(key=key, size=path.stat().st_size, filename=filename or path.name)

    def _put_bytes(self, data: bytes, suffix: str, filename: str | None) -> MediaRef:
        key = key_for(hashlib.sha256(data).hexdigest(), suffix)
        dest = self.root / key
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.chmod(tmp, FILE_MODE)
                os.replace(tmp, dest)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return MediaRef(key=key, size=len(data), filename=filename)

    async def put_file(self, path: Path, *, filename: str | None = None) -> MediaRef:
        with self._no_room():
            return await asyncio.to_thread(self._put_file, path, filename)

    async def put_bytes(self, data: bytes, *, suffix: str, filename: str | None = None) -> MediaRef:
        with self._no_room():
            if len(data) < _CHUNK:
                return self._put_bytes(data, suffix, filename)
            return await asyncio.to_thread(self._put_bytes, data, suffix, filename)

    @contextlib.contextmanager
    def _no_room(self) -> Iterator[None]:
        """A full or read-only store is the operator's to fix: logged for them, and a
        STORAGE_FULL error with a clear message for the user (the temp file is gone already)."""
        try:
            yield
        except OSError as exc:
            if exc.errno not in _NO_ROOM:
                raise
            log.error("media store %s cannot take a file: %s", self.root, exc)
            raise QueueError(FailureReason.STORAGE_FULL, detail=f"{self.root}: {exc}") from exc

    async def fetch(self, ref: MediaRef, dest_dir: Path) -> Path:
        """The store's own file (no copy): callers must treat it as read-only."""
        path = self.path_of(ref)
        if not path.is_file():
            raise expired(ref)
        return path

    async def delete(self, ref: MediaRef) -> None:
        self.path_of(ref).unlink(missing_ok=True)

    async def exists(self, ref: MediaRef) -> bool:
        return self.path_of(ref).is_file()


def open_store(settings: QueueSettings) -> MediaStore:
    if settings.media_store == "s3":
        from motionbot.queue.store_s3 import S3MediaStore

        return S3MediaStore.from_settings(settings)
    return LocalMediaStore(settings.media_dir)
