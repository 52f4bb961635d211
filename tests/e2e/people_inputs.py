"""Inputs with several people for both bots' end-to-end tests: the internal samples (a photo of
two people, a clip of two people shaking hands) when they are here, and inspection reports
built in code, put in the bot's inspect cache under the key an upload of those bytes gets
(the store is content-addressed), for the frontends' part without a detector."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from motionbot.bot.core.inputs import INSPECT_CACHE_PREFIX
from motionbot.queue.jobs import InspectReport, MediaKind, MediaRef, PersonChoice

SAMPLES = Path("/work/shared/samples")
TWO_PEOPLE_PHOTO = SAMPLES / "portrait_two_people.jpg"
TWO_PEOPLE_VIDEO = SAMPLES / "video_two_people_handshake.mp4"
needs_samples = pytest.mark.skipif(
    not (TWO_PEOPLE_PHOTO.is_file() and TWO_PEOPLE_VIDEO.is_file()),
    reason="the internal two-people samples are not here",
)
LEFT, RIGHT = (0.05, 0.1, 0.45, 0.95), (0.55, 0.1, 0.95, 0.95)


def numbered_png(boxes: list[tuple[float, float, float, float]], size: tuple[int, int] = (160, 120)) -> bytes:
    """A stand-in for the renderer's people picture: the boxes, outlined."""
    img = Image.new("RGB", size, (40, 40, 40))
    draw = ImageDraw.Draw(img)
    w, h = size
    for x0, y0, x1, y1 in boxes:
        draw.rectangle((x0 * w, y0 * h, x1 * w, y1 * h), outline=(255, 200, 0), width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


async def seed_people(rt: Any, kind: MediaKind, data: bytes, suffix: str, *, chosen: int = 1) -> MediaRef:
    """Two people (left, right) in the report of the file these bytes become once uploaded."""
    store = rt.client.store
    ref: MediaRef = await store.put_bytes(data, suffix=suffix)
    picture = await store.put_bytes(numbered_png([LEFT, RIGHT]), suffix=".png", filename="people.png")
    report = InspectReport(
        kind=kind,
        ok=True,
        findings=[],
        people=2,
        persons=[PersonChoice(number=1, box=LEFT), PersonChoice(number=2, box=RIGHT)],
        chosen=chosen,
        people_picture=picture,
    )
    await rt.client.redis.set(f"{INSPECT_CACHE_PREFIX}{kind}:{ref.key}", report.model_dump_json())
    return ref
