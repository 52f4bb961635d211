"""The media store on S3-compatible object storage (AWS, MinIO, R2, ...) for several hosts.

boto3 is synchronous, so every call runs in a thread; one client is shared (boto3 clients
are thread-safe). Keys are the same content-hash keys as the local store.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any

from motionbot.queue.jobs import MediaRef
from motionbot.queue.settings import QueueSettings
from motionbot.queue.store import check_key, expired, file_digest, key_for


def _is_missing(exc: Exception) -> bool:
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


class S3MediaStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_settings(cls, settings: QueueSettings) -> S3MediaStore:
        import boto3

        key, secret = settings.s3_access_key, settings.s3_secret_key
        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=key.get_secret_value() if key else None,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
        )
        return cls(client, settings.s3_bucket)

    def _exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    def _put_file(self, path: Path, filename: str | None) -> MediaRef:
        key = key_for(file_digest(path), path.suffix)
        if not self._exists(key):
            self.client.upload_file(str(path), self.bucket, key)
        return MediaRef(key=key, size=path.stat().st_size, filename=filename or path.name)

    def _put_bytes(self, data: bytes, suffix: str, filename: str | None) -> MediaRef:
        key = key_for(hashlib.sha256(data).hexdigest(), suffix)
        if not self._exists(key):
            self.client.upload_fileobj(io.BytesIO(data), self.bucket, key)
        return MediaRef(key=key, size=len(data), filename=filename)

    def _fetch(self, ref: MediaRef, dest_dir: Path) -> Path:
        from botocore.exceptions import ClientError

        key = check_key(ref.key)
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / key.replace("/", "_")
        if dest.is_file() and dest.stat().st_size == ref.size:
            return dest
        fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=".tmp-")
        os.close(fd)
        try:
            self.client.download_file(self.bucket, key, tmp)
            os.replace(tmp, dest)
        except ClientError as exc:
            Path(tmp).unlink(missing_ok=True)
            if _is_missing(exc):
                raise expired(ref) from exc
            raise
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return dest

    async def put_file(self, path: Path, *, filename: str | None = None) -> MediaRef:
        return await asyncio.to_thread(self._put_file, path, filename)

    async def put_bytes(self, data: bytes, *, suffix: str, filename: str | None = None) -> MediaRef:
        return await asyncio.to_thread(self._put_bytes, data, suffix, filename)

    async def fetch(self, ref: MediaRef, dest_dir: Path) -> Path:
        return await asyncio.to_thread(self._fetch, ref, dest_dir)

    async def delete(self, ref: MediaRef) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=check_key(ref.key))

    async def exists(self, ref: MediaRef) -> bool:
        return await asyncio.to_thread(self._exists, check_key(ref.key))
