"""Rows of the history database as typed records shared by every frontend."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from motionbot.queue.jobs import EngineName, MediaRef, MotionSource, Platform, RenderOptions


class TaskStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.CANCELLED)


@dataclass(frozen=True)
class UserRecord:
    platform: Platform
    user_id: str
    acknowledged_at: float | None
    blocked_at: float | None
    created_at: float


@dataclass(frozen=True)
class TaskRecord:
    task_id: str
    platform: Platform
    chat_id: str
    user_id: str
    status: TaskStatus
    engine: EngineName
    options: RenderOptions
    photo: MediaRef
    motion: MotionSource
    created_at: float
    output: MediaRef | None = None
    duration_s: float | None = None
    failure_reason: str | None = None
    failure_message: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    status_message_id: str | None = None
    started_at: float | None = None
    finished_at: float | None = None

    def owned_by(self, platform: Platform, user_id: str) -> bool:
        return self.platform == platform and self.user_id == user_id


@dataclass(frozen=True)
class DeliveryRecord:
    task_id: str
    platform: Platform
    chat_id: str
    message_id: str | None
    file_id: str | None
    delivered_at: float


@dataclass(frozen=True)
class SavedMotion:
    id: int
    platform: Platform
    user_id: str
    name: str
    source: MotionSource
    created_at: float
    performer: int | None = None  # who is followed in the source's video (None: the default)
