"""The performer's face shape per frame: a subset of face-mesh points that carries expression.

The seven face features say how open an eye or the mouth is; an expression transfer needs
where every part of the face went (a lopsided smile, a raised brow, the jaw's drop), so a
close-up's motion also keeps these points. 170 of the mesh's 478 are enough to drive a dense
warp (contours of the face, lips, eyes, brows, nose and cheeks) and keep a motion file small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from motionbot.renderer.arrays import F32

FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
             152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)  # fmt: skip
OUTER_LIPS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
# corner to corner along the upper lip, then back along the lower lip
INNER_LIPS = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
BROWS = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46, 300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
IRISES = tuple(range(468, 478))
NOSE = (1, 2, 4, 5, 6, 168, 197, 195, 98, 327, 129, 358, 64, 294)
CHEEKS = (50, 280, 205, 425, 187, 411, 116, 345, 117, 346, 147, 376, 214, 434, 207, 427)

FACE_SHAPE_POINTS: tuple[int, ...] = (
    FACE_OVAL + OUTER_LIPS + INNER_LIPS + RIGHT_EYE + LEFT_EYE + BROWS + IRISES + NOSE + CHEEKS
)
N_SHAPE_POINTS = len(FACE_SHAPE_POINTS)
_INDEX = {mesh: i for i, mesh in enumerate(FACE_SHAPE_POINTS)}


def shape_index(*mesh_ids: int) -> list[int]:
    """Positions in FACE_SHAPE_POINTS of face-mesh landmark ids."""
    return [_INDEX[m] for m in mesh_ids]


# Points that hardly move with expression: the head's rigid pose is fitted on them.
RIGID = shape_index(10, 338, 109, 297, 67, 168, 6, 197, 195, 4, 1, 33, 263, 133, 362, 234, 454, 127, 356)
# Pairs that must not cross (upper lid over lower lid, upper lip over lower lip): (upper, lower).
NO_CROSS = (
    list(zip(shape_index(160, 159, 158), shape_index(144, 145, 153), strict=True))
    + list(zip(shape_index(387, 386, 385), shape_index(373, 374, 380), strict=True))
    + list(zip(shape_index(81, 82, 13, 312, 311), shape_index(178, 87, 14, 317, 402), strict=True))
)


# Eyelids, point against point across each eye: (upper lid, lower lid). A blink is carried as
# the share of the performer's own opening, so any photo's eyes close all the way.
LIDS = (
    list(
        zip(
            shape_index(246, 161, 160, 159, 158, 157, 173),
            shape_index(7, 163, 144, 145, 153, 154, 155),
            strict=True,
        )
    ),
    list(
        zip(
            shape_index(466, 388, 387, 386, 385, 384, 398),
            shape_index(249, 390, 373, 374, 380, 381, 382),
            strict=True,
        )
    ),
)


@dataclass(frozen=True, eq=False)
class FaceShape:
    """``points`` (T, N_SHAPE_POINTS, 3): x, y normalised to the frame, z on x's scale;
    ``teeth`` (T,): the share of the mouth's opening that shows teeth."""

    points: F32
    teeth: F32

    def __post_init__(self) -> None:
        if self.points.ndim != 3 or self.points.shape[1:] != (N_SHAPE_POINTS, 3):
            raise ValueError(f"face shape points must be (T, {N_SHAPE_POINTS}, 3), got {self.points.shape}")
        if self.teeth.shape != (self.points.shape[0],):
            raise ValueError("face shape teeth must have one value per frame")

    def trimmed(self, n: int) -> FaceShape:
        return FaceShape(self.points[:n].copy(), self.teeth[:n].copy())

    def to_dict(self) -> dict[str, Any]:
        return {
            "mesh_ids": list(FACE_SHAPE_POINTS),
            "points": np.round(self.points.astype(np.float64), 4).tolist(),
            "teeth": np.round(self.teeth.astype(np.float64), 3).tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaceShape | None:
        """None for a shape of another point set (a motion saved by another release)."""
        if tuple(data.get("mesh_ids") or ()) != FACE_SHAPE_POINTS:
            return None
        points = np.asarray(data["points"], dtype=np.float32).reshape(-1, N_SHAPE_POINTS, 3)
        return cls(points, np.asarray(data["teeth"], dtype=np.float32))
