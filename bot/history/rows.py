"""How the history's records map to their SQLite rows and back: the columns by name, the JSON
columns parsed, and the media a task refers to as rows of the ``media`` table."""

from __future__ import annotations

import json
from collections.abc import Iterable

from motionbot.bot.history.db import Row
from motionbot.bot.history.models import DeliveryRecord, SavedMotion, TaskRecord, TaskStatus
from motionbot.queue.jobs import EngineName, MediaRef, MotionSource, Platform, RenderOptions

TASK_COLUMNS = (
    "task_id", "platform", "chat_id", "user_id", "status", "engine", "options", "photo", "motion", "output",
    "duration_s", "failure_reason", "failure_message", "timings", "status_message_id", "created_at",
    "started_at", "finished_at",
)  # fmt: skip
TASKS = ", ".join(TASK_COLUMNS)
EXTRA_ROLE = "extra:"  # media role of a result's extra file: extra:webm, extra:gif...
DELIVERY_COLUMNS = ("task_id", "platform", "chat_id", "message_id", "file_id", "delivered_at")
DELIVERY = ", ".join(DELIVERY_COLUMNS)
# a task joined with its delivery (tasks t, deliveries d): the delivery's columns named d_...
TASKS_AND_DELIVERIES = ", ".join(
    [*(f"t.{c}" for c in TASK_COLUMNS), *(f"d.{c} AS d_{c}" for c in DELIVERY_COLUMNS)]
)


def task_of(row: Row) -> TaskRecord:
    """A task row (``TASK_COLUMNS``, named as ``TaskRecord``'s fields) as a record."""
    return TaskRecord(
        **{c: row[c] for c in TASK_COLUMNS}
        | {
            "platform": Platform(row["platform"]),
            "status": TaskStatus(row["status"]),
            "engine": EngineName(row["engine"]),
            "options": RenderOptions.model_validate_json(row["options"]),
            "photo": MediaRef.model_validate_json(row["photo"]),
            "motion": MotionSource.model_validate_json(row["motion"]),
            "output": MediaRef.model_validate_json(row["output"]) if row["output"] else None,
            "timings": json.loads(row["timings"] or "{}"),
        }
    )


def task_values(task: TaskRecord) -> tuple[object, ...]:
    return (
        task.task_id,
        task.platform.value,
        task.chat_id,
        task.user_id,
        task.status.value,
        task.engine.value,
        task.options.model_dump_json(),
        task.photo.model_dump_json(),
        task.motion.model_dump_json(),
        task.output.model_dump_json() if task.output else None,
        task.duration_s,
        task.failure_reason,
        task.failure_message,
        json.dumps(task.timings),
        task.status_message_id,
        task.created_at,
        task.started_at,
        task.finished_at,
    )


def delivery_of(row: Row, prefix: str = "") -> DeliveryRecord:
    """A deliveries row; ``prefix``: its columns' prefix in a join (``d_task_id``...)."""
    values = {c: row[prefix + c] for c in DELIVERY_COLUMNS}
    return DeliveryRecord(**values | {"platform": Platform(values["platform"])})


def saved_of(row: Row) -> SavedMotion:
    values = dict(row)
    source = MotionSource.model_validate_json(values["source"])
    return SavedMotion(**values | {"platform": Platform(values["platform"]), "source": source})


def media_ref_of(row: Row) -> MediaRef:
    """A stored file named by a ``media`` row."""
    return MediaRef(key=row["media_key"], size=row["size"], filename=row["filename"])


def media_rows(task: TaskRecord) -> Iterable[tuple[str, str, str, int, str | None]]:
    refs: list[tuple[str, MediaRef | None]] = [
        ("photo", task.photo),
        ("video", task.motion.video),
        ("saved_motion", task.motion.saved),
        ("output", task.output),
    ]
    for role, ref in refs:
        if ref is not None:
            yield (task.task_id, role, ref.key, ref.size, ref.filename)


def motion_media(source: MotionSource) -> list[str]:
    return [ref.key for ref in (source.video, source.saved) if ref is not None]
