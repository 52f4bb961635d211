"""The inspect job on the fast queue: the client waits for the worker's report."""

from __future__ import annotations

import io
import time

import pytest
from queue_helpers import running_worker

from motionbot.queue.client import RenderClient
from motionbot.queue.errors import FailureReason, QueueError
from motionbot.queue.jobs import Queues
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.settings import RendererSettings

pytest.importorskip("motionbot.renderer.inspect")


async def test_inspect_photo_and_garbage(
    client: RenderClient, settings: QueueSettings, renderer_settings: RendererSettings
) -> None:
    from PIL import Image
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, format="PNG")
    photo = await client.store.put_bytes(buf.getvalue(), suffix=".png")
    garbage = await client.store.put_bytes(b"this is not a picture at all" * 20, suffix=".jpg")
    async with running_worker(settings, None, renderer_settings, queue=Queues.INSPECT):
        t0 = time.monotonic()
        report = await client.inspect(photo, "photo", timeout_s=30)
        first_s = time.monotonic() - t0
        assert report.kind == "photo" and report.width == 512 and report.height == 512
        assert report.people == 1, report
        bad = await client.inspect(garbage, "photo", timeout_s=30)
        assert not bad.ok
        assert bad.failure_reason in {FailureReason.NOT_AN_IMAGE, FailureReason.UNREADABLE_FILE}
        assert bad.findings and bad.findings[0].code == bad.failure_reason and bad.findings[0].message is None
    print(f"first inspect took {first_s:.2f}s")


async def test_inspect_without_worker_says_so(client: RenderClient) -> None:
    ref = await client.store.put_bytes(b"x", suffix=".png")
    with pytest.raises(QueueError) as err:
        await client.inspect(ref, "photo", timeout_s=1)
    assert err.value.reason is FailureReason.ENGINE_UNAVAILABLE


async def test_two_people_photo_comes_with_the_numbered_picture(
    client: RenderClient, settings: QueueSettings, renderer_settings: RendererSettings
) -> None:
    import numpy as np
    from PIL import Image
    from skimage import data

    one = np.asarray(data.astronaut(), np.uint8)
    two = np.concatenate([one, np.ascontiguousarray(one[:, ::-1, ::-1])], axis=1)
    buf = io.BytesIO()
    Image.fromarray(two).save(buf, format="PNG")
    photo = await client.store.put_bytes(buf.getvalue(), suffix=".png")
    async with running_worker(settings, None, renderer_settings, queue=Queues.INSPECT):
        report = await client.inspect(photo, "photo", timeout_s=60)
    assert [p.number for p in report.persons] == [1, 2] and report.chosen in (1, 2)
    assert report.people_picture is not None and await client.store.exists(report.people_picture)
    assert report.people_picture.key.endswith(".png")
