"""The shape of a feature's button handlers: each feature maps the action classes it owns to
a coroutine taking the conversation and the parsed action (see ``Conversation.press``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from motionbot.bot.core.actions import Action
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Reply

Handler = Callable[[ConversationKey, Any], Awaitable[list[Reply]]]
Handlers = dict[type[Action], Handler]
