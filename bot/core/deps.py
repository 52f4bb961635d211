"""What every conversation feature works with: the queue client (and its media store), the
history database, where conversation state lives, and the bot's settings."""

from __future__ import annotations

from dataclasses import dataclass

from motionbot.bot.core.state import StateStore
from motionbot.bot.history.store import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.queue.client import RenderClient
from motionbot.queue.store import MediaStore


@dataclass(frozen=True)
class CoreDeps:
    client: RenderClient
    history: HistoryStore
    states: StateStore
    settings: BotSettings

    @property
    def store(self) -> MediaStore:
        return self.client.store
