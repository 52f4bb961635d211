"""Telegram delivery end to end: exactly once, flood control as an arq retry, blocked users,
failures in plain words, results over the upload limit."""

from __future__ import annotations

import asyncio

from tg_harness import TG, USER, deliver_result, finished_task, key_of

from motionbot.bot.core import Reply, texts
from motionbot.bot.history import TaskStatus
from motionbot.queue.delivery import enqueue_deliver
from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import DeliverJob, Platform, RenderFailure


async def test_a_repeated_deliver_job_sends_once(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    task_id = await finished_task(tg)
    await fake.wait_sent("sendVideo")
    task = await tg.rt.history.get_task(task_id)
    assert task is not None and task.status is TaskStatus.DONE and task.output is not None
    job = DeliverJob(
        task_id=task_id,
        target=key_of().target(status_message_id=task.status_message_id),
        outcome=__import__("motionbot.queue.jobs", fromlist=["RenderResult"]).RenderResult(
            task_id=task_id,
            output=task.output,
            duration_s=1.0,
            width=64,
            height=64,
            fps=12,
            engine="warp",
            engine_version="test",
        ),
    )
    await tg.service.delivery.handle(job)  # arq ran it again (e.g. the bot died before acking)
    assert len(fake.sent("sendVideo")) == 1


async def test_flood_control_becomes_a_retry_and_the_video_still_arrives(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    fake.fail("sendVideo", 429, "Too Many Requests: retry after 1", retry_after=1)
    task_id = await finished_task(tg)
    attempts = await fake.wait_sent("sendVideo", count=2, timeout=20)
    assert attempts[0].error == 429 and attempts[1].error is None
    assert attempts[1].at - attempts[0].at >= 0.9
    delivery = await tg.rt.history.get_delivery(task_id)
    assert delivery is not None and delivery.file_id


async def test_a_user_who_blocked_the_bot_is_marked_and_skipped(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    task_id = await finished_task(tg, deliver=False)
    fake.blocked_chats.add(USER)
    await deliver_result(tg, task_id)
    await fake.wait_for(lambda: any(r.error == 403 for r in fake.requests), timeout=15)
    for _ in range(100):
        if await tg.rt.history.is_delivered(task_id):
            break
        await __import__("asyncio").sleep(0.05)
    assert await tg.rt.history.is_blocked(Platform.TELEGRAM, str(USER))
    assert await tg.rt.history.is_delivered(task_id)  # done with it: no retries against a wall
    assert not [r for r in fake.sent("sendVideo") if r.error is None]
    # the user comes back: the mark is lifted
    fake.blocked_chats.clear()
    await fake.push_message(USER, USER, text="hi")
    await tg.wait_count(texts.WELCOME, 2)
    assert not await tg.rt.history.is_blocked(Platform.TELEGRAM, str(USER))


async def test_a_failure_is_told_in_plain_words_on_the_status_message(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    task_id = await finished_task(tg, deliver=False)
    task = await tg.rt.history.get_task(task_id)
    assert task is not None
    failure = RenderFailure(
        task_id=task_id,
        reason=FailureReason.NO_PERSON_IN_PHOTO.value,
        message=FailureReason.NO_PERSON_IN_PHOTO.default_message,
    )
    await enqueue_deliver(
        tg.rt.client.redis,
        DeliverJob(
            task_id=task_id, target=key_of().target(status_message_id=task.status_message_id), outcome=failure
        ),
    )
    edit = await tg.wait_text("I can't find a person in this photo")
    assert edit.method == "editMessageText" and str(edit.fields["message_id"]) == task.status_message_id
    task = await tg.rt.history.get_task(task_id)
    assert task is not None and task.status is TaskStatus.FAILED
    assert task.failure_reason == FailureReason.NO_PERSON_IN_PHOTO.value
    assert not fake.sent("sendVideo")


async def test_a_result_over_the_upload_limit_is_reported_not_dropped(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    notifier = tg.service.delivery.notifiers[Platform.TELEGRAM]
    notifier.upload_limit = 1000  # type: ignore[attr-defined]
    task_id = await finished_task(tg)
    await tg.wait_text("over the 0 MB limit")
    assert not fake.sent("sendVideo")
    assert await tg.rt.history.is_delivered(task_id)
    # the way out: the same inputs and options again, half as long
    await tg.press(f"short:{task_id}")
    for _ in range(300):
        tasks = await tg.rt.history.list_tasks(Platform.TELEGRAM, str(USER), offset=0, limit=5)
        if len(tasks) == 2:
            break
        await asyncio.sleep(0.05)
    (again,) = [t for t in tasks if t.task_id != task_id]
    assert again.status_message_id and (USER, int(again.status_message_id)) in fake.messages
    first = await tg.rt.history.get_task(task_id)
    assert first is not None and first.duration_s
    assert again.photo == first.photo and again.motion == first.motion
    assert again.options.max_seconds == max(1.0, first.duration_s / 2)
    intruder = 4242
    await tg.acknowledge(intruder)
    own = await tg.rt.ui.send(intruder, Reply("x"))
    await fake.press(intruder, intruder, own.message_id, f"short:{task_id}")  # forged
    await tg.wait_text(texts.NOT_YOURS, chat_id=intruder)
