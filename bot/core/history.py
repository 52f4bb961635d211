"""The history feature: one user's past tasks, a task's card, re-send, reuse, delete.

Every method that takes a task id from a client checks that the asker owns it first (button
data can be forged): :meth:`TaskHistory.owned_task` is that one check.
"""

from __future__ import annotations

import logging
from typing import Literal

from motionbot.bot.core import actions as act
from motionbot.bot.core import presenters, texts
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.handlers import Handlers
from motionbot.bot.core.inputs import InputChange, Inputs
from motionbot.bot.core.keys import ConversationKey, looks_like_task_id
from motionbot.bot.core.replies import Reply, VideoAttachment
from motionbot.bot.history.models import TaskRecord, TaskStatus
from motionbot.ops.retention import expired_before
from motionbot.queue.jobs import Extra, MediaRef, OutputFormat, Platform

log = logging.getLogger(__name__)

Reuse = Literal["motion", "photo", "both"]


def reused_media(task: TaskRecord, what: Reuse) -> list[MediaRef]:
    """The stored files a reuse of ``task`` needs."""
    needed = [task.photo] if what in ("photo", "both") else []
    if what in ("motion", "both") and task.motion.video is not None:
        needed.append(task.motion.video)
    return needed


class TaskHistory:
    def __init__(self, deps: CoreDeps, inputs: Inputs) -> None:
        self.deps = deps
        self.inputs = inputs

    async def page(self, key: ConversationKey, page: int = 0) -> Reply:
        history = self.deps.history
        size = self.deps.settings.history_page_size
        total = await history.count_tasks(key.platform, key.user_id)
        page = min(max(0, page), max(0, (total - 1) // size))
        tasks = await history.list_tasks(key.platform, key.user_id, offset=page * size, limit=size)
        return presenters.history_page(
            tasks, page=page, page_size=size, total=total, expired_before=await self._expired_before()
        )

    async def _expired_before(self) -> float | None:
        """Files stored before the last retention sweep's cutoff are gone (the rows stay)."""
        cutoff = await expired_before(self.deps.client.redis)
        return cutoff.timestamp() if cutoff is not None else None

    async def owned_task(self, key: ConversationKey, task_id: str) -> TaskRecord | Reply:
        """The task when the asker owns it, else the refusal to show (ids come from clients)."""
        task = await self.deps.history.get_task(task_id) if looks_like_task_id(task_id) else None
        if task is None:
            return Reply(texts.TASK_NOT_FOUND)
        if not task.owned_by(key.platform, key.user_id):
            log.warning("user %s asked for task %s of another user", key.user_id, task_id)
            return Reply(texts.NOT_YOURS)
        return task

    async def card(self, key: ConversationKey, task_id: str) -> Reply:
        task = await self.owned_task(key, task_id)
        if isinstance(task, Reply):
            return task
        delivery = await self.deps.history.get_delivery(task_id)
        newer = await self.deps.history.count_newer(key.platform, key.user_id, task.created_at)
        return presenters.task_card(
            task,
            delivery,
            back_page=newer // self.deps.settings.history_page_size,
            expired_before=await self._expired_before(),
        )

    async def resend(self, key: ConversationKey, task_id: str) -> Reply:
        task = await self.owned_task(key, task_id)
        if isinstance(task, Reply):
            return task
        if task.status is not TaskStatus.DONE or task.output is None:
            return Reply(texts.NOT_FINISHED)
        delivery = await self.deps.history.get_delivery(task_id)
        file_id = delivery.file_id if delivery and delivery.platform == key.platform else None
        if file_id is None and not await self.deps.store.exists(task.output):
            return Reply(texts.MEDIA_GONE)
        extras = tuple((await self.deps.history.task_extras(task_id)).items())
        stickers = key.platform is Platform.TELEGRAM
        return Reply(
            presenters.task_caption(task),
            buttons=presenters.result_buttons(task_id, savable=presenters.savable(task), sticker=stickers),
            video=VideoAttachment(task_id=task_id, media=task.output, file_id=file_id, extras=extras),
        )

    async def _media_gone(self, task: TaskRecord, what: Reuse) -> bool:
        for ref in reused_media(task, what):
            if not await self.deps.store.exists(ref):
                return True
        return False

    async def shorter_seconds(self, key: ConversationKey, task_id: str) -> float | Reply:
        """Load a task's inputs and options again for a render half as long as it was (its
        result did not fit the upload limit); the frontend then generates with this cap."""
        task = await self._reloaded(key, task_id)
        if isinstance(task, Reply):
            return task
        return max(1.0, (task.duration_s or task.options.max_seconds) / 2)

    async def restore(self, key: ConversationKey, task_id: str) -> Reply | None:
        """Load a task's inputs and options again for another render of them (a sticker made
        from a result); the refusal to show when that cannot be done."""
        task = await self._reloaded(key, task_id)
        return task if isinstance(task, Reply) else None

    async def _reloaded(self, key: ConversationKey, task_id: str) -> TaskRecord | Reply:
        task = await self.owned_task(key, task_id)
        if isinstance(task, Reply):
            return task
        if await self._media_gone(task, "both"):
            return Reply(texts.MEDIA_GONE)
        await self._reuse(key, task, "both")
        return task

    async def sticker_of(self, key: ConversationKey, task_id: str) -> tuple[MediaRef, str | None] | Reply:
        """A sticker task's sticker: the stored file and Telegram's file id when it was sent."""
        task = await self.owned_task(key, task_id)
        if isinstance(task, Reply):
            return task
        ref = (await self.deps.history.task_extras(task_id)).get(Extra.STICKER)
        if ref is None:
            return Reply(texts.STICKER_NOT_READY)
        delivery = await self.deps.history.get_delivery(task_id)
        return ref, delivery.file_id if delivery is not None else None

    async def reuse(self, key: ConversationKey, task_id: str, what: Reuse) -> list[Reply]:
        task = await self.owned_task(key, task_id)
        if isinstance(task, Reply):
            return [task]
        if await self._media_gone(task, what):
            return [Reply(texts.MEDIA_GONE)]
        return await self._reuse(key, task, what)

    async def _reuse(self, key: ConversationKey, task: TaskRecord, what: Reuse) -> list[Reply]:
        tid = task.task_id
        performer, subject = task.options.performer, task.options.subject  # the people picked then
        if what == "motion":
            lead = texts.REUSE_MOTION.format(task_id=tid)
            change = InputChange(motion=task.motion, performer=performer, clear_photo=True, lead=lead)
            return await self.inputs.change(key, change)
        if what == "photo":
            lead = texts.REUSE_PHOTO.format(task_id=tid)
            change = InputChange(photo=task.photo, subject=subject, clear_motion=True, lead=lead)
            return await self.inputs.change(key, change)
        states = self.deps.states
        async with states.lock(key):
            state = await states.load(key)
            chosen = state.options.model_copy(
                update={
                    "engine": task.engine,
                    "background": task.options.background,
                    "keep_sound": task.options.keep_sound,
                    # a sticker comes from its own button, never from the options
                    "format": OutputFormat.MP4
                    if task.options.format is OutputFormat.STICKER
                    else task.options.format,
                    "aspect": task.options.aspect,
                }
            )
            await states.save(key, state.model_copy(update={"options": chosen}))
        lead = texts.REUSE_AGAIN.format(task_id=tid)
        change = InputChange(
            photo=task.photo, motion=task.motion, performer=performer, subject=subject, lead=lead
        )
        return await self.inputs.change(key, change)

    async def delete(self, key: ConversationKey, task_id: str) -> Reply:
        task = await self.owned_task(key, task_id)
        if isinstance(task, Reply):
            return task
        if not task.status.finished:
            await self.deps.client.cancel(task_id)
        orphans = await self.deps.history.delete_task(task_id)
        for ref in orphans:
            try:
                await self.deps.store.delete(ref)
            except Exception:  # the row is gone either way; a leftover file expires with the store
                log.exception("could not delete %s from the media store", ref.key)
        return Reply(texts.TASK_DELETED.format(task_id=task_id), edit=True)

    def handlers(self) -> Handlers:
        async def page(key: ConversationKey, action: act.HistoryPage) -> list[Reply]:
            reply = await self.page(key, action.page)
            return [Reply(reply.text, buttons=reply.buttons, edit=True)]

        async def card(key: ConversationKey, action: act.ShowTask) -> list[Reply]:
            return [await self.card(key, action.task_id)]

        async def resend(key: ConversationKey, action: act.Resend) -> list[Reply]:
            return [await self.resend(key, action.task_id)]

        async def delete(key: ConversationKey, action: act.DeleteTask) -> list[Reply]:
            return [await self.delete(key, action.task_id)]

        async def same_move(key: ConversationKey, action: act.SameMove) -> list[Reply]:
            return await self.reuse(key, action.task_id, "motion")

        async def same_photo(key: ConversationKey, action: act.SamePhoto) -> list[Reply]:
            return await self.reuse(key, action.task_id, "photo")

        async def again(key: ConversationKey, action: act.Again) -> list[Reply]:
            return await self.reuse(key, action.task_id, "both")

        return {
            act.HistoryPage: page,
            act.ShowTask: card,
            act.Resend: resend,
            act.DeleteTask: delete,
            act.SameMove: same_move,
            act.SamePhoto: same_photo,
            act.Again: again,
        }
