"""The conversation: the bot's features, wired once, and the one way a button press comes in.

Each feature owns its state changes and its actions (see the package docstring for which is
where); :class:`Conversation` only builds them with what they need and routes a pressed
button's parsed action to the feature that declared it. Frontends call the features directly
for commands and uploads (``conv.inputs.add(...)``, ``conv.history.page(...)``) and
:meth:`Conversation.press` for buttons.
"""

from __future__ import annotations

import logging

from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.admin import ServiceAdmin
from motionbot.bot.core.consent import Consent
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.handlers import Handlers
from motionbot.bot.core.history import TaskHistory
from motionbot.bot.core.inputs import Inputs
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.language import Language
from motionbot.bot.core.moves import Moves
from motionbot.bot.core.options import Options
from motionbot.bot.core.people import People
from motionbot.bot.core.privacy import Privacy
from motionbot.bot.core.render import Render
from motionbot.bot.core.replies import Reply
from motionbot.bot.core.sharing import Sharing
from motionbot.bot.core.state import StateStore
from motionbot.bot.history.store import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.queue.client import RenderClient

log = logging.getLogger(__name__)


class Conversation:
    def __init__(
        self,
        *,
        client: RenderClient,
        history: HistoryStore,
        states: StateStore,
        settings: BotSettings,
    ) -> None:
        self.deps = CoreDeps(client=client, history=history, states=states, settings=settings)
        self.states = states
        self.consent = Consent(self.deps)
        self.options = Options(self.deps)
        self.inputs = Inputs(self.deps, self.consent, self.options)
        self.people = People(self.deps, self.inputs)
        self.render = Render(self.deps, self.consent, self.inputs, self.options)
        self.history = TaskHistory(self.deps, self.inputs)
        self.moves = Moves(self.deps, self.inputs, self.history)
        self.sharing = Sharing(self.deps, self.history)
        self.admin = ServiceAdmin(self.deps)
        self.privacy = Privacy(self.deps)
        self.language = Language(self.deps)
        self._handlers: Handlers = {}
        features = (
            self.inputs,
            self.options,
            self.people,
            self.render,
            self.history,
            self.moves,
            self.privacy,
            self.language,
        )
        for feature in features:
            self._handlers.update(feature.handlers())

    async def dispatch(self, key: ConversationKey, action: act.Action) -> list[Reply]:
        """Run a pressed button's action. Generate, Shorter and Share need the frontend's own
        hands (a status message, an upload) and are not handled here: they return []."""
        handler = self._handlers.get(type(action))
        return await handler(key, action) if handler is not None else []

    async def press(self, key: ConversationKey, data: str) -> list[Reply]:
        """A pressed button's raw data: parsed, then dispatched. Data that does not parse was
        forged or is stale; an id that does not parse is answered as the id not found."""
        action = act.parse(data)
        if action is None:
            log.info("ignoring button data %r", data)
            shape = act.field_names(data)
            if "task_id" in shape:
                return [Reply(texts.TASK_NOT_FOUND)]
            if "saved_id" in shape:
                return [Reply(texts.SAVED_MOTION_GONE)]
            return []
        return await self.dispatch(key, action)
