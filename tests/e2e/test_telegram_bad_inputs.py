"""The bad and unusual uploads of a new user's first session, each sent through the real bot
(aiogram against the fake Bot API) and checked by a real inspect worker; then a normal render
still works."""

from __future__ import annotations

from typing import Any

import bad_inputs as corpus
from tg_harness import TG, USER, astronaut_jpeg, command

from motionbot.bot.core import texts


async def answer(tg: TG, fields: dict[str, Any], prefix: str, timeout: float = 60.0) -> str:
    """Send one upload and return the first text starting with ``prefix`` the bot sent after it."""
    start = len(tg.fake.requests)
    await tg.fake.push_message(USER, USER, **fields)

    def find() -> str | None:
        for r in tg.fake.requests[start:]:
            text = str(r.fields.get("text", ""))
            if r.method in ("sendMessage", "editMessageText") and text.startswith(prefix):
                return text
        return None

    found: str = await tg.fake.wait_for(find, timeout)
    return found


def one_request(text: str) -> bool:
    return text.count("Please") <= 1


async def test_bad_and_unusual_files_each_get_their_own_answer_then_a_render_works(
    tg: TG, inspect_worker: object, render_worker: object
) -> None:
    fake = tg.fake
    await tg.acknowledge()

    # photos in the formats phones and scanners save, sent as files: read, format not mentioned
    for fmt, mime, name in (
        ("AVIF", "image/avif", "me.avif"),
        ("HEIF", "image/heic", "IMG_0042.HEIC"),
        ("BMP", "image/bmp", "me.bmp"),
        ("TIFF", "application/octet-stream", "scan.tiff"),  # no MIME type: the name says photo
    ):
        doc = fake.document_fields(corpus.photo_as(fmt), mime=mime, file_name=name)
        text = await answer(tg, doc, "Photo:")
        assert text.startswith("Photo: One person"), (fmt, text)
        for word in (fmt, "format", "JPEG", "can't use"):
            assert word.lower() not in text.lower(), (fmt, text)

    # too short to move: refused with what to send instead (as a video and as a file)
    one_frame = corpus.mp4(corpus.swaying(256, 1), 25)
    text = await answer(tg, fake.video_fields(one_frame), "Video:")
    assert "too short to take a move from" in text and "at least 0.5 s" in text, text
    assert one_request(text), text
    short = corpus.mp4(corpus.swaying(256, 2), 10)  # 0.2 s
    text = await answer(tg, fake.video_fields(short, kind="document", file_name="short.mp4"), "Video:")
    assert "only 0.2 s long" in text and "at least 0.5 s" in text, text

    # ten minutes at 64x64: too small to read, with the minimum; never "only the face"
    text = await answer(tg, fake.video_fields(corpus.tiny_long_mp4()), "Video:")
    assert "only 64x64 pixels" in text and "at least 96 pixels" in text, text
    assert "face" not in text and one_request(text), text

    # a long clip says it will use the first 30 s (max_seconds)
    long_clip = corpus.mp4(corpus.swaying(256, 80), 2)  # 40 s
    text = await answer(tg, fake.video_fields(long_clip), "Video:")
    assert "40 s long; only the first 30 s will be used" in text, text

    # 4K, the picture pillarboxed in the middle: the bars are not darkness, nor part of the
    # framing (with them the half-body astronaut read as a full body), and go unmentioned
    text = await answer(tg, fake.video_fields(corpus.pillarboxed_4k()), "Video:")
    assert "waist" in text, text
    for word in ("dark", "Full body", "bar", "border"):
        assert word.lower() not in text.lower(), text

    # an animated GIF sent as a file says how long it is
    gif = fake.document_fields(corpus.animated_gif(0.8), mime="image/gif", file_name="dance.gif")
    text = await answer(tg, gif, "Video:")
    assert "This GIF is 0.8 s long" in text, text

    # a file that only claims to be a photo: one request, not two in a row
    fake_jpeg = fake.document_fields(b"not a picture at all" * 20, mime="image/jpeg", file_name="me.jpg")
    text = await answer(tg, fake_jpeg, "Photo:")
    assert "isn't a picture" in text and one_request(text), text

    # the bot is still fine: a normal render afterwards
    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await fake.push_message(USER, USER, **command("/motions"))
    await tg.press("pre:wave")
    await tg.wait_button("gen")
    await tg.press("gen")
    sent = await fake.wait_sent("sendVideo", timeout=120)
    name, data = sent[0].uploads["video"]
    assert name.endswith(".mp4") and data[4:8] == b"ftyp"
    await tg.wait_text(texts.DONE.format(task_id=name.removesuffix(".mp4")))
