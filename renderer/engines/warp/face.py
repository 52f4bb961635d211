"""Simple expression transfer for close-ups: eyelids, jaw and mouth corners follow the performer.

The photo's face mesh gives where its eyes and mouth are; each expression becomes a
displacement field over the body mesh's vertices (an upper lid sliding down over the eye, the
jaw dropping, the mouth corners pulling apart), scaled per frame by how far the performer's
feature moved away from the performer's own usual value. The body mesh is densified around
the eyes and mouth so those small regions deform smoothly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from motionbot.renderer.engines.warp.arrays import f32
from motionbot.renderer.motion.model import FACE_FEATURES
from motionbot.renderer.perception.face import (
    CHIN,
    FOREHEAD,
    LEFT_CHEEK,
    LEFT_EYE_BOTTOM,
    LEFT_EYE_INNER,
    LEFT_EYE_OUTER,
    LEFT_EYE_TOP,
    LIP_BOTTOM,
    LIP_TOP,
    MOUTH_LEFT,
    MOUTH_RIGHT,
    RIGHT_CHEEK,
    RIGHT_EYE_BOTTOM,
    RIGHT_EYE_INNER,
    RIGHT_EYE_OUTER,
    RIGHT_EYE_TOP,
)

F32 = npt.NDArray[np.float32]
# expression channels: left eye closing, right eye closing, jaw opening, mouth widening
N_EXPRESSIONS = 4
# A face this tall on the canvas, or taller, gets expressions (smaller ones would not show).
MIN_FACE_SHARE = 0.12


@dataclass(frozen=True)
class FaceRig:
    """The photo's face in canvas pixels."""

    points: F32  # (478, 2)

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


def densify(face: FaceRig, spacing: float) -> F32:
    """Extra mesh points around the eyes and the mouth, about a third of the mesh spacing apart."""
    step = max(1.5, spacing / 3.0)
    out = []
    across, down = face.axes
    for centre, half_w, half_h in _feature_boxes(face):
        us = np.arange(-half_w, half_w + 1e-6, step)
        vs = np.arange(-half_h, half_h + 1e-6, step)
        uu, vv = np.meshgrid(us, vs)
        out.append(centre + uu.reshape(-1, 1) * across + vv.reshape(-1, 1) * down)
    return f32(np.concatenate(out)) if out else np.zeros((0, 2), np.float32)


def _feature_boxes(face: FaceRig) -> list[tuple[F32, float, float]]:
    boxes = []
    for outer, inner in ((LEFT_EYE_OUTER, LEFT_EYE_INNER), (RIGHT_EYE_OUTER, RIGHT_EYE_INNER)):
        width = float(np.linalg.norm(face.p(outer) - face.p(inner)))
        boxes.append((f32(0.5 * (face.p(outer) + face.p(inner))), 0.9 * width, 0.6 * width))
    mouth_w = float(np.linalg.norm(face.p(MOUTH_LEFT) - face.p(MOUTH_RIGHT)))
    centre = 0.5 * (face.p(MOUTH_LEFT) + face.p(MOUTH_RIGHT))
    boxes.append((f32(centre + 0.25 * mouth_w * face.axes[1]), 0.8 * mouth_w, 0.75 * mouth_w))
    return boxes


def expression_basis(face: FaceRig, pts: F32, head_weight: F32) -> F32:
    """(N_EXPRESSIONS, n, 2): how each vertex moves at a feature's full strength."""
    across, down = face.axes
    basis = np.zeros((N_EXPRESSIONS, len(pts), 2), np.float32)
    for ch, (top, bottom, outer, inner) in enumerate(
        (
            (LEFT_EYE_TOP, LEFT_EYE_BOTTOM, LEFT_EYE_OUTER, LEFT_EYE_INNER),
            (RIGHT_EYE_TOP, RIGHT_EYE_BOTTOM, RIGHT_EYE_OUTER, RIGHT_EYE_INNER),
        )
    ):
        width = max(float(np.linalg.norm(face.p(outer) - face.p(inner))), 1.0)
        opening = float(np.linalg.norm(face.p(top) - face.p(bottom)))
        centre = 0.5 * (face.p(outer) + face.p(inner))
        u = (pts - centre) @ across / (0.6 * width)
        v = (pts - face.p(top)) @ down / (0.7 * width)
        # the upper lid and the skin just above it slide down; the lower lid stays
        above = np.clip(1.0 - np.abs(v), 0.0, 1.0) * (v <= 0.15)
        w = np.exp(-(u**2)) * above
        basis[ch] = (w * opening * 0.9)[:, None] * down[None, :]
    mouth_w = max(float(np.linalg.norm(face.p(MOUTH_LEFT) - face.p(MOUTH_RIGHT))), 1.0)
    lip_line = 0.5 * (face.p(LIP_TOP) + face.p(LIP_BOTTOM))
    u = (pts - lip_line) @ across / (0.9 * mouth_w)
    v = (pts - lip_line) @ down
    chin = float((face.p(CHIN) - lip_line) @ down)
    # the jaw: everything below the lip line, most at the chin, fading below it into the neck
    jaw = np.clip(v / max(0.35 * chin, 1.0), 0.0, 1.0) * np.clip(
        1.0 - (v - chin) / max(0.5 * chin, 1.0), 0, 1
    )
    jaw = jaw * np.exp(-(u**2))
    basis[2] = (jaw * 0.35 * mouth_w)[:, None] * down[None, :]
    for corner, sign in ((MOUTH_LEFT, 1.0), (MOUTH_RIGHT, -1.0)):
        d = np.linalg.norm(pts - face.p(corner), axis=1) / (0.35 * mouth_w)
        basis[3] += (np.exp(-(d**2)) * sign * 0.15 * mouth_w)[:, None] * across[None, :]
    return f32(basis * head_weight[None, :, None])


def expression_track(face: F32 | None, n_frames: int) -> F32:
    """(T, N_EXPRESSIONS) strengths from a motion's face track, relative to its usual values."""
    out = np.zeros((n_frames, N_EXPRESSIONS), np.float32)
    if face is None or len(face) == 0:
        return out
    col = {name: i for i, name in enumerate(FACE_FEATURES)}
    for ch, name in enumerate(("left_eye_open", "right_eye_open")):
        x = face[:, col[name]]
        usual = max(float(np.median(x)), 0.2)
        out[:, ch] = np.clip((usual - x) / usual, -0.3, 1.0)  # closing is positive
    for ch, name in ((2, "mouth_open"), (3, "mouth_wide")):
        x = face[:, col[name]]
        out[:, ch] = np.clip(x - float(np.median(x)), -0.3, 1.0)
    return out
