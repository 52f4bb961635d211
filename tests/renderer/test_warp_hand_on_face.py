"""A hand resting on the face goes with the face; an arm at rest casts no second shadow."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from rig_figures import rig_figure

from motionbot.renderer.engines.warp.animate import FrameRenderer
from motionbot.renderer.engines.warp.hand_on_face import hands_on_face
from motionbot.renderer.engines.warp.retarget import retarget
from motionbot.renderer.engines.warp.rig import BONES, HEAD, J, Layer
from motionbot.renderer.engines.warp.subject import Subject, prepare_subject
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.motion.model import Motion
from motionbot.renderer.motion.presets import load_preset

HEAD_LANDMARKS = [L.NOSE, L.LEFT_EYE_INNER, L.LEFT_EYE, L.LEFT_EYE_OUTER, L.RIGHT_EYE_INNER, L.RIGHT_EYE,
                  L.RIGHT_EYE_OUTER, L.LEFT_EAR, L.RIGHT_EAR, L.MOUTH_LEFT, L.MOUTH_RIGHT]  # fmt: skip


def _hand_at_chin() -> tuple[np.ndarray, int, int]:
    """The arms_up preset's first pose, its left hand brought up under the chin."""
    motion = load_preset("arms_up")
    kp = motion.keypoints[0].copy()
    w, h = motion.width, motion.height
    sh = kp[L.LEFT_SHOULDER, :2] * [w, h]
    nose = kp[L.NOSE, :2] * [w, h]
    sw = float(np.linalg.norm((kp[L.LEFT_SHOULDER, :2] - kp[L.RIGHT_SHOULDER, :2]) * [w, h]))
    elbow = sh + np.array([0.1 * sw, 0.8 * sw])
    wrist = nose + np.array([0.15 * sw, 0.35 * sw])
    for lm, p in ((L.LEFT_ELBOW, elbow), (L.LEFT_WRIST, wrist)):
        kp[lm, :2] = p / [w, h]
    for lm in (L.LEFT_INDEX, L.LEFT_PINKY, L.LEFT_THUMB):
        kp[lm, :2] = (wrist + np.array([0.0, -0.2 * sw])) / [w, h]
    return kp, w, h


def _face_close_up(kp: np.ndarray, w: int, h: int, n: int = 12) -> Motion:
    """Only the head is seen, tilting from side to side (what a face reference drives)."""
    frames = np.repeat(kp[None], n, axis=0)
    frames[:, :, 3] = 0.05
    frames[:, HEAD_LANDMARKS, 3] = 1.0
    centre = kp[L.NOSE, :2] * [w, h]
    for t in range(n):
        a = np.radians(12.0 * np.sin(t / 2.0))
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        pts = (kp[HEAD_LANDMARKS, :2] * [w, h] - centre) @ rot.T + centre + [4.0 * t, 0.0]
        frames[t, HEAD_LANDMARKS, :2] = pts / [w, h]
    return Motion(30.0, w, h, frames.astype(np.float32), np.ones(n, np.float32), "face.mp4")


def _subject() -> Subject:
    kp, w, h = _hand_at_chin()
    rgb, mask = rig_figure(kp, w, h)
    subject = prepare_subject(rgb, kp, mask, background="photo", aspect="photo", long_side=max(w, h))
    assert subject is not None
    return subject


def test_a_hand_at_the_chin_follows_the_head_that_a_face_reference_turns() -> None:
    subject = _subject()
    kp, w, h = _hand_at_chin()
    moves = retarget(_face_close_up(kp, w, h), subject.rig)
    assert moves.driven[HEAD] and not moves.driven[5]
    held_subject, held = hands_on_face(subject, moves)
    hand = max(k for k, b in enumerate(BONES) if b.layer is Layer.L_ARM and subject.rig.rigged[k])
    assert np.allclose(held.transforms[:, hand], held.transforms[:, HEAD])
    # the forearm reaches from the elbow the torso carries to the wrist the head carries
    fore = BONES[hand - 1]
    assert np.allclose(held.joints[:, fore.b], held.joints[:, J.L_WRIST])

    # rendered, the hand stays on the face: far less sliding over it than when the torso held it
    def slide(subj: Subject, mv: object) -> float:
        r = FrameRenderer(subj, mv)  # type: ignore[arg-type]
        arm = next(i for i, g in enumerate(r.groups) if g.layer is Layer.L_ARM and hand in g.bones)
        on_hand = r.weights[r.groups[arm].vertices, hand] > 0.5  # the hand, not the forearm
        near = r._beneath[arm][on_hand]
        verts = r.groups[arm].vertices[on_hand]
        worst = 0.0
        for t in range(len(mv.transforms)):  # type: ignore[attr-defined]
            d = r.deformed(t)
            rel = (d[verts] - r.rest[verts]) - (d[near] - r.rest[near])
            worst = max(worst, float(np.linalg.norm(rel, axis=1).mean()))
        return worst

    held_slide, torso_slide = slide(held_subject, held), slide(subject, moves)
    assert held_slide < 0.25 * torso_slide, (held_slide, torso_slide)


def test_an_arm_at_rest_draws_the_photo_as_it_is() -> None:
    subject = _subject()
    kp, w, h = _hand_at_chin()
    still = Motion(30.0, w, h, np.repeat(kp[None], 3, axis=0), np.ones(3, np.float32), "still.mp4")
    moves = retarget(still, subject.rig, root_motion=False)
    identity = np.zeros_like(moves.transforms)
    identity[..., 0, 0] = identity[..., 1, 1] = 1.0
    frame = FrameRenderer(subject, replace(moves, transforms=identity)).render(0)
    inside = subject.alpha > 0.95
    diff = np.abs(frame.astype(int) - subject.photo.astype(int)).max(axis=2)
    # no occlusion shadow of its own around the arm (the photo has its shadows): the figure's
    # pixels come back within the resampling's blur
    assert float(np.percentile(diff[inside], 99)) < 25
