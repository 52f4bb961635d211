"""The conversation core against real Redis, a real RenderClient and a real SQLite file.

No worker runs here, so renders stay queued and inspection is unavailable: exactly the
states these tests need. The full loop with workers is in tests/e2e.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from bot_helpers import png_bytes

from motionbot.bot.core import Conversation, ConversationKey, Reply, texts
from motionbot.bot.core import actions as act
from motionbot.bot.core.inputs import INSPECT_CACHE_PREFIX
from motionbot.bot.history import TaskStatus
from motionbot.queue.jobs import EngineName, Finding, InspectReport, Platform, Severity

KEY = ConversationKey(Platform.TELEGRAM, "100", "100")
OTHER = ConversationKey(Platform.TELEGRAM, "200", "200")


async def ready(conv: Conversation, key: ConversationKey = KEY) -> list[Reply]:
    await conv.inputs.acknowledge(key)
    await conv.inputs.add(key, "photo", png_bytes(), filename="me.png")
    return (await conv.inputs.add(key, "video", b"not really a video", filename="clip.mp4")).replies


async def generate(conv: Conversation, key: ConversationKey = KEY):  # type: ignore[no-untyped-def]
    posted: list[Reply] = []

    async def post(reply: Reply) -> str:
        posted.append(reply)
        return str(len(posted))

    return await conv.render.generate(key, post_status=post, max_bytes=50_000_000), posted


async def test_start_asks_for_consent_once(conv: Conversation) -> None:
    replies = await conv.consent.start(KEY)
    assert replies[0].text == texts.WELCOME and replies[-1].offers(act.Acknowledge)
    await conv.dispatch(KEY, act.Acknowledge())
    assert not any(r.offers(act.Acknowledge) for r in await conv.consent.start(KEY))


async def test_inputs_in_either_order_lead_to_options(conv: Conversation) -> None:
    await conv.inputs.acknowledge(KEY)
    first = (await conv.inputs.add(KEY, "video", b"clip", filename="c.mp4")).replies
    assert [r.text for r in first] == [texts.NEED_PHOTO] and first[0].actions == []
    second = (await conv.inputs.add(KEY, "photo", png_bytes(), filename="p.png")).replies
    assert second[-1].offers(act.Generate)
    assert any(a == "o:q:warp" for a in second[-1].actions)
    replaced = (await conv.inputs.add(KEY, "photo", png_bytes((1, 2, 3)), filename="p2.png")).replies
    assert texts.PHOTO_REPLACED in replaced[0].text


async def test_nothing_renders_before_consent(conv: Conversation) -> None:
    replies = (await conv.inputs.add(KEY, "photo", png_bytes(), filename="p.png")).replies
    assert replies[-1].offers(act.Acknowledge)
    await conv.inputs.add(KEY, "video", b"clip", filename="c.mp4")
    result, posted = await generate(conv)
    assert result.task_id is None and posted == [] and result.reply.offers(act.Acknowledge)


async def test_options_only_accept_offered_values(conv: Conversation) -> None:
    await ready(conv)
    reply = await conv.options.choose(KEY, "q", "diffusion")  # no GPU worker: not offered
    assert "o:q:diffusion" not in reply.actions
    reply = await conv.options.choose(KEY, "bg", "green")
    assert any(b.label == texts.CHOSEN_MARK + "Green screen" for row in reply.buttons for b in row)
    await conv.options.choose(KEY, "snd", "1")
    await conv.options.choose(KEY, "bg", "<script>")  # forged: ignored
    state = await conv.states.load(KEY)
    assert state.options.background == "green" and state.options.keep_sound
    assert state.options.engine is EngineName.WARP


async def test_generate_queues_records_and_cancels(conv: Conversation) -> None:
    await ready(conv)
    result, posted = await generate(conv)
    assert result.task_id and result.status_message_id == "1" and len(posted) == 1
    assert "Queued" in result.reply.text and result.reply.offers(act.Cancel)
    task = await conv.deps.history.get_task(result.task_id)
    assert task is not None and task.status is TaskStatus.QUEUED and task.options.max_bytes == 50_000_000
    again, _ = await generate(conv)
    assert again.task_id is None and again.reply.text == texts.ALREADY_RENDERING
    replies = await conv.render.cancel(KEY)
    assert replies[0].text == texts.CANCEL_TASK.format(task_id=result.task_id)
    task = await conv.deps.history.get_task(result.task_id)
    assert task is not None and task.status is TaskStatus.CANCELLED
    # inputs are kept: the user can pick other options and go again
    assert (await conv.states.load(KEY)).ready
    assert (await conv.render.cancel(KEY))[0].text == texts.CANCEL_CLEARED
    assert (await conv.render.cancel(KEY))[0].text == texts.CANCEL_NOTHING


async def test_inspection_down_is_said_and_an_error_report_blocks_generate(conv: Conversation) -> None:
    await ready(conv)
    state = await conv.states.load(KEY)
    assert state.photo is not None
    reply = await conv.inputs.inspect("photo", state.photo)
    assert texts.CHECKING_UNAVAILABLE in reply.text
    bad = InspectReport(
        kind="photo",
        ok=False,
        findings=[
            Finding(code="no_person", severity=Severity.ERROR, message="I can't find a person in this photo.")
        ],
    )
    await conv.deps.client.redis.set(f"{INSPECT_CACHE_PREFIX}photo:{state.photo.key}", bad.model_dump_json())
    shown = await conv.inputs.inspect("photo", state.photo)
    assert "can't find a person" in shown.text and shown.actions == ["redo:photo"]
    result, posted = await generate(conv)
    assert result.task_id is None and posted == [] and "can't be used" in result.reply.text


async def test_presets_stand_in_for_a_video(conv: Conversation) -> None:
    await conv.inputs.acknowledge(KEY)
    asked = (await conv.inputs.add(KEY, "photo", png_bytes(), filename="p.png")).replies
    assert asked[-1].text == texts.NEED_VIDEO and asked[-1].actions == [act.ShowMoves().pack()]
    assert len((await conv.moves.menu(KEY)).actions) == 5
    replies = await conv.dispatch(KEY, act.ChoosePreset("wave"))
    assert replies[0].text.startswith("Move: Wave") and replies[-1].offers(act.Generate)
    assert (await conv.dispatch(KEY, act.ChoosePreset("moonwalk")))[0].text.startswith("I don't know that move")


async def test_history_is_private_and_delete_removes_media(conv: Conversation, tmp_path: Path) -> None:
    await ready(conv)
    result, _ = await generate(conv)
    assert result.task_id
    tid = result.task_id
    page = await conv.history.page(KEY)
    assert act.ShowTask(act.TaskId(tid)).pack() in page.actions
    await conv.deps.history.acknowledge(OTHER.platform, OTHER.user_id)
    for cls in (act.ShowTask, act.Resend, act.SameMove, act.DeleteTask):
        assert (await conv.dispatch(OTHER, cls(act.TaskId(tid))))[0].text == texts.NOT_YOURS
    assert (await conv.press(OTHER, "hd:../../etc"))[0].text == texts.TASK_NOT_FOUND
    assert await conv.deps.history.get_task(tid) is not None
    reuse = await conv.dispatch(KEY, act.SameMove(act.TaskId(tid)))
    assert (
        len(reuse) == 1
        and reuse[0].text.startswith("Using the move")
        and reuse[0].text.endswith(texts.NEED_PHOTO)
    )
    task = await conv.deps.history.get_task(tid)
    assert task is not None and task.motion.video is not None
    assert await conv.deps.store.exists(task.motion.video)
    deleted = await conv.dispatch(KEY, act.DeleteTask(act.TaskId(tid)))
    assert deleted[0].text == texts.TASK_DELETED.format(task_id=tid)
    assert await conv.deps.history.get_task(tid) is None
    assert not await conv.deps.store.exists(task.motion.video) and not await conv.deps.store.exists(task.photo)


async def test_saved_moves_are_per_user_named_uniquely_and_bounded(conv: Conversation) -> None:
    from motionbot.bot.core import moves, new_task_id

    await ready(conv)
    first, _ = await generate(conv)
    await conv.dispatch(KEY, act.Cancel())  # keeps the inputs: a second task from the same clip
    second, _ = await generate(conv)
    assert first.task_id and second.task_id
    saved = await conv.dispatch(KEY, act.SaveMove(act.TaskId(first.task_id)))
    assert saved[0].text == texts.MOTION_SAVED.format(name="clip")
    again = await conv.dispatch(KEY, act.SaveMove(act.TaskId(second.task_id)))  # the same clip
    assert again[0].text == texts.MOTION_ALREADY_SAVED.format(name="clip")
    (mine,) = await conv.deps.history.saved_motions(KEY.platform, KEY.user_id)
    menu = await conv.moves.menu(KEY)
    assert menu.offers(act.UseSavedMove) and menu.offers(act.ForgetMenu)
    assert act.UseSavedMove(mine.id).pack() in menu.actions
    forget_menu = (await conv.dispatch(KEY, act.ForgetMenu()))[0]
    assert act.ForgetSavedMove(mine.id).pack() in forget_menu.actions

    # another user can neither save this task's move nor use or forget this saved one
    await conv.deps.history.acknowledge(OTHER.platform, OTHER.user_id)
    assert (await conv.dispatch(OTHER, act.SaveMove(act.TaskId(first.task_id))))[0].text == texts.NOT_YOURS
    for cls in (act.UseSavedMove, act.ForgetSavedMove):
        assert (await conv.dispatch(OTHER, cls(mine.id)))[0].text == texts.SAVED_MOTION_GONE
        assert (await conv.press(OTHER, f"{cls.verb}:x"))[0].text == texts.SAVED_MOTION_GONE
    assert len((await conv.moves.menu(OTHER)).actions) == 5  # presets only
    assert await conv.deps.history.saved_motions(KEY.platform, KEY.user_id) == [mine]

    task = await conv.deps.history.get_task(first.task_id)
    assert task is not None
    assert moves.motion_name(task, {"clip", "clip (2)"}) == "clip (3)"
    for i in range(moves.MAX_SAVED - 1):
        await conv.deps.history.save_motion(KEY.platform, KEY.user_id, f"m{i}", task.motion.model_copy())
    other_id = new_task_id()
    other_video = task.motion.model_copy(update={"video": task.photo})
    await conv.deps.history.add_task(dataclasses.replace(task, task_id=other_id, motion=other_video))
    full = await conv.moves.save_task_motion(KEY, other_id)
    assert full.text == texts.SAVED_MOTIONS_FULL.format(limit=moves.MAX_SAVED)


async def test_a_preset_move_is_not_saved(conv: Conversation) -> None:
    await conv.inputs.acknowledge(KEY)
    await conv.inputs.add(KEY, "photo", png_bytes(), filename="p.png")
    await conv.dispatch(KEY, act.ChoosePreset("wave"))
    result, _ = await generate(conv)
    assert result.task_id
    reply = await conv.dispatch(KEY, act.SaveMove(act.TaskId(result.task_id)))
    assert reply[0].text == texts.MOTION_IS_BUILTIN
    assert await conv.deps.history.saved_motions(KEY.platform, KEY.user_id) == []


async def test_history_says_when_retention_deleted_a_tasks_files(conv: Conversation) -> None:
    from datetime import UTC, datetime, timedelta

    from motionbot.ops.retention import LAST_SWEEP_KEY

    await ready(conv)
    result, _ = await generate(conv)
    assert result.task_id
    card = await conv.history.card(KEY, result.task_id)
    assert texts.EXPIRED_NOTE not in card.text and act.SameMove(act.TaskId(result.task_id)).pack() in card.actions
    cutoff = datetime.now(UTC) + timedelta(seconds=5)  # a sweep whose cutoff is past the task
    await conv.deps.client.redis.hset(LAST_SWEEP_KEY, mapping={"cutoff": cutoff.isoformat()})
    page = await conv.history.page(KEY)
    assert texts.EXPIRED_MARK in page.text
    card = await conv.history.card(KEY, result.task_id)
    assert texts.EXPIRED_NOTE in card.text
    assert not any(card.offers(cls) for cls in (act.SameMove, act.SamePhoto, act.Again))
    await conv.deps.client.redis.hset(LAST_SWEEP_KEY, mapping={"cutoff": (cutoff - timedelta(days=1)).isoformat()})
    assert texts.EXPIRED_MARK not in (await conv.history.page(KEY)).text


async def test_unknown_actions_do_nothing(conv: Conversation) -> None:
    assert await conv.dispatch(KEY, act.Generate()) == []  # the frontend's: it needs a status message
    assert await conv.press(KEY, "zzz:1") == []


@pytest.mark.parametrize(
    ("mime", "name", "kind"),
    [
        ("image/png", None, "photo"),
        ("image/gif", "a.gif", "video"),
        ("video/quicktime", None, "video"),
        (None, "x.webm", "video"),
        (None, "x.JPG", "photo"),
        ("application/pdf", "doc.pdf", None),
    ],
)
def test_document_classification(mime: str | None, name: str | None, kind: str | None) -> None:
    from motionbot.bot.core.intake import classify

    assert classify(mime, name) == kind
