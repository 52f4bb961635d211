"""One user's past tasks: the history list, a task's card, re-send, reuse, delete.

Mixed into :class:`~motionbot.bot.core.conversation.Conversation`; every method that takes a
task id from a client checks that the asker owns it first (button data can be forged).
"""

from __future__ import annotations

import logging
from typing import Literal

from motionbot.bot.core import presenters, texts
from motionbot.bot.core.keys import ConversationKey, looks_like_task_id
from motionbot.bot.core.replies import Reply, VideoAttachment
from motionbot.bot.core.state import StateStore
from motionbot.bot.history.models import TaskRecord, TaskStatus
from motionbot.bot.history.store import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.ops.retention import expired_before
from motionbot.queue.client import RenderClient
from motionbot.queue.jobs import MediaRef, MotionSource
from motionbot.queue.store import MediaStore

log = logging.getLogger(__name__)


class TaskLibrary:
    client: RenderClient
    store: MediaStore
    history: HistoryStore
    states: StateStore
    settings: BotSettings

    async def _set_inputs(
        self,
        key: ConversationKey,
        *,
        photo: MediaRef | None = None,
        motion: MotionSource | None = None,
        clear_photo: bool = False,
        clear_motion: bool = False,
        lead: str | None = None,
    ) -> list[Reply]:
        raise NotImplementedError  # Conversation provides it

    async def history_page(self, key: ConversationKey, page: int = 0) -> Reply:
        size = self.settings.history_page_size
        total = await self.history.count_tasks(key.platform, key.user_id)
        last_page = max(0, (total - 1) // size)
        page = min(max(0, page), last_page)
        tasks = await self.history.list_tasks(key.platform, key.user_id, offset=page * size, limit=size)
        return presenters.history_page(
            tasks, page=page, page_size=size, total=total, expired_before=await self._expired_before()
        )

    async def _expired_before(self) -> float | None:
        """Files stored before the last retention sweep's cutoff are gone (the rows stay)."""
        cutoff = await expired_before(self.client.redis)
        return cutoff.timestamp() if cutoff is not None else None

    async def owned_task(self, key: ConversationKey, task_id: str) -> TaskRecord | Reply:
        """The task when the asker owns it, else the refusal to show (ids come from clients)."""
        task = await self.history.get_task(task_id) if looks_like_task_id(task_id) else None
        if task is None:
            return Reply(texts.TASK_NOT_FOUND)
        if not task.owned_by(key.platform, key.user_id):
            log.warning("user %s asked for task %s of another user", key.user_id, task_id)
            return Reply(texts.NOT_YOURS)
        return task

    async def task_card(self, key: ConversationKey, task_id: str) -> Reply:
        task = await self.owned_task(key, task_id)
        if isinstance(task, Reply):
            return task
        delivery = await self.history.get_delivery(task_id)
        newer = await self._position(key, task)
        return presenters.task_card(
            task,
            delivery,
            back_page=newer // self.settings.history_page_size,
            expired_before=await self._expired_before(),
        )

    async def _position(self, key: ConversationKey, task: TaskRecord) -> int:
        return await self.history.count_newer(key.platform, key.user_id, task.created_at)

    async def resend(self, key: ConversationKey, task_id: str) -> Reply:
        task = await self.owned_task(key, task_id)
        if isinstance(task, Reply):
            return task
        if task.status is not TaskStatus.DONE or task.output is None:
            return Reply(texts.NOT_FINISHED)
        delivery = await self.history.get_delivery(task_id)
        file_id = delivery.file_id if delivery and delivery.platform == key.platform else None
        if file_id is None and not await self.store.exists(task.output):
            return Reply(texts.MEDIA_GONE)
        text = texts.RESULT_CAPTION.format(
            task_id=task_id, engine=presenters.engine_name(task.engine.value), duration=task.duration_s or 0.0
        )
        return Reply(
            text,
            buttons=presenters.result_buttons(task_id, savable=presenters.savable(task)),
            video=VideoAttachment(task_id=task_id, media=task.output, file_id=file_id),
        )

    async def shorter_seconds(self, key: ConversationKey, task_id: str) -> float | Reply:
        """Load a task's inputs and options again for a render half as long as it was (its
        result did not fit the upload limit); the frontend then generates with this cap."""
        task = await self.owned_task(key, task_id)
        if isinstance(task, Reply):
            return task
        replies = await self.reuse(key, task_id, "both")
        if replies and replies[0].text == texts.MEDIA_GONE:
            return replies[0]
        return max(1.0, (task.duration_s or task.options.max_seconds) / 2)

    async def reuse(
        self, key: ConversationKey, task_id: str, what: Literal["motion", "photo", "both"]
    ) -> list[Reply]:
        task = await self.owned_task(key, task_id)
        if isinstance(task, Reply):
            return [task]
        needed = [task.photo] if what in ("photo", "both") else []
        if what in ("motion", "both") and task.motion.video is not None:
            needed.append(task.motion.video)
        for ref in needed:
            if not await self.store.exists(ref):
                return [Reply(texts.MEDIA_GONE)]
        if what == "motion":
            return await self._set_inputs(
                key, motion=task.motion, clear_photo=True, lead=texts.REUSE_MOTION.format(task_id=task_id)
            )
        if what == "photo":
            return await self._set_inputs(
                key, photo=task.photo, clear_motion=True, lead=texts.REUSE_PHOTO.format(task_id=task_id)
            )
        async with self.states.lock(key):
            state = await self.states.load(key)
            chosen = state.options.model_copy(
                update={
                    "engine": task.engine,
                    "background": task.options.background,
                    "keep_sound": task.options.keep_sound,
                }
            )
            await self.states.save(key, state.model_copy(update={"options": chosen}))
        return await self._set_inputs(
            key, photo=task.photo, motion=task.motion, lead=texts.REUSE_AGAIN.format(task_id=task_id)
        )

    async def delete(self, key: ConversationKey, task_id: str) -> Reply:
        task = await self.owned_task(key, task_id)
        if isinstance(task, Reply):
            return task
        if not task.status.finished:
            await self.client.cancel(task_id)
        orphans = await self.history.delete_task(task_id)
        for ref in orphans:
            try:
                await self.store.delete(ref)
            except Exception:  # the row is gone either way; a leftover file expires with the store
                log.exception("could not delete %s from the media store", ref.key)
        return Reply(texts.TASK_DELETED.format(task_id=task_id), edit=True)
