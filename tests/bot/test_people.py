"""Choosing the performer and the subject among several people, in the conversation core.

Inspect reports are built here and put in the inspect cache (no worker runs): the core words
them, offers the numbered picture, keeps a press, sends it in RenderOptions and brings it
back with "Again", the other /history reuses and saved moves.
"""

from __future__ import annotations

import pytest
from bot_helpers import png_bytes

from motionbot.bot.core import Conversation, ConversationKey, Reply, texts
from motionbot.bot.core import actions as act
from motionbot.bot.core.inputs import INSPECT_CACHE_PREFIX
from motionbot.bot.core.people import where
from motionbot.queue.jobs import (
    Finding,
    InspectReport,
    MediaKind,
    MediaRef,
    PersonChoice,
    Platform,
    Severity,
)

KEY = ConversationKey(Platform.TELEGRAM, "100", "100")
OTHER = ConversationKey(Platform.TELEGRAM, "100", "200")  # another member of the same group
PICTURE = MediaRef(key="ab/" + "ab" * 32 + ".png", size=10)
LEFT, MIDDLE, RIGHT = (0.05, 0.2, 0.3, 0.9), (0.4, 0.1, 0.6, 0.9), (0.7, 0.2, 0.95, 0.9)


def report(
    kind: MediaKind, boxes: list[tuple[float, float, float, float]], chosen: int | None
) -> InspectReport:
    people = [PersonChoice(number=i, box=b) for i, b in enumerate(boxes, start=1)]
    several = Finding(code="several_people", severity=Severity.WARNING, params={"people": len(boxes)})
    return InspectReport(
        kind=kind,
        ok=True,
        findings=[several] if len(boxes) > 1 else [],
        people=len(boxes),
        persons=people,
        chosen=chosen,
        people_picture=PICTURE if len(boxes) > 1 else None,
    )


async def cache(conv: Conversation, kind: MediaKind, ref: MediaRef, rep: InspectReport) -> None:
    await conv.deps.client.redis.set(f"{INSPECT_CACHE_PREFIX}{kind}:{ref.key}", rep.model_dump_json())


async def two_people_inputs(conv: Conversation, key: ConversationKey = KEY) -> tuple[MediaRef, MediaRef]:
    """A photo of two people (the left one is the default) and a video of three (the middle one)."""
    await conv.inputs.acknowledge(key)
    photo = (await conv.inputs.add(key, "photo", png_bytes(), filename="two.png")).ref
    video = (await conv.inputs.add(key, "video", b"three people dancing", filename="three.mp4")).ref
    await cache(conv, "photo", photo, report("photo", [LEFT, RIGHT], chosen=1))
    await cache(conv, "video", video, report("video", [LEFT, MIDDLE, RIGHT], chosen=2))
    return photo, video


async def generate(conv: Conversation, key: ConversationKey = KEY) -> str:
    async def post(reply: Reply) -> str:
        return "1"

    result = await conv.render.generate(key, post_status=post)
    assert result.task_id is not None, result.reply.text
    return result.task_id


async def test_the_findings_say_who_is_used_and_the_picture_offers_each_number(conv: Conversation) -> None:
    photo, video = await two_people_inputs(conv)
    said = await conv.inputs.inspect("video", video)
    assert "People in this video: 3. I'll copy the one in the middle; tap a number" in said.text
    assert "largest" not in said.text  # the renderer's default wording is replaced, not repeated
    offer = await conv.people.offer("video", video)
    assert offer is not None and offer.picture == PICTURE and offer.text == texts.PEOPLE_PICTURE_VIDEO
    tag = act.MediaTag.of(video.key)
    assert offer.actions == [f"who:video:{n}:{tag}" for n in (1, 2, 3)]
    assert all(len(a.encode()) <= act.TELEGRAM_DATA_BYTES for a in offer.actions)
    assert "on the left will do the move" in (await conv.inputs.inspect("photo", photo)).text


async def test_one_person_or_no_picture_offers_no_choice(conv: Conversation) -> None:
    await conv.inputs.acknowledge(KEY)
    photo = (await conv.inputs.add(KEY, "photo", png_bytes(), filename="one.png")).ref
    await cache(conv, "photo", photo, report("photo", [MIDDLE], chosen=1))
    assert await conv.people.offer("photo", photo) is None
    no_picture = report("photo", [LEFT, RIGHT], chosen=1).model_copy(update={"people_picture": None})
    await cache(conv, "photo", photo, no_picture)
    assert await conv.people.offer("photo", photo) is None
    unchecked = (await conv.inputs.add(KEY, "video", b"unchecked", filename="u.mp4")).ref
    assert await conv.people.offer("video", unchecked) is None  # checks down: nothing cached


@pytest.mark.parametrize(
    ("boxes", "chosen", "expected"),
    [([LEFT, RIGHT], 1, "left"), ([LEFT, RIGHT], 2, "right"), ([RIGHT, MIDDLE, LEFT], 2, "middle"),
     ([RIGHT, LEFT], 1, "right"), ([LEFT, RIGHT], None, "unknown")],
)  # fmt: skip
def test_where_the_default_stands(
    boxes: list[tuple[float, float, float, float]], chosen: int | None, expected: str
) -> None:
    assert where(report("video", boxes, chosen)) == expected


async def test_a_pressed_number_is_kept_shown_and_sent(conv: Conversation) -> None:
    photo, video = await two_people_inputs(conv)
    replies = await conv.dispatch(KEY, act.ChoosePerson("video", 3, act.MediaTag.of(video.key)))
    assert replies[0].text.startswith(texts.PERSON_CHOSEN_VIDEO.format(number=3))
    assert replies[0].offers(act.Generate)  # both inputs are there: the keyboard, saying who
    assert texts.OPTIONS_PERFORMER.format(number=3) in replies[0].text
    replies = await conv.press(KEY, act.ChoosePerson("photo", 2, act.MediaTag.of(photo.key)).pack())
    assert texts.OPTIONS_SUBJECT.format(number=2) in replies[0].text
    state = await conv.states.load(KEY)
    assert (state.performer, state.subject) == (3, 2)
    task = await conv.deps.history.get_task(await generate(conv))
    assert task is not None and (task.options.performer, task.options.subject) == (3, 2)


async def test_numbers_of_another_file_or_person_are_refused(conv: Conversation) -> None:
    _, video = await two_people_inputs(conv)
    old_tag = act.MediaTag.of(video.key)
    assert (await conv.dispatch(KEY, act.ChoosePerson("video", 4, old_tag)))[0].text == texts.PERSON_STALE
    assert (await conv.dispatch(KEY, act.ChoosePerson("photo", 1, old_tag)))[0].text == texts.PERSON_STALE
    # another member presses this user's picture in a group: it is no file of theirs
    assert (await conv.dispatch(OTHER, act.ChoosePerson("video", 1, old_tag)))[0].text == texts.PERSON_STALE
    assert (await conv.states.load(OTHER)).performer is None
    await conv.dispatch(KEY, act.ChoosePerson("video", 1, old_tag))
    assert (await conv.states.load(KEY)).performer == 1
    new = (await conv.inputs.add(KEY, "video", b"another clip", filename="new.mp4")).ref
    assert (await conv.states.load(KEY)).performer is None  # a new video starts with its default
    assert (await conv.dispatch(KEY, act.ChoosePerson("video", 1, old_tag)))[0].text == texts.PERSON_STALE
    assert act.parse(f"who:video:1:{act.MediaTag.of(new.key)[:6]}zz") is None  # forged: no action
    assert await conv.press(KEY, "who:video:1:nothex!!") == []


async def test_again_and_the_other_reuses_keep_the_people_picked(conv: Conversation) -> None:
    photo, video = await two_people_inputs(conv)
    await conv.dispatch(KEY, act.ChoosePerson("video", 3, act.MediaTag.of(video.key)))
    await conv.dispatch(KEY, act.ChoosePerson("photo", 2, act.MediaTag.of(photo.key)))
    task_id = await generate(conv)
    await conv.render.cancel(KEY)
    await conv.inputs.add(KEY, "photo", png_bytes((9, 9, 9)), filename="other.png")
    await conv.inputs.add(KEY, "video", b"other clip", filename="other.mp4")
    assert (await conv.states.load(KEY)).model_dump(include={"performer", "subject"}) == {
        "performer": None,
        "subject": None,
    }
    replies = await conv.dispatch(KEY, act.Again(act.TaskId(task_id)))
    assert texts.OPTIONS_PERFORMER.format(number=3) in replies[-1].text
    state = await conv.states.load(KEY)
    assert (state.photo, state.performer, state.subject) == (photo, 3, 2)
    again = await conv.deps.history.get_task(await generate(conv))
    assert again is not None and (again.options.performer, again.options.subject) == (3, 2)
    await conv.render.cancel(KEY)
    await conv.dispatch(KEY, act.SameMove(act.TaskId(task_id)))
    assert (await conv.states.load(KEY)).model_dump(include={"performer", "subject"}) == {
        "performer": 3,
        "subject": None,
    }
    await conv.dispatch(KEY, act.SamePhoto(act.TaskId(task_id)))
    assert (await conv.states.load(KEY)).model_dump(include={"performer", "subject"}) == {
        "performer": None,
        "subject": 2,
    }


async def test_a_saved_move_remembers_its_performer(conv: Conversation) -> None:
    _, video = await two_people_inputs(conv)
    default_task = await generate(conv)  # the same video, the default performer
    await conv.render.cancel(KEY)
    await conv.dispatch(KEY, act.ChoosePerson("video", 3, act.MediaTag.of(video.key)))
    third_task = await generate(conv)
    await conv.render.cancel(KEY)
    assert "Saved" in (await conv.dispatch(KEY, act.SaveMove(act.TaskId(third_task))))[0].text
    # the same video following another performer is another move
    assert "Saved" in (await conv.dispatch(KEY, act.SaveMove(act.TaskId(default_task))))[0].text
    saved = {m.performer: m for m in await conv.deps.history.saved_motions(KEY.platform, KEY.user_id)}
    assert set(saved) == {3, None} and saved[3].source.video == video
    again = await conv.dispatch(KEY, act.SaveMove(act.TaskId(third_task)))
    assert again[0].text == texts.MOTION_ALREADY_SAVED.format(name=saved[3].name)
    await conv.inputs.add(KEY, "video", b"something else", filename="else.mp4")
    await conv.dispatch(KEY, act.UseSavedMove(saved[3].id))
    assert (await conv.states.load(KEY)).performer == 3
    task = await conv.deps.history.get_task(await generate(conv))
    assert task is not None and task.motion == saved[3].source and task.options.performer == 3
    await conv.render.cancel(KEY)
    await conv.dispatch(KEY, act.UseSavedMove(saved[None].id))
    assert (await conv.states.load(KEY)).performer is None


async def test_in_an_album_the_subject_is_picked_on_its_first_photo(conv: Conversation) -> None:
    await conv.inputs.acknowledge(KEY)
    first = (await conv.inputs.add(KEY, "photo", png_bytes(), filename="a.png", album_group="g")).ref
    second = (
        await conv.inputs.add(KEY, "photo", png_bytes((5, 5, 5)), filename="b.png", album_group="g")
    ).ref
    await conv.inputs.add(KEY, "video", b"a clip", filename="c.mp4")
    for ref in (first, second):
        await cache(conv, "photo", ref, report("photo", [LEFT, RIGHT], chosen=1))
    later = await conv.dispatch(KEY, act.ChoosePerson("photo", 2, act.MediaTag.of(second.key)))
    assert later[0].text == texts.PERSON_ALBUM
    await conv.dispatch(KEY, act.ChoosePerson("photo", 2, act.MediaTag.of(first.key)))

    async def post(reply: Reply) -> str:
        return "1"

    result = await conv.render.generate(KEY, post_status=post)
    tasks = [await conv.deps.history.get_task(t) for t in result.batch]
    subjects = {t.photo.key: t.options.subject for t in tasks if t is not None}
    assert subjects == {first.key: 2, second.key: None}


async def test_before_consent_a_press_is_confirmed_without_the_keyboard(conv: Conversation) -> None:
    await conv.inputs.add(KEY, "photo", png_bytes(), filename="two.png")
    video = (await conv.inputs.add(KEY, "video", b"two people", filename="two.mp4")).ref
    await cache(conv, "video", video, report("video", [LEFT, RIGHT], chosen=1))
    (reply,) = await conv.dispatch(KEY, act.ChoosePerson("video", 2, act.MediaTag.of(video.key)))
    assert reply.text == texts.PERSON_CHOSEN_VIDEO.format(number=2) and not reply.offers(act.Generate)
    assert (await conv.states.load(KEY)).performer == 2
