"""A fake Telegram Bot API server that a real aiogram ``Bot`` talks to over HTTP.

aiohttp on 127.0.0.1, port 0. Point a bot at it with
``AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))`` and a token like
``"42:TEST"`` (aiogram parses the bot id from it). Tests push updates with
:meth:`FakeTelegram.push` (long-polled by ``getUpdates``) and assert on :attr:`requests`.

Implemented: getMe, getUpdates (long poll, offset), deleteWebhook, setWebhook, getFile +
``/file/bot<token>/<path>`` downloads, sendMessage, editMessageText, editMessageReplyMarkup,
deleteMessage, sendPhoto / sendVideo / sendDocument / sendAnimation / sendSticker (multipart,
``attach://`` resolved, or a file id), createNewStickerSet / addStickerToSet / getStickerSet
(:attr:`sticker_sets`, with Telegram's naming rule and its errors), sendChatAction, answerCallbackQuery, answerInlineQuery, setMyCommands, getChatMember.
Error knobs: :meth:`fail` (e.g. 429 with retry_after, 400 file too big) and
:attr:`blocked_chats` (403 "bot was blocked by the user").
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

BOT_ID = 42
BOT_USERNAME = "motion_test_bot"
DOWNLOAD_LIMIT = 20 * 1024 * 1024


@dataclass
class Request:
    method: str
    fields: dict[str, Any]
    uploads: dict[str, tuple[str, bytes]]  # field -> (filename, bytes), attach:// resolved
    at: float = field(default_factory=time.monotonic)
    error: int | None = None  # the error code this fake answered with, if any


@dataclass
class StoredFile:
    file_id: str
    data: bytes
    file_path: str
    size: int


@dataclass
class StickerSet:
    name: str
    user_id: int
    title: str
    stickers: list[str]  # file ids, in order


@dataclass
class Failure:
    method: str
    code: int
    description: str
    retry_after: int | None
    remaining: int


def _parse_value(value: str) -> Any:
    if value in ("true", "false"):
        return value == "true"
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeTelegram:
    def __init__(self, *, download_limit: int = DOWNLOAD_LIMIT) -> None:
        self.download_limit = download_limit
        self.requests: list[Request] = []
        self.updates: list[dict[str, Any]] = []
        self.files: dict[str, StoredFile] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.chat_members: dict[tuple[str, int], str] = {}  # (chat, user) -> status
        self.chats: dict[str, dict[str, Any]] = {}  # "@channel" -> chat
        self.blocked_chats: set[int] = set()
        self.user_languages: dict[int, str] = {}  # user id -> language_code their app sends
        self.sticker_sets: dict[str, StickerSet] = {}
        self.failures: list[Failure] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._ids = itertools.count(1)
        self._new_update = asyncio.Condition()
        self._new_request = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        # control routes for a fake running in another process (benchmarks)
        app.router.add_post("/__control/push", self._control_push)
        app.router.add_post("/__control/photo", self._control_photo)
        app.router.add_get("/__control/requests", self._control_requests)
        app.router.add_get("/__control/count", self._control_count)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # test-side helpers -------------------------------------------------------------------

    def fail(
        self, method: str, code: int, description: str, *, retry_after: int | None = None, times: int = 1
    ) -> None:
        """The next ``times`` calls of ``method`` fail with this error."""
        self.failures.append(Failure(method, code, description, retry_after, times))

    def add_file(self, data: bytes, *, suffix: str = "", size: int | None = None) -> str:
        digest = hashlib.sha1(data).hexdigest()[:16]
        file_id = f"file-{digest}-{next(self._ids)}"
        self.files[file_id] = StoredFile(file_id, data, f"documents/{file_id}{suffix}", size or len(data))
        return file_id

    @staticmethod
    def user(user_id: int, name: str = "Ann") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "username": f"user{user_id}"}

    def sender(self, user_id: int) -> dict[str, Any]:
        """A user as their updates carry them: with their app's language when a test set one
        (``user_languages``)."""
        user = self.user(user_id)
        if user_id in self.user_languages:
            user["language_code"] = self.user_languages[user_id]
        return user

    @staticmethod
    def chat(chat_id: int, kind: str = "private", title: str | None = None) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if title:
            chat["title"] = title
        return chat

    def message(
        self, chat_id: int, user_id: int, *, chat_type: str = "private", **fields: Any
    ) -> dict[str, Any]:
        """A user's message; ``fields`` are Message fields (text, photo, video, document...)."""
        msg = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type, None if chat_type == "private" else "Group"),
            "from": self.sender(user_id),
            **fields,
        }
        self.messages[(chat_id, msg["message_id"])] = msg
        return msg

    def photo_fields(
        self, data: bytes, *, width: int = 320, height: int = 400, size: int | None = None
    ) -> dict[str, Any]:
        file_id = self.add_file(data, suffix=".jpg", size=size)
        small = {"file_id": file_id + "-s", "file_unique_id": "u" + file_id + "-s", "width": 90, "height": 90}
        self.files[file_id + "-s"] = StoredFile(file_id + "-s", data, f"photos/{file_id}-s.jpg", len(data))
        big = {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "width": width,
            "height": height,
            "file_size": size or len(data),
        }
        return {"photo": [small, big]}

    def video_fields(
        self,
        data: bytes,
        *,
        kind: str = "video",
        mime: str = "video/mp4",
        file_name: str = "clip.mp4",
        size: int | None = None,
    ) -> dict[str, Any]:
        file_id = self.add_file(data, suffix=".mp4", size=size)
        base = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": size or len(data)}
        if kind == "video":
            return {"video": {**base, "width": 64, "height": 64, "duration": 2, "mime_type": mime}}
        if kind == "animation":
            return {
                "animation": {
                    **base,
                    "width": 64,
                    "height": 64,
                    "duration": 2,
                    "mime_type": mime,
                    "file_name": file_name,
                }
            }
        if kind == "video_note":
            return {"video_note": {**base, "length": 64, "duration": 2}}
        return self.document_fields(data, mime=mime, file_name=file_name, file_id=file_id, size=size)

    def document_fields(
        self, data: bytes, *, mime: str, file_name: str, file_id: str | None = None, size: int | None = None
    ) -> dict[str, Any]:
        file_id = file_id or self.add_file(data, suffix="." + file_name.rsplit(".", 1)[-1], size=size)
        return {
            "document": {
                "file_id": file_id,
                "file_unique_id": "u" + file_id,
                "file_size": size or len(data),
                "mime_type": mime,
                "file_name": file_name,
            }
        }

    async def push(self, **update: Any) -> int:
        """Queue an update, e.g. ``push(message=...)``; returns its update_id."""
        update_id = next(self._update_ids)
        async with self._new_update:
            self.updates.append({"update_id": update_id, **update})
            self._new_update.notify_all()
        return update_id

    async def push_message(self, chat_id: int, user_id: int, **fields: Any) -> dict[str, Any]:
        msg = self.message(chat_id, user_id, **fields)
        await self.push(message=msg)
        return msg

    async def press(self, chat_id: int, user_id: int, message_id: int, data: str) -> str:
        """Press an inline button on one of the bot's messages."""
        query_id = f"cb{next(self._ids)}"
        bot_msg = self.messages.get((chat_id, message_id)) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self.chat(chat_id),
        }
        await self.push(
            callback_query={
                "id": query_id,
                "from": self.sender(user_id),
                "chat_instance": str(chat_id),
                "message": bot_msg,
                "data": data,
            }
        )
        return query_id

    async def inline(self, user_id: int, query: str = "") -> str:
        query_id = f"iq{next(self._ids)}"
        await self.push(
            inline_query={"id": query_id, "from": self.sender(user_id), "query": query, "offset": ""}
        )
        return query_id

    def sent(self, *methods: str, chat_id: int | None = None) -> list[Request]:
        return [
            r
            for r in self.requests
            if r.method in methods and (chat_id is None or str(r.fields.get("chat_id")) == str(chat_id))
        ]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy, re-checking on every request the bot makes."""
        deadline = time.monotonic() + timeout
        async with self._new_request:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the bot did not do what the test waited for")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_request.wait(), min(left, 0.2))

    async def wait_sent(
        self,
        method: str,
        *,
        count: int = 1,
        chat_id: int | None = None,
        timeout: float = 10.0,
        where: Callable[[Request], bool] | None = None,
    ) -> list[Request]:
        def ready() -> list[Request] | None:
            got = [r for r in self.sent(method, chat_id=chat_id) if where is None or where(r)]
            return got if len(got) >= count else None

        result: list[Request] = await self.wait_for(ready, timeout)
        return result

    # control (another process drives this fake) ------------------------------------------

    async def _control_push(self, request: web.Request) -> web.Response:
        await self.push(**await request.json())
        return web.json_response({"ok": True})

    async def _control_photo(self, request: web.Request) -> web.Response:
        """Body: raw photo bytes; query: user ids (comma-separated), distinct=1 for a different
        file per user. Pushes one photo message per user in one go and returns
        {user: monotonic time pushed}."""
        data = await request.read()
        distinct = request.query.get("distinct") == "1"  # a different file per user (bytes after JPEG's end)
        fields = self.photo_fields(data)
        pushed: dict[str, float] = {}
        for user in request.query["users"].split(","):
            if distinct:
                fields = self.photo_fields(data + user.encode())
            msg = self.message(int(user), int(user), **fields)
            pushed[user] = time.monotonic()
            await self.push(message=msg)
        return web.json_response(pushed)

    async def _control_count(self, request: web.Request) -> web.Response:
        """How many chats got a message or edit containing ``text`` (cheap to poll)."""
        fragment = request.query["text"]
        chats = {
            str(r.fields.get("chat_id"))
            for r in self.requests
            if r.method in ("sendMessage", "editMessageText") and fragment in str(r.fields.get("text") or "")
        }
        return web.json_response(len(chats))

    async def _control_requests(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", 0))
        rows = [
            {"method": r.method, "chat_id": r.fields.get("chat_id"), "text": r.fields.get("text"), "at": r.at}
            for r in self.requests[since:]
        ]
        return web.json_response(rows)

    # server side -------------------------------------------------------------------------

    async def _fields(self, request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        fields: dict[str, Any] = {}
        parts: dict[str, tuple[str, bytes]] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    parts[part.name] = (part.filename, bytes(await part.read()))
                else:
                    fields[part.name] = _parse_value(await part.text())
        elif request.content_type == "application/json":
            fields = dict(await request.json())
        else:
            fields = {k: _parse_value(v) for k, v in (await request.post()).items() if isinstance(v, str)}
        uploads: dict[str, tuple[str, bytes]] = {}
        for name, value in list(fields.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                uploads[name] = parts[value.removeprefix("attach://")]
        return fields, uploads

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=code)

    def _bot_message(
        self, chat_id: Any, reply_parameters: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        chat_id = int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id
        chat = self.chats.get(str(chat_id)) or self.chat(
            int(chat_id), "private" if int(chat_id) > 0 else "group"
        )
        msg = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Motion", "username": BOT_USERNAME},
            **{k: v for k, v in fields.items() if v is not None},
        }
        replied = (reply_parameters or {}).get("message_id")
        if replied is not None and (chat["id"], int(replied)) in self.messages:
            original = self.messages[(chat["id"], int(replied))]
            msg["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
        self.messages[(chat["id"], msg["message_id"])] = msg
        return msg

    async def _method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        fields, uploads = await self._fields(request)
        record = Request(method, fields, uploads)
        if method != "getUpdates":
            async with self._new_request:
                self.requests.append(record)
                self._new_request.notify_all()
        for failure in self.failures:
            if failure.method == method and failure.remaining > 0:
                failure.remaining -= 1
                record.error = failure.code
                return self._error(failure.code, failure.description, failure.retry_after)
        chat_id = fields.get("chat_id")
        if chat_id is not None and str(chat_id).lstrip("-").isdigit() and int(chat_id) in self.blocked_chats:
            record.error = 403
            return self._error(403, "Forbidden: bot was blocked by the user")
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return self._ok(True)
        response: web.Response = await handler(fields, uploads)
        return response

    async def _m_getMe(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        return self._ok(
            {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Motion",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        )

    async def _m_getUpdates(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        offset = int(fields.get("offset", 0) or 0)
        timeout = float(fields.get("timeout", 0) or 0)
        limit = int(fields.get("limit", 100) or 100)
        deadline = time.monotonic() + timeout
        async with self._new_update:
            while True:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or time.monotonic() >= deadline:
                    return self._ok(self.updates[:limit])
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())

    async def _m_getFile(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        stored = self.files.get(str(fields.get("file_id")))
        if stored is None:
            return self._error(400, "Bad Request: invalid file_id")
        if stored.size > self.download_limit:
            return self._error(400, "Bad Request: file is too big")
        return self._ok(
            {
                "file_id": stored.file_id,
                "file_unique_id": "u" + stored.file_id,
                "file_size": stored.size,
                "file_path": stored.file_path,
            }
        )

    async def _download(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return web.Response(status=404)

    async def _m_sendMessage(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        return self._ok(
            self._bot_message(
                fields["chat_id"],
                text=fields.get("text"),
                reply_markup=fields.get("reply_markup"),
                reply_parameters=fields.get("reply_parameters"),
            )
        )

    async def _m_editMessageText(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        key = (int(fields["chat_id"]), int(fields["message_id"]))
        msg = self.messages.get(key)
        if msg is None:
            return self._error(400, "Bad Request: message to edit not found")
        if msg.get("text") == fields.get("text") and msg.get("reply_markup") == fields.get("reply_markup"):
            return self._error(400, "Bad Request: message is not modified")
        msg["text"] = fields.get("text")
        msg["reply_markup"] = fields.get("reply_markup")
        if msg["reply_markup"] is None:
            msg.pop("reply_markup")
        return self._ok(msg)

    async def _m_editMessageReplyMarkup(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        msg = self.messages.get((int(fields["chat_id"]), int(fields["message_id"])))
        if msg is None:
            return self._error(400, "Bad Request: message to edit not found")
        msg["reply_markup"] = fields.get("reply_markup")
        return self._ok(msg)

    async def _m_deleteMessage(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        self.messages.pop((int(fields["chat_id"]), int(fields["message_id"])), None)
        return self._ok(True)

    async def _send_media(
        self, kind: str, fields: dict[str, Any], uploads: dict[str, tuple[str, bytes]]
    ) -> web.Response:
        if kind in uploads:
            name, data = uploads[kind]
            file_id = f"sent-{kind}-{hashlib.sha1(data).hexdigest()[:12]}"
            self.files.setdefault(file_id, StoredFile(file_id, data, f"{kind}s/{name}", len(data)))
        else:
            file_id = str(fields[kind])
            if file_id not in self.files:
                return self._error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        media = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": self.files[file_id].size}
        if kind == "sticker":
            media.update(type="regular", width=512, height=512, is_animated=False, is_video=True)
        if kind == "photo":  # Telegram gives a photo as its sizes
            return self._ok(
                self._bot_message(
                    fields["chat_id"],
                    caption=fields.get("caption"),
                    reply_markup=fields.get("reply_markup"),
                    reply_parameters=fields.get("reply_parameters"),
                    photo=[media | {"width": 320, "height": 240}],
                )
            )
        if kind in ("video", "animation"):
            media.update(
                width=int(fields.get("width", 64) or 64),
                height=int(fields.get("height", 64) or 64),
                duration=int(float(fields.get("duration", 1) or 1)),
            )
        return self._ok(
            self._bot_message(
                fields["chat_id"],
                caption=fields.get("caption"),
                reply_markup=fields.get("reply_markup"),
                reply_parameters=fields.get("reply_parameters"),
                **{kind: media},
            )
        )

    async def _m_sendVideo(
        self, fields: dict[str, Any], uploads: dict[str, tuple[str, bytes]]
    ) -> web.Response:
        return await self._send_media("video", fields, uploads)

    async def _m_sendPhoto(
        self, fields: dict[str, Any], uploads: dict[str, tuple[str, bytes]]
    ) -> web.Response:
        return await self._send_media("photo", fields, uploads)

    async def _m_sendDocument(
        self, fields: dict[str, Any], uploads: dict[str, tuple[str, bytes]]
    ) -> web.Response:
        return await self._send_media("document", fields, uploads)

    async def _m_sendAnimation(
        self, fields: dict[str, Any], uploads: dict[str, tuple[str, bytes]]
    ) -> web.Response:
        return await self._send_media("animation", fields, uploads)

    async def _m_sendSticker(
        self, fields: dict[str, Any], uploads: dict[str, tuple[str, bytes]]
    ) -> web.Response:
        return await self._send_media("sticker", fields, uploads)

    def _set_stickers(self, fields: dict[str, Any]) -> list[str] | web.Response:
        """The file ids of the InputStickers in ``fields`` (``stickers`` or ``sticker``)."""
        entries = fields.get("stickers") or [fields.get("sticker")]
        ids: list[str] = []
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("format") != "video" or not entry.get("emoji_list"):
                return self._error(400, "Bad Request: STICKER_FORMAT_INVALID")
            if str(entry.get("sticker")) not in self.files:
                return self._error(400, "Bad Request: wrong file identifier/HTTP URL specified")
            ids.append(str(entry["sticker"]))
        return ids

    async def _m_createNewStickerSet(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        name = str(fields.get("name", ""))
        if not name.endswith(f"_by_{BOT_USERNAME}") or not name[:1].isalpha() or len(name) > 64:
            return self._error(400, "Bad Request: invalid sticker set name is specified")
        if name in self.sticker_sets:
            return self._error(400, "Bad Request: sticker set name is already occupied")
        ids = self._set_stickers(fields)
        if isinstance(ids, web.Response):
            return ids
        self.sticker_sets[name] = StickerSet(name, int(fields["user_id"]), str(fields.get("title")), ids)
        return self._ok(True)

    async def _m_addStickerToSet(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        found = self.sticker_sets.get(str(fields.get("name")))
        if found is None or found.user_id != int(fields["user_id"]):
            return self._error(400, "Bad Request: STICKERSET_INVALID")
        ids = self._set_stickers(fields)
        if isinstance(ids, web.Response):
            return ids
        found.stickers.extend(ids)
        return self._ok(True)

    async def _m_getStickerSet(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        found = self.sticker_sets.get(str(fields.get("name")))
        if found is None:
            return self._error(400, "Bad Request: STICKERSET_INVALID")
        stickers = [
            {"file_id": f, "file_unique_id": "u" + f, "type": "regular", "width": 512, "height": 512,
             "is_animated": False, "is_video": True}
            for f in found.stickers
        ]  # fmt: skip
        return self._ok(
            {"name": found.name, "title": found.title, "sticker_type": "regular", "stickers": stickers}
        )

    async def _m_getChatMember(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        chat = str(fields["chat_id"])
        if chat.startswith("@") and chat not in self.chats:
            return self._error(400, "Bad Request: chat not found")
        user_id = int(fields["user_id"])
        status = self.chat_members.get((chat, user_id), "left")
        member: dict[str, Any] = {"status": status, "user": self.user(user_id)}
        if status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_messages=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_send_welcome_messages=False,
            )
        elif status == "creator":
            member.update(is_anonymous=False)
        if user_id == BOT_ID:
            member["user"] = {"id": BOT_ID, "is_bot": True, "first_name": "Motion", "username": BOT_USERNAME}
        return self._ok(member)

    async def _m_getChat(self, fields: dict[str, Any], uploads: Any) -> web.Response:
        chat = self.chats.get(str(fields["chat_id"]))
        if chat is None:
            return self._error(400, "Bad Request: chat not found")
        return self._ok(
            {
                **chat,
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                },
            }
        )


def main() -> None:
    """Run the fake alone (benchmarks): prints its base URL, serves until killed."""
    import sys

    async def serve() -> None:
        fake = await FakeTelegram().start()
        print(fake.base_url, flush=True)
        await asyncio.Event().wait()

    if len(sys.argv) > 1:
        raise SystemExit("usage: python tests/fakes/telegram.py")
    asyncio.run(serve())


if __name__ == "__main__":
    main()
