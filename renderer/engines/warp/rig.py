"""The 2D skeleton the warp engine animates: joints, bones, layers, fitted to one photo.

Joints are derived from BlazePose landmarks by averaging (a hand tip is the mean of index and
pinky), so the same definition serves the photo and every reference frame. Bones hang off a
parent; a bone that the photo does not show is not rigged, so a half-body photo never grows
legs and its hands stay where they are when the wrists are out of frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32
from motionbot.renderer.engines.warp.arrays import f32
from motionbot.renderer.motion.model import Landmark as L


class J(IntEnum):
    """Rig joints."""

    MID_HIP = 0
    MID_SHOULDER = 1
    HEAD = 2
    L_SHOULDER = 3
    L_ELBOW = 4
    L_WRIST = 5
    L_HAND = 6
    R_SHOULDER = 7
    R_ELBOW = 8
    R_WRIST = 9
    R_HAND = 10
    L_HIP = 11
    L_KNEE = 12
    L_ANKLE = 13
    L_TOE = 14
    R_HIP = 15
    R_KNEE = 16
    R_ANKLE = 17
    R_TOE = 18


JOINT_LANDMARKS: tuple[tuple[int, ...], ...] = (
    (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    (L.LEFT_EAR, L.RIGHT_EAR, L.LEFT_EYE, L.RIGHT_EYE),
    (L.LEFT_SHOULDER,),
    (L.LEFT_ELBOW,),
    (L.LEFT_WRIST,),
    (L.LEFT_PINKY, L.LEFT_INDEX),
    (L.RIGHT_SHOULDER,),
    (L.RIGHT_ELBOW,),
    (L.RIGHT_WRIST,),
    (L.RIGHT_PINKY, L.RIGHT_INDEX),
    (L.LEFT_HIP,),
    (L.LEFT_KNEE,),
    (L.LEFT_ANKLE,),
    (L.LEFT_FOOT_INDEX,),
    (L.RIGHT_HIP,),
    (L.RIGHT_KNEE,),
    (L.RIGHT_ANKLE,),
    (L.RIGHT_FOOT_INDEX,),
)
N_JOINTS = len(JOINT_LANDMARKS)


def _joint_matrix() -> F32:
    m = np.zeros((N_JOINTS, 33), dtype=np.float32)
    for j, lms in enumerate(JOINT_LANDMARKS):
        m[j, list(lms)] = 1.0 / len(lms)
    return m


JOINT_MATRIX = _joint_matrix()


def joints_from_landmarks(values: F32) -> F32:
    """(..., 33, C) landmark values -> (..., N_JOINTS, C) joint values (visibility averages too)."""
    return f32(np.einsum("jl,...lc->...jc", JOINT_MATRIX, values))


class Layer(IntEnum):
    BODY = 0
    L_ARM = 1
    R_ARM = 2
    L_LEG = 3
    R_LEG = 4


@dataclass(frozen=True)
class Bone:
    name: str
    a: J
    b: J
    parent: int  # bone index; 0 is the fixed frame
    layer: Layer


# Bone 0 is the world: identity transform, used to pin what the frame edge cuts through.
BONES: tuple[Bone, ...] = (
    Bone("fixed", J.MID_HIP, J.MID_HIP, 0, Layer.BODY),
    Bone("torso", J.MID_HIP, J.MID_SHOULDER, 0, Layer.BODY),
    Bone("head", J.MID_SHOULDER, J.HEAD, 1, Layer.BODY),
    Bone("left_upper_arm", J.L_SHOULDER, J.L_ELBOW, 1, Layer.L_ARM),
    Bone("left_forearm", J.L_ELBOW, J.L_WRIST, 3, Layer.L_ARM),
    Bone("left_hand", J.L_WRIST, J.L_HAND, 4, Layer.L_ARM),
    Bone("right_upper_arm", J.R_SHOULDER, J.R_ELBOW, 1, Layer.R_ARM),
    Bone("right_forearm", J.R_ELBOW, J.R_WRIST, 6, Layer.R_ARM),
    Bone("right_hand", J.R_WRIST, J.R_HAND, 7, Layer.R_ARM),
    Bone("left_thigh", J.L_HIP, J.L_KNEE, 1, Layer.L_LEG),
    Bone("left_shin", J.L_KNEE, J.L_ANKLE, 9, Layer.L_LEG),
    Bone("left_foot", J.L_ANKLE, J.L_TOE, 10, Layer.L_LEG),
    Bone("right_thigh", J.R_HIP, J.R_KNEE, 1, Layer.R_LEG),
    Bone("right_shin", J.R_KNEE, J.R_ANKLE, 12, Layer.R_LEG),
    Bone("right_foot", J.R_ANKLE, J.R_TOE, 13, Layer.R_LEG),
)
N_BONES = len(BONES)
FIXED, TORSO, HEAD = 0, 1, 2
LIMB_CHAINS: dict[Layer, tuple[int, ...]] = {
    Layer.L_ARM: (3, 4, 5),
    Layer.R_ARM: (6, 7, 8),
    Layer.L_LEG: (9, 10, 11),
    Layer.R_LEG: (12, 13, 14),
}

VISIBLE = 0.5


@dataclass(frozen=True)
class Rig:
    """The skeleton of one photo, in canvas pixels."""

    joints: F32  # (N_JOINTS, 2)
    z: F32  # (N_JOINTS,) BlazePose relative depth, canvas-pixel scale
    rigged: npt.NDArray[np.bool_]  # (N_BONES,) which bones move
    torso_length: float
    shoulder_width: float
    head_radius: float
    canvas: tuple[int, int]  # width, height
    eye_angle: float  # radians of the line from the right eye to the left eye
    pinned_bottom: bool  # the frame's bottom edge cuts the body: keep that edge in place
    cut_y: float  # canvas y of the photo's bottom edge (the cut a pinned body stays on)
    # a garment joins the legs down to this many thigh lengths below the hips (skirt.py)
    skirt_hem: float | None = None

    def bone_segment(self, k: int) -> tuple[F32, F32]:
        return self.joints[BONES[k].a], self.joints[BONES[k].b]

    def bone_length(self, k: int) -> float:
        a, b = self.bone_segment(k)
        return float(np.linalg.norm(b - a))

    @property
    def has_legs(self) -> bool:
        return bool(self.rigged[9] or self.rigged[12])


def fit_rig(
    keypoints: F32, width: int, height: int, photo_box: tuple[float, float, float, float] | None = None
) -> Rig:
    """Fit the rig to one photo's pose: (33, 4) landmarks normalised to a width x height canvas.

    ``photo_box`` (x0, y0, x1, y1) is where the photo lies on the canvas when the canvas shows
    more than the photo: only landmarks inside the photo count as seen, and its bottom edge is
    the cut that a half-body subject is pinned to.
    """
    lm = keypoints.astype(np.float32)
    px = lm[:, :2] * np.array([width, height], dtype=np.float32)
    joints = joints_from_landmarks(px)
    z = joints_from_landmarks(lm[:, 2:3])[:, 0] * width
    margin = 0.01 * max(width, height)
    x0, y0, x1, y1 = photo_box if photo_box is not None else (0.0, 0.0, float(width), float(height))
    inside = (
        (px[:, 0] > x0 - margin)
        & (px[:, 0] < x1 + margin)
        & (px[:, 1] > y0 - margin)
        & (px[:, 1] < y1 - margin)
    )
    seen = (lm[:, 3] >= VISIBLE) & inside
    joint_seen = np.array([bool(np.all(seen[list(lms)])) for lms in JOINT_LANDMARKS])
    # A hand tip is rigged when either of its two points is seen.
    for j, lms in ((J.L_HAND, (L.LEFT_PINKY, L.LEFT_INDEX)), (J.R_HAND, (L.RIGHT_PINKY, L.RIGHT_INDEX))):
        joint_seen[j] = bool(np.any(seen[list(lms)]))
    rigged = np.zeros(N_BONES, dtype=bool)
    rigged[TORSO] = True
    rigged[HEAD] = bool(joint_seen[J.HEAD] or seen[L.NOSE])
    for chain in LIMB_CHAINS.values():
        for k in chain:
            bone = BONES[k]
            parent_ok = bone.parent == TORSO or rigged[bone.parent]
            rigged[k] = parent_ok and joint_seen[bone.a] and joint_seen[bone.b]
    torso_length = float(np.linalg.norm(joints[J.MID_SHOULDER] - joints[J.MID_HIP]))
    shoulder_width = float(np.linalg.norm(joints[J.L_SHOULDER] - joints[J.R_SHOULDER]))
    ear_width = float(np.linalg.norm(px[L.LEFT_EAR] - px[L.RIGHT_EAR]))
    head_radius = max(0.75 * ear_width, 0.3 * shoulder_width, 0.08 * min(width, height))
    torso_length = max(torso_length, 1.2 * shoulder_width, 1.0)
    hips_seen = bool(joint_seen[J.L_HIP] and joint_seen[J.R_HIP])
    # Without legs the frame's bottom edge cuts the body: that edge must stay where it is.
    pinned = not (rigged[9] or rigged[12])
    eye = px[L.LEFT_EYE] - px[L.RIGHT_EYE]
    eye_angle = float(np.arctan2(eye[1], eye[0]))
    if not hips_seen:
        # The photo ends above the hips: put them where a body of these shoulders would have them.
        down = _perpendicular_down(joints[J.L_SHOULDER], joints[J.R_SHOULDER])
        torso_length = max(torso_length, 1.4 * shoulder_width)
        for hip, sh in ((J.L_HIP, J.L_SHOULDER), (J.R_HIP, J.R_SHOULDER)):
            joints[hip] = joints[sh] * 0.8 + joints[J.MID_SHOULDER] * 0.2 + down * torso_length
        joints[J.MID_HIP] = 0.5 * (joints[J.L_HIP] + joints[J.R_HIP])
    return Rig(
        joints=joints.astype(np.float32),
        z=z.astype(np.float32),
        rigged=rigged,
        torso_length=torso_length,
        shoulder_width=max(shoulder_width, 1.0),
        head_radius=head_radius,
        canvas=(width, height),
        eye_angle=eye_angle,
        pinned_bottom=pinned,
        cut_y=float(y1),
    )


def _perpendicular_down(left: F32, right: F32) -> F32:
    d = right - left
    n = np.array([-d[1], d[0]], dtype=np.float32)
    n /= max(float(np.linalg.norm(n)), 1e-6)
    if n[1] < 0:
        n = -n
    return n
