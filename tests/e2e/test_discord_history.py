"""/history pages and task cards, ownership of tasks and buttons, /share and Share here,
/cancel, and persistent buttons handled by a new bot process after a restart."""

from __future__ import annotations

import time
from pathlib import Path

from dc_harness import (
    DC,
    OTHER,
    USER,
    animate,
    finished_task,
    is_mp4,
    render_burst,
)
from fakes import discord as fd

from motionbot.bot.core import texts
from motionbot.queue.jobs import Platform

GUILD = fd.Place.guild()


async def test_history_pages_cards_resend_and_delete(dc: DC) -> None:
    now = time.time()
    ids = [await finished_task(dc, created_at=now - 100 + i) for i in range(7)]  # ids[-1] is newest
    cmd = dc.inject(fd.slash(dc.fake, "history", USER, GUILD))
    page1 = await dc.original(cmd, "Your videos (1-5 of 7)")
    assert page1["flags"] & 64
    assert [b["label"].split(". ")[1] for b in fd.buttons(page1)[:5]] == ids[::-1][:5]
    assert len(page1["components"]) <= 5
    older = dc.inject(fd.click(dc.fake, page1, fd.button(page1, texts.HISTORY_NEXT), USER, GUILD))
    page2 = await dc.original(older, "(6-7 of 7)")
    assert page2["id"] == page1["id"]  # the same message, edited in place

    card_click = dc.inject(fd.click(dc.fake, page2, fd.button(page2, ids[0]), USER, GUILD))
    card = await dc.original(card_click, f"Task {ids[0]}")
    labels = [b["label"] for b in fd.buttons(card)]
    assert texts.RESEND in labels and texts.SHARE in labels and texts.DELETE in labels

    resend = dc.inject(fd.click(dc.fake, card, fd.button(card, texts.RESEND), USER, GUILD))
    posted = await dc.original(resend, f"Task {ids[0]}")
    await dc.wait_for(lambda: (dc.fake.original(resend["token"]) or {}).get("attachments"))
    posted = dc.fake.original(resend["token"]) or posted
    assert is_mp4(dc.fake.file_bytes(posted["attachments"][0])) and posted["flags"] & 64

    delete = dc.inject(fd.click(dc.fake, card, fd.button(card, texts.DELETE), USER, GUILD))
    await dc.original(delete, texts.TASK_DELETED.format(task_id=ids[0]))
    assert await dc.rt.history.get_task(ids[0]) is None
    assert await dc.rt.history.count_tasks(Platform.DISCORD, str(USER)) == 6


async def test_only_the_owner_sees_or_acts_on_a_task(dc: DC) -> None:
    mine = await finished_task(dc, user=USER)
    cmd = dc.inject(fd.slash(dc.fake, "history", USER, GUILD))
    page = await dc.original(cmd, "Your videos")

    # someone else presses the owner's button (the message is ephemeral, but ids leak)
    theirs = dc.inject(fd.click(dc.fake, page, fd.button(page, mine), OTHER, GUILD))
    refused = await dc.original(theirs, "These buttons belong to")
    assert refused["flags"] & 64 and refused["id"] != page["id"]
    assert str(USER) not in refused["content"] and "<@" not in refused["content"]  # the owner is not named

    # a forged custom id with their own user id but the owner's task: the core refuses it
    forged = dict(page, components=[{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "x", "custom_id": f"mb:{OTHER}:hd:{mine}"}]}])
    dc.fake.messages[int(forged["id"]) + 1] = forged
    press = dc.inject(fd.click(dc.fake, forged, f"mb:{OTHER}:hd:{mine}", OTHER, GUILD))
    await dc.original(press, texts.NOT_YOURS)
    assert await dc.rt.history.get_task(mine) is not None  # not deleted

    own = dc.inject(fd.autocomplete(dc.fake, "share", USER, GUILD, focused="task", value=mine[:3]))
    others = dc.inject(fd.autocomplete(dc.fake, "share", OTHER, GUILD, focused="task", value=""))
    await dc.wait_for(lambda: dc.fake.find("POST", f"/interactions/{others['id']}/"))
    await dc.wait_for(lambda: dc.fake.find("POST", f"/interactions/{own['id']}/"))
    (own_req,) = dc.fake.find("POST", f"/interactions/{own['id']}/")
    (others_req,) = dc.fake.find("POST", f"/interactions/{others['id']}/")
    assert [c["value"] for c in own_req.json["data"]["choices"]] == [mine]
    assert others_req.json["data"]["choices"] == []  # task ids are not offered to anyone else

    share = dc.inject(fd.slash(dc.fake, "share", OTHER, GUILD, options={"task": mine}))
    await dc.original(share, texts.NOT_YOURS)
    other_history = dc.inject(fd.slash(dc.fake, "history", OTHER, GUILD))
    await dc.original(other_history, texts.HISTORY_EMPTY)


async def test_share_posts_publicly_through_the_interaction_even_where_the_bot_is_no_member(dc: DC) -> None:
    task_id = await finished_task(dc)
    group_dm = fd.Place.private()  # user-installed app in a group DM: the bot can't post there itself
    cmd = dc.inject(fd.slash(dc.fake, "share", USER, group_dm, options={"task": task_id}))
    shared = await dc.original(cmd, "shared this")
    await dc.wait_for(lambda: (dc.fake.original(cmd["token"]) or {}).get("attachments"))
    shared = dc.fake.original(cmd["token"]) or shared
    assert not shared["flags"] & 64  # everyone in the chat sees it
    assert is_mp4(dc.fake.file_bytes(shared["attachments"][0]))
    assert {f["value"] for f in shared["embeds"][0]["fields"]} >= {task_id}
    assert not dc.fake.find("POST", r"^/channels/")  # no bot message anywhere


async def test_restart_keeps_buttons_working_and_delivers_a_render_started_before_it(
    dc: DC, tmp_path: Path
) -> None:
    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    cmd = await animate(dc, GUILD, motion="preset:clap")
    shown = await dc.original(cmd, "Press Generate")
    click = dc.inject(fd.click(dc.fake, shown, fd.button(shown, texts.GENERATE), USER, GUILD))
    await dc.original(click, "Queued")

    await dc.restart()  # a new client instance on the same Redis and SQLite
    seen = len(dc.fake.requests)
    worker = await render_burst(dc.qsettings, tmp_path)
    assert worker.jobs_complete == 1
    result = await dc.followup(click, "Task", with_file=True)  # delivered by the new process
    task_id = {f["name"]: f["value"] for f in result["embeds"][0]["fields"]}["Task"]
    # the new process picked up the progress edits of the render queued before it started
    resumed = [r.json["content"] for r in dc.fake.requests[seen:]
               if r.method == "PATCH" and r.path.endswith(f"{click['token']}/messages/@original")]
    assert any("%" in c for c in resumed) and resumed[-1].startswith("Done!")

    await dc.restart()
    # buttons of the old message, handled by the persistent DynamicItem of the newest process
    same = dc.inject(fd.click(dc.fake, result, fd.button(result, texts.SAME_MOTION_NEW_PHOTO), USER, GUILD))
    reply = await dc.answer(same, texts.REUSE_MOTION.format(task_id=task_id))
    assert reply["flags"] & 64
    await dc.answer(same, "Run /animate with just the new `photo`")
    again = await animate(dc, GUILD)  # only a photo: the move comes from that task
    shown_again = await dc.original(again, "Press Generate")
    assert "Using the move from before." in shown_again["content"] and "Clap" in shown_again["content"]
    share = dc.inject(fd.click(dc.fake, result, fd.button(result, "Share here"), USER, GUILD))
    await dc.wait_for(lambda: (dc.fake.original(share["token"]) or {}).get("attachments"))
    assert not (dc.fake.original(share["token"]) or {})["flags"] & 64


async def test_cancel_stops_a_queued_render(dc: DC) -> None:
    await dc.rt.history.acknowledge(Platform.DISCORD, str(USER))
    cmd = await animate(dc, GUILD, motion="preset:wave")
    shown = await dc.original(cmd, "Press Generate")
    click = dc.inject(fd.click(dc.fake, shown, fd.button(shown, texts.GENERATE), USER, GUILD))
    status = await dc.original(click, "Queued")
    cancel = dc.inject(fd.slash(dc.fake, "cancel", USER, GUILD))
    await dc.original(cancel, "Cancelled task")
    (task,) = await dc.rt.history.list_tasks(Platform.DISCORD, str(USER))
    assert task.status.value == "cancelled"

    # the Cancel buttons edit the message they are on: the status of a render, the /animate summary
    cmd2 = await animate(dc, GUILD, motion="preset:clap")
    shown2 = await dc.original(cmd2, "Press Generate")
    click2 = dc.inject(fd.click(dc.fake, shown2, fd.button(shown2, texts.GENERATE), USER, GUILD))
    status2 = await dc.original(click2, "Queued")
    stop = dc.inject(fd.click(dc.fake, status2, fd.button(status2, "Cancel"), USER, GUILD))
    stopped = await dc.original(stop, "Cancelled task")
    assert stopped["id"] == status2["id"] and stopped["components"] == []
    cmd3 = await animate(dc, GUILD, motion="preset:clap")
    shown3 = await dc.original(cmd3, "Press Generate")
    forget = dc.inject(fd.click(dc.fake, shown3, fd.button(shown3, "Cancel"), USER, GUILD))
    assert (await dc.original(forget, texts.CANCEL_CLEARED))["id"] == shown3["id"]
    assert status["id"]


async def test_save_a_move_from_a_card_then_find_it_in_motions_and_autocomplete(dc: DC) -> None:
    from motionbot.queue.jobs import MotionSource

    store = dc.rt.client.store
    video = await store.put_bytes(b"a reference clip", suffix=".mp4", filename="robot dance.mp4")
    tid = await finished_task(dc, motion=MotionSource(kind="video", video=video))
    cmd = dc.inject(fd.slash(dc.fake, "history", USER, GUILD))
    page = await dc.original(cmd, "Your videos (1-1 of 1)")
    card_click = dc.inject(fd.click(dc.fake, page, fd.button(page, tid), USER, GUILD))
    card = await dc.original(card_click, f"Task {tid}")
    save = dc.inject(fd.click(dc.fake, card, fd.button(card, texts.SAVE_MOTION), USER, GUILD))
    await dc.original(save, texts.MOTION_SAVED.format(name="robot dance"))

    menu_cmd = dc.inject(fd.slash(dc.fake, "motions", USER, GUILD))
    menu = await dc.original(menu_cmd, f"{texts.SAVED_MOTIONS_TITLE} robot dance")
    assert len(fd.buttons(menu)) <= 25 and len(menu["components"]) <= 5
    use = dc.inject(fd.click(dc.fake, menu, fd.button(menu, "robot dance"), USER, GUILD))
    await dc.original(use, texts.SAVED_MOTION_CHOSEN.format(name="robot dance"))
    payload = dc.inject(fd.autocomplete(dc.fake, "animate", USER, GUILD, focused="motion", value="robot"))
    await dc.wait_for(lambda: dc.fake.find("POST", f"/interactions/{payload['id']}/"))
    (req,) = dc.fake.find("POST", f"/interactions/{payload['id']}/")
    assert [c["name"] for c in req.json["data"]["choices"]] == ["robot dance (saved)"]
