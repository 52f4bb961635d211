"""Turn queue facts (findings, progress, outcomes, history rows) into replies.

Pure functions, no I/O: frontends call them directly when they have the facts (the
delivery path does) and the conversation service calls them for everything else.
"""

from __future__ import annotations

from collections.abc import Mapping

from motionbot.bot.core import actions as act
from motionbot.bot.core import finding_words, people, texts
from motionbot.bot.core.replies import Button, Reply, rows
from motionbot.bot.history.models import DeliveryRecord, TaskRecord, TaskStatus
from motionbot.bot.i18n import formats
from motionbot.bot.i18n.formats import localised
from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import (
    InspectReport,
    MediaKind,
    Progress,
    RenderFailure,
    RenderResult,
    Severity,
    Stage,
)


def fmt_seconds(seconds: float) -> str:
    return formats.wait(seconds)


def fmt_date(ts: float) -> str:
    return formats.date(ts)


def preset_title(name: str) -> str:
    """A built-in move's title in the user's language (queue.presets has the English, for the CLI)."""
    return texts.PRESET_TITLES.get(name.strip().lower(), name)


def engine_name(engine: str | None) -> str:
    return texts.ENGINE_NAMES.get(engine or "", engine or "?")


# inputs -------------------------------------------------------------------------------------


def received(kind: MediaKind) -> Reply:
    return Reply(texts.RECEIVED_PHOTO if kind == "photo" else texts.RECEIVED_VIDEO)


def findings(kind: MediaKind, report: InspectReport) -> Reply:
    """The inspect report as one message; buttons only when the user has a choice to make
    (a warning: go on or send another; an error: send another)."""
    said = [*finding_words.highlights(report, kind), *finding_words.notes(report, kind)]
    several = people.sentence(kind, report)
    if several is not None:  # which one is used and that another can be chosen, instead of "the largest"
        plain = report.model_copy(
            update={"findings": [f for f in report.findings if f.code != "several_people"]}
        )
        said = [*finding_words.highlights(plain, kind), several, *finding_words.notes(plain, kind)]
    summary = " ".join(said).strip() or texts.FINDINGS_OK
    template = texts.FINDINGS_PHOTO if kind == "photo" else texts.FINDINGS_VIDEO
    another = Button(
        texts.SEND_ANOTHER_PHOTO if kind == "photo" else texts.SEND_ANOTHER_VIDEO,
        action=act.ReplaceInput(kind),
    )
    if not report.ok:
        text = finding_words.with_request(template.format(summary=summary), texts.FINDINGS_ERROR_TAIL, "\n")
        return Reply(text, buttons=rows(another))
    if any(f.severity is Severity.WARNING for f in report.findings):
        cont = Button(texts.CONTINUE_ANYWAY, action=act.KeepInput(kind))
        return Reply(template.format(summary=summary), buttons=rows(cont, another))
    return Reply(template.format(summary=summary))


def checking_unavailable(kind: MediaKind) -> Reply:
    template = texts.FINDINGS_PHOTO if kind == "photo" else texts.FINDINGS_VIDEO
    return Reply(template.format(summary=texts.CHECKING_UNAVAILABLE))


# progress and outcomes ----------------------------------------------------------------------


def queued(position: int, eta_s: float | None, *, fallback_to_cpu: bool = False) -> str:
    eta = texts.ETA.format(eta=fmt_seconds(eta_s)) if eta_s is not None else texts.ETA_UNKNOWN
    line = (
        texts.QUEUED_NEXT.format(eta=eta) if position <= 0 else texts.QUEUED.format(ahead=position, eta=eta)
    )
    return f"{texts.FALLBACK_CPU}\n{line}" if fallback_to_cpu else line


def progress(p: Progress) -> str:
    if p.stage is Stage.QUEUED:
        return queued(p.queue_position or 0, p.eta_s)
    stage = texts.STAGE_NAMES.get(p.stage.value, p.stage.value)
    eta = texts.PROGRESS_ETA.format(eta=fmt_seconds(p.eta_s)) if p.eta_s else ""
    return texts.PROGRESS.format(stage=stage, percent=p.percent, eta=eta)


def status_reply(text: str, *, cancellable: bool) -> Reply:
    buttons = rows(Button(texts.CANCEL, action=act.Cancel())) if cancellable else ()
    return Reply(text, buttons=buttons)


def failure_message(reason: str, params: Mapping[str, object] | None = None) -> str:
    """The reason in the bot's words (the renderer's and the queue's own are English)."""
    return finding_words.failure_text(reason, params)


def failed(failure: RenderFailure) -> str:
    if failure.reason == FailureReason.CANCELLED:
        return texts.CANCELLED
    return texts.FAILED.format(message=failure_message(failure.reason, failure.params))


def batch_status(done: int, total: int) -> Reply:
    """An album's one status message: how many of its videos are made."""
    if done >= total:
        return Reply(texts.BATCH_DONE.format(done=done, total=total))
    return Reply(texts.BATCH_QUEUED.format(done=done, total=total))


def done(task_id: str) -> str:
    return texts.DONE.format(task_id=task_id)


def caption(result: RenderResult) -> str:
    return texts.RESULT_CAPTION.format(
        task_id=result.task_id,
        engine=engine_name(result.engine.value),
        duration=formats.number(result.duration_s),
    )


def task_caption(task: TaskRecord) -> str:
    return texts.RESULT_CAPTION.format(
        task_id=task.task_id,
        engine=engine_name(task.engine.value),
        duration=formats.number(task.duration_s or 0.0),
    )


def result_buttons(
    task_id: str, *, savable: bool = True, sticker: bool = False
) -> tuple[tuple[Button, ...], ...]:
    """``savable``: the move came from the user's own video (a preset is always at hand);
    ``sticker``: the platform has video stickers (Telegram)."""
    tid = act.TaskId(task_id)
    save = ((Button(texts.SAVE_MOTION, action=act.SaveMove(tid)),),) if savable else ()
    stick = ((Button(texts.MAKE_STICKER, action=act.MakeSticker(tid)),),) if sticker else ()
    return (
        (Button(texts.SHARE, share=task_id),),
        *stick,
        (Button(texts.SAME_MOTION_NEW_PHOTO, action=act.SameMove(act.TaskId(task_id))),),
        (Button(texts.AGAIN_OTHER_OPTIONS, action=act.Again(act.TaskId(task_id))),),
        *save,
    )


def savable(task: TaskRecord | None) -> bool:
    return task is None or task.motion.kind != "preset"


def result_too_large(size: int, limit: int) -> str:
    return texts.RESULT_TOO_LARGE.format(**localised({"size_mb": size / 1e6, "limit_mb": limit / 1e6}))


def extra_too_large(kind: str, size: int, limit: int) -> str:
    """A result's extra file (a GIF, a WebM) over the chat's upload limit: said, not sent."""
    return texts.EXTRA_TOO_LARGE.format(
        what=texts.EXTRA_WHAT[kind], **localised({"size_mb": size / 1e6, "limit_mb": limit / 1e6})
    )


def too_large_reply(text: str, task_id: str) -> Reply:
    """A result that cannot be sent here, with the way out: the same render, half as long."""
    return Reply(text, buttons=rows(Button(texts.SHORTER, action=act.Shorter(act.TaskId(task_id)))))


# history ------------------------------------------------------------------------------------


def shape(task: TaskRecord) -> str:
    """The task's format and aspect when they are not the plain ones (", GIF, 9:16")."""
    parts = [texts.FORMAT_LABELS[task.options.format.value]] if task.options.format.value != "mp4" else []
    if task.options.aspect != "photo":
        parts.append(task.options.aspect)
    return "".join(", " + p for p in parts)


def _duration(task: TaskRecord) -> str:
    return f", {formats.seconds(task.duration_s)}" if task.duration_s else ""


def expired(task: TaskRecord, expired_before: float | None) -> bool:
    """Retention has deleted this task's stored files (the sweep's cutoff is past its creation)."""
    return expired_before is not None and task.created_at < expired_before


def history_page(
    tasks: list[TaskRecord], *, page: int, page_size: int, total: int, expired_before: float | None = None
) -> Reply:
    if total == 0:
        return Reply(texts.HISTORY_EMPTY)
    first = page * page_size + 1
    lines = [texts.HISTORY_TITLE.format(first=first, last=first + len(tasks) - 1, total=total)]
    buttons: list[tuple[Button, ...]] = []
    for number, task in enumerate(tasks, start=first):
        line = texts.HISTORY_LINE.format(
            number=number,
            status=texts.TASK_STATUS_MARK[task.status.value],
            date=fmt_date(task.created_at),
            engine=engine_name(task.engine.value) + shape(task),
            duration=_duration(task),
        )
        lines.append(line + (texts.EXPIRED_MARK if expired(task, expired_before) else ""))
        buttons.append((Button(f"{number}. {task.task_id}", action=act.ShowTask(act.TaskId(task.task_id))),))
    nav = []
    if page > 0:
        nav.append(Button(texts.HISTORY_PREV, action=act.HistoryPage(page - 1)))
    if first + len(tasks) - 1 < total:
        nav.append(Button(texts.HISTORY_NEXT, action=act.HistoryPage(page + 1)))
    if nav:
        buttons.append(tuple(nav))
    return Reply("\n".join(lines), buttons=tuple(buttons))


def task_card(
    task: TaskRecord,
    delivery: DeliveryRecord | None,
    *,
    back_page: int = 0,
    expired_before: float | None = None,
) -> Reply:
    failure = ""
    if task.status is TaskStatus.FAILED and task.failure_reason:
        failure = "\n" + failure_message(task.failure_reason)
    gone = expired(task, expired_before)
    if gone:
        failure += texts.EXPIRED_NOTE
    text = texts.TASK_CARD.format(
        task_id=task.task_id,
        status=texts.TASK_STATUS[task.status.value],
        date=fmt_date(task.created_at),
        engine=engine_name(task.engine.value) + shape(task),
        duration=_duration(task),
        failure=failure,
    )
    tid = act.TaskId(task.task_id)
    done_ = task.status is TaskStatus.DONE
    sent = delivery is not None and delivery.file_id is not None  # the platform keeps its copy
    inputs = not gone  # the photo and the reference video are gone with the task's files
    buttons = rows(
        Button(texts.RESEND, action=act.Resend(tid)) if done_ and (sent or not gone) else None,
        Button(texts.SHARE, share=tid) if done_ and sent else None,
        Button(texts.SAME_MOTION_NEW_PHOTO, action=act.SameMove(tid)) if inputs else None,
        Button(texts.SAME_PHOTO_NEW_MOTION, action=act.SamePhoto(tid)) if inputs else None,
        Button(texts.AGAIN_OTHER_OPTIONS, action=act.Again(tid)) if inputs else None,
        Button(texts.SAVE_MOTION, action=act.SaveMove(tid)) if inputs and savable(task) else None,
        Button(texts.DELETE, action=act.DeleteTask(tid)),
        Button(texts.BACK, action=act.HistoryPage(back_page)),
    )
    return Reply(text, buttons=buttons, edit=True)
