"""Where a task's messages go on Discord, and how they get there.

A render starts from an interaction (a button press or a slash command). Its token lets the
app edit that response and send follow-ups - even ephemeral ones, even in DMs and group
DMs where the bot is no member (user-installed app) - but only for 15 minutes. So each
task's status message has a :class:`TaskContext` in Redis (keyed by the status message id
the core put into ``DeliveryTarget``) saying which token, since when, and whether the bot
itself may post in that channel. :class:`Messenger` uses the token while it lasts and after
that posts as the bot: in the channel when it can, else in a DM with the user.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

import discord
from motionbot.bot.core.replies import Reply
from motionbot.bot.discord.views import content, view_for
from motionbot.bot.settings import BotSettings

log = logging.getLogger(__name__)
PREFIX = "motionbot:dc:status:"
TTL_S = 7 * 86_400


class TaskContext(BaseModel):
    model_config = ConfigDict(frozen=True)

    application_id: int
    token: str | None  # interaction token; its @original is the status message
    issued_at: float
    ephemeral: bool  # the interaction's messages are ephemeral (follow-ups are sent alike)
    channel_id: int
    guild_id: int | None
    user_id: int
    bot_can_post: bool  # the bot is a member there (guild install or the bot's own DM)
    upload_limit: int
    message_id: int | None = None  # a status message the bot posted itself (after the token)


class TooLarge(Exception):
    """Discord refused the upload (413 / code 40005)."""


class Unreachable(Exception):
    """Neither the channel nor a DM with the user accepts our messages."""


def _too_large(exc: discord.HTTPException) -> bool:
    return exc.status == 413 or exc.code == 40005


def _token_dead(exc: discord.HTTPException) -> bool:
    return exc.status in (401, 404) or exc.code in (50027, 10015)


@dataclass(frozen=True)
class Upload:
    """A file posted with a message: the video, its name, the embed shown with it."""

    path: Path
    filename: str
    embed: discord.Embed | None = None


class ContextStore:
    def __init__(self, redis: Any) -> None:
        self.redis = redis

    async def save(self, status_id: str, ctx: TaskContext) -> None:
        await self.redis.set(PREFIX + status_id, ctx.model_dump_json(), ex=TTL_S)

    async def load(self, status_id: str | None) -> TaskContext | None:
        if not status_id:
            return None
        raw = await self.redis.get(PREFIX + status_id)
        return TaskContext.model_validate_json(raw) if raw else None


class Messenger:
    def __init__(self, bot: discord.Client, settings: BotSettings, contexts: ContextStore) -> None:
        self.bot = bot
        self.settings = settings
        self.contexts = contexts

    def token_valid(self, ctx: TaskContext) -> bool:
        return ctx.token is not None and time.time() - ctx.issued_at < self.settings.discord_token_lifetime_s

    def _webhook(self, ctx: TaskContext) -> discord.Webhook:
        data = {"id": str(ctx.application_id), "type": 3, "token": ctx.token}
        return discord.Webhook.from_state(data, self.bot._connection)  # type: ignore[arg-type]

    async def _forget_token(self, status_id: str, ctx: TaskContext) -> TaskContext:
        ctx = ctx.model_copy(update={"token": None})
        await self.contexts.save(status_id, ctx)
        return ctx

    @staticmethod
    def _kw(reply: Reply, owner: int, upload: Upload | None = None) -> dict[str, Any]:
        kw: dict[str, Any] = {"content": content(reply)}
        view = view_for(reply, owner)
        if view is not None:
            kw["view"] = view
        if upload is not None:
            kw["file"] = discord.File(upload.path, filename=upload.filename)
            if upload.embed is not None:
                kw["embed"] = upload.embed
        return kw

    # status ------------------------------------------------------------------------------

    async def edit_status(self, status_id: str, ctx: TaskContext, reply: Reply) -> TaskContext:
        """Show ``reply`` as the task's status: in place while we can, else in a new message."""
        if self.token_valid(ctx):
            try:
                kw = self._kw(reply, ctx.user_id)
                kw.setdefault("view", None)
                await self._webhook(ctx).edit_message("@original", **kw)  # type: ignore[call-overload]
                return ctx
            except discord.HTTPException as exc:
                if not _token_dead(exc):
                    raise
                log.info("interaction token of %s is gone; posting as the bot", status_id)
                ctx = await self._forget_token(status_id, ctx)
        if ctx.message_id is not None:
            try:
                kw = self._kw(reply, ctx.user_id)
                kw.setdefault("view", None)
                channel = self.bot.get_partial_messageable(ctx.channel_id)
                await channel.get_partial_message(ctx.message_id).edit(**kw)
                return ctx
            except (discord.NotFound, discord.Forbidden):
                log.info("status message %s can't be edited; posting a new one", ctx.message_id)
        message = await self.post_as_bot(ctx, reply)
        ctx = ctx.model_copy(update={"message_id": message.id, "channel_id": message.channel.id})
        await self.contexts.save(status_id, ctx)
        return ctx

    # posting -----------------------------------------------------------------------------

    async def post(
        self, status_id: str | None, ctx: TaskContext, reply: Reply, upload: Upload | None = None
    ) -> discord.Message:
        """Send a message about the task: a follow-up while the token lasts, else as the bot."""
        if self.token_valid(ctx):
            try:
                kw = self._kw(reply, ctx.user_id, upload)
                msg: discord.Message = await self._webhook(ctx).send(ephemeral=ctx.ephemeral, wait=True, **kw)
                return msg
            except discord.HTTPException as exc:
                if _too_large(exc):
                    raise TooLarge(str(exc)) from exc
                if not _token_dead(exc):
                    raise
                if status_id is not None:
                    ctx = await self._forget_token(status_id, ctx)
        return await self.post_as_bot(ctx, reply, upload)

    async def post_as_bot(
        self, ctx: TaskContext, reply: Reply, upload: Upload | None = None
    ) -> discord.Message:
        """Post in the channel when the bot is a member there, else (or when refused) in a DM."""
        if ctx.bot_can_post:
            try:
                kw = self._kw(reply, ctx.user_id, upload)
                return await self.bot.get_partial_messageable(ctx.channel_id).send(**kw)
            except discord.HTTPException as exc:
                if _too_large(exc):
                    raise TooLarge(str(exc)) from exc
                if not isinstance(exc, (discord.Forbidden, discord.NotFound)):
                    raise
                log.info("can't post in channel %s; trying a DM", ctx.channel_id)
        try:
            dm = await self.bot.create_dm(discord.Object(ctx.user_id))
            return await dm.send(**self._kw(reply, ctx.user_id, upload))
        except discord.HTTPException as exc:
            if _too_large(exc):
                raise TooLarge(str(exc)) from exc
            if isinstance(exc, (discord.Forbidden, discord.NotFound)):
                raise Unreachable(str(exc)) from exc
            raise
