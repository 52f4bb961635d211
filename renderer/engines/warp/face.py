"""Expression transfer: the performer's face shape, relative to their own calm face, moves the photo's.

Each reference frame's face points are fitted rigidly (rotation, scale, shift in 3D) onto the
performer's calm face, so what is left is expression alone, with head pose taken out; the
calm face is the median face over the clip, its mouth and jaw the median of the frames with
the mouth least open, so a talking clip's neutral is a closed mouth. The residual is carried into the photo's face by a similarity fitted
between the two faces on their rigid points (so it scales with the face's size and turns
with its pose), and spread over the body mesh by barycentric interpolation across the photo's
face points plus a still ring around the face, so the face blends into hair, ears and neck.
The head's roll comes from the rig. Its turn (yaw and pitch) is the rigid fit's rotation carried
onto the photo's face points in 3D, about a pivot behind the face, so the nose swings further
than the cheeks and the far side narrows; the rig's bulge turns the hair with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import Delaunay

from motionbot.renderer.arrays import F32, F64
from motionbot.renderer.engines.warp.arrays import f32
from motionbot.renderer.motion.face_shape import (
    FACE_OVAL,
    FACE_SHAPE_POINTS,
    INNER_LIPS,
    LIDS,
    N_SHAPE_POINTS,
    NO_CROSS,
    OUTER_LIPS,
    RIGID,
    FaceShape,
    shape_index,
)
from motionbot.renderer.perception.face import (
    CHIN,
    FOREHEAD,
    LEFT_CHEEK,
    LEFT_EYE_INNER,
    LEFT_EYE_OUTER,
    MOUTH_LEFT,
    MOUTH_RIGHT,
    RIGHT_CHEEK,
    RIGHT_EYE_INNER,
    RIGHT_EYE_OUTER,
)
from motionbot.renderer.similarity import similarity, yaw_pitch

# A face this tall on the canvas, or taller, gets expressions (smaller ones would not show).
MIN_FACE_SHARE = 0.05
# The still ring around the face sits this many times the face's radius out from its centre.
RING_SCALE = 1.45
# The performer's eyes are taken as open at this quantile of their opening over the clip.
CALM_EYES = 0.7
# An eye opens at most this many times its calm opening (a performer's eyes wide in surprise).
MAX_EYE_OPENING = 1.8
# The neck's turning axis lies this many face heights behind the face's outline.
PIVOT_DEPTH = 0.55
# Yaw and pitch are carried up to this far (radians): past it, a single view has no pixels to show.
MAX_TURN = float(np.deg2rad(28.0))
# The frames with the mouth least open (this share of them) make the performer's calm face.
CALM_SHARE = 0.3
_OVAL = shape_index(*FACE_OVAL)
_LIP_GAP = shape_index(13, 14)
_EYE_LINE = shape_index(RIGHT_EYE_OUTER, LEFT_EYE_OUTER)
# the points that move with the mouth and the jaw
_MOUTH_REGION = sorted(
    {
        *shape_index(*OUTER_LIPS, *INNER_LIPS),
        *_OVAL[12:25],
        *shape_index(50, 280, 205, 425, 187, 411, 214, 434, 207, 427),
    }
)


@dataclass(frozen=True)
class FaceRig:
    """The photo's face in canvas pixels: ``points`` (478, 2) and ``depth`` (478,)."""

    points: F32
    depth: F32 | None = None

    def p(self, i: int) -> F32:
        return f32(self.points[i])

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self.p(CHIN) - self.p(FOREHEAD)))

    @property
    def axes(self) -> tuple[F32, F32]:
        """Unit vectors across the face (towards the subject's left) and down it."""
        across = self.p(LEFT_CHEEK) - self.p(RIGHT_CHEEK)
        across = across / max(float(np.linalg.norm(across)), 1e-6)
        down = f32(np.array([-across[1], across[0]]))
        return f32(across), down

    @property
    def shape(self) -> F32:
        """(N_SHAPE_POINTS, 3) the expression points, depth 0 when unknown."""
        idx = list(FACE_SHAPE_POINTS)
        z = np.zeros(len(idx), np.float32) if self.depth is None else self.depth[idx]
        return f32(np.column_stack([self.points[idx], z]))

    @property
    def mouth_polygon(self) -> F32:
        return f32(self.points[list(INNER_LIPS)])


def densify(face: FaceRig, spacing: float) -> F32:
    """Mesh points for the face: its expression points, and a grid about a third of the mesh
    spacing apart around the eyes and the mouth so those small regions bend smoothly."""
    step = max(1.5, spacing / 3.0)
    out = [face.shape[:, :2]]
    across, down = face.axes
    for centre, half_w, half_h in _feature_boxes(face):
        us = np.arange(-half_w, half_w + 1e-6, step)
        vs = np.arange(-half_h, half_h + 1e-6, step)
        uu, vv = np.meshgrid(us, vs)
        grid = centre + uu.reshape(-1, 1) * across + vv.reshape(-1, 1) * down
        near = np.min(np.linalg.norm(grid[:, None, :] - out[0][None, :, :], axis=2), axis=1)
        out.append(f32(grid[near > 0.6 * step]))
    return f32(np.concatenate(out))


def _feature_boxes(face: FaceRig) -> list[tuple[F32, float, float]]:
    boxes = []
    for outer, inner in ((LEFT_EYE_OUTER, LEFT_EYE_INNER), (RIGHT_EYE_OUTER, RIGHT_EYE_INNER)):
        width = float(np.linalg.norm(face.p(outer) - face.p(inner)))
        boxes.append((f32(0.5 * (face.p(outer) + face.p(inner))), 0.9 * width, 0.6 * width))
    mouth_w = float(np.linalg.norm(face.p(MOUTH_LEFT) - face.p(MOUTH_RIGHT)))
    centre = 0.5 * (face.p(MOUTH_LEFT) + face.p(MOUTH_RIGHT))
    boxes.append((f32(centre + 0.25 * mouth_w * face.axes[1]), 0.8 * mouth_w, 0.75 * mouth_w))
    return boxes


def expression_weights(face: FaceRig, pts: F32, head_weight: F32) -> F32:
    """(n, N_SHAPE_POINTS): how much of each face point's displacement each vertex takes."""
    shape = face.shape[:, :2]
    oval = shape[_OVAL]
    centre = oval.mean(axis=0)
    ring = centre + RING_SCALE * (oval - centre)
    control = np.concatenate([shape, ring]).astype(np.float64)
    tri = Delaunay(control)
    simplex = tri.find_simplex(pts.astype(np.float64))
    weights = np.zeros((len(pts), len(control)), np.float64)
    inside = np.flatnonzero(simplex >= 0)
    if len(inside):
        t = tri.transform[simplex[inside]]  # (m, 3, 2)
        b = np.einsum("mij,mj->mi", t[:, :2], pts[inside].astype(np.float64) - t[:, 2])
        bary = np.column_stack([b, 1.0 - b.sum(axis=1)])
        corners = tri.simplices[simplex[inside]]
        rows = np.repeat(inside, 3)
        np.add.at(weights, (rows, corners.ravel()), bary.ravel())
    return f32(weights[:, :N_SHAPE_POINTS] * head_weight[:, None])


def performer_expression(shape: FaceShape, width: int, height: int) -> tuple[F64, F64]:
    """The performer's expression (T, N_SHAPE_POINTS, 3): each frame's face, head pose taken
    out, minus their calm face; and that calm face (N_SHAPE_POINTS, 3), in reference pixels."""
    pts = shape.points.astype(np.float64) * np.array([width, height, width])
    template = np.median(pts, axis=0)
    aligned = _align_all(pts, template)
    gap = np.linalg.norm(aligned[:, _LIP_GAP[0]] - aligned[:, _LIP_GAP[1]], axis=1)
    calm = gap <= np.quantile(gap, CALM_SHARE)
    # brows and eyes at their usual place over the whole clip; the mouth and jaw as they are
    # when the mouth is shut (a talking clip's median mouth is half open)
    neutral = np.median(aligned, axis=0)
    neutral[_MOUTH_REGION] = np.median(aligned[calm][:, _MOUTH_REGION], axis=0)
    aligned = _align_all(pts, neutral)
    return aligned - neutral[None], neutral


def head_turns(shape: FaceShape, width: int, height: int, neutral: F64) -> F64:
    """(T, 3, 3) each frame's head turn (yaw, then pitch) against the calm face, in reference
    space, its roll taken out (the rig rolls the head) and each angle within MAX_TURN."""
    pts = shape.points.astype(np.float64) * np.array([width, height, width])
    out = np.empty((len(pts), 3, 3))
    for t in range(len(pts)):
        yaw, pitch = yaw_pitch(similarity(neutral[RIGID], pts[t, RIGID])[1])
        out[t] = _rotation(0, float(np.clip(pitch, -MAX_TURN, MAX_TURN))) @ _rotation(
            1, float(np.clip(yaw, -MAX_TURN, MAX_TURN))
        )
    return out


def _rotation(axis: int, angle: float) -> F64:
    """A right-handed rotation about image x (0), y (1) or depth (2)."""
    c, s = float(np.cos(angle)), float(np.sin(angle))
    i, j = [k for k in range(3) if k != axis]
    m = np.eye(3)
    m[i, i], m[i, j], m[j, i], m[j, j] = c, -s if axis != 1 else s, s if axis != 1 else -s, c
    return m


def turned(face: FaceRig, turns: F64, to_photo: F64) -> F64:
    """(T, N_SHAPE_POINTS, 2) the photo's face points turned by ``turns`` (reference space;
    ``to_photo`` rotates that space onto the photo's face, so a three-quarter face nods about
    its own ear line), about a pivot behind the face."""
    shape = face.shape.astype(np.float64)
    forward = to_photo @ np.array([0.0, 0.0, 1.0])
    pivot = shape[_OVAL].mean(axis=0) + PIVOT_DEPTH * face.height * forward
    local = np.einsum("ij,tjk,lk->til", to_photo, turns, to_photo)  # (T, 3, 3) photo space
    moved = np.einsum("tij,nj->tni", local, shape - pivot)[..., :2] + pivot[:2]
    # turning a tilted face in depth tilts its eye line a little: the tilt is the rig's, so the
    # eyes keep the line they had
    (a, b), centre = _EYE_LINE, shape[_OVAL, :2].mean(axis=0)
    before = shape[b, :2] - shape[a, :2]
    after = moved[:, b] - moved[:, a]
    back = np.arctan2(before[1], before[0]) - np.arctan2(after[:, 1], after[:, 0])
    c, s = np.cos(back)[:, None], np.sin(back)[:, None]
    rel = moved - centre
    kept: F64 = np.stack([c * rel[..., 0] - s * rel[..., 1], s * rel[..., 0] + c * rel[..., 1]], axis=-1)
    out: F64 = kept + centre
    return out


def _align_all(pts: F64, template: F64) -> F64:
    out = np.empty_like(pts)
    for t in range(len(pts)):
        s, rot, shift = similarity(pts[t, RIGID], template[RIGID])
        out[t] = s * pts[t] @ rot.T + shift
    return out


def _blink(moved: F64, photo: F64, performer: F64, down: F32) -> None:
    """Set each eye's opening to the performer's, as a share of their calm opening: added as a
    distance, a blink would only half close a wider eye and overshoot a narrower one."""
    for eye in LIDS:
        up, low = [u for u, _ in eye], [v for _, v in eye]
        now = np.linalg.norm(performer[:, up, :2] - performer[:, low, :2], axis=1).mean(axis=1)
        # open eyes are the usual state: the calm face (chosen by its mouth) may be mid-blink
        calm = max(float(np.quantile(now, CALM_EYES)), 1e-6)
        share = np.clip(now / calm, 0.0, MAX_EYE_OPENING)  # (T,)
        gap = (photo[low] - photo[up]) @ down  # (points,) the photo's own opening
        # the whole eye moves as the expression says (a look down, a squint's lift) ...
        shift = 0.5 * ((moved[:, up] - photo[up]) @ down + (moved[:, low] - photo[low]) @ down).mean(axis=1)
        # ... and the upper lid does most of a blink: four times the lower lid's travel
        close = (1.0 - share)[:, None] * gap[None, :]  # (T, points) how much narrower
        target_up = photo[up] @ down + shift[:, None] + 0.8 * close
        target_low = photo[low] @ down + shift[:, None] - 0.2 * close
        moved[:, up] += (target_up - moved[:, up] @ down)[..., None] * down
        moved[:, low] += (target_low - moved[:, low] @ down)[..., None] * down


def expression_track(
    shape: FaceShape | None,
    width: int,
    height: int,
    face: FaceRig | None,
    n: int,
    bulged: F32 | None = None,
) -> F32:
    """(T, N_SHAPE_POINTS, 2) how far each of the photo's face points moves, in canvas pixels
    (in the head's rest frame: the renderer turns and scales it with the head). ``bulged``
    (T, N_SHAPE_POINTS, 2) is what the rig's head bulge already moves each point: the turn
    here replaces it on the face."""
    out = np.zeros((n, N_SHAPE_POINTS, 2), np.float32)
    if shape is None or face is None or len(shape.teeth) == 0:
        return out
    residual, neutral = performer_expression(shape, width, height)
    residual = residual[:n]
    photo = face.shape.astype(np.float64)
    s, rot, _ = similarity(neutral[RIGID], photo[RIGID])
    # the pose is fitted in 3D, but the face mesh guesses depth from one view: its expression in
    # depth is mostly noise, which a turned photo's face would show sideways
    residual = residual.copy()
    residual[..., 2] = 0.0
    moved = photo[None, :, :2] + s * (residual @ rot.T)[..., :2]
    _, down = face.axes
    _blink(moved, photo[:, :2], residual + neutral[None], down)
    for up, low in NO_CROSS:  # an eye or the mouth closes at most, never turns inside out
        gap = (moved[:, low] - moved[:, up]) @ down
        fix = np.minimum(gap, 0.0)[:, None] * 0.5 * down[None]
        moved[:, up] += fix
        moved[:, low] -= fix
    if bulged is not None:
        turns = head_turns(shape, width, height, neutral)[:n]
        turn = turned(face, turns, rot) - photo[None, :, :2]
        # the rig already carries the head as a whole: here only the face's own parallax, inside
        # its outline (the outline often is the photo's silhouette: moved out, it would drag
        # the background's edge across the cheek)
        turn -= turn[:, _OVAL].mean(axis=1, keepdims=True)
        turn[:, _OVAL] = 0.0
        moved += turn - bulged[: len(moved)]
    out[: len(residual)] = f32(moved - photo[None, :, :2])
    return out
