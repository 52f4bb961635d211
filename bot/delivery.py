"""Deliver finished renders: DeliverJob -> history -> the right frontend's notifier.

Runs inside the bot process as the handler of ``motionbot.queue.delivery.delivery_worker``.
The dispatcher is platform-neutral: it records the outcome in history, keeps deliveries
exactly-once (a ``deliveries`` row per task; arq may run a deliver job twice), and turns a
notifier's platform errors into what the queue understands:

* :class:`RetryLater` (rate limited) -> ``arq.Retry(defer=...)``
* :class:`RecipientGone` (user blocked the bot, chat deleted) -> user marked blocked, job done
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import arq
from arq import Retry

from motionbot.bot import i18n
from motionbot.bot.core import presenters
from motionbot.bot.core.replies import Reply
from motionbot.bot.history.models import TaskRecord, TaskStatus
from motionbot.bot.history.store import HistoryStore
from motionbot.ops.instrument import job_hooks
from motionbot.queue import english
from motionbot.queue.delivery import Handler, delivery_worker
from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import DeliverJob, Platform, Queues, RenderFailure, RenderResult
from motionbot.queue.settings import QueueSettings

log = logging.getLogger(__name__)


def observed_delivery_worker(
    settings: QueueSettings, handler: Handler, *, platform: Platform, **worker_kw: Any
) -> arq.Worker:
    """The platform's deliver worker with this process's running-jobs gauge and task ids in logs."""
    hooks = job_hooks(Queues.deliver(platform))
    return delivery_worker(settings, handler, platform=platform, **(hooks | worker_kw))


class RetryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry in {seconds} s")
        self.seconds = seconds


class RecipientGone(Exception):
    """The platform refuses to reach this user or chat any more."""


@dataclass(frozen=True)
class Receipt:
    message_id: str | None
    file_id: str | None = None


class Notifier(Protocol):
    """One per platform. Sends the outcome to ``job.target`` and edits its status message."""

    async def send_result(
        self, job: DeliverJob, result: RenderResult, task: TaskRecord | None, *, batch: Reply | None = None
    ) -> Receipt: ...

    async def send_failure(
        self, job: DeliverJob, failure: RenderFailure, task: TaskRecord | None, *, batch: Reply | None = None
    ) -> Receipt: ...


class DeliveryDispatcher:
    def __init__(self, history: HistoryStore, notifiers: dict[Platform, Notifier] | None = None) -> None:
        self.history = history
        self.notifiers: dict[Platform, Notifier] = dict(notifiers or {})

    def register(self, platform: Platform, notifier: Notifier) -> None:
        self.notifiers[platform] = notifier

    async def __call__(self, job: DeliverJob) -> None:
        await self.handle(job)

    async def handle(self, job: DeliverJob) -> None:
        if await self.history.is_delivered(job.task_id):
            log.info("task %s already delivered; skipping", job.task_id)
            return
        notifier = self.notifiers.get(job.target.platform)
        if notifier is None:
            # another process serves that platform; let arq retry so it is not lost
            raise Retry(defer=30)
        outcome = job.outcome
        task = await self.history.get_task(job.task_id)
        if isinstance(outcome, RenderResult):
            await self.history.mark_done(
                job.task_id,
                output=outcome.output,
                engine=outcome.engine,
                duration_s=outcome.duration_s,
                timings=outcome.timings,
                extras=outcome.extras,
            )
        else:
            status = TaskStatus.CANCELLED if outcome.reason == FailureReason.CANCELLED else TaskStatus.FAILED
            await self.history.mark_failed(
                job.task_id,
                reason=outcome.reason,
                message=english.failure(outcome.reason, outcome.params),  # the operator's English
                status=status,
            )
        if await self.history.is_blocked(job.target.platform, job.target.user_id):
            log.info("user %s blocked the bot; not delivering %s", job.target.user_id, job.task_id)
            await self._record(job, Receipt(None))
            return
        # worded for the user who asked, wherever it is posted (a group, a Discord channel)
        language = await self.history.languages.of(job.target.platform, job.target.user_id)
        try:
            with i18n.use(language):
                batch = await self._batch_status(job)
                if isinstance(outcome, RenderResult):
                    receipt = await notifier.send_result(job, outcome, task, batch=batch)
                else:
                    receipt = await notifier.send_failure(job, outcome, task, batch=batch)
        except RetryLater as exc:
            raise Retry(defer=max(1.0, exc.seconds)) from exc
        except RecipientGone:
            log.info("user %s is unreachable; marking blocked", job.target.user_id)
            await self.history.mark_blocked(job.target.platform, job.target.user_id)
            await self._record(job, Receipt(None))
            return
        await self._record(job, receipt)

    async def _batch_status(self, job: DeliverJob) -> Reply | None:
        """An album's status message counts its videos instead of naming one task."""
        target = job.target
        if target.batch_size <= 1 or target.status_message_id is None:
            return None
        done = await self.history.finished_sharing_status(
            target.platform, target.chat_id, target.status_message_id
        )
        return presenters.batch_status(done, target.batch_size)

    async def _record(self, job: DeliverJob, receipt: Receipt) -> None:
        await self.history.record_delivery(
            job.task_id,
            platform=job.target.platform,
            chat_id=job.target.chat_id,
            message_id=receipt.message_id,
            file_id=receipt.file_id,
        )
