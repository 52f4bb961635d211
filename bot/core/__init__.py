"""The platform-neutral conversation core shared by the Telegram and Discord frontends.

A behaviour is written once here; a frontend only turns platform events into calls and
:class:`Reply` objects into platform messages (text, button rows, a video).

The conversation is a set of feature modules, each owning its state changes and its button
actions: :mod:`.consent` (the rights prompt), :mod:`.inputs` (photo and move, what comes next),
:mod:`.options` (the keyboard), :mod:`.people` (who moves and whose move is copied when a file
shows several people), :mod:`.render` (Generate, /cancel), :mod:`.history` (past
tasks), :mod:`.moves` (presets and saved moves), :mod:`.sharing` and :mod:`.admin` (service
operators). Button actions are typed classes in :mod:`.actions`, packed and parsed there only.

Wiring (once per process, at the entry point)::

    client = await RenderClient.connect(queue_settings)
    history = await HistoryStore.open(bot_settings.history_db)
    states = RedisStateStore(client.redis, ttl_s=bot_settings.state_ttl_s)  # or a frontend adapter
    conv = Conversation(client=client, history=history, states=states, settings=bot_settings)

Events (``key = ConversationKey(Platform.DISCORD, chat_id, user_id)``)::

    /start            -> await conv.consent.start(key)                -> list[Reply]
    upload            -> send(conv.inputs.received(kind))             # instantly, before any I/O
                         acc = await conv.inputs.add(key, kind, path_or_bytes, filename=...)
                         send each of acc.replies                     # next step / options keyboard
                         in the background: edit the first message with await conv.inputs.inspect(kind, acc.ref)
                         then send await conv.people.offer(kind, acc.ref) when not None (its picture)
    /motions          -> await conv.moves.menu(key)
    button pressed    -> await conv.press(key, data)                  # every action but Generate/Shorter/Share
    Generate pressed  -> g = await conv.render.generate(key, post_status=send_and_return_id, max_bytes=limit)
                         g.status_message_id None: send g.reply; else edit the status message with it and
                         start watch_progress(...) (unless g.cached: the result is already on its way)
    /cancel           -> await conv.render.cancel(key)
    /history          -> await conv.history.page(key, 0)

A :class:`Reply` has ``text``, ``buttons`` (rows of :class:`Button` with a typed ``action``, a
``url``, or ``share`` = a task id to share), an optional ``video`` (:class:`VideoAttachment`:
platform file id if known, else the stored media) and ``edit`` (replace the message whose button
was pressed), and ``picture`` (a PNG in the media store, sent as a new message with the text as
its caption). Results and failures arrive through ``motionbot.bot.delivery`` (one ``Notifier``
per platform).
"""

from motionbot.bot.core.conversation import Conversation
from motionbot.bot.core.inputs import Accepted
from motionbot.bot.core.keys import ConversationKey, new_task_id
from motionbot.bot.core.progress import ChatThrottle, watch_progress
from motionbot.bot.core.render import Generated
from motionbot.bot.core.replies import Button, Reply, VideoAttachment
from motionbot.bot.core.state import ConversationState, Phase, RedisStateStore, StateStore

__all__ = [
    "Accepted",
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
