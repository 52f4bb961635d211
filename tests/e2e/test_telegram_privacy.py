"""/mydata and /forget through the real Telegram bot: the JSON file of everything kept, then
deleting all of it while a render is running; nothing is delivered afterwards."""

from __future__ import annotations

import asyncio
import json

from tg_harness import TG, USER, astronaut_jpeg, command, finished_task, key_of

from motionbot.bot.core import texts
from motionbot.queue.jobs import Platform, Stage


async def test_mydata_then_forget_during_a_render(tg: TG, render_worker: object) -> None:
    fake = tg.fake
    await tg.acknowledge()
    done_id = await finished_task(tg)
    await fake.wait_sent("sendVideo")

    await fake.push_message(USER, USER, **command("/mydata"))
    (sent,) = await fake.wait_sent("sendDocument")
    name, raw = sent.uploads["document"]
    doc = json.loads(raw)
    assert name.endswith(".json") and sent.fields["caption"] == texts.MYDATA_CAPTION
    assert doc["user_id"] == str(USER) and doc["consent_given_at"]
    (task,) = doc["tasks"]
    assert task["task_id"] == done_id and task["status"] == "done" and task["created_at"]
    assert task["delivered_at"] and task["motion"]["preset"] == "clap"
    assert {f["used_by"][0].split(": ")[1] for f in doc["files"]} == {"photo", "result"}
    assert all(f["stored"] and f["size_bytes"] > 0 for f in doc["files"])

    # a render of theirs is running when they ask to forget everything
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await fake.push_message(USER, USER, **command("/motions"))
    await tg.press("pre:wave")
    await tg.wait_button("gen")
    await tg.press("gen")
    running_id = None

    async def rendering() -> bool:
        nonlocal running_id
        running_id = running_id or (await tg.rt.conv.states.load(key_of())).task_id
        progress = await tg.rt.client.progress(running_id) if running_id else None
        return progress is not None and progress.stage not in (Stage.QUEUED,)

    for _ in range(600):
        if await rendering():
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the render did not start")

    await fake.push_message(USER, USER, **command("/forget"))
    await tg.wait_text(texts.FORGET_ASK)
    await tg.press("fgy")
    answer = await tg.wait_text("Done: deleted 2 task(s)", timeout=30)
    assert texts.FORGOTTEN_CANCELLED in str(answer.fields["text"])
    assert answer.method == "editMessageText"  # in place of the question and its buttons

    worker: object = render_worker
    for _ in range(400):  # the worker stops the cancelled render
        if worker.jobs_complete + worker.jobs_failed >= 1:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)
    assert len(fake.sent("sendVideo")) == 1  # only the video from before: nothing afterwards
    assert [p for p in tg.qsettings.media_dir.rglob("*") if p.is_file()] == []  # gone from disk
    history = tg.rt.history
    assert await history.count_tasks(Platform.TELEGRAM, str(USER)) == 0
    assert await history.get_user(Platform.TELEGRAM, str(USER)) is None
    state = await tg.rt.conv.states.load(key_of())
    assert state.photo is None and state.task_id is None

    # a second /forget answered "keep": nothing to do, nothing deleted
    await fake.push_message(USER, USER, **command("/forget"))
    await tg.wait_count(texts.FORGET_ASK, 2)
    await tg.press("fgn")
    await tg.wait_text(texts.FORGET_KEPT)


async def test_mydata_and_forget_only_in_private(tg: TG) -> None:
    group = -5005
    await tg.fake.push_message(group, USER, chat_type="group", **command("/mydata"))
    await tg.wait_text(texts.PRIVATE_ONLY, chat_id=group)
    assert not tg.fake.sent("sendDocument")
