"""A forearm folded against its upper arm in the photo tears cleanly when the arm straightens."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from rig_figures import rig_figure

from motionbot.renderer.engines.warp.animate import FrameRenderer
from motionbot.renderer.engines.warp.mesh import chain_arc
from motionbot.renderer.engines.warp.raster import to_grid
from motionbot.renderer.engines.warp.retarget import retarget
from motionbot.renderer.engines.warp.rig import J, Layer, fit_rig
from motionbot.renderer.engines.warp.subject import prepare_subject
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.motion.presets import load_preset


def _folded_keypoints() -> tuple[np.ndarray, int, int]:
    """The arms_up preset's first pose with the left forearm folded up against its upper arm."""
    motion = load_preset("arms_up")
    kp = motion.keypoints[0].copy()
    w, h = motion.width, motion.height
    sh = kp[L.LEFT_SHOULDER, :2] * [w, h]
    sw = float(np.linalg.norm((kp[L.LEFT_SHOULDER, :2] - kp[L.RIGHT_SHOULDER, :2]) * [w, h]))
    out = 1.0 if sh[0] > 0.5 * w else -1.0  # away from the body
    elbow = sh + np.array([0.12 * out * sw, 0.9 * sw])
    wrist = sh + np.array([0.3 * out * sw, 0.15 * sw])  # back up beside the upper arm
    hand = wrist + np.array([0.05 * out * sw, -0.15 * sw])
    for lm, p in ((L.LEFT_ELBOW, elbow), (L.LEFT_WRIST, wrist)):
        kp[lm, :2] = p / [w, h]
    for lm in (L.LEFT_INDEX, L.LEFT_PINKY, L.LEFT_THUMB):
        kp[lm, :2] = hand / [w, h]
    return kp, w, h


def test_chain_arc_tells_a_folded_forearm_from_the_upper_arm_beside_it() -> None:
    kp, w, h = _folded_keypoints()
    rig = fit_rig(kp, w, h)
    sh, el, wr = rig.joints[J.L_SHOULDER], rig.joints[J.L_ELBOW], rig.joints[J.L_WRIST]
    upper_mid = 0.5 * (sh + el)
    fore_mid = el + 0.45 * (wr - el)
    gap = fore_mid - upper_mid
    pts = np.stack([upper_mid + 0.3 * gap, upper_mid + 0.7 * gap]).astype(np.float32)  # neighbours
    arc = chain_arc(rig, Layer.L_ARM, pts)
    assert arc[1] - arc[0] > 3.0 * float(np.linalg.norm(pts[1] - pts[0]))
    # along a straight arm, the arc grows like the distance
    straight = fit_rig(load_preset("arms_up").keypoints[0], w, h)
    a, b = straight.joints[J.L_SHOULDER], straight.joints[J.L_ELBOW]
    along = np.stack([a + 0.3 * (b - a), a + 0.5 * (b - a)]).astype(np.float32)
    d = chain_arc(straight, Layer.L_ARM, along)
    assert abs((d[1] - d[0]) - float(np.linalg.norm(along[1] - along[0]))) < 1.0


def test_a_folded_arm_drops_the_triangles_across_its_fold_only_once_it_opens() -> None:
    kp, w, h = _folded_keypoints()
    rgb, mask = rig_figure(kp, w, h)
    subject = prepare_subject(rgb, kp, mask, background="photo", aspect="photo", long_side=max(w, h))
    assert subject is not None
    rig = subject.rig
    assert rig.rigged[4]  # the folded forearm is its own bone
    motion = load_preset("arms_up")
    frames = FrameRenderer(subject, retarget(motion, rig))
    torn = [len(frames.torn(to_grid(frames.deformed(t), frames.factor))) for t in range(motion.n_frames)]
    assert max(torn) > 0  # the straightened arm opens the fold
    # holding the photo's own pose, every triangle is drawn
    still = replace(motion, keypoints=np.repeat(kp[None], 3, axis=0), confidence=np.ones(3, np.float32))
    rest = FrameRenderer(subject, retarget(still, rig))
    assert all(len(rest.torn(to_grid(rest.deformed(t), rest.factor))) == 0 for t in range(3))
    img = frames.render(int(np.argmax(torn)))
    assert img.shape == (subject.size[1], subject.size[0], 3)
