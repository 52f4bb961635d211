"""Telegram inputs end to end: order, albums, documents, bad files, consent, restarts."""

from __future__ import annotations

from tg_harness import (
    TG,
    USER,
    astronaut_jpeg,
    command,
    key_of,
    moving_square_mp4,
)

from motionbot.bot.core import texts


async def test_video_then_photo_with_inspection_refuses_a_video_without_a_person(
    tg: TG, inspect_worker: object
) -> None:
    fake = tg.fake
    await tg.acknowledge()
    # big enough to be read (64 px is refused as too small before anyone looks for a person)
    await fake.push_message(USER, USER, **fake.video_fields(moving_square_mp4(side=128)))
    await tg.wait_text(texts.RECEIVED_VIDEO)
    await tg.wait_text(texts.NEED_PHOTO)
    finding = await tg.wait_text("Video:", timeout=30)
    assert finding.method == "editMessageText"
    await tg.wait_button("redo:video")  # an error: only "send another"
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await tg.wait_button("gen")
    await tg.press("gen")
    refusal = await tg.wait_text("This video can't be used")
    assert "person" in str(refusal.fields["text"]).lower()
    assert not fake.sent("sendVideo")
    await tg.press("redo:video")
    await tg.wait_text(texts.ASK_ANOTHER_VIDEO)
    state = await tg.rt.conv.states.load(key_of())
    assert state.motion is None and state.photo is not None


async def test_album_photo_and_video_together(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    group = {"media_group_id": "album-1"}
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()), **group)
    await fake.push_message(USER, USER, **fake.video_fields(moving_square_mp4()), **group)
    await tg.wait_button("gen")
    state = await tg.rt.conv.states.load(key_of())
    assert state.photo is not None and state.motion is not None and state.motion.video is not None
    # no inspect worker here: the user is told the check is unavailable, nothing breaks
    await tg.wait_text(texts.CHECKING_UNAVAILABLE)
    assert len([t for t in tg.texts() if t.startswith(texts.OPTIONS_TITLE)]) == 1


async def test_documents_gif_and_video_note_are_accepted(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    png = astronaut_jpeg()
    await fake.push_message(USER, USER, **fake.document_fields(png, mime="image/jpeg", file_name="me.jpg"))
    await tg.wait_text(texts.NEED_VIDEO)
    await fake.push_message(
        USER,
        USER,
        **fake.video_fields(
            moving_square_mp4(), kind="animation", mime="video/mp4", file_name="dance.gif.mp4"
        ),
    )
    await tg.wait_button("gen")
    first = (await tg.rt.conv.states.load(key_of())).motion
    await fake.push_message(USER, USER, **fake.video_fields(moving_square_mp4(16), kind="video_note"))
    await tg.wait_text(texts.VIDEO_REPLACED)
    second = (await tg.rt.conv.states.load(key_of())).motion
    assert first is not None and second is not None and first != second
    await fake.push_message(
        USER,
        USER,
        **fake.video_fields(
            moving_square_mp4(8), kind="document", mime="video/quicktime", file_name="clip.mov"
        ),
    )
    await tg.wait_count(texts.VIDEO_REPLACED, 2)
    third = (await tg.rt.conv.states.load(key_of())).motion
    assert third is not None and third.video is not None and third.video.key.endswith(".mov")


async def test_bad_inputs_get_clear_messages(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    await fake.push_message(
        USER, USER, **fake.document_fields(b"%PDF-1.4", mime="application/pdf", file_name="cv.pdf")
    )
    await tg.wait_text(texts.UNSUPPORTED_FILE)
    # announced as 30 MB: refused before any download, with advice
    await fake.push_message(USER, USER, **fake.video_fields(b"x" * 100, size=30_000_000))
    big = await tg.wait_text("I can only fetch files up to 20 MB")
    assert "trim" in str(big.fields["text"])
    # size unknown, the API says it is too big
    fields = fake.video_fields(b"y" * 100)
    del fields["video"]["file_size"]
    fake.files[fields["video"]["file_id"]].size = 25_000_000
    await fake.push_message(USER, USER, **fields)
    await tg.wait_count("up to 20 MB", 2)
    assert not fake.sent("getFile") or all(r.fields["file_id"] != "x" for r in fake.sent("getFile"))


async def test_consent_comes_first_and_inputs_wait_for_it(tg: TG) -> None:
    fake = tg.fake
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await tg.wait_button("ack")
    await fake.press(USER, USER, await tg.wait_button("ack"), "ack")
    await tg.wait_text(texts.NEED_VIDEO)  # the photo was kept
    assert await tg.rt.history.is_acknowledged(key_of().platform, str(USER))


async def test_state_survives_a_bot_restart(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await tg.wait_text(texts.NEED_VIDEO)
    await tg.restart()
    await fake.push_message(USER, USER, **command("/motions"))
    await tg.press("pre:sway")
    await tg.wait_button("gen")  # the photo from before the restart is still there
    state = await tg.rt.conv.states.load(key_of())
    assert state.photo is not None and state.motion is not None and state.motion.preset == "sway"


async def test_cancel_a_queued_render(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await fake.push_message(USER, USER, **command("/motions"))
    await tg.press("pre:clap")
    await tg.press("gen")
    queued = await tg.wait_text("Queued")
    status_id = int(queued.fields["message_id"]) if "message_id" in queued.fields else None
    await fake.push_message(USER, USER, **command("/cancel"))
    await tg.wait_text("Cancelled task")
    state = await tg.rt.conv.states.load(key_of())
    assert state.task_id is None and state.last_task_id is not None
    task = await tg.rt.history.get_task(state.last_task_id)
    assert task is not None and task.status.value == "cancelled"
    assert status_id is not None and tg.message(USER, status_id)["text"] == texts.CANCELLED
    await fake.push_message(USER, USER, **command("/cancel"))
    await tg.wait_text(texts.CANCEL_CLEARED)


async def test_flood_control_on_a_reply_is_waited_out(tg: TG) -> None:
    fake = tg.fake
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await fake.push_message(USER, USER, **command("/motions"))
    attempts = await fake.wait_sent("sendMessage", count=2)
    assert attempts[0].error == 429 and attempts[1].error is None
    assert attempts[1].at - attempts[0].at >= 0.9 and attempts[1].fields["text"] == texts.MOTIONS_TITLE
