"""Which uploads count as a photo or a video, whatever way the client sent them."""

from __future__ import annotations

from pathlib import PurePath

from motionbot.queue.jobs import MediaKind

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".heic", ".heif", ".avif", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".gif", ".3gp"})


def classify(mime_type: str | None, filename: str | None) -> MediaKind | None:
    """A document's kind from its MIME type, else its file name; None for anything else."""
    mime = (mime_type or "").lower()
    if mime == "image/gif":
        return "video"  # animations carry motion
    if mime.startswith("image/"):
        return "photo"
    if mime.startswith("video/"):
        return "video"
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in PHOTO_SUFFIXES:
        return "photo"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    return None


def suffix_for(kind: MediaKind, mime_type: str | None, filename: str | None) -> str:
    suffix = PurePath(filename or "").suffix.lower()
    if suffix:
        return suffix
    mime = (mime_type or "").lower()
    known = {
        "image/png": ".png",
        "image/webp": ".webp",
        "image/gif": ".gif",
        "video/webm": ".webm",
        "video/quicktime": ".mov",
        "video/x-matroska": ".mkv",
    }
    return known.get(mime, ".jpg" if kind == "photo" else ".mp4")
