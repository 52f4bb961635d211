"""The Discord frontend: turns Discord events into calls on the conversation core
(``motionbot.bot.core``) and its replies into Discord messages.

* :mod:`.client` - ``MotionBot`` (commands.Bot): cogs and persistent buttons in ``setup_hook``
* :mod:`.animate`, :mod:`.library`, :mod:`.admin`, :mod:`.dms` - slash commands and DMs
* :mod:`.views` - core buttons as persistent ``DynamicItem`` buttons (state in the custom id)
* :mod:`.buttons` - what a pressed button does (ownership, Generate, Share, the core's actions)
* :mod:`.messenger` - status messages and posts: interaction token while it lasts, then the bot
* :mod:`.notifier` - delivery of finished renders (the deliver consumer's Discord side)
* :mod:`.runner` - ``motionbot bot discord [--sync]``
"""
