"""aiogram FSM states mirroring the core's phases, and the core's state store on aiogram's storage.

The conversation state lives in aiogram's ``RedisStorage`` (data field ``conv``), so FSM
filters such as ``StateFilter(Flow.rendering)`` see the phase the core set, and a restart
of the bot (or a second process with the same :func:`key_builder`) loses nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StorageKey

from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.state import ConversationState, Phase

DATA_FIELD = "conv"


class Flow(StatesGroup):
    collecting = State()
    options = State()
    rendering = State()


PHASE_STATES: dict[Phase, State] = {
    Phase.COLLECTING: Flow.collecting,
    Phase.OPTIONS: Flow.options,
    Phase.RENDERING: Flow.rendering,
}


def key_builder() -> DefaultKeyBuilder:
    """The one key layout every process uses for the FSM (a different one sees nothing)."""
    return DefaultKeyBuilder(prefix="motionbot:fsm", with_bot_id=True, with_destiny=True)


class AiogramStateStore:
    """The core's :class:`StateStore` on aiogram's storage, keyed per chat and user.

    Its lock is a Redis lock on a key of its own (not the dispatcher's event-isolation lock,
    which a handler already holds): uploads are stored in background tasks after the
    handler returned, and the two parts of an album must still update the state one at a time.
    """

    def __init__(
        self, storage: BaseStorage, bot_id: int, *, redis: Any = None, lock_timeout_s: float = 60.0
    ) -> None:
        self.storage = storage
        self.bot_id = bot_id
        self.redis = redis
        self.lock_timeout_s = lock_timeout_s

    def _key(self, key: ConversationKey) -> StorageKey:
        return StorageKey(bot_id=self.bot_id, chat_id=int(key.chat_id), user_id=int(key.user_id))

    async def load(self, key: ConversationKey) -> ConversationState:
        data = await self.storage.get_data(self._key(key))
        raw = data.get(DATA_FIELD)
        return ConversationState.model_validate(raw) if raw else ConversationState()

    async def save(self, key: ConversationKey, state: ConversationState) -> None:
        skey = self._key(key)
        await self.storage.set_data(skey, {DATA_FIELD: state.model_dump(mode="json")})
        await self.storage.set_state(skey, PHASE_STATES[state.phase])

    async def clear(self, key: ConversationKey) -> None:
        skey = self._key(key)
        await self.storage.set_data(skey, {})
        await self.storage.set_state(skey, None)

    @contextlib.asynccontextmanager
    async def lock(self, key: ConversationKey) -> AsyncIterator[None]:
        if self.redis is None:  # a single process with no background writers
            yield
            return
        name = f"motionbot:tg:conv-lock:{self.bot_id}:{key.chat_id}:{key.user_id}"
        async with self.redis.lock(name, timeout=self.lock_timeout_s, blocking_timeout=self.lock_timeout_s):
            yield
