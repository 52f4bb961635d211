"""Several people in a reference: one performer tracked through a crossing, chosen by number."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import skimage.data
from media_factories import encode_frames
from PIL import Image

from motionbot.renderer.motion.extract import extract_motion
from motionbot.renderer.motion.model import Landmark
from motionbot.renderer.motion.people_picture import numbered_people
from motionbot.renderer.settings import RendererSettings

FRAMES = 36
WIDTH, HEIGHT = 1100, 420
SIDE = 300  # each astronaut's size in the frame


def _figures() -> tuple[np.ndarray, np.ndarray]:
    """Two people who look different: the astronaut, and the astronaut with colours swapped."""
    photo = Image.fromarray(np.asarray(skimage.data.astronaut(), dtype=np.uint8))  # type: ignore[no-untyped-call]
    one = np.asarray(photo.resize((SIDE, SIDE)))
    return one, one[:, :, ::-1].copy()


def _crossing_clip(path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """A walks left to right in front, B right to left behind (lower in the frame, partly hidden)."""
    a, b = _figures()
    a_x = np.linspace(40, WIDTH - SIDE - 40, FRAMES).round().astype(int)
    b_x = a_x[::-1].copy()
    clip = []
    for ax, bx in zip(a_x, b_x, strict=True):
        frame = np.full((HEIGHT, WIDTH, 3), 40, dtype=np.uint8)
        frame[HEIGHT - SIDE - 60 : HEIGHT - 60, bx : bx + SIDE] = b
        frame[HEIGHT - SIDE :, ax : ax + SIDE] = a
        clip.append(frame)
    encode_frames(clip, path, 12.0)
    return path, a_x + SIDE / 2, b_x + SIDE / 2


@pytest.fixture(scope="module")
def crossing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, np.ndarray]:
    return _crossing_clip(tmp_path_factory.mktemp("clip") / "cross.mp4")


def _nose_x(motion_keypoints: np.ndarray, width: int) -> np.ndarray:
    return motion_keypoints[:, Landmark.NOSE, 0] * width


def _followed(nose_x: np.ndarray, seen: np.ndarray, centre: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Frames where the nose is nearer this figure's centre than the other one's, among the frames
    where the figures are apart and a pose was seen (a hidden figure has none: no guess counts)."""
    apart = (np.abs(centre - other) > SIDE) & seen
    assert apart.sum() >= 0.7 * (np.abs(centre - other) > SIDE).sum(), "the performer is seen when apart"
    return (np.abs(nose_x - centre) < np.abs(nose_x - other))[apart]


def test_tracks_one_performer_through_a_crossing(
    crossing: tuple[Path, np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    path, a_centre, b_centre = crossing
    settings = RendererSettings(cache_dir=tmp_path)
    default = extract_motion(path, settings)
    found = default.meta["performers"]
    assert found["count"] == 2 and default.meta["people"] == 2
    assert found["chosen"] in (1, 2) and found["where"] in ("left", "right")
    nose = _nose_x(default.keypoints, default.width)
    seen = default.confidence > 0
    on_a, on_b = _followed(nose, seen, a_centre, b_centre), _followed(nose, seen, b_centre, a_centre)
    assert on_a.all() or on_b.all(), "the track never jumps between the two figures"
    other = 2 if found["chosen"] == 1 else 1
    chosen = extract_motion(path, settings, performer=other)
    assert chosen.meta["performers"]["chosen"] == other
    nose_other, seen_other = _nose_x(chosen.keypoints, chosen.width), chosen.confidence > 0
    if on_a.all():
        assert _followed(nose_other, seen_other, b_centre, a_centre).all(), "the other figure, start to end"
    else:
        assert _followed(nose_other, seen_other, a_centre, b_centre).all(), "the other figure, start to end"


def test_a_single_person_clip_has_no_choice(tmp_path: Path) -> None:
    a, _ = _figures()
    clip = []
    for i in range(20):
        frame = np.zeros((400, 600, 3), dtype=np.uint8)
        frame[100:, 40 + 5 * i : 340 + 5 * i] = a
        clip.append(frame)
    motion = extract_motion(
        encode_frames(clip, tmp_path / "one.mp4", 10.0), RendererSettings(cache_dir=tmp_path)
    )
    assert motion.meta["performers"]["count"] == 1 and motion.meta["performers"]["where"] == "only"


def test_numbered_picture_marks_every_person() -> None:
    frame = np.full((300, 600, 3), 90, dtype=np.uint8)
    boxes = [(0.05, 0.1, 0.3, 0.9), (0.6, 0.2, 0.9, 0.95)]
    picture = numbered_people(frame, boxes, chosen=2, long_side=600)
    assert picture.shape == (300, 600, 3)
    # the chosen box is drawn in its own colour, the other in white; the middle is untouched
    assert (picture[60:270, 360] == (255, 196, 0)).all(axis=1).any()
    assert (picture[30:270, 30] == 255).all(axis=1).any()
    assert (picture[150, 250:330] == 90).all()


@pytest.mark.samples
def test_handshake_sample_default_is_the_moving_man(samples_dir: Path) -> None:
    """The man walks over and shakes hands; the woman stands nearly still: he is the default,
    she can be chosen, and neither track wanders to the other side of the frame."""
    from motionbot.renderer.media.video import open_video
    from motionbot.renderer.motion.performers import SCAN_SIDE, scan_people

    def scan(choose: int | None) -> tuple[dict[str, object], np.ndarray]:
        reader = open_video(
            samples_dir / "video_two_people_handshake.mp4", max_side=SCAN_SIDE, crop_bars=True
        )
        found = scan_people(reader.frames(), reader.spec.n_frames, float(reader.spec.fps), choose=choose)
        assert found.targets is not None
        return found.finding_params(), np.array([t.cx for t in found.targets])

    default, man_x = scan(None)
    assert default == {"count": 2, "chosen": 1, "where": "left"}
    chosen, woman_x = scan(2)
    assert chosen == {"count": 2, "chosen": 2, "where": "right"}
    assert np.all(woman_x > 0.55), "the woman stays on the right"
    assert np.all(man_x < woman_x - 0.15), "the man's track never crosses over to her"
