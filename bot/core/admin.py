"""The service admin feature: status, pause and resume for the deployment's operators.

Operators are the ids in MOTIONBOT_ADMIN_IDS (``telegram:123,discord:456``), read when asked so
a changed setting needs no new object; the snapshot and the pause flag themselves are
:mod:`motionbot.ops.admin` and :mod:`motionbot.queue.pause`, shared with ``motionbot admin``.
"""

from __future__ import annotations

from motionbot.bot.core import texts
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.finding_words import failure_text
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.bot.i18n import formats
from motionbot.ops import admin
from motionbot.ops.settings import OpsSettings
from motionbot.queue import pause as pause_flag
from motionbot.queue.errors import FailureReason
from motionbot.queue.pause import PauseState


def refusal(state: PauseState) -> str:
    """What a user who starts a video while paused is told (the operator's reason kept as typed)."""
    note: dict[str, object] = {"case": "note", "note": state.reason} if state.reason else {}
    return failure_text(FailureReason.PAUSED.value, note)


def status_text(status: admin.ServiceStatus) -> str:
    """The snapshot in the operator's language (``ServiceStatus.format`` is the CLI's English)."""
    paused = status.paused
    lines = [texts.ADMIN_STATUS_PAUSED.format(message=refusal(paused)) if paused else texts.ADMIN_STATUS_OPEN]
    lines += [
        texts.ADMIN_STATUS_QUEUE.format(queue=q.name, waiting=q.waiting, workers=q.workers)
        for q in status.queues
    ]
    lines.append(texts.ADMIN_STATUS_RUNNING.format(running=status.running))
    today = status.today
    lines.append(texts.ADMIN_STATUS_TODAY.format(done=today.get("done", 0), failed=today.get("failed", 0)))
    if at := status.retention.get("at"):
        deleted = status.retention.get("deleted", "0")
        lines.append(texts.ADMIN_STATUS_CLEANUP.format(date=formats.date(float(at)), deleted=deleted))
    return "\n".join(lines)


class ServiceAdmin:
    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps

    @staticmethod
    def is_admin(key: ConversationKey) -> bool:
        return OpsSettings().is_admin(key.platform.value, key.user_id)

    async def status(self) -> Reply:
        client = self.deps.client
        snapshot = await admin.status(
            client.redis, health_check_interval_s=client.settings.health_check_interval_s
        )
        return Reply(status_text(snapshot))

    async def pause(self, key: ConversationKey, reason: str) -> Reply:
        by = f"{key.platform.value}:{key.user_id}"
        state = await pause_flag.pause(self.deps.client.redis, by=by, reason=reason)
        return Reply(texts.ADMIN_PAUSED.format(message=refusal(state)))

    async def resume(self) -> Reply:
        was = await pause_flag.resume(self.deps.client.redis)
        return Reply(texts.ADMIN_RESUMED if was else texts.ADMIN_NOT_PAUSED)
