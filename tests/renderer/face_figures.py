"""A face drawn in numbers: the mesh points the warp engine reads, for tests without a photo."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from motionbot.renderer.engines.warp.face import FaceRig
from motionbot.renderer.motion.face_shape import (
    BROWS,
    CHEEKS,
    FACE_OVAL,
    FACE_SHAPE_POINTS,
    INNER_LIPS,
    IRISES,
    LIDS,
    NOSE,
    OUTER_LIPS,
)

F32 = npt.NDArray[np.float32]


def synthetic_face() -> F32:
    """(478, 3) a frontal face in face units (about -0.5..0.5 across), x to the image's right,
    y down, z towards the viewer negative; only the points the engine reads are placed."""
    p = np.zeros((478, 3), np.float32)
    for i, m in enumerate(FACE_OVAL):  # clockwise from the forehead (10) on the image
        a = np.radians(-90 + 10 * i)
        p[m] = (0.5 * np.cos(a), 0.65 * np.sin(a), 0.1)
    p[33], p[133], p[263], p[362] = (-0.28, -0.1, 0), (-0.12, -0.1, 0), (0.28, -0.1, 0), (0.12, -0.1, 0)
    for pairs, cx in zip(LIDS, (-0.2, 0.2), strict=True):
        for k, (up, low) in enumerate(pairs):
            x = cx + (-0.06 + 0.02 * k) * (1 if cx < 0 else -1)
            bump = 0.035 * np.cos(np.radians(-60 + 20 * k))
            p[FACE_SHAPE_POINTS[up]] = (x, -0.1 - bump, -0.01)
            p[FACE_SHAPE_POINTS[low]] = (x, -0.1 + bump, -0.01)
    for lips, half in ((INNER_LIPS, 0.004), (OUTER_LIPS, 0.05)):
        n = len(lips)
        for i, m in enumerate(lips):
            a = 2 * np.pi * i / n
            p[m] = (-0.15 * np.cos(a), 0.3 - half * np.sin(a), -0.05)
    p[61], p[291] = (-0.17, 0.3, -0.05), (0.17, 0.3, -0.05)
    for i, m in enumerate(BROWS):
        side = -1 if i < 10 else 1
        p[m] = (side * (0.08 + 0.03 * (i % 10) / 2), -0.22 - 0.01 * (i % 2), -0.02)
    for i, m in enumerate(IRISES):
        cx = -0.2 if i < 5 else 0.2
        p[m] = (cx + 0.01 * (i % 5 - 2), -0.1, -0.02)
    for i, m in enumerate(NOSE):
        p[m] = (0.02 * ((i % 3) - 1), -0.1 + 0.018 * i, -0.12)
    for i, m in enumerate(CHEEKS):
        side = -1 if i % 2 == 0 else 1
        p[m] = (side * (0.28 + 0.01 * (i % 4)), 0.05 + 0.015 * (i // 2), 0.0)
    return p


def photo_face() -> FaceRig:
    """The synthetic face as a photo's: 300 px across, its centre at (400, 300)."""
    base = synthetic_face()
    return FaceRig((base[:, :2] * 300 + [400, 300]).astype(np.float32), (base[:, 2] * 300).astype(np.float32))
