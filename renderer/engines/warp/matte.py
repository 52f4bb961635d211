"""Subject matte and background plate: the person cut out cleanly, and the photo without them.

The segmentation network's mask is soft and low resolution; pasted as is, it leaves a halo of
the old background around the moving person. A trimap from it marks what is certainly person
or certainly background, and a guided filter with the photo as guide decides the band between,
which keeps strands of hair and the edges of loose clothes.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32, U8
from motionbot.renderer.engines.warp.arrays import f32, u8


def refine_matte(rgb: U8, soft: F32) -> F32:
    """Alpha in 0..1 at the photo's resolution from a soft person mask."""
    h, w = rgb.shape[:2]
    if soft.shape != (h, w):
        soft = f32(cv2.resize(soft, (w, h), interpolation=cv2.INTER_LINEAR))
    soft = np.clip(soft, 0.0, 1.0).astype(np.float32)
    band = max(2, round(0.006 * max(h, w)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    fg = cv2.erode((soft > 0.6).astype(np.uint8), kernel)
    bg = cv2.erode((soft < 0.4).astype(np.uint8), kernel)
    guide = rgb.astype(np.float32) / 255.0
    radius = max(2, round(0.008 * max(h, w)))
    guided = cv2.ximgproc.guidedFilter(guide, soft, radius, 1e-3)
    # Stretch the filtered band a little: guided filtering blurs as much as it follows edges.
    alpha = np.clip((guided - 0.5) * 1.6 + 0.5, 0.0, 1.0)
    alpha[fg > 0] = 1.0
    alpha[bg > 0] = 0.0
    alpha = _keep_largest(alpha)
    return f32(cv2.GaussianBlur(alpha, (3, 3), 0.6))


def _keep_largest(alpha: F32) -> F32:
    """Drop specks the segmentation found away from the person (other people, posters)."""
    binary = (alpha > 0.5).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if n <= 2:
        return alpha
    areas = stats[1:, cv2.CC_STAT_AREA]
    biggest = int(np.argmax(areas)) + 1
    keep = (labels == biggest) | np.isin(labels, 1 + np.flatnonzero(areas >= 0.2 * areas.max()))
    grown = cv2.dilate(keep.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    return f32(np.where(grown, alpha, 0.0))


def fill_holes(rgb: U8, hole: npt.NDArray[np.bool_]) -> U8:
    """Fill ``hole`` from the surrounding texture at several scales.

    Coarse levels carry colour and structure (push-pull down a pyramid, cv2.inpaint on the
    coarsest), the fine level carries texture: the high frequencies of the nearest intact
    strip beside the hole are copied in, so a filled wall has the grain of the wall around it
    instead of a smooth smear.
    """
    if not hole.any():
        return rgb.copy()
    img = rgb.astype(np.float32)
    known = (~hole).astype(np.float32)
    # push: masked averages down to a level where the hole is a few pixels wide
    levels: list[tuple[F32, F32]] = [(img * known[..., None], known)]
    while min(levels[-1][1].shape) > 24 and len(levels) < 7:
        col, wt = levels[-1]
        levels.append((f32(cv2.pyrDown(col)), f32(cv2.pyrDown(wt))))
    col, wt = levels[-1]
    coarse = col / np.maximum(wt, 1e-6)[..., None]
    coarse_hole = (wt < 0.5).astype(np.uint8)
    if coarse_hole.any():
        coarse = cv2.inpaint(
            np.clip(coarse, 0, 255).astype(np.uint8), coarse_hole, 3, cv2.INPAINT_TELEA
        ).astype(np.float32)
    # pull: blend each finer level's known colour over the upsampled coarser fill
    for col, wt in reversed(levels[:-1]):
        up = cv2.pyrUp(coarse, dstsize=(wt.shape[1], wt.shape[0]))
        mean = col / np.maximum(wt, 1e-6)[..., None]
        a = np.clip(wt * 1.5, 0.0, 1.0)[..., None]
        coarse = mean * a + up * (1.0 - a)
    low = coarse
    texture = _borrow_texture(img, hole)
    out = np.where(hole[..., None], low + texture, img)
    soft_edge = cv2.GaussianBlur(hole.astype(np.float32), (0, 0), 1.5)[..., None]
    out = out * soft_edge + img * (1.0 - soft_edge)
    return u8(np.clip(out + 0.5, 0, 255))


def _borrow_texture(img: F32, hole: npt.NDArray[np.bool_]) -> F32:
    """High-pass detail for the hole, copied from intact strips beside it (left or right)."""
    h, w = img.shape[:2]
    sigma = max(2.0, 0.004 * max(h, w))
    high = img - cv2.GaussianBlur(img, (0, 0), sigma)
    cols = np.flatnonzero(hole.any(axis=0))
    span = int(cols[-1] - cols[0] + 1) if cols.size else 0
    total = np.zeros_like(img)
    weight = np.zeros((h, w), np.float32)
    for shift in (span + 4, -(span + 4)):
        m = np.array([[1, 0, shift], [0, 1, 0]], np.float32)
        src_high = cv2.warpAffine(high, m, (w, h), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REFLECT)
        src_ok = cv2.warpAffine(
            (~hole).astype(np.float32), m, (w, h), flags=cv2.INTER_NEAREST, borderValue=(0.0,)
        )
        total += src_high * src_ok[..., None]
        weight += src_ok
    return f32(total / np.maximum(weight, 1.0)[..., None] * 0.8)


def background_plate(rgb: U8, alpha: F32) -> U8:
    """The photo with the person removed: the hole grows past the matte to take the halo too."""
    h, w = rgb.shape[:2]
    grow = max(3, round(0.015 * max(h, w)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    hole = cv2.dilate((alpha > 0.05).astype(np.uint8), kernel) > 0
    return fill_holes(rgb, hole)


def named_colour(background: str) -> tuple[int, int, int] | None:
    """RGB for a solid background option, None for ``photo`` and ``blur``."""
    if background == "white":
        return (255, 255, 255)
    if background == "green":
        return (0, 177, 64)
    if background.startswith("#") and len(background) == 7:
        v = int(background[1:], 16)
        return ((v >> 16) & 255, (v >> 8) & 255, v & 255)
    return None


def make_background(background: str, plate: U8) -> U8:
    """The still the moving subject is composited over, per RenderOptions.background."""
    colour = named_colour(background)
    if colour is not None:
        out = np.empty_like(plate)
        out[:] = np.array(colour, dtype=np.uint8)
        return out
    if background == "blur":
        sigma = max(3.0, 0.025 * max(plate.shape[:2]))
        return u8(cv2.GaussianBlur(plate, (0, 0), sigma))
    return plate
