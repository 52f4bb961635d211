"""Who a conversation belongs to, and short task ids that fit in button data."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from motionbot.queue.jobs import DeliveryTarget, Platform

_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: users may read ids aloud
TASK_ID_LENGTH = 10


def new_task_id() -> str:
    """A random id short enough for 64-byte callback data with a verb in front."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(TASK_ID_LENGTH))


def looks_like_task_id(text: str) -> bool:
    return len(text) == TASK_ID_LENGTH and all(c in _ALPHABET for c in text)


@dataclass(frozen=True)
class ConversationKey:
    """One member's conversation in one chat: groups keep members apart."""

    platform: Platform
    chat_id: str
    user_id: str

    def target(
        self, *, reply_to: str | None = None, status_message_id: str | None = None, batch_size: int = 1
    ) -> DeliveryTarget:
        return DeliveryTarget(
            platform=self.platform,
            chat_id=self.chat_id,
            user_id=self.user_id,
            reply_to=reply_to,
            status_message_id=status_message_id,
            batch_size=batch_size,
        )

    @property
    def redis_suffix(self) -> str:
        return f"{self.platform.value}:{self.chat_id}:{self.user_id}"
