"""Gateway events for the fake Discord (:mod:`fakes.discord`): payload builders and injection.

:func:`gateway` hands an event (INTERACTION_CREATE, MESSAGE_CREATE) to a logged-in client as its
websocket would; it is the one place that touches discord.py's private API (pinned 2.7). The
builders make payloads Discord would send: slash commands with attachment options resolved to
the fake's CDN, autocomplete, button presses on messages the fake stored, DMs. Payloads carry
``attachment_size_limit`` (2.7 reads it without a default) and the place's context.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .discord import FakeDiscord

APP_ID = 900_000_000_000_000_001
BOT_ID = 900_000_000_000_000_002
BOT_USER = {
    "id": str(BOT_ID),
    "username": "motionbot",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
}
DEFAULT_LIMIT = 10 * 1024 * 1024
_ids = itertools.count(1_000_000_000_000_000_000)


def snowflake() -> int:
    return next(_ids)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: int, name: str = "someone") -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name, "avatar": None}


# gateway payloads -------------------------------------------------------------------------

GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT = 0, 1, 2


@dataclass
class Place:
    """Where an interaction happens: a guild text channel, the bot's DM, or a private channel
    (a group DM or a DM between users, reached only through a user-installed app)."""

    channel_id: int
    guild_id: int | None = None
    context: int = GUILD_CONTEXT
    guild_installed: bool = True
    filesize_limit: int = DEFAULT_LIMIT

    @classmethod
    def guild(cls, guild_id: int = 700, channel_id: int = 701, **kw: Any) -> Place:
        return cls(channel_id=channel_id, guild_id=guild_id, **kw)

    @classmethod
    def bot_dm(cls, channel_id: int = 800, **kw: Any) -> Place:
        return cls(channel_id=channel_id, context=BOT_DM_CONTEXT, **kw)

    @classmethod
    def private(cls, channel_id: int = 900, **kw: Any) -> Place:
        return cls(channel_id=channel_id, context=PRIVATE_CHANNEL_CONTEXT, guild_installed=False, **kw)


def _interaction(
    fake: FakeDiscord,
    kind: int,
    data: dict[str, Any],
    user_id: int,
    place: Place,
    *,
    admin: bool = False,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    iid = snowflake()
    token = f"tok-{iid}"
    fake.token_channels[token] = (place.channel_id, False)
    fake.token_meta[token] = {
        "id": str(iid),
        "type": kind,
        "user": user(user_id),
        "authorizing_integration_owners": {},
    }
    owners: dict[str, str] = {"1": str(user_id)}
    if place.guild_id is not None and place.guild_installed:
        owners["0"] = str(place.guild_id)
    if place.guild_id is not None:
        owners.setdefault("1", str(user_id))
    payload: dict[str, Any] = {
        "id": str(iid),
        "application_id": str(APP_ID),
        "type": kind,
        "token": token,
        "version": 1,
        "attachment_size_limit": place.filesize_limit,
        "locale": fake.user_locales.get(user_id, "en-US"),
        "app_permissions": "0",
        "authorizing_integration_owners": owners,
        "context": place.context,
        "data": data,
        "entitlements": [],
    }
    if place.guild_id is not None:
        perms = str((1 << 3) | (1 << 5)) if admin else "0"  # administrator | manage guild
        payload["guild_id"] = str(place.guild_id)
        payload["guild_locale"] = "en-US"
        payload["member"] = {
            "user": user(user_id),
            "roles": [],
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": perms,
        }
        payload["channel"] = {
            "id": str(place.channel_id),
            "type": 0,
            "guild_id": str(place.guild_id),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
        }
        payload["channel_id"] = str(place.channel_id)
    else:
        payload["user"] = user(user_id)
        ctype = 1 if place.context == BOT_DM_CONTEXT else 3
        payload["channel"] = {
            "id": str(place.channel_id),
            "type": ctype,
            "recipients": [user(user_id)],
            "name": None,
        }
        payload["channel_id"] = str(place.channel_id)
    if message is not None:
        payload["message"] = message
        fake.clicked[token] = int(message["id"])
    return payload


def slash(
    fake: FakeDiscord,
    name: str,
    user_id: int,
    place: Place,
    *,
    options: dict[str, Any] | None = None,
    attachments: dict[str, dict[str, Any]] | None = None,
    subcommand: str | None = None,
    admin: bool = False,
) -> dict[str, Any]:
    """An application command (type 2). ``attachments`` maps option name -> add_attachment()."""
    opts: list[dict[str, Any]] = []
    resolved: dict[str, Any] = {}
    for key, value in (options or {}).items():
        t = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
        if isinstance(value, dict) and "channel_id" in value:  # a channel option
            t, value = 7, str(value["channel_id"])
            resolved.setdefault("channels", {})[str(value)] = {
                "id": str(value),
                "type": 0,
                "name": f"ch{value}",
                "permissions": "0",
            }
        opts.append({"name": key, "type": t, "value": value})
    for key, att in (attachments or {}).items():
        opts.append({"name": key, "type": 11, "value": att["id"]})
        resolved.setdefault("attachments", {})[att["id"]] = att
    if subcommand is not None:
        opts = [{"name": subcommand, "type": 1, "options": opts}]
    data: dict[str, Any] = {"id": str(snowflake()), "name": name, "type": 1, "options": opts}
    if resolved:
        data["resolved"] = resolved
    return _interaction(fake, 2, data, user_id, place, admin=admin)


def autocomplete(
    fake: FakeDiscord,
    name: str,
    user_id: int,
    place: Place,
    *,
    focused: str,
    value: str,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    opts = [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()]
    opts.append({"name": focused, "type": 3, "value": value, "focused": True})
    data = {"id": str(snowflake()), "name": name, "type": 1, "options": opts}
    return _interaction(fake, 4, data, user_id, place)


def click(
    fake: FakeDiscord, message: dict[str, Any], custom_id: str, user_id: int, place: Place
) -> dict[str, Any]:
    """A button press (type 3) on a message the fake stored."""
    data = {"custom_id": custom_id, "component_type": 2}
    public = {k: v for k, v in message.items() if not k.startswith("_")}
    return _interaction(fake, 3, data, user_id, place, message=public)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message.get("components", []) for c in row.get("components", [])]


def button(message: dict[str, Any], label_part: str) -> str:
    """The custom id of the button whose label contains ``label_part``."""
    for b in buttons(message):
        if label_part.lower() in (b.get("label") or "").lower():
            return str(b["custom_id"])
    raise KeyError(f"no button {label_part!r} in {[b.get('label') for b in buttons(message)]}")


def dm_message(
    fake: FakeDiscord,
    user_id: int,
    channel_id: int,
    *,
    content: str = "",
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A MESSAGE_CREATE from a user in their DM with the bot."""
    msg = {
        "id": str(snowflake()),
        "channel_id": str(channel_id),
        "author": user(user_id),
        "content": content,
        "timestamp": _now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "embeds": [],
        "components": [],
        "attachments": attachments or [],
    }
    fake.messages[int(msg["id"])] = msg
    return msg


def gateway(client: Any, event: str, data: dict[str, Any]) -> None:
    """Hand a gateway event to the client as its websocket would (discord.py 2.7 private API)."""
    client._connection.parsers[event](data)
