"""A dress moves as one piece of cloth: its mask stays joined between the legs in every frame
while the legs part, where labelling by nearest bone cut it into two trouser legs."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from rig_figures import rig_figure

from motionbot.queue.jobs import RenderOptions
from motionbot.renderer.engines.warp import skirt
from motionbot.renderer.engines.warp.animate import FrameRenderer
from motionbot.renderer.engines.warp.retarget import retarget
from motionbot.renderer.engines.warp.rig import J, fit_rig
from motionbot.renderer.engines.warp.skirt import joined_depth
from motionbot.renderer.engines.warp.subject import Subject, prepare_subject
from motionbot.renderer.evaluate.metrics import GARMENT_TEST, body_in_frame, garment_connectivity
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.motion.presets import load_preset

LEGS = ("L_HIP", "R_HIP", "L_KNEE", "R_KNEE")


def _dressed(hem: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """The preset's standing figure in a striped dress from the shoulders to ``hem`` thigh
    lengths below the hips (0 for none)."""
    motion = load_preset("jumping_jacks")
    kp, w, h = motion.keypoints[0].copy(), motion.width, motion.height
    rgb, mask = rig_figure(kp, w, h)
    if hem > 0:
        j = fit_rig(kp, w, h).joints
        down = hem * (0.5 * (j[J.L_KNEE] + j[J.R_KNEE]) - j[J.MID_HIP])
        out = np.float32([60, 0])
        poly = [j[J.L_SHOULDER], j[J.L_HIP], j[J.L_HIP] + down + out, j[J.R_HIP] + down - out, j[J.R_HIP],
                j[J.R_SHOULDER]]  # fmt: skip
        dress = np.zeros((h, w), np.uint8)
        cv2.fillPoly(dress, [np.round(np.array(poly)).astype(np.int32)], (1,))
        stripes = (np.arange(h) // 12 % 2 == 0)[:, None] & (dress > 0)
        rgb[dress > 0] = (40, 120, 200)
        rgb[stripes] = (230, 200, 60)
        mask = np.maximum(mask, dress.astype(np.float32))
    return kp, rgb, mask, w, h


def _subject(hem: float) -> Subject:
    kp, rgb, mask, w, h = _dressed(hem)
    subject = prepare_subject(rgb, kp, mask, background="white", aspect="photo", long_side=max(w, h))
    assert subject is not None
    return subject


def _joined_in_frames(subject: Subject) -> list[float]:
    """Per frame of jumping jacks (the legs part by 16 degrees), how far down the rendered
    person's mask joins the legs (in thigh lengths), measured on the retargeted joints."""
    motion = load_preset("jumping_jacks")
    moves = retarget(motion, subject.rig)
    frames = FrameRenderer(subject, moves)
    out = []
    w, h = subject.size
    for t in range(0, motion.n_frames, 3):
        matte = np.zeros((h, w), np.uint8)
        frames.render(t, matte)
        joints = {n: moves.joints[t, J[n]] for n in LEGS}
        out.append(joined_depth(matte > 127, joints))
    return out


def test_a_dress_is_found_and_trousers_are_not() -> None:
    assert _subject(0.95).rig.skirt_hem is not None
    assert _subject(0.95).rig.skirt_hem >= 0.85  # type: ignore[operator]
    assert _subject(0.0).rig.skirt_hem is None  # legs apart below the hips


def test_a_dress_stays_one_piece_between_parting_legs(monkeypatch: pytest.MonkeyPatch) -> None:
    dressed = _subject(0.95)
    need = GARMENT_TEST * 0.95
    assert min(_joined_in_frames(dressed)) >= need - 0.05
    # the same dress cut by nearest bone (no skirt found) opens between the legs as they part
    monkeypatch.setattr(skirt, "SKIRT_DEPTH", 5.0)
    cut = _subject(0.95)
    assert cut.rig.skirt_hem is None
    assert min(_joined_in_frames(cut)) < need - 0.05


def test_garment_connectivity_counts_the_frames_where_the_legs_stay_joined() -> None:
    h, w = 200, 100
    joined = np.zeros((h, w), np.uint8)
    joined[40:190, 20:80] = 255
    split = joined.copy()
    split[110:, 45:55] = 0  # a gap opening at 0.5 thigh lengths below the hips
    kp = np.full((33, 4), 0.5, np.float32)
    kp[[L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE], :2] = [
        [0.7, 0.25],
        [0.3, 0.25],
        [0.7, 0.9],
        [0.3, 0.9],
    ]
    kps = np.stack([kp, kp, kp, np.full((33, 4), np.nan, np.float32)])
    masks = [joined, split, joined, None]
    assert garment_connectivity(1.0, kps, masks) == pytest.approx(2 / 3)  # the poseless frame is not measured
    assert np.isnan(garment_connectivity(0.5, kps, masks))  # the photo's legs were apart
    assert joined_depth(split > 127, {"L_HIP": [70, 50], "R_HIP": [30, 50], "L_KNEE": [70, 180],
                                      "R_KNEE": [30, 180]}) < 0.5  # fmt: skip


def test_body_in_frame_is_scored_without_wrists() -> None:
    ref = np.full((4, 33, 4), 0.5, np.float32)
    ref[:, [L.LEFT_WRIST, L.RIGHT_WRIST], 3] = 0.0  # hands hidden in the reference
    out = ref.copy()
    out[1, L.LEFT_SHOULDER, 0] = 1.2  # a shoulder leaves the frame
    out[2] = np.nan  # no pose
    shown = (L.NOSE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    assert body_in_frame(ref, out, shown) == pytest.approx(0.5)


def test_the_sample_dress_stays_one_piece(samples_dir: Path) -> None:
    from motionbot.renderer.engines.warp.engine import WarpEngine
    from motionbot.renderer.media.image import load_image
    from motionbot.renderer.settings import RendererSettings

    settings = RendererSettings()
    engine = WarpEngine.load(settings)
    try:
        photo = load_image(
            samples_dir / "portrait_handsbehindback_woman.jpg", max_pixels=settings.max_image_pixels
        )
        subject = engine.prepare(photo, RenderOptions())
    finally:
        engine.close()
    assert subject.rig.skirt_hem is not None
    assert min(_joined_in_frames(subject)) >= GARMENT_TEST * subject.rig.skirt_hem - 0.05
