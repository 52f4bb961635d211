"""Glasses: a rigid layer over the acting face, so their frames stay straight.

The face mesh bends lids, brows and cheeks; glasses printed on the photo's skin bend with them
(a rim pulled down by a blink, a bridge kinked by a frown), and a shut eye's lid is painted over
the lower rim. Here the frames are found in the photo as thin dark lines ringing both eyes and
crossing the nose, cut out as a sprite, filled over in the face's texture from around them, and
drawn back on every frame with the affine of the face's rigid points (eye corners, nose bridge,
temples): it turns, tilts and scales with the head and never bends.

Frames are found, not recognised: a ring of dark lines must close around each eye, under it
too (a brow or a lid crease lies only above), and a line must cross the bridge. Rimless
glasses and dark sunglass lenses are not found, and bend with the face as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32, I64, U8
from motionbot.renderer.engines.warp.arrays import f32, u8
from motionbot.renderer.engines.warp.mouth import clipped_box, vertices_at
from motionbot.renderer.motion.face_shape import BROWS, LEFT_EYE, RIGHT_EYE

# the rigid points the sprite follows: nose bridge, eye corners, temples and cheek sides
ANCHORS = (168, 6, 197, 33, 133, 263, 362, 127, 356, 234, 454)
# a rim line is at least this much darker (grey levels) than the skin around it ...
MIN_DARKNESS = 18.0
# ... and the ring it makes around each eye covers this share of the directions from its centre,
# the lower half included
RING_COVER = 0.6
LOWER_COVER = 0.5
_BINS = 16


@dataclass(frozen=True)
class GlassesLayer:
    """The frames' sprite and the mesh vertices whose motion carries it."""

    sprite: U8  # (h, w, 4) straight RGB and alpha, the photo's pixels of the frames
    origin: tuple[int, int]  # the sprite's top-left corner on the canvas
    mask: U8  # (h, w) where the face's texture is filled over (the frames, a little wider)
    vertices: I64  # the anchors' indices among the renderer's vertices
    rest: F32  # (len(ANCHORS), 2) the anchors on the canvas at rest

    @classmethod
    def build(cls, photo: U8, points: F32, rest: F32) -> GlassesLayer | None:
        """None when the photo's face wears no frames this can find, or its anchors are not
        mesh vertices."""
        found = find_frames(photo, points)
        if found is None:
            return None
        frames, (x0, y0) = found
        anchors = f32(points[list(ANCHORS)])
        vertices = vertices_at(rest, anchors)
        if vertices is None:
            return None
        h, w = frames.shape
        alpha = cv2.GaussianBlur(frames.astype(np.float32), (0, 0), 0.7)
        sprite = np.empty((h, w, 4), np.uint8)
        sprite[..., :3] = photo[y0 : y0 + h, x0 : x0 + w]
        sprite[..., 3] = np.clip(alpha * 255.0 + 0.5, 0, 255).astype(np.uint8)
        wider = u8(cv2.dilate(frames.astype(np.uint8), np.ones((5, 5), np.uint8)))
        return cls(sprite, (x0, y0), wider, vertices, anchors)

    def strip(self, texture: U8) -> U8:
        """The face's texture (premultiplied RGBA, canvas size) with the frames filled over
        from the skin and lenses around them, so the bending face shows no second pair."""
        out = texture.copy()
        x0, y0 = self.origin
        h, w = self.mask.shape
        roi = out[y0 : y0 + h, x0 : x0 + w]
        rgb = np.ascontiguousarray(roi[..., :3])
        roi[..., :3] = cv2.inpaint(rgb, self.mask, 3, cv2.INPAINT_TELEA)
        return out

    def paint(self, frame: U8, deformed: F32) -> None:
        """Draw the frames where the face's rigid points are in this frame."""
        moved = deformed[self.vertices].astype(np.float64)
        x0, y0 = self.origin
        local = self.rest.astype(np.float64) - [x0, y0]
        design = np.column_stack([local, np.ones(len(local))])
        affine, *_ = np.linalg.lstsq(design, moved, rcond=None)  # (3, 2): sprite px -> canvas
        m = affine.T  # (2, 3)
        h, w = self.mask.shape
        corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float64) @ m.T
        box = clipped_box(corners, (frame.shape[1], frame.shape[0]), 1, 2)
        if box is None:
            return
        bx0, by0, bx1, by1 = box
        m[:, 2] -= [bx0, by0]
        size = (bx1 - bx0, by1 - by0)
        drawn = cv2.warpAffine(self.sprite, m, size, flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
        a = drawn[..., 3:4].astype(np.float32) / 255.0
        roi = frame[by0:by1, bx0:bx1].astype(np.float32)
        frame[by0:by1, bx0:bx1] = np.clip(roi * (1.0 - a) + drawn[..., :3] * a + 0.5, 0, 255).astype(np.uint8)


def find_frames(photo: U8, points: F32) -> tuple[U8, tuple[int, int]] | None:
    """(mask of the frames' pixels in a box around the eyes, the box's top-left corner), or
    None when no ring of dark lines closes around both eyes with a line across the bridge."""
    eyes = [f32(points[list(contour)]) for contour in (RIGHT_EYE, LEFT_EYE)]
    width = float(np.mean([np.linalg.norm(e[0] - e[8]) for e in eyes]))
    if width < 6.0:
        return None
    centres = [e.mean(axis=0) for e in eyes]
    span = np.array([centres[0], centres[1]])
    h, w = photo.shape[:2]
    margin = np.array([1.4 * width, 1.1 * width])  # a lens's reach, and the temples beyond it
    x0, y0 = np.floor(span.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(span.max(axis=0) + margin).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    grey = cv2.cvtColor(np.ascontiguousarray(photo[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    k = max(3, round(0.3 * width)) | 1
    lines = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    dark = lines.astype(np.float32) > max(MIN_DARKNESS, 3.0 * float(np.median(lines)))
    origin = np.array([x0, y0], np.float32)
    local_eyes = [f32(e - origin) for e in eyes]
    eye_area, brow_area = _features(grey.shape, points, local_eyes, width, origin)
    free = dark & ~eye_area & ~brow_area
    # where a rim runs along a brow the two make one thick dark band, too wide for the line
    # filter: there the rim is what is much darker than the skin, at the radius the rest gives
    skin = float(np.median(grey[~dark & ~eye_area & ~brow_area]))
    deep = grey.astype(np.float32) < 0.55 * skin
    rings = []
    for eye in local_eyes:
        ring = _ring(free, (dark | deep) & ~eye_area, f32(eye.mean(axis=0)), width)
        if ring is None:
            return None
        rings.append(ring)
    if not _bridge(free, local_eyes, width):
        return None
    frames = rings[0] | rings[1]
    return _joined(frames, free, width), (int(x0), int(y0))


def _features(
    shape: tuple[int, ...], points: F32, eyes: list[F32], width: float, origin: F32
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """The eyes with their lashes, and the brows: dark lines that are not frames."""
    out = np.zeros(shape[:2], np.uint8)
    for eye in eyes:
        cv2.fillPoly(out, [np.round(eye).astype(np.int32)], (1,))
    grow = max(1, round(0.15 * width))
    out = u8(cv2.dilate(out, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)))
    brows = np.zeros_like(out)
    for half in (BROWS[:10], BROWS[10:]):
        hull = cv2.convexHull(np.round(points[list(half)] - origin).astype(np.int32))
        cv2.fillConvexPoly(brows, hull, (1,))
    grow = max(1, round(0.08 * width))
    brows = u8(cv2.dilate(brows, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)))
    return out.astype(bool), brows.astype(bool)


def _polar(mask: npt.NDArray[np.bool_], centre: F32) -> tuple[I64, I64, F32, I64]:
    """The mask's pixels (ys, xs), their radius (the eye's ellipse made round) and direction bin
    (y down: the bins past the middle point below the eye)."""
    ys, xs = np.nonzero(mask)
    d = np.column_stack([xs, ys]).astype(np.float32) - centre
    r = f32(np.linalg.norm(d / [1.0, 0.8], axis=1))
    angle = np.arctan2(d[:, 1], d[:, 0])
    bins = ((angle + np.pi) / (2 * np.pi) * _BINS).astype(np.int64) % _BINS
    return ys.astype(np.int64), xs.astype(np.int64), r, bins


def _ring(
    free: npt.NDArray[np.bool_], dark: npt.NDArray[np.bool_], centre: F32, width: float
) -> npt.NDArray[np.bool_] | None:
    """The rim around one eye: the dark lines at the lens's edge, found where nothing else is
    dark (``free``) in most directions, the lower half included, and followed through the brow
    (``dark``) at the radius its neighbours give. None when no such ring closes."""
    ys, xs, r, bins = _polar(free, centre)
    near = (r > 0.55 * width) & (r < 1.35 * width)
    radius = np.full(_BINS, np.nan)
    step = 0.08 * width
    for b in range(_BINS):
        here = r[near & (bins == b)]
        if len(here) >= 2:
            # the rim is the densest line in its direction (a lash or a crease is shorter there)
            counts = np.bincount(((here - 0.55 * width) / step).astype(np.int64))
            peak = int(np.argmax(counts))
            radius[b] = float(np.median(here[np.abs(here - (0.55 * width + (peak + 0.5) * step)) < step]))
    hit = np.isfinite(radius)
    lower = hit[_BINS // 2 + 1 : _BINS]  # straight down and around it, the horizontal ones left out
    if hit.mean() < RING_COVER or lower.mean() < LOWER_COVER:
        return None
    radius = _smooth_rim(radius, 0.08 * width)
    ys, xs, r, bins = _polar(dark, centre)
    band = np.abs(r - radius[bins]) < 0.18 * width
    out = np.zeros(free.shape, bool)
    out[ys[band], xs[band]] = True
    return out


def _smooth_rim(radius: npt.NDArray[np.float64], tolerance: float) -> npt.NDArray[np.float64]:
    """The rim's radius in every direction: a closed smooth curve (an ellipse-like lens, as high
    above the eye as below it) fitted to the directions level with and below the eye where a
    line was found, refitted with every direction close to it (make-up, a lid crease or a brow
    above the eye are not); a direction keeps its own radius where that lies on the curve (a
    square lens's corner)."""
    angle = (np.arange(_BINS) + 0.5) / _BINS * 2 * np.pi
    # level with the eye's centre line, mirrored: from below a rim's height above cannot be told
    basis = np.column_stack([np.ones(_BINS), np.cos(angle), np.cos(2 * angle)])
    # first from the directions level with and below the eye: above it lie brows and make-up
    use = np.isfinite(radius) & (np.sin(angle - np.pi) >= -0.2)
    if use.sum() < 4:
        use = np.isfinite(radius)
    fit = np.zeros(_BINS)
    for _ in range(3):
        coef, *_ = np.linalg.lstsq(basis[use], radius[use], rcond=None)
        fit = basis @ coef
        close = np.isfinite(radius) & (np.abs(np.nan_to_num(radius) - fit) < tolerance)
        if close.sum() < 4 or (close == use).all():
            break
        use = close
    return np.where(np.isfinite(radius) & (np.abs(np.nan_to_num(radius) - fit) < tolerance), radius, fit)


def _bridge(frames: npt.NDArray[np.bool_], eyes: list[F32], width: float) -> bool:
    """Whether a dark line crosses the gap between the inner eye corners."""
    inner_r, inner_l = eyes[0][8], eyes[1][8]
    mid = 0.5 * (inner_r + inner_l)
    gap = float(np.linalg.norm(inner_l - inner_r))
    xa, xb = round(mid[0] - 0.25 * gap), round(mid[0] + 0.25 * gap)
    ya, yb = round(mid[1] - 0.6 * width), round(mid[1] + 0.3 * width)
    h, w = frames.shape
    box = frames[max(ya, 0) : min(yb, h), max(xa, 0) : min(xb, w)]
    return bool(box.size and box.any(axis=0).mean() > 0.6)


def _joined(rings: npt.NDArray[np.bool_], free: npt.NDArray[np.bool_], width: float) -> U8:
    """The frames: both rims, and the lines that leave them outside the lenses (the bridge,
    the temples towards the ears), not stray shadows elsewhere in the box."""
    lines = rings | free
    count, labels = cv2.connectedComponents(lines.astype(np.uint8), connectivity=8)
    wanted = np.unique(labels[rings])
    min_size = max(4, round((0.1 * width) ** 2))
    sizes = np.bincount(labels.ravel(), minlength=count)
    wanted = wanted[(wanted > 0) & (sizes[wanted] >= min_size)]
    joined = np.isin(labels, wanted)
    # inside a lens only the rim itself: a lid crease touching it still moves with the lid
    return (rings | (joined & ~_inside(rings))).astype(np.uint8)


def _inside(rings: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """What the rims enclose (the lenses), found as the holes of the rims' mask."""
    filled = rings.astype(np.uint8).copy()
    h, w = filled.shape
    flood = np.zeros((h + 2, w + 2), np.uint8)
    outside = filled.copy()
    cv2.floodFill(outside, flood, (0, 0), (2,))
    return np.asarray(outside == 0)
