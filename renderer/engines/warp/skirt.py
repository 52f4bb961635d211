"""A dress, skirt or coat: one piece of cloth over both legs, moved by both.

Labelled by nearest bone, the cloth below the hips goes half to each thigh and the wedge
between them to the torso: when the legs part, the two halves swing apart as trouser legs and
the wedge hangs between them. A garment that joins the legs below the crotch (the person mask
runs unbroken from one leg to the other there) is kept in the body layer instead, down to its
hem, and its mesh is skinned across the legs: each vertex takes the legs' motion in proportion
to where it lies between them, so the cloth stretches between the legs and never opens a gap.
Bare legs below the hem stay leg layers.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32
from motionbot.renderer.engines.warp.arrays import f32
from motionbot.renderer.engines.warp.rig import BONES, J, Layer, Rig

# Trousers part at the crotch, which baggy ones drop past half the thigh (the mask joins the
# legs 0.6 thigh lengths down on the full-body woman's joggers, 0.5 on the man's jeans); a
# garment still joining them this far down is a skirt (a mini skirt above it is missed).
SKIRT_DEPTH = 0.8
# where (in thigh lengths below the hip line) the legs are tested, and the share of a line
# across from one leg to the other that must be inside the person for the legs to be joined
DEPTHS = np.round(np.arange(0.1, 2.01, 0.05), 2)
JOINED = 0.97
# the cloth hands over from the torso to the legs over this much of the thigh below the hips
HANDOVER = 0.4
LEG_BONES = frozenset(k for k, b in enumerate(BONES) if b.layer in (Layer.L_LEG, Layer.R_LEG))


def _leg_point(rig_joints: F32, side: str, depth: float) -> F32:
    """The point ``depth`` thigh lengths down one leg (past the knee, along the shin)."""
    hip, knee, ankle = (J[f"{side}_HIP"], J[f"{side}_KNEE"], J[f"{side}_ANKLE"])
    if depth <= 1.0:
        return f32(rig_joints[hip] + depth * (rig_joints[knee] - rig_joints[hip]))
    return f32(rig_joints[knee] + (depth - 1.0) * (rig_joints[ankle] - rig_joints[knee]))


def joined_depth(
    mask: npt.NDArray[np.float32] | npt.NDArray[np.bool_],
    joints: dict[str, F32],
    depths: npt.NDArray[np.float64] = DEPTHS,
) -> float:
    """How far down the legs (in thigh lengths below the hips) the person mask joins them
    without a break, from the top; 0 when it does not even at the first depth.

    ``joints`` holds L_HIP, R_HIP, L_KNEE, R_KNEE (and L_ANKLE, R_ANKLE for depths past the
    knee) in the mask's pixels. Shared with the quality report, which measures the output.
    """
    h, w = mask.shape
    inside = np.asarray(mask, np.float32) > 0.5
    arr = np.zeros((max(J) + 1, 2), np.float32)
    for name, xy in joints.items():
        arr[J[name]] = xy
    reach = 1.0 if "L_ANKLE" not in joints or "R_ANKLE" not in joints else 2.0
    deepest = 0.0
    for depth in depths:
        if depth > reach:
            break
        a, b = _leg_point(arr, "L", float(depth)), _leg_point(arr, "R", float(depth))
        n = max(8, int(np.linalg.norm(b - a)))
        ts = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
        pts = a[None] + ts * (b - a)[None]
        xs, ys = pts[:, 0].round().astype(int), pts[:, 1].round().astype(int)
        ok = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        if ok.mean() < 0.9:
            break
        if float(inside[ys[ok], xs[ok]].mean()) < JOINED:
            break
        deepest = float(depth)
    return deepest


def with_skirt(rig: Rig, alpha: F32) -> Rig:
    """The rig with ``skirt_hem`` set when the photo's person joins the legs below the crotch."""
    if not (rig.rigged[9] and rig.rigged[12]):
        return rig
    names = ["L_HIP", "R_HIP", "L_KNEE", "R_KNEE"]
    if rig.rigged[10] and rig.rigged[13]:
        names += ["L_ANKLE", "R_ANKLE"]
    depth = joined_depth(alpha, {n: rig.joints[J[n]] for n in names})
    if depth < SKIRT_DEPTH:
        return rig
    return replace(rig, skirt_hem=depth)


def leg_depth(rig: Rig, pts: F32) -> F32:
    """Each point's depth below the hip line along the legs, in thigh lengths (negative above)."""
    j = rig.joints
    hip = 0.5 * (j[J.L_HIP] + j[J.R_HIP])
    down = 0.5 * (j[J.L_KNEE] + j[J.R_KNEE]) - hip
    ll = max(float(down @ down), 1e-6)
    return f32(((pts - hip) @ down) / ll)


def skirt_pixels(rig: Rig, labels: npt.NDArray[np.int16]) -> npt.NDArray[np.bool_]:
    """Leg-labelled pixels above the hem: cloth, which the body layer takes."""
    if rig.skirt_hem is None:
        return np.zeros(labels.shape, bool)
    h, w = labels.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    depth = leg_depth(rig, f32(np.stack([xs.ravel(), ys.ravel()], axis=1))).reshape(h, w)
    legs = np.isin(labels, list(LEG_BONES))
    return np.asarray(legs & (depth <= rig.skirt_hem), dtype=bool)


def skirt_shares(rig: Rig, pts: F32) -> tuple[F32, F32]:
    """Per point: how much of the legs' motion it takes (0 at the hips, 1 from HANDOVER down)
    and how much of that is the left leg's (1 on or outside the left leg's line, 0 on the
    right's, linear between)."""
    depth = leg_depth(rig, pts)
    if rig.skirt_hem is None:
        return np.zeros(len(pts), np.float32), np.full(len(pts), 0.5, np.float32)
    x = np.clip(depth / HANDOVER, 0.0, 1.0)
    legs = f32(x * x * (3.0 - 2.0 * x))
    legs[depth > rig.skirt_hem + 0.3] = 1.0
    along = np.clip(depth, 0.0, 1.0)[:, None]
    j = rig.joints
    lp = j[J.L_HIP][None] + along * (j[J.L_KNEE] - j[J.L_HIP])[None]
    rp = j[J.R_HIP][None] + along * (j[J.R_KNEE] - j[J.R_HIP])[None]
    across = rp - lp
    ll = np.maximum((across * across).sum(axis=1), 1e-6)
    t = ((pts - lp) * across).sum(axis=1) / ll  # 0 on the left leg's line, 1 on the right's
    return legs, f32(np.clip(1.0 - t, 0.0, 1.0))
