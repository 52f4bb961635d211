"""Conversation state and where it lives.

The state is a small JSON document per :class:`ConversationKey` (inputs chosen so far,
options, the task being rendered). It lives in Redis so a bot restart loses nothing.
Frontends pick a :class:`StateStore`: Telegram adapts aiogram's ``RedisStorage`` (so its
FSM filters see the same data); Discord can use :class:`RedisStateStore` below. Every read
-modify-write in the core runs under ``store.lock(key)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import KW_ONLY, dataclass
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from motionbot.bot.core.keys import ConversationKey
from motionbot.queue.jobs import Aspect, EngineName, MediaRef, MotionSource, OutputFormat


class Phase(StrEnum):
    COLLECTING = "collecting"  # waiting for a photo and/or motion
    OPTIONS = "options"  # both present, options keyboard shown
    RENDERING = "rendering"  # a task is queued or running


class ChosenOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    engine: EngineName = EngineName.WARP
    background: str = "photo"
    keep_sound: bool = False
    format: OutputFormat = OutputFormat.MP4
    aspect: Aspect = "photo"


class ConversationState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phase: Phase = Phase.COLLECTING
    photo: MediaRef | None = None
    # an album's photos (photo is the first): one video each, with the same move
    album: list[MediaRef] = []
    album_group: str | None = None  # the platform's id of the album they came in
    motion: MotionSource | None = None
    options: ChosenOptions = ChosenOptions()
    engine_chosen: bool = False  # the user picked a quality (else the default may change)
    # the numbers picked on the people pictures (None: the renderer's default, the most
    # prominent person): who is followed in the pending video, who moves in the pending photo
    performer: int | None = None
    subject: int | None = None
    task_id: str | None = None  # the task queued or rendering now
    last_task_id: str | None = None
    consent_asked: bool = False  # the consent prompt is on screen already: don't repeat it per file
    keyboard_message_id: str | None = None  # the message with the live options keyboard

    @property
    def photos(self) -> list[MediaRef]:
        """Every pending photo: the album's, else the one photo."""
        if self.album:
            return list(self.album)
        return [self.photo] if self.photo is not None else []

    @property
    def ready(self) -> bool:
        return self.photo is not None and self.motion is not None

    def settle_phase(self) -> ConversationState:
        if self.phase is Phase.RENDERING and self.task_id:
            return self
        return self.model_copy(update={"phase": Phase.OPTIONS if self.ready else Phase.COLLECTING})


class StateStore(Protocol):
    async def load(self, key: ConversationKey) -> ConversationState: ...

    async def save(self, key: ConversationKey, state: ConversationState) -> None: ...

    async def clear(self, key: ConversationKey) -> None: ...

    def lock(self, key: ConversationKey) -> contextlib.AbstractAsyncContextManager[None]: ...


@dataclass(eq=False)
class RedisStateStore:
    """State as one JSON string per key, with a TTL and a Redis lock per key.

    ``locking=False`` when the frontend already serialises events per key (aiogram's
    RedisEventIsolation): taking the same kind of lock again would deadlock.
    """

    redis: Any
    _: KW_ONLY
    prefix: str = "motionbot:conv:"
    ttl_s: int = 7 * 86400
    locking: bool = True
    lock_timeout_s: float = 30.0

    def _key(self, key: ConversationKey) -> str:
        return self.prefix + key.redis_suffix

    async def load(self, key: ConversationKey) -> ConversationState:
        raw = await self.redis.get(self._key(key))
        return ConversationState.model_validate_json(raw) if raw else ConversationState()

    async def save(self, key: ConversationKey, state: ConversationState) -> None:
        await self.redis.set(self._key(key), state.model_dump_json(), ex=self.ttl_s)

    async def clear(self, key: ConversationKey) -> None:
        await self.redis.delete(self._key(key))

    @contextlib.asynccontextmanager
    async def lock(self, key: ConversationKey) -> AsyncIterator[None]:
        if not self.locking:
            yield
            return
        async with self.redis.lock(
            self._key(key) + ":lock", timeout=self.lock_timeout_s, blocking_timeout=self.lock_timeout_s
        ):
            yield
