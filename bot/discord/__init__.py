"""The Discord frontend: turns Discord events into calls on the conversation core
(``motionbot.bot.core``) and its replies into Discord messages.

* :mod:`.client` - ``MotionBot`` (commands.Bot): cogs and persistent buttons in ``setup_hook``
* :mod:`.animate`, :mod:`.library`, :mod:`.admin`, :mod:`.dms` - slash commands and DMs
* :mod:`.views` - core buttons as persistent ``DynamicItem`` buttons (state in the custom id)
* :mod:`.buttons` - what a pressed button does (ownership, Generate, Share, the core's actions)
* :mod:`.messenger` - status messages and posts: interaction token while it lasts, then the bot
* :mod:`.notifier` - delivery of finished renders (the deliver consumer's Discord side)
* :mod:`.cli` - ``motionbot bot discord [--sync]``

Setting up an application (Discord developer portal):

1. Bot: copy the token into ``MOTIONBOT_DISCORD_TOKEN``. No privileged intent is needed
   (DM content reaches bots without the Message Content intent).
2. Installation: enable *Guild Install* (scopes ``bot applications.commands``; permissions
   View Channels, Send Messages, Embed Links, Attach Files, Read Message History) and *User
   Install* (scope ``applications.commands``) so people can use /animate, /history and /share
   in DMs and group DMs where the bot is no member.
3. Run ``motionbot bot discord --sync`` once (and after upgrades that change commands), then
   ``motionbot bot discord``. ``MOTIONBOT_DISCORD_GUILD_IDS=[id,...]`` makes ``--sync`` also
   copy the commands to those servers, where they appear at once (handy while testing).
4. Behind an HTTP rate-limit proxy, set ``MOTIONBOT_DISCORD_API_URL`` (e.g.
   ``http://proxy:8080/api/v10``); every REST call, interaction callbacks included, goes there.

Commands: ``/animate photo video|motion [quality] [background] [keep_sound]``, ``/motions``,
``/history``, ``/share task``, ``/cancel``, and for people with Manage Server
``/motionbot-admin show|allow|disallow|everywhere|quota``. In a DM with the bot, sending a
photo and a video (either order) runs the same two-step conversation as on Telegram.
"""
