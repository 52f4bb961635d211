"""The Telegram frontend (aiogram 3) over the shared conversation core.

:class:`~motionbot.bot.telegram.app.TelegramService` builds the Bot, a Dispatcher with
Redis FSM storage and event isolation, one router per feature
(:mod:`motionbot.bot.telegram.handlers`), and the in-process deliver consumer.

Running it::

    MOTIONBOT_TELEGRAM_TOKEN=123:ABC motionbot bot telegram            # long polling
    MOTIONBOT_TELEGRAM_WEBHOOK_URL=https://bot.example.org/telegram/webhook \\
    MOTIONBOT_TELEGRAM_WEBHOOK_SECRET=... motionbot bot telegram --webhook

Settings (``MOTIONBOT_*``, :class:`motionbot.bot.settings.BotSettings`): ``TELEGRAM_API_URL``
for a local Bot API server with ``TELEGRAM_LOCAL=true`` (files read from local paths, no
20 MB download / 50 MB upload limits), ``TELEGRAM_UPLOAD_LIMIT_MB`` /
``TELEGRAM_DOWNLOAD_LIMIT_MB``, ``HISTORY_DB``, ``RATE_LIMIT_EVENTS`` per
``RATE_LIMIT_WINDOW_S``, ``EDIT_INTERVAL_S`` between status edits per chat.

At @BotFather: ``/setinline`` (sharing by typing the bot's name in any chat) and, for
groups, privacy mode on (the bot sees commands, mentions and replies to it, which is what
it answers). ``/share TASK @channel`` needs the bot to be an admin of the channel.
"""
