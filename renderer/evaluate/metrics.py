"""Motion fidelity, identity and stability measures for one rendered pair.

Only limbs that both the photo and the reference show are scored: a half-body photo is not
blamed for legs it never had, and a reference seen from the waist up is not asked for kicks.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from motionbot.renderer.arrays import F32, U8
from motionbot.renderer.engines.warp.arrays import f32, u8
from motionbot.renderer.engines.warp.rig import J
from motionbot.renderer.engines.warp.skirt import DEPTHS, SKIRT_DEPTH, joined_depth
from motionbot.renderer.motion.model import LIMBS
from motionbot.renderer.motion.model import Landmark as L

ANGLE_TOLERANCE_DEG = 30.0
VISIBLE = 0.5
# rig bone index of each scored limb, and the rig joint of each scored landmark
LIMB_BONES: dict[str, int] = {
    "left_upper_arm": 3,
    "left_forearm": 4,
    "right_upper_arm": 6,
    "right_forearm": 7,
    "left_thigh": 9,
    "left_shin": 10,
    "right_thigh": 12,
    "right_shin": 13,
}
LANDMARK_JOINT: dict[int, J] = {
    L.LEFT_SHOULDER: J.L_SHOULDER,
    L.RIGHT_SHOULDER: J.R_SHOULDER,
    L.LEFT_ELBOW: J.L_ELBOW,
    L.RIGHT_ELBOW: J.R_ELBOW,
    L.LEFT_WRIST: J.L_WRIST,
    L.RIGHT_WRIST: J.R_WRIST,
    L.LEFT_HIP: J.L_HIP,
    L.RIGHT_HIP: J.R_HIP,
    L.LEFT_KNEE: J.L_KNEE,
    L.RIGHT_KNEE: J.R_KNEE,
    L.LEFT_ANKLE: J.L_ANKLE,
    L.RIGHT_ANKLE: J.R_ANKLE,
}


@dataclass(frozen=True)
class LimbScore:
    limb_share: float  # limb instances within the angle tolerance
    frame_share: float  # frames in which every scored limb is
    per_limb: dict[str, float]
    instances: int
    frames: int


def _angles(v1: F32, v2: F32) -> F32:
    dot = (v1 * v2).sum(axis=-1)
    cross = v1[..., 0] * v2[..., 1] - v1[..., 1] * v2[..., 0]
    return f32(np.degrees(np.abs(np.arctan2(cross, dot))))


def limb_agreement(out_px: F32, ref_px: F32, ref_vis: F32, limbs: list[str]) -> LimbScore:
    """Share of limb instances pointing within 30 degrees of the reference's.

    ``out_px`` (T, 33, 2) holds NaN where the output had no detectable pose: those count as misses.
    """
    n = min(len(out_px), len(ref_px))
    if not limbs or n == 0:
        return LimbScore(float("nan"), float("nan"), {}, 0, 0)
    ok_all = np.ones(n, bool)
    counted_any = np.zeros(n, bool)
    hits = total = 0
    per_limb: dict[str, float] = {}
    for name in limbs:
        a, b = LIMBS[name]
        counted = np.minimum(ref_vis[:n, a], ref_vis[:n, b]) >= VISIBLE
        ang = _angles(out_px[:n, b] - out_px[:n, a], ref_px[:n, b] - ref_px[:n, a])
        good = np.nan_to_num(ang, nan=180.0) <= ANGLE_TOLERANCE_DEG
        hits += int((good & counted).sum())
        total += int(counted.sum())
        per_limb[name] = float((good & counted).sum() / max(1, counted.sum()))
        ok_all &= good | ~counted
        counted_any |= counted
    frames = int(counted_any.sum())
    return LimbScore(
        limb_share=hits / max(1, total),
        frame_share=float((ok_all & counted_any).sum() / max(1, frames)),
        per_limb=per_limb,
        instances=total,
        frames=frames,
    )


def pck(
    out_px: F32, target_joints: F32, landmarks: list[int], thresholds: tuple[float, ...]
) -> dict[str, float]:
    """Share of landmarks within ``threshold`` x torso length of the retargeted reference pose."""
    n = min(len(out_px), len(target_joints))
    if not landmarks or n == 0:
        return {f"pck@{t:g}": float("nan") for t in thresholds}
    torso = np.linalg.norm(target_joints[:n, J.MID_SHOULDER] - target_joints[:n, J.MID_HIP], axis=1)
    joints = [LANDMARK_JOINT[lm] for lm in landmarks]
    err = np.linalg.norm(out_px[:n, landmarks] - target_joints[:n, joints], axis=2)  # (n, k)
    rel = np.nan_to_num(err / torso[:, None], nan=np.inf)
    return {f"pck@{t:g}": float((rel <= t).mean()) for t in thresholds}


def jitter(px: F32, landmarks: list[int]) -> float:
    """Mean frame-to-frame acceleration of the landmarks, in torso lengths."""
    if not landmarks or len(px) < 3:
        return float("nan")
    mid_sh = 0.5 * (px[:, L.LEFT_SHOULDER] + px[:, L.RIGHT_SHOULDER])
    mid_hip = 0.5 * (px[:, L.LEFT_HIP] + px[:, L.RIGHT_HIP])
    torso = float(np.nanmedian(np.linalg.norm(mid_sh - mid_hip, axis=1)))
    if not np.isfinite(torso) or torso <= 0:
        return float("nan")
    p = px[:, landmarks]
    acc = np.linalg.norm(p[2:] - 2 * p[1:-1] + p[:-2], axis=2)
    return float(np.nanmean(acc) / torso)


# canonical face crop: the person's left eye appears on the image's right
_FACE_SIZE = 96
_FACE_POINTS = np.array([[66, 38], [30, 38], [48, 72]], np.float32)


def face_crop(rgb: U8, keypoints: F32) -> U8 | None:
    """A 96x96 grey face aligned on the eyes and mouth, or None when the face is not visible."""
    idx = [L.LEFT_EYE, L.RIGHT_EYE, L.MOUTH_LEFT, L.MOUTH_RIGHT]
    if np.any(~np.isfinite(keypoints[idx, :2])) or float(keypoints[idx, 3].min()) < VISIBLE:
        return None
    h, w = rgb.shape[:2]
    xy = keypoints[:, :2] * np.array([w, h], np.float32)
    src = np.array(
        [xy[L.LEFT_EYE], xy[L.RIGHT_EYE], 0.5 * (xy[L.MOUTH_LEFT] + xy[L.MOUTH_RIGHT])], np.float32
    )
    if abs(float(np.cross(src[1] - src[0], src[2] - src[0]))) < 4.0:
        return None
    m = cv2.getAffineTransform(src, _FACE_POINTS)
    face = cv2.warpAffine(
        rgb, m, (_FACE_SIZE, _FACE_SIZE), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT
    )
    return u8(cv2.cvtColor(face, cv2.COLOR_RGB2GRAY))


def face_similarity(reference_face: U8, face: U8) -> float:
    return float(structural_similarity(reference_face, face, data_range=255))  # type: ignore[no-untyped-call]


def wrists_in_frame(
    reference: F32, output: F32, wrists: tuple[int, ...] = (L.LEFT_WRIST, L.RIGHT_WRIST), visible: float = 0.5
) -> float:
    """Of the frames where the reference shows a wrist, the share where the output's wrist is
    inside its frame (found by the detector, its position within 0..1); NaN with no such frame.

    ``reference`` and ``output`` are (T, 33, 4) landmarks normalised to their frames; ``wrists``
    the wrists to score (those whose forearm the photo shows).
    """
    n = min(len(reference), len(output))
    shown = total = 0
    for lm in wrists:
        seen = reference[:n, lm, 3] >= visible
        xy = output[:n, lm, :2]
        inside = np.isfinite(xy).all(axis=1) & (xy >= 0.0).all(axis=1) & (xy <= 1.0).all(axis=1)
        total += int(seen.sum())
        shown += int((seen & inside).sum())
    return shown / total if total else float("nan")


# the leg joints a garment's connectivity is measured between, by landmark
_LEG_LANDMARKS = {"L_HIP": L.LEFT_HIP, "R_HIP": L.RIGHT_HIP, "L_KNEE": L.LEFT_KNEE, "R_KNEE": L.RIGHT_KNEE}
# the output is tested this share of the photo's joined depth down the legs: between the crotch
# and the hem, where a dress cut in two shows its gap first
GARMENT_TEST = 0.75


def garment_connectivity(photo_depth: float, keypoints: F32, masks: list[U8 | None]) -> float:
    """Of the output frames with a pose and a person mask, the share where the mask still joins
    the legs without a break at GARMENT_TEST of ``photo_depth`` (how far down the thighs the
    photo's garment joined them, skirt.joined_depth); NaN when the photo's did not reach the
    skirt depth (trousers, bare legs) or no frame could be measured.

    ``keypoints`` (T, 33, 4) are the output's landmarks normalised to its frame; a frame whose
    detector finds no pose is not measured (the limb figures count it already).
    """
    if not (photo_depth >= SKIRT_DEPTH):
        return float("nan")
    need = min(GARMENT_TEST * photo_depth, 0.9)  # the output's ankles are not asked for
    depths = DEPTHS[np.less_equal(DEPTHS, need + 1e-6)]
    joined = measured = 0
    for kp, mask in zip(keypoints, masks, strict=False):
        if mask is None or not np.isfinite(kp[:, :2]).all():
            continue
        size = np.array([mask.shape[1], mask.shape[0]], np.float32)
        joints = {name: f32(kp[lm, :2] * size) for name, lm in _LEG_LANDMARKS.items()}
        measured += 1
        joined += joined_depth(mask > 127, joints, depths) >= float(depths[-1])
    return joined / measured if measured else float("nan")


def body_in_frame(reference: F32, output: F32, landmarks: tuple[int, ...], visible: float = 0.5) -> float:
    """Of the frames where the reference shows any of ``landmarks`` inside its frame, the share
    where the output shows every one of them inside its own (found by the detector, within
    0..1); NaN with no such frame.

    ``landmarks`` are those the photo shows (head, shoulders, hips, and the ends of its scored
    limbs), so a photo with its hands hidden is scored on the rest of the body, not left NaN.
    """
    n = min(len(reference), len(output))
    if not landmarks or n == 0:
        return float("nan")
    lms = list(landmarks)
    ref = reference[:n, lms]
    shown = (ref[..., 3] >= visible) & ((ref[..., :2] >= 0.0) & (ref[..., :2] <= 1.0)).all(axis=-1)
    xy = output[:n, lms, :2]
    inside = np.isfinite(xy).all(axis=-1) & (xy >= 0.0).all(axis=-1) & (xy <= 1.0).all(axis=-1)
    frames = shown.any(axis=1)
    ok = (inside | ~shown).all(axis=1) & frames
    return float(ok.sum() / frames.sum()) if frames.any() else float("nan")
