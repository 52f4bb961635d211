"""Inspection numbers the people in a photo or clip as the renderer will count them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data
from media_factories import encode_frames
from PIL import Image

from motionbot.queue.jobs import InspectReport
from motionbot.renderer.inspect import inspect_photo, inspect_video
from motionbot.renderer.motion.extract import extract_motion
from motionbot.renderer.people_findings import PICTURE_NAME
from motionbot.renderer.settings import RendererSettings

WIDTH, HEIGHT, SIDE = 960, 400, 300


def _astronaut(side: int) -> np.ndarray:
    photo = Image.fromarray(np.asarray(skimage.data.astronaut(), dtype=np.uint8))  # type: ignore[no-untyped-call]
    return np.asarray(photo.resize((side, side)))


def _other(a: np.ndarray) -> np.ndarray:
    """Another person: mirrored, in other colours."""
    return np.ascontiguousarray(a[:, ::-1, ::-1])


def _several(report: InspectReport) -> dict[str, object]:
    found = [f for f in report.findings if f.code == "several_people"]
    assert len(found) == 1, report.findings
    return dict(found[0].params)


def test_two_people_photo_numbered_with_a_picture(tmp_path: Path) -> None:
    a = _astronaut(512)
    path = tmp_path / "two.png"
    Image.fromarray(np.concatenate([a, _other(a)[:, :, :]], axis=1)).save(path)
    report = inspect_photo(path, RendererSettings(), pictures=tmp_path / "pics")
    params = _several(report)
    assert params["count"] == 2 and params["people"] == 2 and report.people == 2
    assert params["chosen"] == report.chosen and report.chosen in (1, 2)
    assert params["where"] == ("left" if report.chosen == 1 else "right")
    assert "moving" not in params  # a photo's people stand still
    assert [p.number for p in report.persons] == [1, 2]
    left, right = (p.box for p in report.persons)
    assert left[0] < right[0] and left[2] <= 0.6 and right[0] >= 0.4  # one on each half
    picture = cv2.imread(str(tmp_path / "pics" / PICTURE_NAME))
    assert picture is not None and picture.shape[1] > picture.shape[0]  # the photo, drawn on


def test_one_person_photo_offers_no_choice(tmp_path: Path) -> None:
    path = tmp_path / "one.png"
    Image.fromarray(_astronaut(512)).save(path)
    report = inspect_photo(path, RendererSettings(), pictures=tmp_path / "pics")
    assert report.people == 1 and not report.persons and report.chosen is None
    assert not (tmp_path / "pics" / PICTURE_NAME).exists()
    assert any(f.code == "one_person" for f in report.findings)


@pytest.fixture(scope="module")
def two_in_a_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sways on the left, B (other colours) stands on the right."""
    a = _astronaut(SIDE)
    b = _other(a)
    clip = []
    for i in range(24):
        frame = np.full((HEIGHT, WIDTH, 3), 40, dtype=np.uint8)
        dx = round(25 * np.sin(i / 2))
        frame[HEIGHT - SIDE :, 80 + dx : 80 + dx + SIDE] = a
        frame[HEIGHT - SIDE :, 600 : 600 + SIDE] = b
        clip.append(frame)
    return encode_frames(clip, tmp_path_factory.mktemp("clip") / "two.mp4", 12.0)


def test_clip_numbers_are_the_tracks_extraction_follows(two_in_a_clip: Path, tmp_path: Path) -> None:
    settings = RendererSettings(cache_dir=tmp_path)
    report = inspect_video(two_in_a_clip, settings, pictures=tmp_path / "pics")
    params = _several(report)
    assert params["count"] == 2 and [p.number for p in report.persons] == [1, 2]
    assert params["moving"] in ("moving", "still")
    assert (tmp_path / "pics" / PICTURE_NAME).is_file()
    default = extract_motion(two_in_a_clip, settings)
    assert default.meta["performers"]["chosen"] == report.chosen
    assert default.meta["performers"]["boxes"] == [[round(v, 4) for v in p.box] for p in report.persons]
    for number in (1, 2):
        motion = extract_motion(two_in_a_clip, settings, performer=number)
        assert motion.meta["performers"]["chosen"] == number
        hips = motion.keypoints[motion.confidence > 0][:, 23:25, 0].mean()
        x0, _, x1, _ = report.persons[number - 1].box
        assert x0 <= hips <= x1, (number, hips, report.persons[number - 1].box)  # that person's pose
