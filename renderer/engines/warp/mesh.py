"""A triangle mesh per layer with skinning weights that follow the layer's bone chain.

Weights come from where a vertex sits *along* its chain (shoulder -> elbow -> wrist -> hand
tip), not from raw distance to every bone: a forearm vertex that happens to lie next to the
hip in the photo must not be dragged by the torso. Neighbouring bones blend only in a short
zone around their shared joint, which bends the skin there instead of tearing it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from scipy.spatial import Delaunay

from motionbot.renderer.arrays import F32, I32
from motionbot.renderer.engines.warp.arrays import f32
from motionbot.renderer.engines.warp.face import FaceRig, densify, expression_weights
from motionbot.renderer.engines.warp.parts import segment_distance
from motionbot.renderer.engines.warp.rig import BONES, FIXED, HEAD, LIMB_CHAINS, N_BONES, TORSO, J, Layer, Rig
from motionbot.renderer.engines.warp.skirt import skirt_shares
from motionbot.renderer.motion.face_shape import N_SHAPE_POINTS

# Where (in bone radii past the joint) and over how long a limb hands over from the torso.
SHOULDER_BLEND = (0.15, 0.25)


@dataclass(frozen=True)
class LayerMesh:
    layer: Layer
    rest: F32  # (n, 2) vertex positions in the canvas, the pose the skinning starts from
    triangles: I32  # (m, 3)
    weights: F32  # (n, N_BONES) rows sum to 1
    tri_bone: npt.NDArray[np.int16]  # (m,) the bone that dominates each triangle
    bulge: F32  # (n,) pseudo-3D head turn strength, 0 off the face
    expression: F32  # (n, N_SHAPE_POINTS) share of each face point's displacement a vertex takes
    uv: F32 | None = None  # (n, 2) texture coordinates where they differ from ``rest``
    grown_from: int | None = None  # triangles from this index on are a grown part (sleeve.py)

    @property
    def texture_xy(self) -> F32:
        return self.rest if self.uv is None else self.uv


def mesh_points(region: npt.NDArray[np.bool_], spacing: float) -> F32:
    """Contour points every ``spacing`` pixels plus a staggered interior grid."""
    mask = region.astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    pts: list[F32] = []
    for c in contours:
        c = c[:, 0, :].astype(np.float32)
        if len(c) < 3:
            continue
        seg = np.linalg.norm(np.diff(c, axis=0, append=c[:1]), axis=1)
        arc = np.concatenate([[0.0], np.cumsum(seg)[:-1]])
        n = max(3, int(arc[-1] + seg[-1]) // max(1, int(spacing)))
        picks = np.searchsorted(arc, np.linspace(0, arc[-1] + seg[-1], n, endpoint=False))
        pts.append(c[np.clip(picks, 0, len(c) - 1)])
    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 5)
    h, w = mask.shape
    ys = np.arange(spacing / 2, h, spacing * 0.866, dtype=np.float32)
    grid: list[F32] = []
    for i, y in enumerate(ys):
        xs = np.arange(spacing / 2 + (spacing / 2 if i % 2 else 0.0), w, spacing, dtype=np.float32)
        grid.append(np.stack([xs, np.full_like(xs, y)], axis=1))
    g = np.concatenate(grid) if grid else np.zeros((0, 2), np.float32)
    gi = np.clip(g.round().astype(int), 0, [w - 1, h - 1])
    g = g[dist[gi[:, 1], gi[:, 0]] > 0.45 * spacing]
    allp = np.concatenate([*pts, g]) if pts else g
    return f32(np.unique(allp.round(2), axis=0))


def triangulate(points: F32, region: npt.NDArray[np.bool_]) -> tuple[F32, I32]:
    """Delaunay over the points, keeping triangles that lie inside the region."""
    if len(points) < 3:
        return points, np.zeros((0, 3), np.int32)
    tri = Delaunay(points).simplices.astype(np.int32)
    h, w = region.shape
    p = points[tri]  # (m, 3, 2)
    # Keep a triangle when its centre and at least two of its edge midpoints are inside:
    # demanding all three drops the triangles at concave corners and leaves holes in the skin,
    # demanding only the centre lets long triangles bridge gaps (between an arm and the body).
    inside = []
    for q in (p.mean(axis=1), *(0.5 * (p[:, i] + p[:, (i + 1) % 3]) for i in range(3))):
        qi = np.clip(q.round().astype(int), 0, [w - 1, h - 1])
        inside.append(region[qi[:, 1], qi[:, 0]])
    keep = inside[0] & (np.sum(inside[1:], axis=0) >= 2)
    tri = tri[keep]
    used = np.unique(tri)
    remap = np.full(len(points), -1, np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    return points[used], remap[tri]


def _smoothstep(x: F32) -> F32:
    x = np.clip(x, 0.0, 1.0)
    return f32(x * x * (3.0 - 2.0 * x))


def chain_arc(rig: Rig, layer: Layer, pts: F32) -> F32:
    """Arclength position (px from the chain's root) of each point's nearest point on the
    layer's rigged limb chain; zeros for the body or a limb with no rigged bone."""
    bones = [k for k in LIMB_CHAINS[layer] if rig.rigged[k]] if layer is not Layer.BODY else []
    return _arc(rig, bones, pts)[0] if bones else np.zeros(len(pts), np.float32)


def _arc(rig: Rig, bones: list[int], pts: F32) -> tuple[F32, F32, npt.NDArray[np.float64]]:
    """Arclength of each point's nearest point on the chain of ``bones``; the joints' arclengths
    and the bones' lengths."""
    starts = [rig.joints[BONES[k].a] for k in bones]
    ends = [rig.joints[BONES[k].b] for k in bones]
    lengths = np.array([max(float(np.linalg.norm(e - s)), 1e-3) for s, e in zip(starts, ends, strict=True)])
    cum = np.concatenate([[0.0], np.cumsum(lengths)]).astype(np.float32)
    best = np.full(len(pts), np.inf, np.float32)
    arc = np.zeros(len(pts), np.float32)
    for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
        d, t = segment_distance(pts, s, e)
        better = d < best - 1e-6
        best = np.where(better, d, best)
        arc = np.where(better, cum[i] + t * lengths[i], arc)
    return arc, cum, lengths


def chain_weights(rig: Rig, layer: Layer, pts: F32, radii: F32) -> F32:
    """Skinning weights (n, N_BONES) from the vertices' positions along the layer's chain."""
    n = len(pts)
    w = np.zeros((n, N_BONES), np.float32)
    if layer is Layer.BODY:
        bones = [TORSO] + ([HEAD] if rig.rigged[HEAD] else [])
        parent = TORSO
    else:
        bones = [k for k in LIMB_CHAINS[layer] if rig.rigged[k]]
        parent = TORSO
    if not bones:
        w[:, parent] = 1.0
        return w
    arc, cum, lengths = _arc(rig, bones, pts)
    # u[j] rises 0 -> 1 across joint j (j = 0 is where the chain leaves its parent)
    us: list[F32] = []
    for j, k in enumerate(bones):
        r = float(radii[k]) if radii[k] > 0 else 0.1 * rig.torso_length
        if layer is Layer.BODY:
            if j == 0:
                us.append(np.ones(n, np.float32))
                continue
            neck = float(lengths[j])
            centre, half = cum[j] + 0.35 * neck, 0.25 * neck
        elif j == 0:
            centre, half = cum[0] + SHOULDER_BLEND[0] * r, SHOULDER_BLEND[1] * r
        else:
            centre, half = cum[j], 0.45 * r
        us.append(_smoothstep((arc - (centre - half)) / (2.0 * half)))
    w[:, parent] += 1.0 - us[0]
    for j, k in enumerate(bones):
        nxt = us[j + 1] if j + 1 < len(bones) else np.zeros(n, np.float32)
        w[:, k] += us[j] * (1.0 - nxt)
    if rig.skirt_hem is not None and layer is Layer.BODY:
        w = _skirt_weights(rig, w, pts, radii)
    if rig.pinned_bottom and layer is Layer.BODY:
        h_canvas = rig.cut_y
        band = 0.35 * rig.torso_length
        pin = _smoothstep((pts[:, 1] - (h_canvas - band)) / band)
        w *= (1.0 - pin)[:, None]
        w[:, FIXED] += pin
    return f32(w / np.maximum(w.sum(axis=1, keepdims=True), 1e-6))


def _skirt_weights(rig: Rig, body: F32, pts: F32, radii: F32) -> F32:
    """Body weights with the cloth below the hips handed over to both legs: each leg's chain
    weights, mixed by where the vertex lies between the legs (skirt.skirt_shares)."""
    legs, left = skirt_shares(rig, pts)
    if not legs.any():
        return body
    mixed = left[:, None] * chain_weights(rig, Layer.L_LEG, pts, radii)
    mixed += (1.0 - left)[:, None] * chain_weights(rig, Layer.R_LEG, pts, radii)
    return f32((1.0 - legs)[:, None] * body + legs[:, None] * mixed)


# At the face's centre, a head turn of 1 (see Retarget.head_turn) moves this share of the head's radius.
HEAD_TURN_SHIFT = 0.35


def head_shift(rig: Rig, turn: F32) -> F32:
    """(T, 2) how far a head turn (T, 2) moves a vertex of bulge 1, in the head's rest frame."""
    return f32(turn * (HEAD_TURN_SHIFT * rig.head_radius))


def head_bulge(rig: Rig, pts: F32, weights: F32) -> F32:
    """How far each vertex moves when the head turns: most at the face centre, none at its rim."""
    if not rig.rigged[HEAD]:
        return np.zeros(len(pts), np.float32)
    radius = 1.15 * rig.head_radius
    r = np.linalg.norm(pts - rig.joints[J.HEAD], axis=1) / radius
    return f32(np.clip(1.0 - r * r, 0.0, 1.0) * weights[:, HEAD])


def build_mesh(
    rig: Rig,
    layer: Layer,
    region: npt.NDArray[np.bool_],
    radii: F32,
    spacing: float,
    face: FaceRig | None = None,
) -> LayerMesh:
    pts = mesh_points(region, spacing)
    if face is not None and layer is Layer.BODY:
        extra = densify(face, spacing)
        h, w = region.shape
        xi = np.clip(extra.round().astype(int), 0, [w - 1, h - 1])
        extra = extra[region[xi[:, 1], xi[:, 0]]]
        # drop the regular points the dense patches replace, so no sliver triangles form
        if len(extra):
            near = np.min(np.linalg.norm(pts[:, None, :] - extra[None, ::4, :], axis=2), axis=1)
            pts = np.concatenate([pts[near > 0.5 * spacing], extra]).astype(np.float32)
    rest, tris = triangulate(pts, region)
    weights = chain_weights(rig, layer, rest, radii)
    centroid_w = weights[tris].mean(axis=1)
    tri_bone = np.argmax(centroid_w, axis=1).astype(np.int16)
    if face is not None and layer is Layer.BODY and rig.rigged[HEAD]:
        expression = expression_weights(face, rest, weights[:, HEAD])
    else:
        expression = np.zeros((len(rest), N_SHAPE_POINTS), np.float32)
    return LayerMesh(
        layer=layer,
        rest=rest.astype(np.float32),
        triangles=tris,
        weights=weights,
        tri_bone=tri_bone,
        bulge=head_bulge(rig, rest, weights),
        expression=expression,
    )
