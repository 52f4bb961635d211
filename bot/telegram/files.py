"""Fetch a user's upload from Telegram into a temporary file.

The cloud Bot API serves files up to 20 MB through getFile; a larger one (by its announced
size, or the API's "file is too big" answer) gets a message saying how to make it smaller.
A local Bot API server (``telegram_local``) has no limit and hands out local paths, which
aiogram reads directly.
"""

from __future__ import annotations

from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramEntityTooLarge

from motionbot.bot.core import texts
from motionbot.bot.core.finding_words import SaidError
from motionbot.bot.telegram.ui import with_retry_after
from motionbot.queue.errors import FailureReason, QueueError

MB = 1_000_000


def too_big(size: int | None, limit: int) -> QueueError:
    size_mb = (size or limit + MB) / MB
    return SaidError(
        FailureReason.FILE_TOO_LARGE,
        texts.TOO_BIG_TO_DOWNLOAD.format(size_mb=max(size_mb, limit / MB + 1), limit_mb=limit / MB),
    )


async def download(bot: Bot, file_id: str, dest: Path, *, size: int | None, limit: int | None) -> Path:
    """Download to ``dest``; raises QueueError(FILE_TOO_LARGE) with advice when over the limit."""
    if limit is not None and size is not None and size > limit:
        raise too_big(size, limit)
    try:
        file = await with_retry_after(lambda: bot.get_file(file_id))
    except (TelegramBadRequest, TelegramEntityTooLarge) as exc:
        if "too big" in exc.message.lower() and limit is not None:
            raise too_big(size, limit) from exc
        raise QueueError(FailureReason.UNREADABLE_FILE, detail=f"getFile failed: {exc.message}") from exc
    if file.file_path is None:
        raise QueueError(FailureReason.UNREADABLE_FILE, detail="getFile returned no path")
    dest.parent.mkdir(parents=True, exist_ok=True)
    await bot.download_file(file.file_path, destination=dest)
    if not dest.exists() or dest.stat().st_size == 0:
        raise SaidError(FailureReason.UNREADABLE_FILE, texts.EMPTY_FILE)
    return dest
