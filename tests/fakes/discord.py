"""A fake Discord REST API that the real discord.py client talks to.

aiohttp on 127.0.0.1, port 0. Point the client at it through the bot's own setting
(``MOTIONBOT_DISCORD_API_URL`` = :attr:`FakeDiscord.api_url`, applied by
``motionbot.bot.discord.client.use_api_base``) and call ``client.login(token)``: no gateway
connection is made. Events the gateway would push are built and injected by
:mod:`fakes.discord_gateway` (re-exported here: :func:`gateway`, :func:`slash`, :func:`click`,
:func:`autocomplete`, :func:`dm_message`).

Implemented routes: users/@me, oauth2/applications/@me, users/@me/channels (open a DM),
interactions/{id}/{token}/callback (JSON or multipart), webhooks/{app}/{token} (POST,
multipart) and webhooks/{app}/{token}/messages/{id|@original} (GET/PATCH/DELETE),
channels/{id}/messages (POST multipart, GET/PATCH/DELETE one), application command sync
(PUT/GET global and guild), and a CDN route serving attachment bytes.
Error knobs: :attr:`upload_limit` (413 / code 40005 "Request entity too large" for a bigger
file), :attr:`expired_tokens` (401 / 50027 "Invalid Webhook Token"), :attr:`forbidden_channels`
(403 / 50001 "Missing Access"), :meth:`fail` (any route, N times).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .discord_gateway import (  # re-exported: tests use one module, ``fakes.discord``
    APP_ID,
    BOT_DM_CONTEXT,
    BOT_ID,
    BOT_USER,
    DEFAULT_LIMIT,
    GUILD_CONTEXT,
    PRIVATE_CHANNEL_CONTEXT,
    Place,
    _now,
    autocomplete,
    button,
    buttons,
    click,
    dm_message,
    gateway,
    slash,
    snowflake,
    user,
)
from .discord_names import command_name_errors

__all__ = [
    "APP_ID",
    "BOT_DM_CONTEXT",
    "BOT_ID",
    "BOT_USER",
    "DEFAULT_LIMIT",
    "GUILD_CONTEXT",
    "PRIVATE_CHANNEL_CONTEXT",
    "FakeDiscord",
    "Place",
    "autocomplete",
    "button",
    "buttons",
    "click",
    "dm_message",
    "gateway",
    "slash",
    "snowflake",
    "user",
]


@dataclass
class Upload:
    field: str
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class Request:
    method: str
    path: str  # after /api/v10
    query: dict[str, str]
    json: Any
    files: list[Upload]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    code: int
    message: str
    remaining: int


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py compares the whole Content-Type header: no "; charset=utf-8"
    return web.Response(status=status, body=json.dumps(data).encode(), content_type="application/json")


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)


class FakeDiscord:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.originals: dict[str, int] = {}  # interaction token -> original response message id
        self.token_channels: dict[str, tuple[int, bool]] = {}  # token -> (channel, ephemeral default)
        self.token_meta: dict[str, dict[str, Any]] = {}  # token -> interaction metadata of its messages
        self.cdn: dict[str, tuple[bytes, str]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id -> synced commands
        self.dm_channels: dict[int, int] = {}  # user -> DM channel
        self.user_locales: dict[int, str] = {}  # user -> the locale their client sends
        self.clicked: dict[str, int] = {}  # component interaction token -> message clicked
        self.upload_limit: int | None = None
        self.expired_tokens: set[str] = set()
        self.forbidden_channels: set[int] = set()
        self.failures: list[Failure] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    # lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v10"

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle)
        app.router.add_get("/cdn/{key:.*}", self._cdn)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # knobs and test helpers ---------------------------------------------------------------

    def fail(
        self, method: str, path_regex: str, status: int, code: int, message: str, times: int = 1
    ) -> None:
        self.failures.append(Failure(method, re.compile(path_regex), status, code, message, times))

    def add_attachment(
        self, filename: str, data: bytes, content_type: str | None, size: int | None = None
    ) -> dict[str, Any]:
        """An attachment as a user's upload: bytes served by the CDN route."""
        att_id = snowflake()
        key = f"attachments/{att_id}/{filename}"
        self.cdn[key] = (data, content_type or "application/octet-stream")
        url = f"{self.base_url}/cdn/{key}"
        att = {
            "id": str(att_id),
            "filename": filename,
            "size": len(data) if size is None else size,
            "url": url,
            "proxy_url": url,
        }
        if content_type is not None:
            att["content_type"] = content_type
        return att

    def find(self, method: str, pattern: str) -> list[Request]:
        rx = re.compile(pattern)
        return [r for r in self.requests if r.method == method and rx.search(r.path)]

    def channel_messages(self, channel_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if m["channel_id"] == str(channel_id)]

    def original(self, token: str) -> dict[str, Any] | None:
        mid = self.originals.get(token)
        return self.messages.get(mid) if mid is not None else None

    def followups(self, token: str) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if m.get("_token") == token and not m.get("_original")]

    def file_bytes(self, attachment: dict[str, Any]) -> bytes:
        key = attachment["url"].split("/cdn/", 1)[1]
        return self.cdn[key][0]

    # request plumbing ---------------------------------------------------------------------

    async def _read(self, request: web.Request) -> tuple[Any, list[Upload]]:
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            payload: Any = None
            files: list[Upload] = []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    data = await part.read()  # type: ignore[union-attr]
                    files.append(
                        Upload(
                            part.name or "",
                            part.filename or "",  # type: ignore[union-attr]
                            bytes(data),
                            part.headers.get("Content-Type"),
                        )
                    )  # type: ignore[union-attr]
            return payload, files
        body = await request.read()
        return (json.loads(body) if body else None), []

    async def _cdn(self, request: web.Request) -> web.Response:
        item = self.cdn.get(request.match_info["key"])
        if item is None:
            return web.Response(status=404)
        return web.Response(body=item[0], content_type=item[1])

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        payload, files = await self._read(request)
        req = Request(request.method, path, dict(request.query), payload, files)
        self.requests.append(req)
        for f in self.failures:
            if f.remaining > 0 and f.method == request.method and f.pattern.search(path):
                f.remaining -= 1
                return _error(f.status, f.code, f.message)
        if self.upload_limit is not None and any(len(u.data) > self.upload_limit for u in files):
            return _error(413, 40005, "Request entity too large")
        for rx, method, handler in self._routes():
            m = rx.fullmatch(path)
            if m and method == request.method:
                return await handler(req, **m.groupdict())
        return _error(404, 0, f"404: Not Found ({request.method} {path})")

    def _routes(self) -> list[tuple[re.Pattern[str], str, Any]]:
        r = re.compile
        return [
            (r("/users/@me"), "GET", self._me),
            (r("/oauth2/applications/@me"), "GET", self._app),
            (r("/users/@me/channels"), "POST", self._open_dm),
            (r("/interactions/(?P<iid>\\d+)/(?P<token>[^/]+)/callback"), "POST", self._callback),
            (r("/webhooks/(?P<app>\\d+)/(?P<token>[^/]+)"), "POST", self._followup),
            (
                r("/webhooks/(?P<app>\\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\\d+)"),
                "GET",
                self._webhook_get,
            ),
            (
                r("/webhooks/(?P<app>\\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\\d+)"),
                "PATCH",
                self._webhook_edit,
            ),
            (
                r("/webhooks/(?P<app>\\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\\d+)"),
                "DELETE",
                self._webhook_delete,
            ),
            (r("/channels/(?P<cid>\\d+)/messages"), "POST", self._channel_send),
            (r("/channels/(?P<cid>\\d+)/messages/(?P<mid>\\d+)"), "GET", self._channel_get),
            (r("/channels/(?P<cid>\\d+)/messages/(?P<mid>\\d+)"), "PATCH", self._channel_edit),
            (r("/channels/(?P<cid>\\d+)/messages/(?P<mid>\\d+)"), "DELETE", self._channel_delete),
            (r("/applications/(?P<app>\\d+)/commands"), "PUT", self._sync),
            (r("/applications/(?P<app>\\d+)/commands"), "GET", self._list_commands),
            (r("/applications/(?P<app>\\d+)/guilds/(?P<gid>\\d+)/commands"), "PUT", self._sync),
            (r("/applications/(?P<app>\\d+)/guilds/(?P<gid>\\d+)/commands"), "GET", self._list_commands),
        ]

    # messages ----------------------------------------------------------------------------

    def _message(
        self,
        channel_id: int | str,
        payload: dict[str, Any] | None,
        files: list[Upload],
        *,
        author: dict[str, Any] | None = None,
        ephemeral: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        payload = payload or {}
        flags = int(payload.get("flags") or 0) | (64 if ephemeral else 0)
        msg: dict[str, Any] = {
            "id": str(snowflake()),
            "channel_id": str(channel_id),
            "author": author or BOT_USER,
            "content": payload.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "type": 0,
            "flags": flags,
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "attachments": self._attachments(files),
        }
        if extra:
            msg.update(extra)
        self.messages[int(msg["id"])] = msg
        return msg

    def _attachments(self, files: list[Upload]) -> list[dict[str, Any]]:
        out = []
        for u in files:
            att = self.add_attachment(u.filename, u.data, u.content_type)
            out.append(att)
        return out

    def _update(self, msg: dict[str, Any], payload: dict[str, Any] | None, files: list[Upload]) -> None:
        payload = payload or {}
        for key in ("content", "embeds", "components"):
            if key in payload:
                msg[key] = payload[key] if payload[key] is not None else ([] if key != "content" else "")
        if files or "attachments" in payload:
            kept_ids = {str(a.get("id")) for a in payload.get("attachments") or []}
            kept = [a for a in msg["attachments"] if a["id"] in kept_ids]
            msg["attachments"] = kept + self._attachments(files)
        msg["edited_timestamp"] = _now()

    async def _me(self, req: Request) -> web.Response:
        return _json(BOT_USER)

    async def _app(self, req: Request) -> web.Response:
        return _json(
            {
                "id": str(APP_ID),
                "name": "motionbot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": user(1, "owner"),
                "flags": 0,
            }
        )

    async def _open_dm(self, req: Request) -> web.Response:
        uid = int(req.json["recipient_id"])
        cid = self.dm_channels.setdefault(uid, snowflake())
        return _json({"id": str(cid), "type": 1, "last_message_id": None, "recipients": [user(uid)]})

    async def _callback(self, req: Request, iid: str, token: str) -> web.Response:
        kind = int(req.json["type"]) if req.json else 0
        data = (req.json or {}).get("data") or {}
        channel, _ = self.token_channels.get(token, (0, False))
        ephemeral = bool(int(data.get("flags") or 0) & 64)
        resource: dict[str, Any] | None = None
        if kind in (4, 5):  # message / deferred message: the original response
            msg = self._message(
                channel,
                data if kind == 4 else {"flags": data.get("flags")},
                req.files,
                ephemeral=ephemeral,
                extra={
                    "_token": token,
                    "_original": True,
                    "interaction_metadata": self.token_meta.get(token, {"id": iid, "type": 2}),
                },
            )
            if kind == 5:
                msg["flags"] |= 128  # loading
            self.originals[token] = int(msg["id"])
            resource = {"type": kind, "message": msg}
        elif kind == 7:  # update the message the component is on
            mid = self.clicked.get(token)
            if mid is not None and mid in self.messages:
                self._update(self.messages[mid], data, req.files)
                self.originals[token] = mid
                resource = {"type": kind, "message": self.messages[mid]}
        elif kind == 6:  # deferred update: the original is the clicked message
            mid = self.clicked.get(token)
            if mid is not None:
                self.originals[token] = mid
        body: dict[str, Any] = {"interaction": {"id": iid, "type": 2}}
        if resource is not None:
            body["interaction"]["response_message_id"] = resource["message"]["id"]
            body["interaction"]["response_message_ephemeral"] = ephemeral
            body["interaction"]["response_message_loading"] = kind == 5
            body["resource"] = resource
        return _json(body)

    def _token_ok(self, token: str) -> web.Response | None:
        if token in self.expired_tokens:
            return _error(401, 50027, "Invalid Webhook Token")
        return None

    async def _followup(self, req: Request, app: str, token: str) -> web.Response:
        if (err := self._token_ok(token)) is not None:
            return err
        channel, _ = self.token_channels.get(token, (0, False))
        payload = req.json or {}
        msg = self._message(
            channel,
            payload,
            req.files,
            ephemeral=bool(int(payload.get("flags") or 0) & 64),
            extra={"_token": token},
        )
        return _json(msg)

    def _webhook_message(self, token: str, mid: str) -> dict[str, Any] | None:
        if mid == "@original":
            return self.original(token)
        msg = self.messages.get(int(mid))
        return (
            msg
            if (msg is not None and msg.get("_token") == token) or self.originals.get(token) == int(mid)
            else None
        )

    async def _webhook_get(self, req: Request, app: str, token: str, mid: str) -> web.Response:
        if (err := self._token_ok(token)) is not None:
            return err
        msg = self._webhook_message(token, mid)
        return _json(msg) if msg else _error(404, 10008, "Unknown Message")

    async def _webhook_edit(self, req: Request, app: str, token: str, mid: str) -> web.Response:
        if (err := self._token_ok(token)) is not None:
            return err
        msg = self._webhook_message(token, mid)
        if msg is None:
            return _error(404, 10008, "Unknown Message")
        msg["flags"] &= ~128
        self._update(msg, req.json, req.files)
        return _json(msg)

    async def _webhook_delete(self, req: Request, app: str, token: str, mid: str) -> web.Response:
        msg = self._webhook_message(token, mid)
        if msg is None:
            return _error(404, 10008, "Unknown Message")
        del self.messages[int(msg["id"])]
        return web.Response(status=204)

    def _channel_ok(self, cid: str) -> web.Response | None:
        if int(cid) in self.forbidden_channels:
            return _error(403, 50001, "Missing Access")
        return None

    async def _channel_send(self, req: Request, cid: str) -> web.Response:
        if (err := self._channel_ok(cid)) is not None:
            return err
        return _json(self._message(cid, req.json, req.files))

    async def _channel_get(self, req: Request, cid: str, mid: str) -> web.Response:
        msg = self.messages.get(int(mid))
        return _json(msg) if msg and msg["channel_id"] == cid else _error(404, 10008, "Unknown Message")

    async def _channel_edit(self, req: Request, cid: str, mid: str) -> web.Response:
        if (err := self._channel_ok(cid)) is not None:
            return err
        msg = self.messages.get(int(mid))
        if msg is None or msg["channel_id"] != cid or msg.get("_token") or msg["author"]["id"] != str(BOT_ID):
            return _error(404, 10008, "Unknown Message")
        self._update(msg, req.json, req.files)
        return _json(msg)

    async def _channel_delete(self, req: Request, cid: str, mid: str) -> web.Response:
        if self.messages.pop(int(mid), None) is None:
            return _error(404, 10008, "Unknown Message")
        return web.Response(status=204)

    async def _sync(self, req: Request, app: str, gid: str | None = None) -> web.Response:
        wrong = [w for c in req.json for w in command_name_errors(c)]
        if wrong:  # Discord refuses the whole sync, as Invalid Form Body
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(wrong))
        synced = [{**c, "id": str(snowflake()), "application_id": app, "version": "1"} for c in req.json]
        self.commands[gid or "global"] = synced
        return _json(synced)

    async def _list_commands(self, req: Request, app: str, gid: str | None = None) -> web.Response:
        return _json(self.commands.get(gid or "global", []))
