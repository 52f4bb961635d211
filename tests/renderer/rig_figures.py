"""A synthetic person for the warp engine's tests: a figure drawn along a pose's rig."""

from __future__ import annotations

import cv2
import numpy as np

from motionbot.renderer.engines.warp.rig import BONES, J, Layer, fit_rig


def rig_figure(kp: np.ndarray, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """A grey figure on white drawn along the rig's bones, and its matte."""
    rig = fit_rig(kp, w, h)
    mask = np.zeros((h, w), np.uint8)
    thick = max(4, round(0.22 * rig.shoulder_width))
    for k, bone in enumerate(BONES):
        if k == 0 or not rig.rigged[k]:
            continue
        a, b = rig.joints[bone.a], rig.joints[bone.b]
        width = 2 * thick if bone.layer is Layer.BODY else thick
        cv2.line(mask, tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int)), 1, width)
    for a_j, b_j in ((J.L_SHOULDER, J.R_SHOULDER), (J.L_HIP, J.R_HIP)):  # one connected figure
        a, b = rig.joints[a_j], rig.joints[b_j]
        cv2.line(mask, tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int)), 1, 2 * thick)
    cv2.circle(mask, tuple(np.round(rig.joints[J.HEAD]).astype(int)), round(rig.head_radius), 1, -1)
    rgb = np.full((h, w, 3), 235, np.uint8)
    rgb[mask > 0] = (90, 60, 50)
    return rgb, mask.astype(np.float32)
