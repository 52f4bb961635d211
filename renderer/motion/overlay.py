"""Skeleton drawings of a motion, for checking an extraction by eye."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import RGB
from motionbot.renderer.motion.model import SKELETON, Landmark, Motion

MIN_VISIBILITY = 0.3
_LEFT = (255, 140, 0)  # the subject's left side, orange
_RIGHT = (0, 160, 255)  # the subject's right side, blue
_CENTRE = (230, 230, 230)


def _colour(a: Landmark, b: Landmark) -> tuple[int, int, int]:
    names = a.name + b.name
    if "LEFT" in names and "RIGHT" not in names:
        return _LEFT
    if "RIGHT" in names and "LEFT" not in names:
        return _RIGHT
    return _CENTRE


def draw_skeleton(canvas: RGB, keypoints: npt.NDArray[np.float32], *, confidence: float = 1.0) -> RGB:
    """Draw one frame's skeleton onto ``canvas`` (modified and returned).

    Nearer limbs (smaller z) are drawn last and thicker, so depth ordering is visible.
    """
    h, w = canvas.shape[:2]
    scale = max(h, w) / 480.0
    xy = keypoints[:, :2] * np.array([w, h], dtype=np.float32)
    bones = sorted(SKELETON, key=lambda bone: -float(keypoints[bone[0], 2] + keypoints[bone[1], 2]))
    faded = confidence <= 0.0
    for a, b in bones:
        if min(keypoints[a, 3], keypoints[b, 3]) < MIN_VISIBILITY:
            continue
        z = float(keypoints[a, 2] + keypoints[b, 2]) / 2
        thickness = max(1, round(scale * (3.0 - 4.0 * float(np.clip(z, -0.4, 0.4)))))
        colour = (120, 120, 120) if faded else _colour(a, b)
        pa = (round(float(xy[a, 0])), round(float(xy[a, 1])))
        pb = (round(float(xy[b, 0])), round(float(xy[b, 1])))
        cv2.line(canvas, pa, pb, colour, thickness, cv2.LINE_AA)
    for i in range(len(keypoints)):
        if keypoints[i, 3] >= MIN_VISIBILITY:
            centre = (round(float(xy[i, 0])), round(float(xy[i, 1])))
            cv2.circle(canvas, centre, max(2, round(2.5 * scale)), (255, 255, 255), -1, cv2.LINE_AA)
    return canvas


def overlay_frames(
    motion: Motion,
    background: Iterable[RGB] | None = None,
    *,
    size: tuple[int, int] | None = None,
    dim: float = 0.5,
) -> Iterator[RGB]:
    """Frames of the motion's skeleton, over the reference frames when given (dimmed).

    Without a background the skeleton is drawn on black at ``size`` (w, h), by default the
    motion's own frame size.
    """
    w, h = size or (motion.width, motion.height)
    frames = iter(background) if background is not None else None
    for t in range(motion.n_frames):
        canvas: RGB
        if frames is not None:
            frame = next(frames, None)
            if frame is None:
                frames = None
                canvas = np.zeros((h, w, 3), dtype=np.uint8)
            else:
                canvas = (frame.astype(np.float32) * dim).astype(np.uint8)
        else:
            canvas = np.zeros((h, w, 3), dtype=np.uint8)
        yield draw_skeleton(canvas, motion.keypoints[t], confidence=float(motion.confidence[t]))
