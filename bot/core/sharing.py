"""The sharing feature: which finished video may be posted where the user asks.

Telegram posts by the file id Telegram already has (``/share TASK @channel``, inline mode);
Discord uploads the stored file through the interaction (a Share button, ``/share``). Both ask
here first: the asker owns the task, it is finished, and its video is still there.
"""

from __future__ import annotations

from motionbot.bot.core import presenters, texts
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.history import TaskHistory
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.history.models import TaskRecord, TaskStatus


class Sharing:
    def __init__(self, deps: CoreDeps, tasks: TaskHistory) -> None:
        self.deps = deps
        self.tasks = tasks

    async def shareable(
        self, key: ConversationKey, task_id: str, *, upload_limit: int | None = None
    ) -> TaskRecord | Reply:
        """The task to post, or the refusal to show. ``upload_limit``: the stored file will be
        uploaded (it must still exist and fit); None: the platform's own copy is posted."""
        task = await self.tasks.owned_task(key, task_id)
        if isinstance(task, Reply):
            return task
        if task.status is not TaskStatus.DONE or task.output is None:
            return Reply(texts.NOT_FINISHED)
        if upload_limit is None:
            delivery = await self.deps.history.get_delivery(task_id)
            return task if delivery is not None and delivery.file_id else Reply(texts.NOT_FINISHED)
        if not await self.deps.store.exists(task.output):
            return Reply(texts.MEDIA_GONE)
        if task.output.size > upload_limit:
            return Reply(presenters.result_too_large(task.output.size, upload_limit))
        return task

    async def file_id(self, task_id: str) -> str | None:
        """The platform's own copy of a delivered video."""
        delivery = await self.deps.history.get_delivery(task_id)
        return delivery.file_id if delivery is not None else None
