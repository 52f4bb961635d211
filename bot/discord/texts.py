"""The Discord frontend's own sentences (the shared ones are ``motionbot.bot.core.texts``).

Plain text with Discord markdown (`code` for option names, <#id> channel and <@id> user
mentions). Values in braces are filled with ``str.format``; keep the names when translating.
Slash command and option descriptions stay next to the commands (Discord localises those
through the command tree, not here).
"""

from __future__ import annotations

from motionbot.bot.i18n import translating

# /animate
NOT_BOTH_MOTIONS = "Give either a `video` or a `motion` (a built-in move or one you saved), not both."
NEED_MOTION = "Attach either a `video` or a `motion` (a built-in move or one you saved): the move to copy."
NEED_PHOTO_AND_MOTION = (
    "Attach a `photo` of the person, and either a `video` or a `motion` (a built-in move or one you saved)."
)
NEED_PHOTO = "Attach a `photo` of the person who should do the move."
PREVIOUS_PHOTO = "Using the photo from before."
PREVIOUS_MOTION = "Using the move from before."
SAVED_MOTION = "Move: your saved motion."
UNKNOWN_MOTION = "I don't know the motion `{value}`. Pick one from the list, or attach a `video` instead."
READY = "Press Generate to start, or Cancel."
REJECTED_TAIL = "Please run /animate again with another file."
DOWNLOAD_FAILED = "I couldn't download `{name}` from Discord. Please run /animate again."
BUILTIN_CHOICE = "{title} (built-in)"  # /animate's motion list
SAVED_CHOICE = "{name} (saved)"
TOO_FAST = "{rate_limited} (try again in {seconds:.0f} s)"

# buttons
NOT_YOUR_BUTTONS = "These buttons belong to someone else. Use /animate or /history for your own."
REUSE_MOTION_HINT = "Run /animate with just the new `photo`: I'll use this move."
REUSE_PHOTO_HINT = "Run /animate with just a `video` or a `motion`: I'll use this photo."
SHARED_BY = "<@{user}> shared this:"

# results
SHARE_HERE = "Share here"
EMBED_TITLE = "Your video"
EMBED_TASK = "Task"
EMBED_ENGINE = "Engine"
EMBED_DURATION = "Duration"
EMBED_FOOTER = "Made with AI from a photo and a reference motion."

# server settings
NEEDS_MANAGE_SERVER = "You need the Manage Server permission for this."
QUIET_HERE = "I don't answer in this channel. Please use one of these: {channels}"
GUILD_QUOTA_USED = (
    "This server has used all {quota} renders it allows per day. It resets at midnight UTC; "
    "you can still use me in a DM."
)
SETTINGS_TITLE = "Settings for this server:"
SETTINGS_CHANNELS = "I answer in: {channels}."
SETTINGS_EVERY_CHANNEL = "every channel"
SETTINGS_QUOTA = "Server quota: {quota}."
SETTINGS_QUOTA_VALUE = "{quota} renders a day ({used} used today)"
SETTINGS_NO_QUOTA = "no limit"
ALLOWED = "OK, I'll answer in <#{channel}>."
DISALLOWED = "OK, I won't answer in <#{channel}>."
EVERYWHERE = "OK, I'll answer in every channel."
QUOTA_UPDATED = "Quota updated."

__getattr__ = translating(globals())
