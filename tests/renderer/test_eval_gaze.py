"""The gaze signal of `motionbot eval`: where the irises sit between the eye corners."""

from __future__ import annotations

import numpy as np
from face_figures import synthetic_face

from motionbot.renderer.evaluate.expression import SIGNALS, landmark_signals
from motionbot.renderer.motion.face_shape import IRISES

GAZE = SIGNALS.index("gaze")


def _faces(look: np.ndarray, roll: np.ndarray) -> np.ndarray:
    base = synthetic_face().astype(np.float64)
    out = np.empty((len(look), 478, 3))
    for t, (dx, a) in enumerate(zip(look, roll, strict=True)):
        face = base.copy()
        face[list(IRISES), 0] += dx
        rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
        out[t] = face @ rot.T * 300 + [400, 300, 0]
    return out


def test_gaze_follows_the_irises_and_not_the_head() -> None:
    t = np.arange(60)
    look = 0.03 * np.sin(t / 4)
    still = landmark_signals(_faces(np.zeros(60), np.radians(10 * np.sin(t / 6))))[:, GAZE]
    assert np.std(still) < 0.005  # the head rolls, the eyes look ahead
    moving = landmark_signals(_faces(look, np.zeros(60)))[:, GAZE]
    assert np.corrcoef(moving, look)[0, 1] > 0.99
    assert 0.1 < np.std(moving) < 0.4  # 0.03 face widths is about a fifth of an eye's width
