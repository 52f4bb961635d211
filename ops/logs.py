"""Structured logs: one JSON object per line, tagged with the task being worked on, with
secrets removed before anything is written.

Redaction happens in the handler (filter and formatter), not in our own call sites, because
the leaks come from libraries: a Telegram file URL carries the bot token
(``https://api.telegram.org/file/bot<token>/<path>``), aiohttp and aiogram put request URLs in
their errors, and Redis URLs carry the password. The known secrets (every token, password and
key in the environment) are replaced wherever they appear, and URL shapes that hold secrets
are replaced even when the secret itself was not known in advance.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

REDACTED = "[redacted]"

task_id_var: ContextVar[str | None] = ContextVar("motionbot_task_id", default=None)

# Environment variables whose values are secrets (matched on the name).
_SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|ACCESS_KEY|SECRET_KEY|API_KEY|AUTH)", re.I)
_URL_NAME = re.compile(r"(_URL|_DSN)$", re.I)
_MIN_SECRET_LEN = 6  # shorter values would redact ordinary words

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram file downloads: the whole URL goes, since the path is only useful with the token
    (re.compile(r"https?://[^\s\"'<>]*/file/bot[^\s\"'<>]*"), "[telegram-file-url]"),
    # Bot API method URLs: https://api.telegram.org/bot<token>/sendVideo
    (re.compile(r"/bot\d+:[A-Za-z0-9_-]+"), "/bot" + REDACTED),
    # bare Telegram tokens (bot id, colon, 35-char secret)
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}\b"), REDACTED),
    # Discord interaction and webhook tokens in REST paths
    (re.compile(r"(/(?:interactions|webhooks)/\d+/)[A-Za-z0-9._-]{20,}"), r"\1" + REDACTED),
    # signed attachment URLs (Discord CDN): the query string is the signature
    (
        re.compile(r"(https?://(?:cdn|media)\.discordapp\.(?:com|net)/[^\s\"'<>?]*)\?[^\s\"'<>]*"),
        r"\1?" + REDACTED,
    ),
    # credentials inside URLs: redis://:pass@host, https://user:pass@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s/:@\"']*:)[^\s/@\"']+@"), r"\1" + REDACTED + "@"),
    # Authorization headers
    (re.compile(r"\b(Bot|Bearer)\s+[A-Za-z0-9._-]{20,}"), r"\1 " + REDACTED),
    # S3 presigned URLs
    (re.compile(r"(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s\"']+"), r"\1" + REDACTED),
)


def secrets_from_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """The secret values this process knows: tokens, passwords, keys, and URL passwords."""
    env = os.environ if environ is None else environ
    found: set[str] = set()
    for name, value in env.items():
        if not value:
            continue
        if _SECRET_NAME.search(name) and len(value) >= _MIN_SECRET_LEN:
            found.add(value)
        elif _URL_NAME.search(name):
            match = re.search(r"://[^/\s:@]*:([^@/\s]+)@", value)
            if match and len(match.group(1)) >= _MIN_SECRET_LEN:
                found.add(match.group(1))
    # longest first, so a token is not half-replaced by a shorter secret it contains
    return sorted(found, key=len, reverse=True)


class Redactor:
    """Replaces known secrets and secret-bearing URL shapes in a piece of text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= _MIN_SECRET_LEN}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets removed (handler-level, covers libraries)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a library's bad format string must not drop the record
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = self.redactor(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        record.exc_info = None  # formatted (and redacted) above
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True


_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, service, task_id, extras, exc."""

    def __init__(self, service: str, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.service = service
        self.redactor = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "service": self.service,
        }
        task_id = getattr(record, "task_id", None) or task_id_var.get()
        if task_id:
            data["task_id"] = task_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key != "task_id" and not key.startswith("_"):
                data[key] = value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exc"] = record.exc_text
        # the final line is redacted as a whole too: extras and tracebacks can hold secrets
        return self.redactor(json.dumps(data, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal, with the same redaction and task tagging."""

    def __init__(self, service: str, redactor: Redactor | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(service)s %(name)s%(task)s: %(message)s")
        self.service = service
        self.redactor = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        task_id = getattr(record, "task_id", None) or task_id_var.get()
        record.service = self.service
        record.task = f" [{task_id}]" if task_id else ""
        return self.redactor(super().format(record))


_HANDLER_NAME = "motionbot"


def setup_logging(
    service: str,
    *,
    level: str = "INFO",
    fmt: str = "json",
    secrets: Iterable[str] | None = None,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Route every logger (ours and the libraries') through one redacting handler on stderr.

    Called once per process at its entry point; calling it again replaces the handler.
    ``secrets`` defaults to every secret found in the environment.
    """
    redactor = Redactor(secrets_from_env() if secrets is None else secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RedactingFilter(redactor))
    handler.setFormatter(
        JsonFormatter(service, redactor) if fmt == "json" else TextFormatter(service, redactor)
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)
    # request-level chatter from HTTP clients would log every URL, tokens included
    for noisy in ("httpx", "httpcore", "urllib3", "botocore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handler


@contextmanager
def bound_task(task_id: str | None) -> Iterator[None]:
    """Tag every record logged inside the block (in this task/context) with ``task_id``."""
    token = task_id_var.set(task_id)
    try:
        yield
    finally:
        task_id_var.reset(token)
