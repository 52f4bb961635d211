"""Part segmentation of the subject and one texture per layer (body, each arm, each leg).

An arm resting on the torso in the photo must move as an arm, and the torso behind it must not
leave a hole when it does. Each matte pixel goes to the bone it is nearest to relative to that
bone's thickness (measured from the matte's distance transform); limbs become their own layers,
and the body layer is completed under them by filling from the body's own pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32, U8
from motionbot.renderer.engines.warp.arm_cut import own_colours, tighten_arms, under_arms
from motionbot.renderer.engines.warp.fill import continue_body, continue_torso
from motionbot.renderer.engines.warp.rig import BONES, HEAD, LIMB_CHAINS, N_BONES, TORSO, J, Layer, Rig
from motionbot.renderer.engines.warp.skirt import skirt_pixels

# Arms usually lie in front of the torso and legs in a photo: where a pixel is about as near
# an arm as a body or leg bone, it is the arm's (a hand resting on a thigh stays a hand).
ARM_PRIORITY = 0.75
# largest half-thickness of a limb part, as a share of the shoulder width
MAX_WIDTH = {"upper_arm": 0.25, "forearm": 0.2, "hand": 0.18, "thigh": 0.4, "shin": 0.3, "foot": 0.22}
# An arm lying across the body has no edge in the matte on its inner side: there it reaches at
# most a usual arm's half-thickness (share of the shoulder width) from its bone, so the arm
# layer does not carry off the torso, the hair or the chin it rests on.
HAND_REACH = 0.8
# the torso's side under the arm: this far down towards the hip, this share of the shoulders in
ARMPIT_DROP, ARMPIT_INSET = 0.3, 0.1
INNER_WIDTH = {"upper_arm": 0.15, "forearm": 0.12, "hand": 0.09}
# how near (RGB distance) a limb pixel must be to the background's colour to be taken for wall
SEEN_THROUGH = 28.0


@dataclass(frozen=True)
class LayerTexture:
    layer: Layer
    rgba: U8  # premultiplied RGB + alpha, canvas size
    region: npt.NDArray[np.bool_]  # where the layer's mesh must reach (alpha > 0, grown a little)


def segment_distance(px: F32, a: F32, b: F32) -> tuple[F32, F32]:
    """Distance from points (N, 2) to segment a-b, and the clamped parameter along it."""
    d = b - a
    ll = float(d @ d)
    if ll < 1e-9:
        t = np.zeros(len(px), np.float32)
    else:
        t = np.clip(((px - a) @ d) / ll, 0.0, 1.0).astype(np.float32)
    proj = a + t[:, None] * d
    return np.linalg.norm(px - proj, axis=1).astype(np.float32), t


def bone_radii(rig: Rig, alpha: F32) -> F32:
    """Half-thickness of each rigged bone's body part, in pixels."""
    radii = np.zeros(N_BONES, np.float32)
    radii[TORSO] = 0.5 * max(
        rig.shoulder_width, float(np.linalg.norm(rig.joints[J.L_HIP] - rig.joints[J.R_HIP]))
    )
    radii[TORSO] = max(radii[TORSO], 0.3 * rig.torso_length)
    radii[HEAD] = rig.head_radius
    inside = (alpha > 0.5).astype(np.uint8)
    dist = cv2.distanceTransform(inside, cv2.DIST_L2, 5)
    h, w = alpha.shape
    for chain in LIMB_CHAINS.values():
        for k in chain:
            if not rig.rigged[k]:
                continue
            a, b = rig.bone_segment(k)
            ts = np.linspace(0.2, 0.8, 9, dtype=np.float32)
            pts = a[None] + ts[:, None] * (b - a)[None]
            xs = np.clip(pts[:, 0].round().astype(int), 0, w - 1)
            ys = np.clip(pts[:, 1].round().astype(int), 0, h - 1)
            measured = float(np.median(dist[ys, xs]))
            lo, hi = 0.05 * rig.torso_length, 0.22 * rig.torso_length
            if "hand" in BONES[k].name or "foot" in BONES[k].name:
                lo, hi = 0.04 * rig.torso_length, 0.16 * rig.torso_length
            # a limb lying against the body or the face measures as thick as both together:
            # no arm is wider than this share of the shoulders
            hi = min(hi, MAX_WIDTH.get(BONES[k].name.split("_", 1)[1], 1.0) * rig.shoulder_width)
            lo = min(lo, hi)
            radii[k] = 1.15 * float(np.clip(measured if measured > 0 else hi, lo, hi))
    return radii


def label_parts(rig: Rig, alpha: F32, radii: F32) -> npt.NDArray[np.int16]:
    """Bone index per pixel (-1 outside the subject), computed at half resolution."""
    h, w = alpha.shape
    s = 0.5
    hs, ws = max(1, round(h * s)), max(1, round(w * s))
    ys, xs = np.mgrid[0:hs, 0:ws].astype(np.float32)
    pts = np.stack([(xs.ravel() + 0.5) / s - 0.5, (ys.ravel() + 0.5) / s - 0.5], axis=1)
    best = np.full(len(pts), np.inf, np.float32)
    label = np.full(len(pts), TORSO, np.int16)
    for k in range(1, N_BONES):
        if not rig.rigged[k]:
            continue
        a, b = rig.bone_segment(k)
        if k == HEAD:
            a = b = rig.joints[J.HEAD]
        elif BONES[k].name.endswith(("hand", "foot")):
            # the landmarks stop at the knuckles and the toes' base; fingers reach about as far again
            b = b + (HAND_REACH if BONES[k].name.endswith("hand") else 0.4) * (b - a)
        if BONES[k].layer in (Layer.L_ARM, Layer.R_ARM):
            score = _arm_score(rig, k, a, b, pts, float(radii[k]))
            hidden = _hidden_forearm(rig, k)
            if hidden is not None:
                # a forearm the photo barely shows (in a pocket, behind the back) leaves the
                # body with its arm instead of staying behind on it as a stray patch of skin
                score = np.minimum(score, _arm_score(rig, k + 1, *hidden, pts, float(radii[k])))
        else:
            d, _ = segment_distance(pts, a, b)
            score = d / max(float(radii[k]), 1.0)
        better = score < best
        best = np.where(better, score, best)
        label = np.where(better, k, label).astype(np.int16)
    small = label.reshape(hs, ws)
    full = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST).astype(np.int16)
    # a dress's cloth over the legs is the body's, skinned across both legs (skirt.py)
    full[skirt_pixels(rig, full)] = TORSO
    full[alpha <= 0.02] = -1
    return full


def _arm_score(rig: Rig, k: int, a: F32, b: F32, pts: F32, radius: float) -> F32:
    """Distance to arm bone k's segment a-b in its radii, narrow on the side facing the torso."""
    d, _ = segment_distance(pts, a, b)
    inner = _inner_side(rig, a, b, pts)
    if BONES[k].parent == TORSO:
        # the shoulder's cap above the joint stays with the torso: turned with a raised arm
        # it would hang below the armpit as a dark lump
        inner |= _before(a, b, pts)
    narrow = min(radius, INNER_WIDTH[BONES[k].name.split("_", 1)[1]] * rig.shoulder_width)
    score = np.where(inner, d / max(narrow, 1.0), d / max(radius, 1.0))
    return (score * ARM_PRIORITY).astype(np.float32)


def _hidden_forearm(rig: Rig, k: int) -> tuple[F32, F32] | None:
    """Elbow and guessed wrist of upper arm k's forearm when the rig has none but the pose
    network's guess of the wrist lies inside the photo: what lies along it is the arm's
    (sleeve.py fades it past the elbow and grows a forearm), not the body's.

    Not for a photo cut at the waist: there the forearm usually rests across the body at a
    right angle to its upper arm, and carried rigidly it sweeps across the head whenever the
    arm rises (the quality report's dance scores fell by a tenth).
    """
    if BONES[k].parent != TORSO or rig.rigged[k + 1] or rig.pinned_bottom:
        return None
    elbow, wrist = rig.joints[BONES[k + 1].a], rig.joints[BONES[k + 1].b]
    w, _ = rig.canvas
    if not (0 <= wrist[0] < w and 0 <= wrist[1] < rig.cut_y):
        return None
    return elbow, wrist


def _before(a: F32, b: F32, pts: F32) -> npt.NDArray[np.bool_]:
    """Which points project onto the line a-b before a (past the joint, away from b)."""
    return ((pts - a) @ (b - a)) < 0


def _inner_side(rig: Rig, a: F32, b: F32, pts: F32) -> npt.NDArray[np.bool_]:
    """Which points lie on the side of the bone a-b that faces the torso's axis."""
    d = b - a
    n = np.array([-d[1], d[0]], np.float32)
    mid = 0.5 * (a + b)
    _, t = segment_distance(mid[None], rig.joints[J.MID_SHOULDER], rig.joints[J.MID_HIP])
    axis = rig.joints[J.MID_SHOULDER] + t[0] * (rig.joints[J.MID_HIP] - rig.joints[J.MID_SHOULDER])
    towards = float(n @ (axis - mid))
    return ((pts - a) @ n) * towards > 0


def _torso_hull(rig: Rig, shape: tuple[int, int], *, pelvis: bool) -> npt.NDArray[np.bool_]:
    """The torso's outline between shoulders and hips: limb pixels inside it cover torso.

    With ``pelvis`` it reaches below the hip line to the crotch, which legs swinging apart
    would otherwise uncover.
    """
    j = rig.joints
    lhip, rhip = j[J.L_HIP], j[J.R_HIP]
    lsh, rsh = j[J.L_SHOULDER], j[J.R_SHOULDER]
    # the shoulder landmarks sit inside the arms: below them the torso's side runs an upper
    # arm's half-thickness further in, and what lies outside that was arm, not torso
    across = (rsh - lsh) / max(float(np.linalg.norm(rsh - lsh)), 1e-6)
    inset = ARMPIT_INSET * rig.shoulder_width
    l_pit = lsh + ARMPIT_DROP * (lhip - lsh) + inset * across
    r_pit = rsh + ARMPIT_DROP * (rhip - rsh) - inset * across
    if pelvis:
        down = (j[J.MID_HIP] - j[J.MID_SHOULDER]) * 0.3
        pts = [lsh, rsh, r_pit, rhip, rhip + down, lhip + down, lhip, l_pit]
    else:
        pts = [lsh, rsh, r_pit, rhip, lhip, l_pit]
    poly = np.array(pts, np.float32)
    centre = poly.mean(axis=0)
    poly = centre + (poly - centre) * 1.05
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], (1,))
    return mask > 0


def _head_disc(rig: Rig, shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
    """The head and the neck down to the shoulder line: what a hand at the chin hides there is
    face and neck, which the body layer continues under it."""
    mask = np.zeros(shape, np.uint8)
    if rig.rigged[HEAD]:
        head = rig.joints[J.HEAD]
        r = 1.1 * rig.head_radius
        cv2.circle(mask, (round(float(head[0])), round(float(head[1]))), round(r), (1,), -1)
        lsh, rsh = rig.joints[J.L_SHOULDER], rig.joints[J.R_SHOULDER]
        across = (rsh - lsh) / max(float(np.linalg.norm(rsh - lsh)), 1e-6)
        neck = np.array([head - r * across, head + r * across, rsh, lsh], np.float32)
        cv2.fillPoly(mask, [np.round(neck).astype(np.int32)], (1,))
    return mask > 0


def layer_textures(
    rgb: U8,
    alpha: F32,
    labels: npt.NDArray[np.int16],
    rig: Rig,
    padding: npt.NDArray[np.bool_] | None = None,
) -> list[LayerTexture]:
    """Premultiplied RGBA per layer that has pixels, body first.

    The body also covers the arm pixels lying inside the torso's outline, with its colours
    continued underneath: when the arm moves away the jacket is still there, not a hole.
    A leg, or the body, also covers the notch an arm cuts into its outline (arm_cut.under_arms),
    mirrored from its own pixels across the notch's edge: a smooth fill from all sides smeared
    the hip's colours together there.
    ``padding`` marks canvas pixels the photo does not cover (they show no real background).
    """
    h, w = alpha.shape
    labels = tighten_arms(rgb, alpha, labels, rig)
    bone_layer = np.array([b.layer for b in BONES], np.int16)
    layer_of = np.where(labels >= 0, bone_layer[np.maximum(labels, 0)], -1)
    arm_px = (layer_of == Layer.L_ARM) | (layer_of == Layer.R_ARM)
    margin = max(4, round(0.012 * max(h, w)))
    # a notch an arm cuts into the outline of the body or a leg (a hand on the hip, beside the
    # shorts) is that part's, filled from its own pixels
    hidden_by = under_arms(labels, alpha, rig)
    hidden_in = np.where(hidden_by >= 0, bone_layer[np.maximum(hidden_by, 0)], -1)
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
    out: list[LayerTexture] = []
    for layer in Layer:
        own_px = layer_of == layer
        if layer is not Layer.BODY and own_px.sum() < 50:
            continue
        colour = rgb
        if layer is Layer.BODY:
            # the torso polygon also takes the top of the legs (the pelvis) in the photo's
            # pixels; an arm hanging beside the hips hides leg there, not torso
            torso = _torso_hull(rig, (h, w), pelvis=False)
            covered = _torso_hull(rig, (h, w), pelvis=True) & (layer_of > 0) & (torso | ~arm_px)
            # a hand at the chin or in the hair hides face, not background
            head = _head_disc(rig, (h, w))
            covered |= (head & arm_px) | (hidden_in == Layer.BODY)
            colour = continue_body(rgb, covered & arm_px, labels, rig, head)
        else:
            covered = hidden_in == layer
            if covered.any():
                colour = continue_torso(rgb, covered, own_px)
            if rig.pinned_bottom and layer in (Layer.L_ARM, Layer.R_ARM):
                own_px = own_px & ~_background_seen_through(rgb, alpha, own_px, padding)
        soft = cv2.GaussianBlur(own_px.astype(np.float32), (0, 0), 1.0)
        if covered.any():
            # where the covered part joins the layer's own pixels, two blurred halves would
            # each fall to 0.5 and leave a see-through line: there blur them as one
            cov = covered.astype(np.float32)
            soft = np.maximum(soft, cv2.GaussianBlur(cov, (0, 0), 1.0))
            seam = (cv2.dilate(own_px.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0) & (
                cv2.dilate(covered.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
            )
            joined = cv2.GaussianBlur((own_px | covered).astype(np.float32), (0, 0), 1.0)
            soft[seam] = joined[seam]
        a = np.clip(alpha * soft, 0.0, 1.0)
        # the soft edge takes the layer's own colour, not what lay beside it in the photo
        solid = cv2.erode((own_px | covered).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        colour = own_colours(colour, solid & (alpha > 0.9), alpha)
        a[a < 0.004] = 0.0
        rgba = np.empty((h, w, 4), np.uint8)
        rgba[..., :3] = np.clip(colour.astype(np.float32) * a[..., None] + 0.5, 0, 255).astype(np.uint8)
        rgba[..., 3] = np.clip(a * 255.0 + 0.5, 0, 255).astype(np.uint8)
        region = cv2.dilate((a > 0).astype(np.uint8), grow) > 0
        out.append(LayerTexture(layer=layer, rgba=rgba, region=region))
    return out


def _background_seen_through(
    rgb: U8, alpha: F32, own: npt.NDArray[np.bool_], padding: npt.NDArray[np.bool_] | None
) -> npt.NDArray[np.bool_]:
    """Pixels of an arm that are the wall behind it: in a photo cut at the waist the arms rest
    close to the body, and the person mask takes in the gap between them. Left on the arm, that
    patch of wall rises with it as a grey hole in the sleeve. A pixel inside the matte goes when
    it is near the colour of the background just outside the subject around the arm and far
    from the arm's own colour (a grey sleeve in front of a grey wall keeps its pixels).

    Not for full-body photos: there the same test takes white sneakers on a white studio floor
    and striped cuffs for wall, and the quality report's dance frames fell below target."""
    ys, xs = np.nonzero(own)
    if len(xs) < 50:
        return np.zeros_like(own)
    h, w = own.shape
    pad = max(8, round(0.05 * max(h, w)))
    x0, x1 = max(0, xs.min() - pad), min(w, xs.max() + pad + 1)
    y0, y1 = max(0, ys.min() - pad), min(h, ys.max() + pad + 1)
    box_rgb = rgb[y0:y1, x0:x1].astype(np.float32)
    outside = alpha[y0:y1, x0:x1] < 0.05
    if padding is not None:
        outside &= ~padding[y0:y1, x0:x1]
    if outside.sum() < 50:
        return np.zeros_like(own)
    back = np.median(box_rgb[outside], axis=0)
    # an arm shows two colours, the sleeve and the hand: a shaded palm is far from a black
    # sleeve but near its own hand's colour, and stays
    arm = box_rgb[own[y0:y1, x0:x1]]
    shade = arm.sum(axis=1)
    dark, light = arm[shade <= np.median(shade)], arm[shade >= np.median(shade)]
    d_back = np.linalg.norm(box_rgb - back, axis=2)
    d_mine = np.minimum(
        np.linalg.norm(box_rgb - np.median(dark, axis=0), axis=2),
        np.linalg.norm(box_rgb - np.median(light, axis=0), axis=2),
    )
    wall = (d_back < SEEN_THROUGH) & (d_back < 0.4 * d_mine)
    out = np.zeros_like(own)
    out[y0:y1, x0:x1] = wall & own[y0:y1, x0:x1]
    return out
