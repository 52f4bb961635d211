"""Where a motion takes the subject: the box the canvas must show for the whole clip.

The canvas used to be sized from the performer's arm reach in arm lengths, an estimate that
ignores how the retarget bends, lifts and moves the subject's own skeleton; the retargeted
joints themselves say where the hands, feet and head go in every frame.
"""

from __future__ import annotations

import numpy as np

from motionbot.renderer.arrays import F32
from motionbot.renderer.engines.warp.retarget import Retarget
from motionbot.renderer.engines.warp.rig import BONES, J, Rig
from motionbot.renderer.engines.warp.subject import Subject

# The share of frames whose extremes the box covers: a one-frame glitch of the reference's
# pose does not shrink the whole video.
COVER_PERCENTILE = 99.5
# Room past the outermost joint, in canvas share: the detector reading the output needs to
# see a little beyond a wrist to place it.
EDGE_MARGIN = 0.03
# A head, hand or foot that sticks out of the canvas by less than this share needs no new canvas.
TOLERANCE = 0.005
# The joints that reach the canvas edges: head, hands and feet (and what carries them).
_REACHING = (J.HEAD, J.L_ELBOW, J.L_WRIST, J.L_HAND, J.R_ELBOW, J.R_WRIST, J.R_HAND)
_LEGS = (J.L_KNEE, J.L_ANKLE, J.L_TOE, J.R_KNEE, J.R_ANKLE, J.R_TOE)


def _moving_joints(rig: Rig) -> list[J]:
    """The reaching joints that a rigged bone ends at (a hidden leg's guessed joints do not count)."""
    ends = {BONES[k].b for k in range(len(BONES)) if rig.rigged[k]}
    return [j for j in (*_REACHING, *_LEGS) if j in ends]


def _padding(rig: Rig, joints: list[J]) -> F32:
    """(len(joints),) how far each joint's part reaches past it: a head its radius and more
    (the joint sits at the ears), a hand its fingers (as long again as the palm bone)."""
    pad = np.zeros(len(joints), np.float32)
    for i, j in enumerate(joints):
        if j == J.HEAD:
            pad[i] = 1.3 * rig.head_radius
        elif j in (J.L_HAND, J.R_HAND):
            wrist = J.L_WRIST if j == J.L_HAND else J.R_WRIST
            pad[i] = float(np.linalg.norm(rig.joints[j] - rig.joints[wrist]))
    return pad


def motion_extent(subject: Subject, moves: Retarget) -> tuple[float, float, float, float] | None:
    """The photo-px box (x0, y0, x1, y1) the canvas must show for ``moves``; None when the
    subject's canvas already shows it.

    A body the photo cuts (no legs) stays on that cut: the box never goes below the photo's
    bottom (the room for hanging forearms there is the arm-reach estimate's, plan_canvas).
    """
    rig, canvas = subject.rig, subject.canvas
    joints = _moving_joints(rig)
    if not joints:
        return None
    pts = moves.joints[:, joints]  # (T, n, 2) canvas px
    pad = _padding(rig, joints)[None, :]
    lo = np.percentile((pts - pad[..., None]).min(axis=1), 100.0 - COVER_PERCENTILE, axis=0)
    hi = np.percentile((pts + pad[..., None]).max(axis=1), COVER_PERCENTILE, axis=0)
    if rig.pinned_bottom:
        hi[1] = min(float(hi[1]), rig.cut_y)
    tol = TOLERANCE * max(canvas.width, canvas.height)
    if lo[0] >= -tol and lo[1] >= -tol and hi[0] <= canvas.width + tol and hi[1] <= canvas.height + tol:
        return None  # nothing is cut: framing again (a second photo pass) would only add margin
    margin = EDGE_MARGIN * max(canvas.width, canvas.height)
    lo, hi = lo - margin, hi + np.array([margin, 0.0 if rig.pinned_bottom else margin], np.float32)
    origin = np.array(canvas.origin, np.float32)
    x0, y0 = lo / canvas.scale + origin
    x1, y1 = hi / canvas.scale + origin
    return float(x0), float(y0), float(x1), float(y1)
