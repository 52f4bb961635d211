"""The renderer's exception root.

Everything the renderer raises on purpose is a :class:`RendererError` carrying a
:class:`~motionbot.queue.errors.FailureReason`; the worker turns it into a ``RenderFailure``
and the CLI into an exit code, so bad input never surfaces as a traceback.
"""

from __future__ import annotations

from motionbot.queue.errors import FailureReason, MotionbotError


class RendererError(MotionbotError):
    """Raised for anything the renderer refuses or cannot do."""


class MediaError(RendererError):
    """A file could not be read, or is not what was asked for."""


class RenderCancelled(RendererError):
    """Raised from a progress callback when the job was cancelled; engines let it propagate."""

    def __init__(self) -> None:
        super().__init__(FailureReason.CANCELLED)
