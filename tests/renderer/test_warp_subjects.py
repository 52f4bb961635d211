"""A photo of two people: the chosen one moves, the other stays as the photo shows them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from motionbot.queue.jobs import RenderOptions
from motionbot.renderer.engines.warp.engine import WarpEngine
from motionbot.renderer.engines.warp.subjects import choose_subject
from motionbot.renderer.motion.presets import load_preset
from motionbot.renderer.perception.photo_people import PEOPLE_SIDE, find_people
from motionbot.renderer.perception.quality import resize_long_side
from motionbot.renderer.settings import RendererSettings


@pytest.fixture(scope="module")
def two_people() -> np.ndarray:
    """Two astronauts side by side, the right one mirrored and in other colours."""
    left = np.asarray(data.astronaut(), np.uint8)
    right = np.ascontiguousarray(left[:, ::-1])
    hsv = cv2.cvtColor(right, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0].astype(np.int16) + 40) % 180
    right = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return np.concatenate([left, right], axis=1)


@pytest.fixture(scope="module")
def engine() -> WarpEngine:
    eng = WarpEngine.load(RendererSettings(output_long_side=384, ai_label_visible=False))
    yield eng
    eng.close()


def test_people_numbered_left_to_right(two_people: np.ndarray) -> None:
    people = find_people(resize_long_side(two_people, PEOPLE_SIDE))
    assert [p.number for p in people] == [1, 2]
    assert people[0].box[2] <= 0.55 <= people[1].box[0] + 0.1  # each box on its own half
    hips = [float(p.pose.keypoints[23:25, 0].mean()) for p in people]
    assert hips[0] < 0.5 < hips[1]  # each pose is that person's, not the first one found twice


@pytest.mark.parametrize("subject", [1, 2])
def test_chosen_moves_other_unchanged(engine: WarpEngine, two_people: np.ndarray, subject: int) -> None:
    motion = load_preset("arms_up").trimmed(1.0)
    options = RenderOptions(subject=subject, background="photo")
    sub = engine.prepare(two_people, options, motion)
    chosen = choose_subject(two_people, subject)
    assert chosen is not None
    keypoints, _mine, others = chosen
    # the chosen person's hips are on their side of the photo
    assert (float(keypoints[23:25, 0].mean()) < 0.5) == (subject == 1)
    ph, pw = two_people.shape[:2]
    other = sub.canvas.warp_mask(cv2.resize(others, (pw, ph), interpolation=cv2.INTER_LINEAR)) > 0.5
    other = cv2.erode(other.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert other.sum() > 0.05 * other.size  # the other person is on the canvas
    frames, _ = engine.animate(sub, motion)
    first_matte = np.zeros(other.shape, np.uint8)
    frames.render(0, first_matte)
    moved = 0.0
    for t in range(0, motion.n_frames, 4):
        matte = np.zeros(other.shape, np.uint8)
        frame = frames.render(t, matte)
        outside = other & (cv2.dilate(matte, np.ones((7, 7), np.uint8)) == 0)
        diff = np.abs(frame.astype(np.int16) - sub.photo.astype(np.int16)).max(axis=2)
        # the other person is the photo's pixels, fully opaque: no ghost, no fill over them
        assert float(diff[outside].mean()) < 1.0, t
        assert float(np.percentile(diff[outside], 99)) <= 2, t
        moved = max(moved, float(np.mean((matte > 127) != (first_matte > 127))))
    assert moved > 0.01  # and the chosen one did move
