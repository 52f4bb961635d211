"""The Telegram frontend (aiogram 3) over the shared conversation core.

:class:`~motionbot.bot.telegram.app.TelegramService` builds the Bot, a Dispatcher with
Redis FSM storage and event isolation, one router per feature
(:mod:`motionbot.bot.telegram.handlers`), and the in-process deliver consumer.
``motionbot bot telegram`` runs it (:mod:`motionbot.bot.cli`).
"""
