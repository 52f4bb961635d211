"""Telegram in groups and channels: addressed messages only, one conversation per member,
replies to the member who asked, /share to a channel both the user and the bot run."""

from __future__ import annotations

from fakes.telegram import BOT_ID, BOT_USERNAME
from tg_harness import (
    TG,
    USER,
    astronaut_jpeg,
    command,
    deliver_result,
    finished_task,
    key_of,
)

from motionbot.bot.core import texts

GROUP = -100500
ANN, BOB = 3001, 3002


async def test_group_members_have_separate_conversations(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge(ANN, GROUP)
    ann_photo = await fake.push_message(
        GROUP, ANN, chat_type="group", caption=f"@{BOT_USERNAME} me", **fake.photo_fields(astronaut_jpeg())
    )
    received = await tg.wait_text(texts.RECEIVED_PHOTO, chat_id=GROUP)
    assert received.fields["reply_parameters"]["message_id"] == ann_photo["message_id"]
    # Bob's photo is not addressed to the bot and he has no conversation with it: ignored
    await fake.push_message(GROUP, BOB, chat_type="group", **fake.photo_fields(astronaut_jpeg(200)))
    motions = await fake.push_message(GROUP, ANN, chat_type="group", **command(f"/motions@{BOT_USERNAME}"))
    await tg.wait_text(texts.MOTIONS_TITLE, chat_id=GROUP)
    await tg.press("pre:wave", chat_id=GROUP, user_id=ANN)
    options_id = await tg.wait_button("gen", chat_id=GROUP)
    await tg.press("gen", chat_id=GROUP, user_id=ANN)
    await tg.wait_text("Queued", chat_id=GROUP)  # the render is submitted and recorded
    queued = await tg.wait_text(texts.STAGE_NAMES["queued"], chat_id=GROUP)
    assert queued.fields["reply_parameters"]["message_id"] == motions["message_id"]
    ann = await tg.rt.conv.states.load(key_of(ANN, GROUP))
    bob = await tg.rt.conv.states.load(key_of(BOB, GROUP))
    assert ann.photo is not None and ann.task_id is not None
    assert bob.photo is None and bob.motion is None
    assert len(fake.sent("sendMessage", chat_id=GROUP)) == len(
        [
            r
            for r in fake.sent("sendMessage", chat_id=GROUP)
            if r.fields.get("reply_parameters")
            or r.fields.get("text") in (texts.WELCOME, texts.GOOD_INPUTS, texts.CONSENT)
        ]
    )
    # Bob pressing Ann's Generate acts on his own (empty) conversation, never on hers
    await fake.press(GROUP, BOB, options_id, "gen")
    await tg.wait_text(texts.CONSENT_NEEDED, chat_id=GROUP)


async def test_group_result_is_a_reply_to_the_member(tg: TG) -> None:
    fake = tg.fake
    asked = await fake.push_message(GROUP, ANN, chat_type="group", text="@motion_test_bot go")
    task_id = await finished_task(tg, user_id=ANN, chat_id=GROUP, deliver=False)
    await deliver_result(tg, task_id, reply_to=asked["message_id"])
    video = (await fake.wait_sent("sendVideo", chat_id=GROUP))[0]
    assert video.fields["reply_parameters"]["message_id"] == asked["message_id"]


async def test_share_to_a_channel_needs_both_admins(tg: TG) -> None:
    fake = tg.fake
    await tg.acknowledge()
    task_id = await finished_task(tg)
    await fake.wait_sent("sendVideo")
    fake.chats["@chan"] = {"id": -100777, "type": "channel", "title": "Chan"}
    share = command(f"/share {task_id} @chan")
    fake.chat_members[("@chan", USER)] = "member"
    await fake.push_message(USER, USER, **share)
    await tg.wait_text(texts.SHARE_NOT_ADMIN_USER.format(channel="@chan"))
    fake.chat_members[("@chan", USER)] = "creator"
    await fake.push_message(USER, USER, **share)
    await tg.wait_text(texts.SHARE_NOT_ADMIN_BOT.format(channel="@chan"))
    fake.chat_members[("@chan", BOT_ID)] = "administrator"
    await fake.push_message(USER, USER, **share)
    await tg.wait_text(texts.SHARE_DONE.format(task_id=task_id, channel="@chan"))
    posted = fake.sent("sendVideo", chat_id="@chan")
    delivery = await tg.rt.history.get_delivery(task_id)
    assert len(posted) == 1 and delivery is not None and posted[0].fields["video"] == delivery.file_id
    await fake.push_message(USER, USER, **command("/share nonsense"))
    await tg.wait_text(texts.SHARE_USAGE)
    await fake.push_message(ANN, ANN, **command(f"/share {task_id} @chan"))  # not the owner
    await tg.wait_text(texts.NOT_YOURS, chat_id=ANN)
