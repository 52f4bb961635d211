"""Letterbox/pillarbox bars are found and cropped off; too small or too short clips refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from media_factories import ffmpeg
from media_factories import testsrc_video as make_testsrc

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import MediaError
from motionbot.renderer.media.bars import find_bars
from motionbot.renderer.media.video import open_video


def padded(path: Path, picture: str, frame: str, *, seconds: float = 1.0) -> Path:
    """A testsrc picture centred in a black frame (w:h each)."""
    fw, fh = frame.split("x")
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc=size={picture}:rate=10:duration={seconds}",
        "-vf", f"pad={fw}:{fh}:(ow-iw)/2:(oh-ih)/2:color=black",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    return path


def test_pillarbox_is_cropped_off(tmp_path: Path) -> None:
    path = padded(tmp_path / "pillar.mp4", "240x240", "640x240")
    crop = find_bars(path, 640, 240, 1.0)
    assert crop is not None
    assert 196 <= crop.x <= 206 and 228 <= crop.width <= 240, crop
    assert crop.y == 0 and crop.height == 240
    reader = open_video(path, crop_bars=True)
    assert (reader.info.width, reader.info.height) == (crop.width, crop.height)
    frame = reader.read_all()[5]
    assert frame.shape[:2] == (reader.spec.height, reader.spec.width)
    # no black column is left at either edge
    assert frame[:, 0].mean() > 30 and frame[:, -1].mean() > 30


def test_letterbox_is_cropped_off(tmp_path: Path) -> None:
    path = padded(tmp_path / "letter.mp4", "320x120", "320x240")
    crop = find_bars(path, 320, 240, 1.0)
    assert crop is not None and crop.x == 0 and crop.width == 320
    assert 60 <= crop.y <= 66 and 108 <= crop.height <= 120, crop


def test_no_bars_and_a_dark_scene_are_left_alone(tmp_path: Path) -> None:
    plain = make_testsrc(tmp_path / "plain.mp4", size="320x240")
    assert find_bars(plain, 320, 240, 1.0) is None
    dark = tmp_path / "dark.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=0x080808:size=320x240:rate=10:duration=1",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(dark))  # fmt: skip
    assert find_bars(dark, 320, 240, 1.0) is None
    # a picture off to one side is not a centred pair of bars
    side = tmp_path / "side.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=200x240:rate=10:duration=1",
           "-vf", "pad=640:240:0:0:color=black",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(side))  # fmt: skip
    assert find_bars(side, 640, 240, 1.0) is None


def test_open_video_refuses_a_clip_too_short_or_too_small(tmp_path: Path) -> None:
    short = make_testsrc(tmp_path / "short.mp4", size="320x240", seconds=0.2)
    with pytest.raises(MediaError) as info:
        open_video(short, min_seconds=0.5)
    assert info.value.reason is FailureReason.VIDEO_TOO_SHORT
    assert info.value.params["min_seconds"] == 0.5 and float(info.value.params["seconds"]) < 0.5
    one_frame = make_testsrc(tmp_path / "one.mp4", size="320x240", extra=("-frames:v", "1"))
    with pytest.raises(MediaError) as info:
        open_video(one_frame, min_seconds=0.5)
    assert info.value.reason is FailureReason.VIDEO_TOO_SHORT
    tiny = make_testsrc(tmp_path / "tiny.mp4", size="64x64")
    with pytest.raises(MediaError) as info:
        open_video(tiny, min_side=96)
    assert info.value.reason is FailureReason.VIDEO_TOO_SMALL
    assert info.value.params == {"width": 64, "height": 64, "min_side": 96}
    assert open_video(tiny).spec.n_frames == 10  # no minimum asked: read as before
    # the minimum applies to the picture inside the bars
    barred = padded(tmp_path / "barred.mp4", "80x240", "240x240")
    with pytest.raises(MediaError) as info:
        open_video(barred, crop_bars=True, min_side=96)
    assert info.value.reason is FailureReason.VIDEO_TOO_SMALL


def test_photos_in_common_formats_are_read(tmp_path: Path) -> None:
    from PIL import Image

    from motionbot.renderer.media.image import load_image
    from motionbot.renderer.media.probe import probe

    yy, xx = np.mgrid[0:300, 0:280]
    rgb = np.stack([xx * 255 // 279, yy * 255 // 299, (xx + yy) * 255 // 578], axis=-1).astype(np.uint8)
    for fmt, suffix in (("BMP", ".bmp"), ("TIFF", ".tif"), ("HEIF", ".heic"), ("AVIF", ".avif")):
        path = tmp_path / f"photo{suffix}"
        Image.fromarray(rgb).save(path, format=fmt)
        assert probe(path).kind == "image", fmt
        loaded = load_image(path)
        assert loaded.shape == (300, 280, 3), fmt
        assert np.abs(loaded.astype(int) - rgb).mean() < 8, fmt  # lossy formats stay close
    deep = tmp_path / "scan16.tif"
    Image.fromarray(np.full((300, 280), 32768, np.uint16)).save(deep)
    assert 120 <= int(load_image(deep).mean()) <= 135  # scaled to 8 bits, not clipped to white
