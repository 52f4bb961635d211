"""Job payloads: the versioned, JSON-serialisable contract between bot and renderer.

Payloads cross Redis as JSON (not pickle) so that a bot and a renderer of different
releases can share a queue during a rolling deploy; ``version`` lets a consumer refuse
what it does not understand instead of misreading it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from motionbot.queue import english

SCHEMA_VERSION = 1
MediaKind = Literal["photo", "video"]  # what a user sends: who (photo) and the move (video)


class Queues:
    """Queue names. Different hardware consumes different queues."""

    RENDER_CPU = "render:cpu"
    RENDER_GPU = "render:gpu"
    INSPECT = "inspect"
    DELIVER = "deliver"  # prefix: each platform's bot process consumes its own deliver queue

    @staticmethod
    def deliver(platform: str) -> str:
        """The deliver queue of one platform.

        The Telegram and Discord bots run as separate processes; if they shared one queue, a
        job taken by the wrong bot would have to be put back and retried.
        """
        return f"{Queues.DELIVER}:{Platform(platform).value}"


class JobNames:
    """arq function names: producers address jobs by name, never by importing the consumer."""

    RENDER = "render"
    INSPECT = "inspect"
    DELIVER = "deliver"


class EngineName(StrEnum):
    WARP = "warp"
    DIFFUSION = "diffusion"

    @property
    def queue(self) -> str:
        return Queues.RENDER_GPU if self is EngineName.DIFFUSION else Queues.RENDER_CPU


class Platform(StrEnum):
    TELEGRAM = "telegram"
    DISCORD = "discord"
    CLI = "cli"


DELIVER_QUEUES: tuple[str, ...] = tuple(Queues.deliver(p) for p in Platform)


class Stage(StrEnum):
    QUEUED = "queued"
    DECODE = "decode"
    MOTION = "motion"
    RENDER = "render"
    ENCODE = "encode"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Severity(StrEnum):
    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Framing(StrEnum):
    FULL_BODY = "full_body"
    HALF_BODY = "half_body"
    FACE = "face"
    NONE = "none"


class OutputFormat(StrEnum):
    """What a render delivers besides (or instead of) the plain MP4."""

    MP4 = "mp4"
    TRANSPARENT = "transparent"  # the MP4 and a WebM of the subject alone (VP9 with alpha)
    STICKER = "sticker"  # a Telegram video sticker (WebM, 512 px, <= 3 s, <= 256 KB)
    GIF = "gif"  # the MP4 and an animated GIF of its first seconds
    BEFORE_AFTER = "before_after"  # the reference beside the result, in one MP4 with sound

    @property
    def needs_alpha(self) -> bool:
        return self in (OutputFormat.TRANSPARENT, OutputFormat.STICKER)


class Extra(StrEnum):
    """Names of the files a result carries besides its MP4 (``RenderResult.extras``)."""

    WEBM = "webm"
    STICKER = "sticker"
    GIF = "gif"


EXTRA_SUFFIXES: dict[Extra, str] = {Extra.WEBM: ".webm", Extra.STICKER: ".sticker.webm", Extra.GIF: ".gif"}


Aspect = Literal["photo", "9:16", "1:1", "16:9"]  # the output's shape: the photo's, or width:height

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
# "scene": the reference video's own scene, the performer replaced by the subject
NAMED_BACKGROUNDS = ("photo", "white", "green", "blur", "scene")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MediaRef(_Model):
    """A file in the media store, addressed by content hash; bytes never travel through Redis."""

    key: str
    size: int = Field(ge=0)
    filename: str | None = None


class MotionSource(_Model):
    kind: Literal["video", "preset", "saved"]
    video: MediaRef | None = None
    preset: str | None = None
    saved: MediaRef | None = None  # a motion JSON in the media store

    @field_validator("preset")
    @classmethod
    def _preset_lower(cls, v: str | None) -> str | None:
        return v.strip().lower() if v else v

    def cache_key(self) -> str:
        if self.kind == "video" and self.video:
            return f"video:{self.video.key}"
        if self.kind == "preset" and self.preset:
            return f"preset:{self.preset}"
        if self.kind == "saved" and self.saved:
            return f"saved:{self.saved.key}"
        raise ValueError(f"incomplete motion source: {self!r}")


class RenderOptions(_Model):
    engine: EngineName = EngineName.WARP
    background: str = "photo"
    keep_sound: bool = False
    aspect: Aspect = "photo"
    format: OutputFormat = OutputFormat.MP4
    max_seconds: float = Field(default=30.0, gt=0, le=600)
    allow_cpu_fallback: bool = True
    # the chat platform's upload limit: the worker re-encodes the output to fit (media layer's
    # fit_to_budget) or fails with OUTPUT_TOO_LARGE; None = no limit (local Bot API server)
    max_bytes: int | None = Field(default=None, gt=0)
    # who moves and who drives, by the numbers drawn on the inspection's people picture
    # (``InspectReport.persons``); None = the renderer's default, the most prominent one
    performer: int | None = Field(default=None, ge=1, le=9)  # in the reference video
    subject: int | None = Field(default=None, ge=1, le=9)  # in the photo

    @field_validator("background")
    @classmethod
    def _background(cls, v: str) -> str:
        v = v.strip().lower()
        if v in NAMED_BACKGROUNDS or _HEX.match(v):
            return v
        raise ValueError("background must be photo, white, green, blur, scene or #RRGGBB")


class DeliveryTarget(_Model):
    """Where the result goes. Ids only: the renderer never holds a chat token."""

    platform: Platform
    chat_id: str
    user_id: str
    reply_to: str | None = None  # message to reply to (groups)
    status_message_id: str | None = None  # message edited in place with progress
    # an album: this many tasks (one per photo, same move) share the status message, which
    # counts them; each takes one of the user's running slots
    batch_size: int = Field(default=1, ge=1, le=10)


class RenderRequest(_Model):
    version: int = SCHEMA_VERSION
    task_id: str
    target: DeliveryTarget
    photo: MediaRef
    motion: MotionSource
    options: RenderOptions = RenderOptions()
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    # set by the queue when a request for this engine is rendered by another (CPU preview)
    fallback_from: EngineName | None = None

    def cache_key(self, engine_version: str) -> str:
        """Same photo, motion, options and engine version give the same result."""
        opts = self.options.model_dump_json(exclude={"allow_cpu_fallback"})
        return f"{self.photo.key}|{self.motion.cache_key()}|{opts}|{engine_version}"


class RenderResult(_Model):
    version: int = SCHEMA_VERSION
    status: Literal["done"] = "done"
    task_id: str
    output: MediaRef
    thumbnail: MediaRef | None = None
    extras: dict[Extra, MediaRef] = Field(default_factory=dict)  # the formats asked for besides the MP4
    duration_s: float
    width: int
    height: int
    fps: float
    engine: EngineName
    engine_version: str
    timings: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    cached: bool = False


class RenderFailure(_Model):
    version: int = SCHEMA_VERSION
    status: Literal["failed"] = "failed"
    task_id: str
    reason: str  # a FailureReason value; kept as str so an older bot can read newer reasons
    # no longer sent: read only from an older renderer during a rolling deploy. The bot words
    # ``reason`` and ``params`` itself; logs and the CLI get English from motionbot.queue.english
    message: str | None = None
    # the figures behind the reason (a timeout's seconds) and its ``case`` where one reason
    # has several causes, for the bot's own wording
    params: dict[str, float | int | str] = Field(default_factory=dict)
    engine: EngineName | None = None


Outcome = Annotated[RenderResult | RenderFailure, Field(discriminator="status")]


class DeliverJob(_Model):
    version: int = SCHEMA_VERSION
    task_id: str
    target: DeliveryTarget
    outcome: Outcome


class Finding(_Model):
    """One piece of input guidance: what we saw and what the user can do about it."""

    code: str
    severity: Severity
    message: str | None = None  # no longer sent (an older renderer's English): ``code`` is worded
    # the figures behind the finding (seconds, pixels), for the bot's own wording of ``code``
    params: dict[str, float | int | str] = Field(default_factory=dict)


class PersonChoice(_Model):
    """One person the user can pick, numbered as on the inspection's people picture."""

    number: int = Field(ge=1, le=9)
    # the person's box as fractions of the picture's width and height: x0, y0, x1, y1
    box: tuple[float, float, float, float]


class InspectRequest(_Model):
    version: int = SCHEMA_VERSION
    media: MediaRef
    kind: MediaKind


class InspectReport(_Model):
    version: int = SCHEMA_VERSION
    kind: MediaKind
    ok: bool  # False when any finding is an error: rendering would fail or be useless
    findings: list[Finding]
    framing: Framing = Framing.NONE
    people: int = 0
    width: int = 0
    height: int = 0
    duration_s: float | None = None
    fps: float | None = None
    failure_reason: str | None = None  # set when the file could not be read at all
    # with several people: each one numbered, the one used unless the user picks another,
    # and a PNG in the media store (one frame, numbered boxes) for the choice buttons
    persons: list[PersonChoice] = Field(default_factory=list)
    chosen: int | None = None
    people_picture: MediaRef | None = None

    @property
    def summary(self) -> str:
        """What is wrong or worth knowing, in English (logs, the CLI)."""
        notes = [f for f in self.findings if f.severity is not Severity.OK]
        return " ".join(english.finding(f.code, f.severity.value, self.kind, f.params) for f in notes) or (
            "Looks good."
        )


class Progress(_Model):
    task_id: str
    stage: Stage
    percent: float = Field(ge=0, le=100)
    eta_s: float | None = None
    queue_position: int | None = None
    updated_at: float = 0.0
