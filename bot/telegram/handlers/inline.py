"""Inline mode: "@bot" in any chat lists the user's finished videos by their cached file ids."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import InlineQuery, InlineQueryResultCachedVideo

from motionbot.bot.core import presenters, texts
from motionbot.bot.i18n import formats
from motionbot.bot.telegram.runtime import Runtime
from motionbot.queue.jobs import Platform

CACHE_TIME_S = 5
MAX_RESULTS = 20


async def share_inline(query: InlineQuery, rt: Runtime) -> None:
    found = await rt.history.finished_videos(
        Platform.TELEGRAM, str(query.from_user.id), search=query.query.strip(), limit=MAX_RESULTS
    )
    results = [
        InlineQueryResultCachedVideo(
            id=task.task_id,
            video_file_id=delivery.file_id or "",
            title=texts.INLINE_TITLE.format(task_id=task.task_id),
            description=texts.INLINE_DESCRIPTION.format(
                engine=presenters.engine_name(task.engine.value),
                duration=formats.number(task.duration_s or 0.0),
                date=presenters.fmt_date(task.created_at),
            ),
        )
        for task, delivery in found
    ]
    await query.answer(results, cache_time=CACHE_TIME_S, is_personal=True)  # type: ignore[arg-type]


def router() -> Router:
    """A fresh router (a router belongs to one dispatcher; tests build several)."""
    r = Router(name="inline")
    r.inline_query.register(share_inline)
    return r
