"""Failure reasons shared by every process.

A failure crosses process boundaries (renderer -> Redis -> bot), so it travels as a
machine-readable :class:`FailureReason` plus its figures (params), never as a sentence, a
pickled exception or a traceback; the bot words it, and the English of logs and the CLI comes
from :mod:`motionbot.queue.english`.
"""

from __future__ import annotations

from enum import StrEnum

from motionbot.queue import english


class FailureReason(StrEnum):
    # input problems: the user can fix these by sending something else; never retried
    UNREADABLE_FILE = "unreadable_file"
    NOT_AN_IMAGE = "not_an_image"
    NOT_A_VIDEO = "not_a_video"
    UNSUPPORTED_FORMAT = "unsupported_format"
    FILE_TOO_LARGE = "file_too_large"
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_TOO_SMALL = "image_too_small"
    VIDEO_TOO_LONG = "video_too_long"
    VIDEO_TOO_SHORT = "video_too_short"  # under the shortest clip a motion can be taken from
    VIDEO_TOO_SMALL = "video_too_small"  # too few pixels for the pose model to find a body
    NO_VIDEO_STREAM = "no_video_stream"
    NO_FRAMES = "no_frames"
    NO_PERSON_IN_PHOTO = "no_person_in_photo"
    NO_PERSON_IN_VIDEO = "no_person_in_video"
    UNKNOWN_MOTION = "unknown_motion"
    # service problems
    ENGINE_UNAVAILABLE = "engine_unavailable"
    MODEL_MISSING = "model_missing"
    GPU_OUT_OF_MEMORY = "gpu_out_of_memory"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"
    QUOTA_EXCEEDED = "quota_exceeded"
    BUSY = "busy"
    PAUSED = "paused"  # an admin paused new jobs (motionbot.ops.admin)
    OUTPUT_TOO_LARGE = "output_too_large"
    STORAGE_FULL = "storage_full"  # the media store is full or unwritable: the operator's to fix
    MEDIA_EXPIRED = "media_expired"
    INTERNAL_ERROR = "internal_error"

    @property
    def is_user_error(self) -> bool:
        """Bad input fails at once: retrying the same bytes cannot succeed."""
        return self in _USER_ERRORS

    @property
    def default_message(self) -> str:
        """The English (logs, the CLI); a chat bot words the reason from its own catalogue."""
        return english.failure(self.value)


_USER_ERRORS = frozenset(
    {
        FailureReason.UNREADABLE_FILE,
        FailureReason.NOT_AN_IMAGE,
        FailureReason.NOT_A_VIDEO,
        FailureReason.UNSUPPORTED_FORMAT,
        FailureReason.FILE_TOO_LARGE,
        FailureReason.IMAGE_TOO_LARGE,
        FailureReason.IMAGE_TOO_SMALL,
        FailureReason.VIDEO_TOO_LONG,
        FailureReason.VIDEO_TOO_SHORT,
        FailureReason.VIDEO_TOO_SMALL,
        FailureReason.NO_VIDEO_STREAM,
        FailureReason.NO_FRAMES,
        FailureReason.NO_PERSON_IN_PHOTO,
        FailureReason.NO_PERSON_IN_VIDEO,
        FailureReason.UNKNOWN_MOTION,
    }
)


class MotionbotError(Exception):
    """Root of every error that can reach a user.

    Each area (queue, renderer, bot) subclasses it once; the ``reason`` and ``params`` are
    what travels, the ``message`` is English for this process's logs and command line.
    """

    def __init__(
        self,
        reason: FailureReason,
        message: str | None = None,
        *,
        detail: str | None = None,
        params: dict[str, float | int | str] | None = None,
    ) -> None:
        self.reason = reason
        self.params = params or {}  # the figures behind the reason, for the bot's own words
        self.message = message or english.failure(reason.value, self.params)
        self.detail = detail
        super().__init__(f"{reason.value}: {self.message}" + (f" ({detail})" if detail else ""))


class QueueError(MotionbotError):
    """Raised by the queue contract: enqueueing, the media store, quotas."""
