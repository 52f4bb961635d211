"""What a moved arm reveals: no hard-edged block cut into the body, and no piece of the body
carried away on the arm (a hand on the hip, on a photo made here and on the sample)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy import ndimage

from motionbot.queue.jobs import RenderOptions
from motionbot.renderer.engines.warp.revealed import (
    FLOOR,
    HARD,
    RING,
    arm_footprint,
    hard_edge_share,
    revealed,
    texture_steps,
)
from motionbot.renderer.engines.warp.rig import Layer
from motionbot.renderer.engines.warp.subject import Subject, prepare_subject
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.motion.presets import load_preset

W, H = 720, 960
SKIN = (200, 140, 110)


def _grain(rng: np.random.Generator, base: float) -> np.ndarray:
    noise = cv2.GaussianBlur(rng.normal(0.0, 8.0, (H, W)).astype(np.float32), (0, 0), 1.0)
    return np.clip(base + noise, 0, 255)


def _hand_on_hip() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Photo, keypoints, matte, the photo without the arms, and the torso's own mask: a dark
    torso on a grainy light wall, the left hand resting on the hip, half over the torso's side."""
    rng = np.random.default_rng(7)
    kp = load_preset("arms_up").keypoints[0].copy()
    for lm in (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL):
        kp[lm, 3] = 0.0
    for lm in (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX):
        kp[lm, 3] = 0.0
    kp[L.LEFT_ELBOW, :2] = (0.70, 0.42)
    kp[L.LEFT_WRIST, :2] = (0.61, 0.54)
    for lm in (L.LEFT_INDEX, L.LEFT_PINKY, L.LEFT_THUMB):
        kp[lm, :2] = (0.585, 0.56)
    px = kp[:, :2] * np.array([W, H], np.float32)
    torso = np.zeros((H, W), np.uint8)
    poly = np.array([(0.39, 0.28), (0.61, 0.28), (0.595, 0.45), (0.60, 0.78), (0.40, 0.78), (0.405, 0.45)])
    cv2.fillPoly(torso, [np.round(poly * [W, H]).astype(np.int32)], (1,))
    head = np.zeros((H, W), np.uint8)
    centre = px[[L.LEFT_EAR, L.RIGHT_EAR, L.LEFT_EYE, L.RIGHT_EYE]].mean(axis=0)
    cv2.circle(head, tuple(np.round(centre).astype(int)), 55, (1,), -1)
    cv2.line(head, tuple(np.round(centre).astype(int)), (W // 2, int(0.29 * H)), (1,), 50)
    arms = np.zeros((H, W), np.uint8)
    for sh, el, wr in (
        (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST),
        (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST),
    ):
        pts = [tuple(np.round(px[i]).astype(int)) for i in (sh, el, wr)]
        cv2.line(arms, pts[0], pts[1], (1,), 26)
        cv2.line(arms, pts[1], pts[2], (1,), 22)
    cv2.ellipse(arms, (round(0.59 * W), round(0.555 * H)), (18, 14), 0, 0, 360, (1,), -1)
    cv2.circle(arms, tuple(np.round(px[L.RIGHT_INDEX]).astype(int)), 14, (1,), -1)
    wall = _grain(rng, 185.0)
    body = _grain(rng, 50.0)
    grey = np.where(torso > 0, body, wall)
    plain = np.repeat(grey[..., None], 3, axis=2)
    plain[head > 0] = SKIN
    photo = plain.copy()
    photo[arms > 0] = SKIN
    matte = ((torso | head | arms) > 0).astype(np.float32)
    return photo.astype(np.uint8), kp, matte, plain.astype(np.uint8), torso > 0


def _subject(photo: np.ndarray, kp: np.ndarray, matte: np.ndarray) -> Subject:
    subject = prepare_subject(photo, kp, matte, background="photo", aspect="photo", long_side=720)
    assert subject is not None and Layer.L_ARM in subject.layers
    return subject


def test_the_hip_a_hand_rested_on_shows_the_body_with_no_hard_edge() -> None:
    photo, kp, matte, plain, torso = _hand_on_hip()
    subject = _subject(photo, kp, matte)
    grey, _ = revealed(subject)
    truth = cv2.cvtColor(subject.canvas.warp_rgb(plain), cv2.COLOR_RGB2GRAY).astype(np.float32)
    on_canvas = subject.canvas.warp_mask(torso.astype(np.float32)) > 0.5
    arms = arm_footprint(subject)
    hip = np.zeros_like(arms)  # below the elbow: where the forearm and hand rest on the hip
    elbow = subject.canvas.photo_to_canvas(kp[[L.LEFT_ELBOW], :2] * np.array([W, H], np.float32))[0]
    hip[int(elbow[1]) :] = True
    arms &= hip
    inside = arms & cv2.erode(on_canvas.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert inside.sum() > 200  # the hand covers part of the torso's side
    # what the hand hid of the torso is torso (dark), not the light wall
    assert float(np.abs(grey[inside] - truth[inside]).mean()) < 25.0
    # across the edge of the hand's old outline, where torso lies on both sides, the revealed
    # fill steps no harder than the photo's own wall does
    wall = cv2.erode((~(subject.alpha > 0.5)).astype(np.uint8), np.ones((13, 13), np.uint8)).astype(bool)
    limit = max(HARD * float(np.percentile(texture_steps(truth, wall), 95)), FLOOR)
    deep = cv2.erode(on_canvas.astype(np.uint8), np.ones((2 * RING + 3, 2 * RING + 3), np.uint8)).astype(bool)
    ring = (
        deep
        & (cv2.dilate(arms.astype(np.uint8), np.ones((2 * RING + 1, 2 * RING + 1), np.uint8)) > 0)
        & ~arms
    )
    inner = cv2.erode(arms.astype(np.uint8), np.ones((2 * RING + 1, 2 * RING + 1), np.uint8)) > 0
    ys, xs = np.nonzero(ring)
    _, (iy, ix) = ndimage.distance_transform_edt(~inner, return_indices=True)
    steps = np.abs(grey[ys, xs] - grey[iy[ys, xs], ix[ys, xs]])
    assert len(steps) > 50
    assert float(np.percentile(steps, 95)) <= limit
    share = hard_edge_share(subject)
    assert share is not None and share <= 0.02


def test_an_arm_resting_on_the_hip_carries_none_of_it() -> None:
    photo, kp, matte, _, torso = _hand_on_hip()
    subject = _subject(photo, kp, matte)
    on_canvas = subject.canvas.warp_mask(torso.astype(np.float32)) > 0.5
    # two pixels inside the torso's outline: the edge pixels between arm and torso are both
    on_canvas = cv2.erode(on_canvas.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    dark = subject.canvas.warp_rgb(photo).mean(axis=2) < 120  # the torso's colour, not skin
    for layer in (Layer.L_ARM, Layer.R_ARM):
        arm = subject.layers[layer][0].rgba[..., 3] > 127
        carried = arm & on_canvas & dark
        assert carried.sum() <= 0.02 * arm.sum(), layer


@pytest.mark.samples
def test_the_hand_on_hip_sample_reveals_no_hard_edged_block(samples_dir: Path) -> None:
    from motionbot.renderer.engines.warp.engine import WarpEngine
    from motionbot.renderer.media.image import load_image
    from motionbot.renderer.settings import RendererSettings

    engine = WarpEngine.load(RendererSettings(ai_label_visible=False))
    try:
        subject = engine.prepare(load_image(samples_dir / "portrait_handonhip_woman.jpg"), RenderOptions())
    finally:
        engine.close()
    share = hard_edge_share(subject)
    assert share is not None and share <= 0.02  # 0.097 with the flat notch at her hip


def test_a_neck_a_hand_hid_under_a_tilted_face_continues_the_collar_not_the_jaw() -> None:
    from dataclasses import replace

    from motionbot.renderer.engines.warp.fill import CHIN, continue_body
    from motionbot.renderer.engines.warp.rig import HEAD, TORSO, J, fit_rig

    motion = load_preset("arms_up")
    angle = 0.35  # the head tilted: mirrored across its leaning axis, the neck lands on the jaw
    rig = replace(fit_rig(motion.keypoints[0], motion.width, motion.height), eye_angle=angle)
    w, h = rig.canvas
    head, r = rig.joints[J.HEAD], rig.head_radius
    centre = tuple(np.round(head).astype(int))
    rgb = np.full((h, w, 3), 20, np.uint8)  # a black turtleneck
    labels = np.full((h, w), TORSO, np.int16)
    face = np.zeros((h, w), np.uint8)
    cv2.ellipse(face, centre, (round(1.4 * r), round(1.1 * r)), 0, 0, 360, (1,), -1)  # a wide jaw
    rgb[face > 0] = SKIN
    labels[face > 0] = HEAD
    disc = np.zeros((h, w), np.uint8)
    cv2.circle(disc, centre, round(1.8 * r), (1,), -1)
    hidden = np.zeros((h, w), bool)  # a hand over one side of the chin and the neck below it
    hidden[round(head[1] + 0.3 * r) : round(head[1] + 1.8 * r), round(head[0] - r) : round(head[0])] = True
    rgb[hidden] = (230, 200, 180)  # the hand's colours, which must go
    out = continue_body(rgb, hidden, labels, rig, disc > 0)
    down = np.array([-np.sin(angle), np.cos(angle)])
    ys, xs = np.mgrid[0:h, 0:w]
    along = ((xs - head[0]) * down[0] + (ys - head[1]) * down[1]) / r
    neck = hidden & (along > CHIN + 0.05) & (face == 0)
    assert neck.sum() > 500
    # the collar's black (mirroring the whole head disc gave 85: a pale block of jaw)
    assert float(out[neck].mean()) < 40
