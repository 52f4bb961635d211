"""The platform-neutral conversation core shared by the Telegram and Discord frontends.

A behaviour is written once here; a frontend only turns platform events into calls and
:class:`Reply` objects into platform messages (text, button rows, a video).

Wiring (once per process, at the entry point)::

    client = await RenderClient.connect(queue_settings)
    history = await HistoryStore.open(bot_settings.history_db)
    states = RedisStateStore(client.redis, ttl_s=bot_settings.state_ttl_s)  # or a frontend adapter
    conv = Conversation(client=client, history=history, states=states, settings=bot_settings)

Events (``key = ConversationKey(Platform.DISCORD, chat_id, user_id)``)::

    /start            -> await conv.start(key)                        -> list[Reply]
    upload            -> send(conv.received(kind))                    # instantly, before any I/O
                         acc = await conv.add_input(key, kind, path_or_bytes, filename=...)
                         send each of acc.replies                     # next step / options keyboard
                         in the background: edit the first message with await conv.inspect(kind, acc.ref)
    /motions          -> conv.motions(key)
    button pressed    -> await conv.dispatch(key, action)             # every action except "gen"
    "gen" pressed     -> g = await conv.generate(key, post_status=send_and_return_id, max_bytes=upload_limit)
                         g.status_message_id None: send g.reply; else edit the status message with it and
                         start watch_progress(...) (unless g.cached: the result is already on its way)
    /cancel           -> await conv.cancel(key)
    /history          -> await conv.history_page(key, 0)

A :class:`Reply` has ``text``, ``buttons`` (rows of :class:`Button` with an ``action`` to hand
back to ``dispatch``, a ``url``, or ``share`` = a task id to share), an optional ``video``
(:class:`VideoAttachment`: platform file id if known, else the stored media), ``edit``
(replace the message whose button was pressed) and ``private`` (ephemeral where possible).
Results and failures arrive through ``motionbot.bot.delivery`` (one ``Notifier`` per platform).
"""

from motionbot.bot.core.conversation import Accepted, Conversation, Generated
from motionbot.bot.core.keys import ConversationKey, new_task_id
from motionbot.bot.core.progress import ChatThrottle, watch_progress
from motionbot.bot.core.replies import Actions, Button, Reply, VideoAttachment
from motionbot.bot.core.state import ConversationState, Phase, RedisStateStore, StateStore

__all__ = [
    "Accepted",
    "Actions",
    "Button",
    "ChatThrottle",
    "Conversation",
    "ConversationKey",
    "ConversationState",
    "Generated",
    "Phase",
    "RedisStateStore",
    "Reply",
    "StateStore",
    "VideoAttachment",
    "new_task_id",
    "watch_progress",
]
