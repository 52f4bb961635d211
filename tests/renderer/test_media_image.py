"""load_image and probe on still photos: orientation, formats, and refusals before decoding."""

from __future__ import annotations

import time
from pathlib import Path

import media_factories as mf
import numpy as np
import pytest
from PIL import Image

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import MediaError
from motionbot.renderer.media.image import load_image
from motionbot.renderer.media.probe import probe


def _reason(exc: pytest.ExceptionInfo[MediaError]) -> FailureReason:
    return exc.value.reason


@pytest.mark.parametrize("fmt,suffix", [("PNG", ".png"), ("WEBP", ".webp"), ("JPEG", ".jpg")])
def test_formats_decode_to_rgb(tmp_path: Path, fmt: str, suffix: str) -> None:
    upright = mf.quadrants(80, 120)
    path = tmp_path / f"photo{suffix}"
    Image.fromarray(upright).save(path, format=fmt, quality=95)
    img = load_image(path)
    assert img.shape == (120, 80, 3) and img.dtype == np.uint8
    mf.assert_upright_quadrants(img)
    info = probe(path)
    assert (info.kind, info.width, info.height, info.container) == ("image", 80, 120, fmt)


@pytest.mark.parametrize("orientation", [6, 3, 8])
def test_exif_orientation_is_applied(tmp_path: Path, orientation: int) -> None:
    upright = mf.quadrants(80, 120)
    path = mf.exif_rotated_jpeg(tmp_path / "phone.jpg", upright, orientation)
    with Image.open(path) as raw:
        stored_size = raw.size
    assert stored_size == ((120, 80) if orientation in (6, 8) else (80, 120))  # really stored turned
    img = load_image(path)
    assert img.shape == (120, 80, 3)
    mf.assert_upright_quadrants(img)
    assert (probe(path).width, probe(path).height) == (80, 120)


def test_transparent_png_is_flattened_on_white(tmp_path: Path) -> None:
    rgba = np.zeros((100, 100, 4), dtype=np.uint8)  # fully transparent black
    rgba[40:60, 40:60] = (255, 0, 0, 255)
    path = tmp_path / "cutout.png"
    Image.fromarray(rgba, "RGBA").save(path)
    img = load_image(path)
    assert tuple(img[5, 5]) == (255, 255, 255)
    assert tuple(img[50, 50]) == (255, 0, 0)


def test_30000_square_png_is_refused_from_its_header(tmp_path: Path) -> None:
    path = mf.png_header_only(tmp_path / "bomb.png", 30000, 30000)
    assert path.stat().st_size < 200
    start = time.perf_counter()
    with pytest.raises(MediaError) as exc:
        load_image(path)
    assert _reason(exc) == FailureReason.IMAGE_TOO_LARGE
    assert "megapixels" in exc.value.message
    with pytest.raises(MediaError) as exc2:
        probe(path)
    assert _reason(exc2) == FailureReason.IMAGE_TOO_LARGE
    assert time.perf_counter() - start < 1.0


def test_over_our_pixel_limit_is_refused_before_decoding(tmp_path: Path) -> None:
    # 8000x8000 is under Pillow's own bomb limit; a decoder would report the missing data
    # as a damaged file, so IMAGE_TOO_LARGE proves the header was checked first
    path = mf.png_header_only(tmp_path / "big.png", 8000, 8000)
    with pytest.raises(MediaError) as exc:
        load_image(path)
    assert _reason(exc) == FailureReason.IMAGE_TOO_LARGE
    assert "8000x8000" in exc.value.message
    with pytest.raises(MediaError) as exc2:
        load_image(path, max_pixels=100_000_000)
    assert _reason(exc2) == FailureReason.UNREADABLE_FILE


def test_tiny_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "icon.png"
    Image.fromarray(mf.quadrants(40, 30)).save(path)
    with pytest.raises(MediaError) as exc:
        load_image(path)
    assert _reason(exc) == FailureReason.IMAGE_TOO_SMALL
    assert "40x30" in exc.value.message
    assert load_image(path, min_side=16).shape == (30, 40, 3)


def test_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("just some words, not a picture\n" * 10)
    gif = tmp_path / "anim.gif"
    Image.fromarray(mf.quadrants(80, 80)).save(gif)
    full = tmp_path / "full.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 300, 3), dtype=np.uint8)).save(full)
    cut = mf.truncated(full, tmp_path / "cut.jpg", keep=0.3)
    heic = tmp_path / "IMG_0001.HEIC"  # just the ISO-BMFF brand box an iPhone writes first
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    cases = {
        empty: FailureReason.UNREADABLE_FILE,
        text: FailureReason.NOT_AN_IMAGE,
        gif: FailureReason.UNSUPPORTED_FORMAT,
        cut: FailureReason.UNREADABLE_FILE,
        heic: FailureReason.UNSUPPORTED_FORMAT,
        tmp_path / "missing.png": FailureReason.UNREADABLE_FILE,
    }
    for path, reason in cases.items():
        with pytest.raises(MediaError) as exc:
            load_image(path)
        assert _reason(exc) == reason, path.name
        assert exc.value.message.endswith(".")


def test_file_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    Image.fromarray(mf.quadrants(100, 100)).save(path)
    with pytest.raises(MediaError) as exc:
        load_image(path, max_bytes=10)
    assert _reason(exc) == FailureReason.FILE_TOO_LARGE


def test_video_given_as_photo_is_not_an_image(tmp_path: Path) -> None:
    video = mf.testsrc_video(tmp_path / "clip.mp4")
    with pytest.raises(MediaError) as exc:
        load_image(video)
    assert _reason(exc) == FailureReason.NOT_AN_IMAGE


@pytest.mark.samples
def test_sample_portraits(samples_dir: Path) -> None:
    img = load_image(samples_dir / "portrait_fullbody_man.png")
    assert img.shape == (913, 622, 3)
    img = load_image(samples_dir / "portrait_fullbody_woman.jpg")
    assert img.shape == (1920, 1080, 3)
