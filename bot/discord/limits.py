"""What an attachment must be before the bot downloads it, and how big an upload may be.

Discord tells us both the attachment's declared type and size and, per interaction, how
big a file may be posted in that place (``attachment_size_limit``: 10 MiB by default, more
in boosted guilds). The bot reads that limit rather than assuming one.
"""

from __future__ import annotations

from typing import Protocol

from motionbot.bot.core import texts
from motionbot.bot.core.intake import classify
from motionbot.queue.jobs import MediaKind

MB = 1_000_000


class AttachmentLike(Protocol):
    filename: str
    size: int
    content_type: str | None


def attachment_problem(attachment: AttachmentLike, kind: MediaKind, *, download_limit: int) -> str | None:
    """Why this attachment can't be used as ``kind`` (a sentence for the user), or None."""
    found = classify(attachment.content_type, attachment.filename)
    if found != kind:
        want = "a photo (JPEG, PNG or WebP)" if kind == "photo" else "a video (MP4, MOV, WebM, MKV or GIF)"
        return f"`{attachment.filename}` isn't {want}. {texts.UNSUPPORTED_FILE}"
    if attachment.size > download_limit:
        return texts.TOO_BIG_TO_DOWNLOAD.format(size_mb=attachment.size / MB, limit_mb=download_limit / MB)
    if attachment.size == 0:
        return texts.EMPTY_FILE
    return None
