"""The data layer of /mydata and /forget: one user's export, and deleting everything kept
about them while another user's data (and a file both share by content) stays."""

from __future__ import annotations

import json
import time

from bot_helpers import png_bytes

from motionbot.bot.core.user_data import UserData
from motionbot.bot.history import HistoryStore
from motionbot.bot.history.models import TaskRecord, TaskStatus
from motionbot.queue import pins
from motionbot.queue.client import RenderClient
from motionbot.queue.delivery import enqueue_deliver, was_delivered
from motionbot.queue.jobs import (
    DeliverJob,
    DeliveryTarget,
    EngineName,
    MediaRef,
    MotionSource,
    Platform,
    Queues,
    RenderOptions,
    RenderRequest,
    RenderResult,
)
from motionbot.queue.limits import quota_key, slot_key

TG = Platform.TELEGRAM


def _record(task_id: str, user: str, photo: MediaRef, motion: MotionSource) -> TaskRecord:
    return TaskRecord(
        task_id=task_id, platform=TG, chat_id=user, user_id=user, status=TaskStatus.QUEUED,
        engine=EngineName.WARP, options=RenderOptions(), photo=photo, motion=motion, created_at=time.time(),
    )  # fmt: skip


def _request(rec: TaskRecord) -> RenderRequest:
    target = DeliveryTarget(platform=TG, chat_id=rec.chat_id, user_id=rec.user_id)
    return RenderRequest(task_id=rec.task_id, target=target, photo=rec.photo, motion=rec.motion)


async def test_export_then_forget_one_user(client: RenderClient, history: HistoryStore) -> None:
    store, redis = client.store, client.redis
    shared_photo = await store.put_bytes(png_bytes((10, 20, 30)), suffix=".png")  # both users sent it
    own_photo = await store.put_bytes(png_bytes((200, 10, 10)), suffix=".png")
    video = await store.put_bytes(b"\x00\x00\x00\x18ftypmp42 reference", suffix=".mp4")
    output = await store.put_bytes(b"\x00\x00\x00\x18ftypmp42 result", suffix=".mp4")
    thumb = await store.put_bytes(b"\xff\xd8 thumbnail", suffix=".jpg")
    motion = MotionSource(kind="video", video=video)

    await history.acknowledge(TG, "1")
    done = _record("done000001", "1", own_photo, motion)
    await history.add_task(done)
    await history.mark_done(done.task_id, output=output, engine=EngineName.WARP, duration_s=2.0)
    result = RenderResult(task_id=done.task_id, output=output, thumbnail=thumb, duration_s=2.0, width=64,
                          height=64, fps=12.0, engine=EngineName.WARP, engine_version="warp-7")  # fmt: skip
    await client.book.remember(_request(done), "warp-7", result, 3600)
    target = DeliveryTarget(platform=TG, chat_id="1", user_id="1")
    await enqueue_deliver(
        redis, DeliverJob(task_id=done.task_id, target=target, outcome=result)
    )  # not sent yet
    queued = _record("queued0001", "1", shared_photo, MotionSource(kind="preset", preset="wave"))
    await client.submit(_request(queued))  # no worker: it waits in the queue
    await history.add_task(queued)
    move = await history.save_motion(TG, "1", "my dance", motion)
    await pins.pin(redis, video)
    await redis.set("motionbot:fsm:42:1:1:default:data", json.dumps({"conv": {"photo": own_photo.key}}))
    await redis.set("motionbot:tg:rl:1:123", 3)
    await redis.incr(quota_key(DeliveryTarget(platform=TG, chat_id="1", user_id="1")))
    other = _record("other00001", "2", shared_photo, MotionSource(kind="preset", preset="clap"))
    await history.add_task(other)
    await redis.set("motionbot:fsm:42:2:2:default:data", "{}")

    data = UserData(history, client)
    exported = json.loads(await data.export_json(TG, "1"))
    assert exported["consent_given_at"] and exported["user_id"] == "1"
    assert {t["task_id"] for t in exported["tasks"]} == {"done000001", "queued0001"}
    assert next(t for t in exported["tasks"] if t["task_id"] == "done000001")["status"] == "done"
    assert [m["name"] for m in exported["saved_moves"]] == ["my dance"]
    sizes = {f["key"]: f["size_bytes"] for f in exported["files"]}
    assert sizes[output.key] == output.size and sizes[video.key] == video.size and shared_photo.key in sizes
    assert "motionbot:fsm:42:1:1:default:data" in exported["conversation_state"]
    assert "motionbot:fsm:42:2:2:default:data" not in exported["conversation_state"]

    gone = await data.forget(TG, "1")
    assert gone.tasks == 2 and gone.saved_moves == 1 and gone.cancelled == 1 and gone.cached_results == 1
    assert gone.files == 5 - 1  # own photo, video, result, thumbnail; the shared photo stays
    assert gone.bytes == own_photo.size + video.size + output.size + thumb.size
    for ref in (own_photo, video, output, thumb):
        assert not await store.exists(ref), ref
    assert await store.exists(shared_photo)  # the other user's task still refers to it
    assert await history.count_tasks(TG, "1") == 0 and await history.saved_motions(TG, "1") == []
    assert await history.get_user(TG, "1") is None and await history.saved_motion(TG, "1", move.id) is None
    assert await client.book.cached(_request(done), "warp-7") is None
    assert video.key not in await pins.pinned(redis)
    assert not await redis.exists("motionbot:fsm:42:1:1:default:data", "motionbot:tg:rl:1:123")
    assert not await redis.exists(quota_key(target), slot_key(target))
    assert await redis.zcard(Queues.RENDER_CPU) == 0  # the queued render was cancelled
    assert await redis.zcard(Queues.deliver(TG)) == 0  # and nothing will be delivered
    assert await was_delivered(redis, done.task_id)  # a deliver job already on its way is skipped
    # the other user is untouched
    assert await history.get_task("other00001") is not None
    assert await redis.exists("motionbot:fsm:42:2:2:default:data")
    again = await data.forget(TG, "1")
    assert again.tasks == 0 and again.files == 0
