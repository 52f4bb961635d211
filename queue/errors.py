"""Failure reasons shared by every process.

A failure crosses process boundaries (renderer -> Redis -> bot), so it travels as a
machine-readable :class:`FailureReason` plus a user-facing sentence, never as a pickled
exception or a traceback.
"""

from __future__ import annotations

from enum import StrEnum


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
        return DEFAULT_MESSAGES[self]


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

DEFAULT_MESSAGES: dict[FailureReason, str] = {
    FailureReason.UNREADABLE_FILE: "I couldn't read that file. It may be damaged or cut short; please send it again.",
    FailureReason.NOT_AN_IMAGE: "That file isn't a picture. Please send a photo (JPEG, PNG or WebP).",
    FailureReason.NOT_A_VIDEO: "That file isn't a video. Please send a video (MP4, MOV, WebM, MKV or GIF).",
    FailureReason.UNSUPPORTED_FORMAT: "I can't open this format. Please send a JPEG/PNG/WebP photo or an MP4/MOV/WebM/MKV/GIF video.",
    FailureReason.FILE_TOO_LARGE: "That file is too large. Please send a smaller or compressed version.",
    FailureReason.IMAGE_TOO_LARGE: "That picture is far too large in pixels. Please send a photo under 50 megapixels.",
    FailureReason.IMAGE_TOO_SMALL: "That picture is too small. Please send a photo at least 256 pixels on each side.",
    FailureReason.VIDEO_TOO_LONG: "That video is too long. Please send a shorter clip.",
    FailureReason.VIDEO_TOO_SHORT: "That clip is too short to take a motion from. Please send a video of at least a second of the move.",
    FailureReason.VIDEO_TOO_SMALL: "That video is too small to make out the body. Please send a clip at least 96 pixels on its shorter side.",
    FailureReason.NO_VIDEO_STREAM: "That file has no picture track (only sound?). Please send a video of a person moving.",
    FailureReason.NO_FRAMES: "That video has no frames I can read. Please send it again or try another clip.",
    FailureReason.NO_PERSON_IN_PHOTO: "I can't find a person in this photo. Please send a photo where one person is clearly visible.",
    FailureReason.NO_PERSON_IN_VIDEO: "I can't find a person moving in this video. Please send a clip with one clearly visible performer.",
    FailureReason.UNKNOWN_MOTION: "I don't know that motion. Send a reference video or pick one of the built-in motions.",
    FailureReason.ENGINE_UNAVAILABLE: "That render quality isn't available right now. Please try the Preview quality.",
    FailureReason.MODEL_MISSING: "The AI model isn't installed on this server. Please try the Preview quality.",
    FailureReason.GPU_OUT_OF_MEMORY: "The GPU ran out of memory for this video. Please try a shorter clip or the Preview quality.",
    FailureReason.TIMED_OUT: "Rendering took too long and was stopped. Please try a shorter clip.",
    FailureReason.CANCELLED: "The render was cancelled.",
    FailureReason.QUOTA_EXCEEDED: "You've reached today's limit of renders. Please try again tomorrow.",
    FailureReason.BUSY: "You already have a render running. Please wait for it to finish or /cancel it.",
    FailureReason.PAUSED: "New renders are paused for maintenance. Please try again a little later.",
    FailureReason.OUTPUT_TOO_LARGE: "The result is too large to send here, even compressed. Please try a shorter clip.",
    FailureReason.STORAGE_FULL: "The server has no room to store files right now, so nothing was made. Please try again later; the operator has been told.",
    FailureReason.MEDIA_EXPIRED: "The files for this task have expired. Please send them again.",
    FailureReason.INTERNAL_ERROR: "Something went wrong on our side. Please try again in a moment.",
}


class MotionbotError(Exception):
    """Root of every error that can reach a user.

    Each area (queue, renderer, bot) subclasses it once; the ``reason`` is what travels,
    the ``message`` is the sentence shown to the user.
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
        self.message = message or reason.default_message
        self.detail = detail
        self.params = params or {}  # the figures behind the reason, for the bot's own words
        super().__init__(f"{reason.value}: {self.message}" + (f" ({detail})" if detail else ""))


class QueueError(MotionbotError):
    """Raised by the queue contract: enqueueing, the media store, quotas."""
