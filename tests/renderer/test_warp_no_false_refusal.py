"""A photo that shows a person is never refused as having none: head-to-chest crops, the
eyes hidden behind dark glasses, a hand at the face (the kind of photo once refused with
"I can't find a person in this photo")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from motionbot.queue.jobs import RenderOptions
from motionbot.renderer.engines.warp.engine import WarpEngine
from motionbot.renderer.inspect import inspect_photo
from motionbot.renderer.media.image import load_image
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.perception.pose import PoseDetector
from motionbot.renderer.settings import RendererSettings

SETTINGS = RendererSettings(output_long_side=256, ai_label_visible=False)


def _head_to_chest(photo: np.ndarray, keypoints: np.ndarray, glasses: bool) -> np.ndarray:
    """The photo cut below the chest (1.6 shoulder widths under the eyes), with a black bar
    over the eyes when ``glasses``."""
    h, w = photo.shape[:2]
    eyes = keypoints[[L.LEFT_EYE, L.RIGHT_EYE], :2] * np.array([w, h])
    shoulders = keypoints[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER], :2] * np.array([w, h])
    span = float(abs(shoulders[0, 0] - shoulders[1, 0]))
    out = photo[: int(min(h, eyes[:, 1].mean() + 1.6 * span))].copy()
    if glasses:
        eye_gap = float(abs(eyes[0, 0] - eyes[1, 0]))
        y, x0, x1 = (
            int(eyes[:, 1].mean()),
            int(eyes[:, 0].min() - 0.5 * eye_gap),
            int(eyes[:, 0].max() + 0.5 * eye_gap),
        )
        out[y - int(0.3 * eye_gap) : y + int(0.3 * eye_gap), max(0, x0) : x1] = 12
    return np.ascontiguousarray(out)


@pytest.mark.samples
@pytest.mark.parametrize("glasses", [False, True])
@pytest.mark.parametrize("name", ["portrait_halfbody_woman.jpg", "portrait_face_man.jpg"])
def test_a_head_to_chest_photo_with_a_hand_at_the_face_is_not_refused(
    name: str, glasses: bool, samples_dir: Path, tmp_path: Path
) -> None:
    photo = load_image(samples_dir / name)  # the half-body woman rests her chin on her hand
    with PoseDetector(video=False, complexity=1, segmentation=False) as pose:
        found = pose.detect(photo)
    assert found is not None
    crop = _head_to_chest(photo, found.keypoints, glasses)
    path = tmp_path / "crop.png"
    Image.fromarray(crop).save(path)
    report = inspect_photo(path, SETTINGS)
    assert report.ok and report.failure_reason is None and report.people == 1
    engine = WarpEngine.load(SETTINGS)
    try:
        subject = engine.prepare(crop, RenderOptions())  # raises NO_PERSON_IN_PHOTO on a refusal
    finally:
        engine.close()
    assert subject.rig.rigged[2]  # the head is rigged
