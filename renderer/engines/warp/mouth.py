"""The inside of a mouth the photo never showed open.

When the performer opens their mouth wider than the photo's, the mesh pulls the lips apart and
the triangles between them stretch the lip line's few pixels into a smear. Over that gap this
paints a mouth: a dark interior in the lips' own hue, darkest in its depth, with a band of upper
teeth (and a fainter lower band) when the performer shows theirs. It is drawn right after the
body, so an arm in front of the face still covers it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32, I64, U8
from motionbot.renderer.engines.warp.arrays import f32
from motionbot.renderer.engines.warp.subject import Subject
from motionbot.renderer.motion.face_shape import INNER_LIPS, OUTER_LIPS
from motionbot.renderer.perception.face import MOUTH_LEFT, MOUTH_RIGHT

# Opening beyond the photo's own, in mouth widths squared, where the interior starts and where
# it is fully drawn: below, the lips only part a little and their own pixels read as a mouth.
OPEN_START, OPEN_FULL = 0.004, 0.03
# Teeth are drawn once this share of the performer's opening shows them, fully from twice that:
# half-transparent teeth over the dark inside read as a grey smear.
TEETH_FROM, TEETH_RAMP = 0.03, 0.05
TEETH = np.array([236.0, 228.0, 212.0], np.float32)
SUPERSAMPLE = 4
_UPPER = slice(0, 11)  # INNER_LIPS runs corner to corner along the upper lip first
_LOWER = [*range(10, 20), 0]


def polygon_area(poly: F32) -> float:
    x, y = poly[:, 0].astype(np.float64), poly[:, 1].astype(np.float64)
    return float(0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def vertices_at(rest: F32, points: F32, tolerance: float = 1.0) -> I64 | None:
    """The renderer's vertex at each of ``points`` (the face points are mesh vertices), or None
    when one is missing (a face cut by the photo's edge or too small for its mesh)."""
    dist = np.linalg.norm(rest[None, :, :] - points[:, None, :], axis=2)
    found = dist.argmin(axis=1)
    if float(dist[np.arange(len(points)), found].max()) > tolerance:
        return None
    return np.asarray(found, dtype=np.int64)


def clipped_box(
    points: npt.ArrayLike, frame_size: tuple[int, int], before: int, after: int
) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1): the pixels around ``points`` (``before`` more to the top left, ``after``
    to the bottom right) inside a frame of ``frame_size`` (w, h); None when under 2 px a side."""
    pts = np.asarray(points, np.float64)
    x0, y0 = np.floor(pts.min(axis=0)).astype(int) - before
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + after
    w, h = frame_size
    x0, y0, x1, y1 = max(int(x0), 0), max(int(y0), 0), min(int(x1), w), min(int(y1), h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return x0, y0, x1, y1


@dataclass(frozen=True)
class MouthPainter:
    vertices: I64  # the inner lip points' indices among the renderer's vertices
    rest_area: float  # the photo's own opening, px^2
    width: float  # the photo's mouth width, px
    interior: F32  # RGB of the mouth's depth

    @classmethod
    def build(cls, subject: Subject, rest: F32) -> MouthPainter | None:
        """None when the photo's lips are not all mesh vertices (a face too small or cut)."""
        face, photo = subject.face, subject.photo
        if face is None:
            return None
        inner = face.points[list(INNER_LIPS)]
        vertices = vertices_at(rest, f32(inner))
        if vertices is None:
            return None
        width = float(np.linalg.norm(face.points[MOUTH_LEFT] - face.points[MOUTH_RIGHT]))
        if width < 4.0:
            return None
        return cls(vertices, polygon_area(f32(inner)), width, _interior(photo, face.points))

    def strength(self, poly: F32) -> float:
        opening = (polygon_area(poly) - self.rest_area) / (self.width * self.width)
        return float(np.clip((opening - OPEN_START) / (OPEN_FULL - OPEN_START), 0.0, 1.0))

    def paint(self, frame: U8, deformed: F32, teeth: float) -> None:
        poly = f32(deformed[self.vertices])
        strength = self.strength(poly)
        if strength <= 0.0:
            return
        box = clipped_box(poly, (frame.shape[1], frame.shape[0]), 2, 3)
        if box is None:
            return
        x0, y0, x1, y1 = box
        local = (poly - [x0, y0]) * SUPERSAMPLE
        size = ((x1 - x0) * SUPERSAMPLE, (y1 - y0) * SUPERSAMPLE)
        inside = _fill(local, size, x1 - x0, y1 - y0)
        if not inside.any():
            return
        depth = cv2.distanceTransform((inside > 0.5).astype(np.uint8), cv2.DIST_L2, 3)
        depth = depth / max(float(depth.max()), 1.0)
        # across the mouth, -1 at one corner to 1 at the other: teeth darken into the corners
        axis = poly[10] - poly[0]
        chord = max(float(np.linalg.norm(axis)), 1.0)
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        across = (xx - 0.5 * (poly[0, 0] + poly[10, 0])) * axis[0] + (
            yy - 0.5 * (poly[0, 1] + poly[10, 1])
        ) * axis[1]
        across = across / (0.5 * chord * chord)
        colour = self.interior[None, None, :] * (1.1 - 0.5 * depth[..., None])
        opening = polygon_area(poly) / chord  # the gap's mean height
        up_band = min(0.10 * self.width, 0.5 * opening) * SUPERSAMPLE
        low_band = min(0.06 * self.width, 0.3 * opening) * SUPERSAMPLE
        upper = _band(local[_UPPER], size, up_band, x1 - x0, y1 - y0) * inside
        lower = _band(local[_LOWER], size, low_band, x1 - x0, y1 - y0) * inside
        show = float(np.clip((teeth - TEETH_FROM) / TEETH_RAMP, 0.0, 1.0))
        shade = np.clip(1.0 - 0.55 * across * across, 0.35, 1.0)[..., None]
        colour = _over(colour, TEETH * shade, show * upper)
        colour = _over(colour, TEETH * 0.8 * shade, 0.35 * show * lower)
        alpha = (inside * strength)[..., None]
        roi = frame[y0:y1, x0:x1].astype(np.float32)
        frame[y0:y1, x0:x1] = np.clip(roi * (1.0 - alpha) + colour * alpha, 0, 255).astype(np.uint8)


def _fill(local: F32, size: tuple[int, int], w: int, h: int) -> F32:
    big = np.zeros((size[1], size[0]), np.uint8)
    cv2.fillPoly(big, [np.round(local).astype(np.int32)], (255,), lineType=cv2.LINE_AA)
    return f32(cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA) / 255.0)


def _band(line: F32, size: tuple[int, int], thickness: float, w: int, h: int) -> F32:
    big = np.zeros((size[1], size[0]), np.uint8)
    pts = [np.round(line).astype(np.int32)]
    cv2.polylines(big, pts, False, (255,), thickness=max(1, round(2 * thickness)), lineType=cv2.LINE_AA)
    small = cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA)
    return f32(cv2.GaussianBlur(small, (3, 3), 0) / 255.0)


def _over(under: F32, top: F32, alpha: F32 | float) -> F32:
    a = np.asarray(alpha, np.float32)
    if a.ndim == 2:
        a = a[..., None]
    return f32(under * (1.0 - a) + top * a)


def _interior(photo: U8, points: F32) -> F32:
    """The lips' own colour, darkened: the mouth's depth in the person's hue and light."""
    h, w = photo.shape[:2]
    outer = np.zeros((h, w), np.uint8)
    cv2.fillPoly(outer, [np.round(points[list(OUTER_LIPS)]).astype(np.int32)], (1,))
    cv2.fillPoly(outer, [np.round(points[list(INNER_LIPS)]).astype(np.int32)], (0,))
    lips = photo[outer > 0].astype(np.float32)
    hue = lips.mean(axis=0) if len(lips) else np.array([150.0, 80.0, 80.0], np.float32)
    return f32(hue * 0.28 + np.array([12.0, 2.0, 2.0], np.float32))
