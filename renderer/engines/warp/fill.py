"""What lies behind an arm in the photo: the body's own texture continued under it.

When an arm that rested on the torso or against the face swings away, the body layer must show
clothes and skin there, not a ghost of the arm nor a smear of the hand's colour. The torso is
continued from torso pixels only (a hand resting on the table or the neck's skin must not bleed
into a black jumper), the face from its other half, mirrored about the face's axis: a hand at
the chin hides one cheek, and the other cheek is the best guess of what it looks like.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
from scipy import ndimage

from motionbot.renderer.arrays import U8, Mask
from motionbot.renderer.engines.warp.rig import HEAD, TORSO, J, Rig

# the chin lies this many head radii below the head's centre (the eyes' and ears' mean)
CHIN = 1.15
# how far around a hole its edge's mixed pixels reach (px)
EDGE = 3


def _box(mask: Mask, pad: int) -> tuple[slice, slice]:
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    y0, y1 = max(0, int(ys.min()) - pad), min(h, int(ys.max()) + pad + 1)
    x0, x1 = max(0, int(xs.min()) - pad), min(w, int(xs.max()) + pad + 1)
    return slice(y0, y1), slice(x0, x1)


def skin_like(rgb: U8) -> Mask:
    """Pixels in the usual skin range (YCrCb box), to keep skin out of a clothes fill."""
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    cr, cb = ycc[..., 1], ycc[..., 2]
    return (cr >= 135) & (cr <= 180) & (cb >= 85) & (cb <= 135) & (ycc[..., 0] > 60)


def continue_torso(rgb: U8, hidden: Mask, torso: Mask) -> U8:
    """``rgb`` with ``hidden`` filled from the ``torso`` pixels around it (colour and grain)."""
    if not hidden.any() or not torso.any():
        return rgb
    skin = skin_like(rgb)
    if float(skin[torso].mean()) < 0.5:
        torso = torso & ~skin  # clothes: a neck or a resting hand is not what lies under a sleeve
    pad = max(16, round(0.05 * max(hidden.shape)))
    sy, sx = _box(hidden, pad)
    unknown = hidden[sy, sx] | ~torso[sy, sx]
    if unknown.all():
        return rgb
    out = rgb.copy()
    out[sy, sx] = reflect_fill(np.ascontiguousarray(rgb[sy, sx]), hidden[sy, sx], ~unknown)
    return out


def reflect_fill(rgb: U8, hole: Mask, known: Mask) -> U8:
    """``rgb`` with ``hole`` filled by the ``known`` pixels mirrored across the hole's edge.

    Each hole pixel takes the known pixel as far beyond its nearest known pixel as it lies
    inside: the belt, the trousers and the shirt each continue from their own side with their
    own grain, where a smooth fill from all sides mixes them into a grey smear. Where the mirror
    falls outside what is known, the nearest known pixel is used.
    """
    # the pixels just around the hole mix in what lay over it (a hand's shaded edge): not sources
    ring = cv2.dilate(hole.astype(np.uint8), np.ones((2 * EDGE + 1, 2 * EDGE + 1), np.uint8)) > 0
    own = known & ~ring
    if not hole.any() or not own.any():
        return rgb
    h, w = hole.shape
    _, (iy, ix) = ndimage.distance_transform_edt(~own, return_indices=True)
    hy, hx = np.nonzero(hole)
    qy, qx = iy[hy, hx], ix[hy, hx]
    ry, rx = 2 * qy - hy, 2 * qx - hx
    ok = (ry >= 0) & (ry < h) & (rx >= 0) & (rx < w)
    ok[ok] = own[ry[ok], rx[ok]]
    out = rgb.copy()
    out[hy, hx] = rgb[np.where(ok, ry, qy), np.where(ok, rx, qx)]
    # the seams between pixels mirrored from different sides, softened
    soft = cv2.GaussianBlur(out, (0, 0), 1.2)
    out[hy, hx] = ((out[hy, hx].astype(np.uint16) + soft[hy, hx]) // 2).astype(np.uint8)
    return out


def mirror_face(rgb: U8, hidden: Mask, body: Mask, rig: Rig) -> tuple[U8, Mask]:
    """Fill ``hidden`` face pixels from their mirror image across the face's vertical axis.

    Returns the image and the hidden pixels whose mirror was not usable (left for inpainting).
    """
    if not hidden.any() or not rig.rigged[HEAD]:
        return rgb, hidden
    h, w = hidden.shape
    ys, xs = np.nonzero(hidden)
    e = np.array([np.cos(rig.eye_angle), np.sin(rig.eye_angle)], np.float32)
    centre = rig.joints[J.HEAD]
    pts = np.stack([xs, ys], axis=1).astype(np.float32)
    side = (pts - centre) @ e
    src = pts - 2.0 * side[:, None] * e[None, :]
    sx = np.round(src[:, 0]).astype(int)
    sy = np.round(src[:, 1]).astype(int)
    inside = (sx >= 0) & (sx < w) & (sy >= 0) & (sy < h)
    usable = body & ~hidden
    ok = np.zeros(len(xs), bool)
    ok[inside] = usable[sy[inside], sx[inside]]
    out = rgb.copy()
    out[ys[ok], xs[ok]] = rgb[sy[ok], sx[ok]]
    # soften the seam where the mirrored patch meets the untouched face
    patch = np.zeros((h, w), np.float32)
    patch[ys[ok], xs[ok]] = 1.0
    soft = cv2.GaussianBlur(patch, (0, 0), 1.5)[..., None]
    blurred = cv2.GaussianBlur(out, (0, 0), 1.0)
    edge = (soft > 0.02) & (soft < 0.98)
    out = np.where(edge, (blurred * 0.5 + out * 0.5).astype(np.uint8), out).astype(np.uint8)
    left = np.zeros((h, w), bool)
    left[ys[~ok], xs[~ok]] = True
    return out, left


def inpaint_from(rgb: U8, hidden: Mask, own: Mask) -> U8:
    """Telea inpainting of ``hidden`` that reads only ``own`` pixels (nothing of the arm)."""
    if not hidden.any():
        return rgb
    sy, sx = _box(hidden, 8)
    hole = (hidden[sy, sx] | ~own[sy, sx]).astype(np.uint8)
    if hole.all():
        return rgb
    out = rgb.copy()
    out[sy, sx] = cv2.inpaint(np.ascontiguousarray(rgb[sy, sx]), hole, 5, cv2.INPAINT_TELEA)
    return out


def continue_body(rgb: U8, hidden: Mask, labels: npt.NDArray[np.int16], rig: Rig, head_disc: Mask) -> U8:
    """The photo with every body pixel an arm hides filled: the face by mirroring, the rest
    from the torso."""
    if not hidden.any():
        return rgb
    head = labels == HEAD
    torso = labels == TORSO
    face = head_disc & above_chin(rig, hidden.shape)
    on_face = hidden & face
    out, rest = mirror_face(rgb, on_face, head | torso, rig)
    out = inpaint_from(out, rest, head | torso)
    # the neck and collar continue from the torso below the chin, not from a shaded jaw
    return continue_torso(out, hidden & ~on_face, torso & ~face)


def above_chin(rig: Rig, shape: tuple[int, ...]) -> Mask:
    """Pixels above the chin line, across the face's own up-down axis (a tilted head's too).

    Below the chin a hand hides the neck or a collar: mirrored across a tilted face's axis,
    that neck took the other side's jaw and showed as a pale block of skin in a black
    turtleneck. There the torso's own pixels continue instead.
    """
    h, w = shape[:2]
    e = np.array([np.cos(rig.eye_angle), np.sin(rig.eye_angle)], np.float32)
    down = np.array([-e[1], e[0]], np.float32)
    if down[1] < 0:
        down = -down
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    centre = rig.joints[J.HEAD]
    along = (xs - centre[0]) * down[0] + (ys - centre[1]) * down[1]
    out: Mask = along < CHIN * rig.head_radius
    return out
