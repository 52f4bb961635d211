"""The one-time rights acknowledgement: asked before the first render, remembered per user."""

from __future__ import annotations

from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Button, Reply, rows


class Consent:
    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps

    async def given(self, key: ConversationKey) -> bool:
        return await self.deps.history.is_acknowledged(key.platform, key.user_id)

    async def record(self, key: ConversationKey) -> None:
        await self.deps.history.acknowledge(key.platform, key.user_id)

    @staticmethod
    def prompt(*, reminder: bool = False) -> Reply:
        text = (texts.CONSENT_NEEDED + "\n\n" if reminder else "") + texts.CONSENT
        return Reply(text, buttons=rows(Button(texts.CONSENT_BUTTON, action=act.Acknowledge())))

    async def start(self, key: ConversationKey) -> list[Reply]:
        """/start: what the bot does, what good inputs are, and the prompt until it is answered."""
        replies = [Reply(texts.WELCOME), Reply(texts.GOOD_INPUTS)]
        if not await self.given(key):
            replies.append(self.prompt())
        return replies
