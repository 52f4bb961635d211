"""The service admin feature: status, pause and resume for the deployment's operators.

Operators are the ids in MOTIONBOT_ADMIN_IDS (``telegram:123,discord:456``), read when asked so
a changed setting needs no new object; the snapshot and the pause flag themselves are
:mod:`motionbot.ops.admin` and :mod:`motionbot.queue.pause`, shared with ``motionbot admin``.
"""

from __future__ import annotations

from motionbot.bot.core import texts
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply
from motionbot.ops import admin
from motionbot.ops.settings import OpsSettings
from motionbot.queue import pause as pause_flag


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
        return Reply(snapshot.format())

    async def pause(self, key: ConversationKey, reason: str) -> Reply:
        by = f"{key.platform.value}:{key.user_id}"
        state = await pause_flag.pause(self.deps.client.redis, by=by, reason=reason)
        return Reply(texts.ADMIN_PAUSED.format(message=state.message))

    async def resume(self) -> Reply:
        was = await pause_flag.resume(self.deps.client.redis)
        return Reply(texts.ADMIN_RESUMED if was else texts.ADMIN_NOT_PAUSED)
