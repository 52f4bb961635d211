"""Where an arm ends and what it rests on begins, decided by colour, and the body under it.

Labelling by distance to the bones alone gives an arm resting on the hip or the thigh a rim of
trousers around the hand (the nearest bone there is the hand's); raised, the arm carries that
rim away as a dark patch, and the body it came from shows a notch of background where it was.
Near the body, the arm's pixels are cut again with GrabCut: the bone's core is certainly arm,
the body far from the arm is certainly not, and the colour models of the two (skin and sleeve
against shirt and trousers) with the photo's edges decide the band between.

What the arm hid of the body is the body's outline closed over the arm: a hand-sized notch in
the hip is body, a gap the width of the whole arm is not.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
from scipy import ndimage

from motionbot.renderer.arrays import F32, U8, Mask
from motionbot.renderer.engines.warp.arrays import u8
from motionbot.renderer.engines.warp.rig import BONES, HEAD, LIMB_CHAINS, Layer, Rig

# below this alpha an outline pixel is mostly background: its colour is taken from inside,
# since solving for the foreground there would amplify the photo's noise
EDGE_ALPHA = 0.2
# an arm pixel this near (share of the shoulder width) to another part touches it
CONTACT = 0.12
# the arm's usual half-thickness (share of the shoulder width); its core is CORE of that
WIDTH, CORE = 0.12, 0.6
# the body far from the arm (in arm widths) is certainly not arm
FAR = 2.0
# an arm may take back a body pixel this near its bone (in arm widths) that looks like arm
TAKE = 1.0
# the landmarks stop at the knuckles: fingers reach about this far again
FINGERS = 0.8
# a notch in the body's outline narrower than this (share of the shoulder width) was hidden body
NOTCH = 0.45
# GrabCut works on crops at most this many pixels on their long side
CUT_SIDE = 240
BGD, FGD, PR_BGD, PR_FGD = int(cv2.GC_BGD), int(cv2.GC_FGD), int(cv2.GC_PR_BGD), int(cv2.GC_PR_FGD)


def _layer_of(labels: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    bone_layer = np.array([b.layer for b in BONES], np.int16)
    return np.where(labels >= 0, bone_layer[np.maximum(labels, 0)], -1).astype(np.int16)


def _box(mask: Mask, pad: int) -> tuple[slice, slice]:
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    return (
        slice(max(0, int(ys.min()) - pad), min(h, int(ys.max()) + pad + 1)),
        slice(max(0, int(xs.min()) - pad), min(w, int(xs.max()) + pad + 1)),
    )


def _bone_distance(
    rig: Rig, chain: tuple[int, ...], sy: slice, sx: slice
) -> tuple[F32, npt.NDArray[np.int16]]:
    """Per pixel of the crop: distance to the nearest bone of ``chain`` and that bone."""
    ys, xs = np.mgrid[sy, sx].astype(np.float32)
    pts = np.stack([xs.ravel(), ys.ravel()], axis=1)
    best = np.full(len(pts), np.inf, np.float32)
    bone = np.full(len(pts), chain[0], np.int16)
    for k in chain:
        a, b = rig.bone_segment(k)
        if BONES[k].name.endswith("hand"):
            b = b + FINGERS * (b - a)
        d = b - a
        ll = max(float(d @ d), 1e-9)
        t = np.clip(((pts - a) @ d) / ll, 0.0, 1.0)
        dist = np.linalg.norm(pts - (a + t[:, None] * d), axis=1).astype(np.float32)
        better = dist < best
        best = np.where(better, dist, best)
        bone = np.where(better, k, bone).astype(np.int16)
    shape = (sy.stop - sy.start, sx.stop - sx.start)
    return best.reshape(shape), bone.reshape(shape)


def _nearest_label(labels: npt.NDArray[np.int16], source: Mask) -> npt.NDArray[np.int16]:
    """Each pixel's label taken from the nearest ``source`` pixel."""
    _, (iy, ix) = ndimage.distance_transform_edt(~source, return_indices=True)
    out: npt.NDArray[np.int16] = labels[iy, ix].astype(np.int16)
    return out


def _cut(rgb: U8, mask: npt.NDArray[np.uint8]) -> Mask:
    """GrabCut of a crop from an initial GC_* mask; True where it ends as foreground."""
    h, w = mask.shape
    s = min(1.0, CUT_SIDE / max(h, w))
    small_rgb, small_mask = rgb, mask
    if s < 1.0:
        size = (max(2, round(w * s)), max(2, round(h * s)))
        small_rgb = u8(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
        small_mask = u8(cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST))
    kept: Mask = (mask == FGD) | (mask == PR_FGD)
    if not (small_mask == PR_FGD).any() and not (small_mask == PR_BGD).any():
        return kept
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    work = small_mask.copy()
    # GrabCut seeds its colour models by k-means from OpenCV's global random state: without a
    # fixed seed the same photo would render differently each time
    cv2.setRNGSeed(0)
    try:
        cv2.grabCut(
            u8(cv2.cvtColor(np.ascontiguousarray(small_rgb), cv2.COLOR_RGB2BGR)), work, (0, 0, 1, 1), bgd, fgd, 3,
            cv2.GC_INIT_WITH_MASK,
        )  # fmt: skip
    except cv2.error:  # a colour model with too few samples: keep the labels as they are
        return kept
    fg = ((work == FGD) | (work == PR_FGD)).astype(np.uint8)
    if s < 1.0:
        fg = u8(cv2.resize(fg, (w, h), interpolation=cv2.INTER_NEAREST))
    # the decided pixels stay decided at full resolution
    cut: Mask = ((fg > 0) | (mask == FGD)) & (mask != BGD)
    return cut


def tighten_arms(rgb: U8, alpha: F32, labels: npt.NDArray[np.int16], rig: Rig) -> npt.NDArray[np.int16]:
    """``labels`` with each arm cut from what it touches by colour: pixels of the trousers or
    the shirt around a resting hand go back to the body, arm pixels labelled body come back."""
    out = labels.copy()
    person = (labels >= 0) & (alpha > 0.5)
    width = max(2.0, WIDTH * rig.shoulder_width)
    reach = max(3, round(CONTACT * rig.shoulder_width))
    touch = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    for layer in (Layer.L_ARM, Layer.R_ARM):
        chain = tuple(k for k in LIMB_CHAINS[layer] if rig.rigged[k])
        layer_of = _layer_of(out)
        arm = (layer_of == layer) & person
        if not chain or arm.sum() < 50:
            continue
        other = person & ~arm
        contact = arm & (cv2.dilate(other.astype(np.uint8), touch) > 0)
        if contact.sum() < 20:
            continue
        sy, sx = _box(arm, 2 * reach)
        dist, bone = _bone_distance(rig, chain, sy, sx)
        dn = dist / width
        a_c, o_c, c_c = arm[sy, sx], other[sy, sx], contact[sy, sx]
        mask = np.full(a_c.shape, BGD, np.uint8)
        mask[o_c & (dn <= FAR)] = PR_BGD
        mask[a_c] = PR_FGD
        # the hand's landmarks may lie on what it rests on (fingers tucked behind a hip):
        # only the upper arm's and forearm's cores are certain
        hand = np.isin(bone, [k for k in chain if BONES[k].name.endswith("hand")])
        mask[a_c & (((dn <= CORE) & ~hand) | ~c_c)] = FGD
        # the body's colours far from the arm (a face, a neck) say nothing about what the arm
        # rests on: those pixels show the colour of the nearest body pixel beside the arm
        near = o_c & (dn <= FAR)
        crop_rgb = rgb[sy, sx]
        if near.any():
            far = o_c & ~near
            crop_rgb = np.where(far[..., None], own_colours(crop_rgb, near), crop_rgb)
        fg = _cut(np.ascontiguousarray(crop_rgb), mask)
        lost = a_c & ~fg
        gained = o_c & fg & (dn <= TAKE) & (out[sy, sx] != HEAD)
        crop = out[sy, sx]
        if lost.any():
            keep = o_c & ~gained
            if keep.any():
                crop[lost] = _nearest_label(crop, keep)[lost]
        crop[gained] = bone[gained]
    return out


def under_arms(labels: npt.NDArray[np.int16], alpha: F32, rig: Rig) -> npt.NDArray[np.int16]:
    """Arm pixels the body continues under, labelled with the part that continues there (-1
    elsewhere): the outline of the rest of the person closed over narrow notches the arms cut
    into it (a hand on the hip, a hand hanging over the side of the shorts)."""
    layer_of = _layer_of(labels)
    arm = (layer_of == Layer.L_ARM) | (layer_of == Layer.R_ARM)
    rest = (labels >= 0) & ~arm & (alpha > 0.5)
    out = np.full(labels.shape, -1, np.int16)
    if not arm.any() or not rest.any():
        return out
    k = max(3, round(NOTCH * rig.shoulder_width)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    sy, sx = _box(arm, k)
    r_c = rest[sy, sx].astype(np.uint8)
    closed = u8(cv2.morphologyEx(r_c, cv2.MORPH_CLOSE, u8(kernel), borderValue=(0,))) > 0
    add = closed & arm[sy, sx]
    if add.any():
        near = _nearest_label(labels[sy, sx], rest[sy, sx])
        out[sy, sx] = np.where(add, near, -1)
    return out


def own_colours(rgb: U8, solid: Mask, alpha: F32 | None = None) -> U8:
    """``rgb`` with every pixel outside ``solid`` given its nearest ``solid`` pixel's colour,
    except on the person's own soft outline (``alpha`` between EDGE_ALPHA and 0.9), which keeps
    the photo's pixel with the background beside it taken out of it.

    A layer's soft edge otherwise shows what lay beside it in the photo: the wall's light
    colour around a moved arm (a halo), the skin of an arm along the body's edge once the arm
    has gone (a doubled outline), the shirt along a raised forearm. On the outline a solid
    colour would smear the interior out over the matte's ramp (the hair's strands and the
    shirt's edge gone soft): there the foreground's own colour is solved from the matting
    equation, pixel = alpha * foreground + (1 - alpha) * background, with the nearest pixel
    outside the person as the background.
    """
    if not solid.any() or solid.all():
        return rgb
    _, (iy, ix) = ndimage.distance_transform_edt(~solid, return_indices=True)
    out = u8(np.ascontiguousarray(rgb[iy, ix]))
    if alpha is None:
        return out
    edge = (alpha > EDGE_ALPHA) & (alpha <= 0.9) & ~solid
    outside = alpha < 0.05
    if not edge.any() or not outside.any():
        return out
    _, (by, bx) = ndimage.distance_transform_edt(~outside, return_indices=True)
    ey, ex = np.nonzero(edge)
    a = alpha[ey, ex, None]
    back = rgb[by[ey, ex], bx[ey, ex]].astype(np.float32)
    fore = (rgb[ey, ex].astype(np.float32) - (1.0 - a) * back) / a
    out[ey, ex] = np.clip(fore + 0.5, 0, 255).astype(np.uint8)
    return out
