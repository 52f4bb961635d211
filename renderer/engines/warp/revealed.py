"""What a moved arm reveals, measured: is there a hard edge where the arm used to be?

When the arms leave, what shows in their place is every other layer over the background
plate, as the photo had them. A plausible fill steps across the edge of the arm's old outline
no harder than the photo's own texture does over the same distance; a flat block of background
cutting into the hip steps from trousers to wall there, with the body on its far side again.
(The body's own outline beside an arm that hung over the wall is a real edge, and is not
counted: beyond it lies the wall, not more body.)
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from motionbot.renderer.arrays import F32, Mask
from motionbot.renderer.engines.warp.rig import Layer
from motionbot.renderer.engines.warp.subject import Subject

# the step is measured between pixels this far outside and inside the arm's outline
RING = 3
# a step is hard past this many times the photo's own 95th-percentile step, and never below
# FLOOR grey levels (a flat studio wall has almost no grain)
HARD = 2.0
FLOOR = 24.0
# how far across a revealed notch the body is looked for again (share of the shoulder width)
ACROSS = 0.5
ARMS = (Layer.L_ARM, Layer.R_ARM)


def revealed(subject: Subject) -> tuple[F32, F32]:
    """Grey image and cover of what shows where the arms are gone: the other layers over the
    plate, as the photo has them."""
    h, w = subject.alpha.shape
    out = subject.background.astype(np.float32)
    cover = np.zeros((h, w), np.float32)
    for layer, (tex, _) in subject.layers.items():
        if layer in ARMS:
            continue
        a = tex.rgba[..., 3].astype(np.float32) / 255.0
        out = tex.rgba[..., :3].astype(np.float32) + out * (1.0 - a[..., None])
        cover = a + cover * (1.0 - a)
    grey = cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.asarray(cv2.GaussianBlur(grey, (0, 0), 1.0), np.float32), cover


def arm_footprint(subject: Subject) -> Mask:
    """Where the photo shows an arm (its layer's alpha over one half)."""
    out = np.zeros(subject.alpha.shape, bool)
    for layer in ARMS:
        if layer in subject.layers:
            # a grown forearm's strip lies below the canvas rows of its texture (sleeve.py)
            out |= subject.layers[layer][0].rgba[: out.shape[0], :, 3] > 127
    return out


def texture_steps(image: F32, where: Mask) -> F32:
    """|image| steps over 2 * RING px (across the outline's ring) with both ends in ``where``."""
    d = 2 * RING
    sx = np.abs(image[:, d:] - image[:, :-d])[where[:, d:] & where[:, :-d]]
    sy = np.abs(image[d:, :] - image[:-d, :])[where[d:, :] & where[:-d, :]]
    out: F32 = np.concatenate([sx, sy]).astype(np.float32)
    return out


def hard_edges(image: F32, arms: Mask, body: Mask, limit: float, across: float) -> tuple[int, int]:
    """(hard, measured) over the points RING px outside the arms' outline on the ``body``:
    a point is hard when the revealed pixel RING px inside steps from it by over ``limit``
    and is not body, and the body shows again within ``across`` px further on the same line
    (a notch of background cut into the body)."""
    inner = ndimage.binary_erosion(arms, iterations=RING, border_value=1)
    ring = body & ~ndimage.binary_dilation(arms, iterations=RING - 1)
    ring &= ndimage.binary_dilation(arms, iterations=RING)
    if not inner.any() or not ring.any():
        return 0, 0
    _, (iy, ix) = ndimage.distance_transform_edt(~inner, return_indices=True)
    ys, xs = np.nonzero(ring)
    qy, qx = iy[ys, xs], ix[ys, xs]
    step = np.abs(image[ys, xs] - image[qy, qx])
    hard = (step > limit) & ~body[qy, qx]
    d = np.stack([qy - ys, qx - xs], axis=1).astype(np.float32)
    d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-6)
    h, w = body.shape
    again = np.zeros(len(ys), bool)
    for s in range(1, max(2, round(across))):
        py = np.clip(np.round(qy + s * d[:, 0]).astype(int), 0, h - 1)
        px = np.clip(np.round(qx + s * d[:, 1]).astype(int), 0, w - 1)
        again |= body[py, px]
    return int((hard & again).sum()), len(ys)


def hard_edge_share(subject: Subject) -> float | None:
    """Share of the arms' outline on the body across which what they reveal is a hard-edged
    notch (None when the photo shows no arm against the body, or no background to compare)."""
    arms = arm_footprint(subject)
    if not arms.any():
        return None
    grey, cover = revealed(subject)
    person = subject.alpha > 0.5
    wall = ndimage.binary_erosion(~person, iterations=2 * RING, border_value=1)
    reference = texture_steps(grey, wall)
    if len(reference) < 100:
        return None
    limit = max(HARD * float(np.percentile(reference, 95)), FLOOR)
    hard, measured = hard_edges(grey, arms, cover > 0.5, limit, ACROSS * subject.rig.shoulder_width)
    return hard / measured if measured else None
