"""Image and clip measurements behind the input guidance: framing, light, sharpness, camera motion.

Thresholds were set on the development samples (studio, outdoor and phone footage) so that
good inputs pass silently and only clearly poor ones get a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from motionbot.queue.jobs import Framing
from motionbot.renderer.arrays import F32, RGB
from motionbot.renderer.motion.model import Landmark

L = Landmark
Box = tuple[float, float, float, float]

VISIBLE = 0.5
# Face-box heights between the top of the face and the bottom of the image: below this the
# picture stops around the shoulders (a face close-up).
HALF_BODY_EXTENT = 3.5
DARK_MEAN, DARK_P95 = 50.0, 90.0
BRIGHT_P5, CLIPPED_SHARE = 200.0, 0.3
BLURRY, VERY_BLURRY = 40.0, 12.0  # Laplacian variance at a 512 px long side
# Background motion over half a second, share of the frame's diagonal: a tripod gives ~0,
# handheld drift or a tracking shot ~0.002-0.004, a pan several times more.
CAMERA_MOVES, CAMERA_PANS = 0.0017, 0.01
CUT_DISTANCE = 0.5  # Bhattacharyya distance between colour histograms of consecutive frames


def resize_long_side(rgb: RGB, side: int) -> RGB:
    h, w = rgb.shape[:2]
    scale = side / max(h, w)
    if scale >= 1.0:
        return rgb
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def gray(rgb: RGB) -> RGB:
    return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def framing(keypoints: F32 | None, face: Box | None) -> Framing:
    """How much of the body the picture shows, from landmark visibility and the face's size."""
    vis = keypoints[:, 3] if keypoints is not None else None
    if (
        vis is not None
        and max(vis[L.LEFT_ANKLE], vis[L.RIGHT_ANKLE]) >= VISIBLE
        and (max(vis[L.LEFT_KNEE], vis[L.RIGHT_KNEE]) >= VISIBLE)
    ):
        return Framing.FULL_BODY
    if vis is not None and max(vis[L.LEFT_HIP], vis[L.RIGHT_HIP]) >= VISIBLE:
        return Framing.HALF_BODY
    if face is not None:
        extent = (1.0 - face[1]) / max(face[3], 1e-3)
        shoulders = vis is not None and min(vis[L.LEFT_SHOULDER], vis[L.RIGHT_SHOULDER]) >= VISIBLE
        return Framing.HALF_BODY if shoulders and extent >= HALF_BODY_EXTENT else Framing.FACE
    if vis is not None and max(vis[L.LEFT_SHOULDER], vis[L.RIGHT_SHOULDER]) >= VISIBLE:
        return Framing.HALF_BODY
    return Framing.NONE


@dataclass(frozen=True)
class Light:
    mean: float
    p5: float
    p95: float
    clipped: float  # share of nearly white pixels

    @property
    def dark(self) -> bool:
        return self.mean < DARK_MEAN or self.p95 < DARK_P95

    @property
    def overexposed(self) -> bool:
        return self.p5 > BRIGHT_P5 or self.clipped > CLIPPED_SHARE


def light(rgb: RGB, mask: F32 | None = None) -> Light:
    """Luminance statistics, on the person when a mask is given (a dark subject on a bright wall is dark)."""
    y = gray(rgb).astype(np.float32)
    if mask is not None:
        m = cv2.resize(mask, (y.shape[1], y.shape[0])) > 0.5
        if m.mean() > 0.02:
            y = y[m]
    p5, p95 = np.percentile(y, [5, 95])
    return Light(float(y.mean()), float(p5), float(p95), float(np.mean(y >= 250)))


def sharpness(rgb: RGB, box: Box | None = None) -> float:
    """Variance of the Laplacian at a fixed scale, inside ``box`` (normalised) when given."""
    img = rgb
    if box is not None:
        h, w = rgb.shape[:2]
        x0, y0 = max(0, int(box[0] * w)), max(0, int(box[1] * h))
        x1, y1 = min(w, int((box[0] + box[2]) * w)), min(h, int((box[1] + box[3]) * h))
        if x1 - x0 >= 16 and y1 - y0 >= 16:
            img = rgb[y0:y1, x0:x1]
    img = resize_long_side(img, 512)
    return float(cv2.Laplacian(gray(img), cv2.CV_64F).var())


def body_box(keypoints: F32 | None, min_visibility: float = VISIBLE) -> Box | None:
    """The visible body's bounding box, normalised and padded a little."""
    if keypoints is None:
        return None
    pts = keypoints[keypoints[:, 3] >= min_visibility, :2]
    if len(pts) < 3:
        return None
    (x0, y0), (x1, y1) = np.clip(pts.min(axis=0), 0, 1), np.clip(pts.max(axis=0), 0, 1)
    pad = 0.05
    return (max(0.0, x0 - pad), max(0.0, y0 - pad), min(1.0, x1 + pad) - max(0.0, x0 - pad),
            min(1.0, y1 + pad) - max(0.0, y0 - pad))  # fmt: skip


def background_motion(a: RGB, b: RGB, mask: F32 | None) -> float:
    """Camera motion between two frames (~0.5 s apart), as a share of the frame's diagonal.

    The median optical-flow vector outside the person: a performer, or the sea behind them,
    moves locally and in many directions, which the median ignores; a pan, a drift or a
    tracking shot moves the whole background one way.
    """
    ga, gb = gray(resize_long_side(a, 192)), gray(resize_long_side(b, 192))
    flow = np.asarray(
        cv2.calcOpticalFlowFarneback(ga, gb, None, 0.5, 3, 15, 3, 5, 1.2, 0),  # type: ignore[call-overload]
        dtype=np.float32,
    )
    background = np.ones(ga.shape, dtype=bool)
    if mask is not None:
        person = (cv2.resize(mask, (ga.shape[1], ga.shape[0])) > 0.3).astype(np.uint8)
        background = cv2.dilate(person, np.ones((9, 9), np.uint8)) == 0
        if background.mean() < 0.1:  # the person fills the frame: use it all
            background = np.ones(ga.shape, dtype=bool)
    dx = float(np.median(flow[..., 0][background]))
    dy = float(np.median(flow[..., 1][background]))
    return float(np.hypot(dx, dy) / math.hypot(ga.shape[0], ga.shape[1]))


def colour_histogram(rgb: RGB) -> F32:
    small = resize_long_side(rgb, 96)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
    return np.asarray(cv2.normalize(hist, hist).flatten(), dtype=np.float32)


def is_cut(prev_hist: F32, hist: F32) -> bool:
    return float(cv2.compareHist(prev_hist, hist, cv2.HISTCMP_BHATTACHARYYA)) > CUT_DISTANCE
