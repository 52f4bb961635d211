"""Reference motion -> per-frame bone transforms for one rig.

Each bone takes its *direction* from the performer and its *length* from the subject (times
the performer's foreshortening, so an arm pointed at the camera shortens). Root motion and
scale follow the performer relative to the performer's own body size. Everything is computed
for all frames at once before rendering starts: a few array operations, not a per-frame loop
over landmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.ndimage import median_filter, uniform_filter1d

from motionbot.renderer.arrays import F32
from motionbot.renderer.engines.warp.affine import apply as _apply
from motionbot.renderer.engines.warp.affine import bone_affine as _bone_affine
from motionbot.renderer.engines.warp.affine import unit as _unit
from motionbot.renderer.engines.warp.arrays import f32
from motionbot.renderer.engines.warp.face import FaceRig, expression_track
from motionbot.renderer.engines.warp.mesh import head_bulge, head_shift
from motionbot.renderer.engines.warp.rig import (
    BONES,
    FIXED,
    HEAD,
    JOINT_LANDMARKS,
    LIMB_CHAINS,
    N_BONES,
    TORSO,
    J,
    Layer,
    Rig,
    joints_from_landmarks,
)
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.motion.model import Motion

VISIBLE = 0.5
# The shortest a limb is drawn, as a share of its length, however straight at the camera the
# performer points it: squeezed further, its triangles grow thinner than the low-resolution
# map's cells and the limb breaks up into a see-through ghost the detector does not read.
MIN_FORESHORTEN = 0.5
# How far a raised upper arm's shoulder may move out (share of the shoulder width) and then
# the arm turn to pass beside the head, and the arm's half-width (share of the shoulders).
SHOULDER_SHIFT = 0.25
HEAD_CLEAR_LIMIT = np.deg2rad(15.0)
ARM_HALF_WIDTH = 0.15


def _swap_table() -> list[int]:
    table = list(range(33))
    for lm in L:
        if lm.name.startswith("LEFT_"):
            other = L[lm.name.replace("LEFT_", "RIGHT_")]
            table[lm], table[other] = int(other), int(lm)
    return table


SWAP = _swap_table()


@dataclass(frozen=True)
class Retarget:
    transforms: F32  # (T, N_BONES, 2, 3) rest canvas px -> frame canvas px
    joints: F32  # (T, N_JOINTS, 2) the retargeted skeleton (what the subject should show)
    layer_keys: F32  # (T, len(Layer)) draw order: larger is farther, drawn first
    bone_keys: F32  # (T, N_BONES) draw order inside a layer
    head_turn: F32  # (T, 2) pseudo-3D head turn (sideways, up-down) in -1..1
    driven: npt.NDArray[np.bool_]  # (N_BONES,) bones the reference moves
    mirrored: bool  # the performer faces the other way: their left drives the subject's right
    expression: F32  # (T, N_SHAPE_POINTS, 2) how far the photo's face points move (face.py)
    teeth: F32  # (T,) how much of the performer's open mouth shows teeth


def _rot(theta: F32) -> F32:
    c, s = np.cos(theta), np.sin(theta)
    return f32(np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2))


def swap_sides(keypoints: F32) -> F32:
    """Relabel left as right and right as left (the geometry stays where it is)."""
    return keypoints[..., SWAP, :]


def faces_away(motion: Motion, rig: Rig) -> bool:
    """True when the performer's shoulders run the other way round from the subject's.

    A performer filmed from behind has their left shoulder on the image's left; applied as is
    to a subject facing the camera, the torso would be mirrored inside out.
    """
    kp = motion.keypoints
    ref = (kp[:, L.RIGHT_SHOULDER, 0] - kp[:, L.LEFT_SHOULDER, 0]) * motion.width
    subject = float(rig.joints[J.R_SHOULDER, 0] - rig.joints[J.L_SHOULDER, 0])
    return bool(np.median(ref) * subject < 0)


def retarget(motion: Motion, rig: Rig, *, root_motion: bool = True, face: FaceRig | None = None) -> Retarget:
    T = motion.n_frames
    mirrored = faces_away(motion, rig)
    kp = swap_sides(motion.keypoints) if mirrored else motion.keypoints
    size = np.array([motion.width, motion.height], np.float32)
    ref = joints_from_landmarks(kp[..., :2] * size)  # (T, J, 2) in reference pixels
    ref_z = joints_from_landmarks(kp[..., 2:3])[..., 0] * motion.width
    vis_lm = kp[..., 3]
    vis = np.stack([vis_lm[:, list(JOINT_LANDMARKS[j])].min(axis=1) for j in J], axis=1)  # (T, J)
    seen = vis.mean(axis=0) >= VISIBLE
    driven = np.zeros(N_BONES, bool)
    for k, bone in enumerate(BONES):
        if k in (FIXED, TORSO):
            continue
        driven[k] = bool(seen[bone.a] and seen[bone.b]) and bool(rig.rigged[k])
    hips = bool(seen[J.L_HIP] and seen[J.R_HIP])
    shoulders = bool(seen[J.L_SHOULDER] and seen[J.R_SHOULDER])
    driven[TORSO] = shoulders
    rj = rig.joints

    # body size of the performer per frame, and the subject's in the same measure
    if hips:
        body = np.linalg.norm(ref[:, J.MID_SHOULDER] - ref[:, J.MID_HIP], axis=1)
        subject_body = rig.torso_length
        root_ref, root_rest = ref[:, J.MID_HIP], rj[J.MID_HIP]
    else:
        body = 1.5 * np.linalg.norm(ref[:, J.L_SHOULDER] - ref[:, J.R_SHOULDER], axis=1)
        subject_body = 1.5 * rig.shoulder_width
        root_ref, root_rest = ref[:, J.MID_SHOULDER], rj[J.MID_SHOULDER]
    body = _smooth(np.maximum(body, 1.0), max(3, round(motion.fps)))
    body_med = float(np.median(body))
    moving = root_motion and shoulders and not rig.pinned_bottom
    if moving:
        g = np.clip(body / body_med, 0.4, 2.0).astype(np.float32)
        offset = (root_ref - np.median(root_ref, axis=0)) / body_med * subject_body
        root = root_rest + offset
        w, h = rig.canvas
        root[:, 0] = np.clip(root[:, 0], 0.1 * w, 0.9 * w)
        root[:, 1] = np.clip(root[:, 1], 0.1 * h, 0.95 * h)
    else:
        g = np.ones(T, np.float32)
        root = np.broadcast_to(root_rest, (T, 2)).copy()

    transforms = np.zeros((T, N_BONES, 2, 3), np.float32)
    transforms[:, :, 0, 0] = 1.0
    transforms[:, :, 1, 1] = 1.0
    joints = np.broadcast_to(rj, (T, *rj.shape)).copy()

    # torso: direction, shoulder and hip lines from the performer
    if driven[TORSO]:
        tv = ref[:, J.MID_SHOULDER] - ref[:, J.MID_HIP]
        if hips:
            fs = _steady(np.clip(np.linalg.norm(tv, axis=1) / body, 0.7, 1.05))
            up = _unit(tv)
        else:
            fs = np.ones(T, np.float32)
            rest_up = _unit(rj[J.MID_SHOULDER] - rj[J.MID_HIP])
            up = _rotate_like(
                rest_up, ref[:, J.R_SHOULDER] - ref[:, J.L_SHOULDER], rj[J.R_SHOULDER] - rj[J.L_SHOULDER]
            )
        if rig.pinned_bottom:
            up = _limit_turn(up, _unit(rj[J.MID_SHOULDER] - rj[J.MID_HIP]), np.deg2rad(15.0))
        if hips:
            mid_hip = root
        elif moving:  # the root is the mid-shoulder point: hang the hips below it
            mid_hip = root - up * (rig.torso_length * g)[:, None]
        else:
            mid_hip = np.broadcast_to(rj[J.MID_HIP], (T, 2)).copy()
        mid_sh = mid_hip + up * (rig.torso_length * g * fs)[:, None]
        sv = _same_way(ref[:, J.R_SHOULDER] - ref[:, J.L_SHOULDER], rj[J.R_SHOULDER] - rj[J.L_SHOULDER])
        s_ratio = _width_ratio(sv, body)
        s_half = 0.5 * _unit(sv) * (rig.shoulder_width * s_ratio * g)[:, None]
        cur = [mid_sh - s_half, mid_sh + s_half]
        rest = [rj[J.L_SHOULDER], rj[J.R_SHOULDER]]
        if hips:
            hv = _same_way(ref[:, J.R_HIP] - ref[:, J.L_HIP], rj[J.R_HIP] - rj[J.L_HIP])
            h_ratio = _width_ratio(hv, body)
            hip_w = float(np.linalg.norm(rj[J.R_HIP] - rj[J.L_HIP]))
            h_half = 0.5 * _unit(hv) * (hip_w * h_ratio * g)[:, None]
            cur += [mid_hip - h_half, mid_hip + h_half]
            rest += [rj[J.L_HIP], rj[J.R_HIP]]
        else:
            cur += [mid_hip]
            rest += [rj[J.MID_HIP]]
        transforms[:, TORSO] = _fit_affine(np.stack(rest), np.stack(cur, axis=1))
    else:
        transforms[:, TORSO, :, 2] = root - root_rest
    for j in (J.MID_HIP, J.MID_SHOULDER, J.L_SHOULDER, J.R_SHOULDER, J.L_HIP, J.R_HIP):
        joints[:, j] = _apply(transforms[:, TORSO], rj[j])

    # head: roll from the performer's eye line, carried by the neck
    if rig.rigged[HEAD]:
        neck0 = rj[J.MID_SHOULDER]
        neck = joints[:, J.MID_SHOULDER]
        torso_rot = _rotation_of(transforms[:, TORSO])
        eyes_seen = bool(vis_lm[:, [L.LEFT_EYE, L.RIGHT_EYE]].mean() >= VISIBLE)
        if eyes_seen:
            eye = kp[:, L.LEFT_EYE, :2] * size - kp[:, L.RIGHT_EYE, :2] * size
            roll = _wrap(np.arctan2(eye[:, 1], eye[:, 0]) - rig.eye_angle)
            roll = np.clip(roll, -np.deg2rad(40.0), np.deg2rad(40.0))
            driven[HEAD] = True
        else:
            roll = torso_rot
        lin = _rot(roll.astype(np.float32)) * g[:, None, None]
        t = neck - np.einsum("tij,j->ti", lin, neck0)
        transforms[:, HEAD] = np.concatenate([lin, t[..., None]], axis=-1)
        joints[:, J.HEAD] = _apply(transforms[:, HEAD], rj[J.HEAD])

    # limbs: performer's directions, subject's lengths
    # A half-body subject sits close to the camera: the head is large next to the shoulders, and
    # an upper arm raised as the performer raises theirs (beside their own, smaller head) would
    # cross the face. Its shoulder moves out (raising an arm overhead lifts the shoulder
    # blade) and, where that is not enough, the arm turns out, each within a limit: turning
    # alone bends the arm away from the performer's by more than the eye (and the quality
    # report's 30 degrees) forgives.
    clear_head = rig.pinned_bottom and bool(rig.rigged[HEAD])
    clearance = rig.head_radius + ARM_HALF_WIDTH * rig.shoulder_width
    for chain in LIMB_CHAINS.values():
        for k in chain:
            if not rig.rigged[k]:
                continue
            bone = BONES[k]
            a0, b0 = rj[bone.a], rj[bone.b]
            a1 = _apply(transforms[:, bone.parent], a0)
            length = float(np.linalg.norm(b0 - a0))
            if driven[k]:
                rv = ref[:, bone.b] - ref[:, bone.a]
                rl = np.linalg.norm(rv, axis=1)
                full = max(float(np.percentile(rl, 95)), 1e-3)
                fs = _steady(np.clip(rl / full, MIN_FORESHORTEN, 1.0))
                d = _unit(rv)
                if clear_head and bone.parent == TORSO:
                    head = joints[:, J.HEAD]
                    shift_limit = SHOULDER_SHIFT * rig.shoulder_width * g
                    a1 = a1 + _shoulder_shift(d, a1, head, clearance * g, shift_limit)
                    d = _clear_head(d, a1, head, clearance * g, HEAD_CLEAR_LIMIT)
            else:
                d = _unit(_apply_linear(transforms[:, bone.parent], b0 - a0))
                fs = np.ones(T, np.float32)
            b1 = a1 + d * (length * fs * g)[:, None]
            transforms[:, k] = _bone_affine(a0, b0, a1, b1, fs * g, g)
            joints[:, bone.b] = b1

    # draw order from the performer's depth (z: smaller is nearer)
    body_z = ref_z[:, [J.L_SHOULDER, J.R_SHOULDER]].mean(axis=1)
    layer_keys = np.zeros((T, len(Layer)), np.float32)
    # (Drawing an arm raised beside the head behind the head, or behind the whole body, keeps
    # the face in view, but the quality report's limb and frame shares dropped on every dance
    # pair: the detector reads an arm best when all of it shows.)
    bias = {Layer.L_ARM: 0.25, Layer.R_ARM: 0.25, Layer.L_LEG: 0.1, Layer.R_LEG: 0.1}
    for layer, chain in LIMB_CHAINS.items():
        zs = ref_z[:, [BONES[k].b for k in chain[:2]]].mean(axis=1)
        layer_keys[:, layer] = zs - body_z - bias[layer] * body
    layer_keys = uniform_filter1d(layer_keys, size=5, axis=0, mode="nearest")
    bone_keys = np.zeros((T, N_BONES), np.float32)
    for k, bone in enumerate(BONES):
        bone_keys[:, k] = 0.5 * (ref_z[:, bone.a] + ref_z[:, bone.b])
    bone_keys = uniform_filter1d(bone_keys, size=5, axis=0, mode="nearest")
    head_turn = _head_turn(kp, size)
    return Retarget(
        transforms=transforms,
        joints=joints.astype(np.float32),
        layer_keys=layer_keys,
        bone_keys=bone_keys,
        head_turn=head_turn,
        driven=driven,
        mirrored=mirrored,
        expression=expression_track(
            motion.face_shape, motion.width, motion.height, face, T, _bulged(rig, face, head_turn)
        ),
        teeth=np.zeros(T, np.float32) if motion.face_shape is None else motion.face_shape.teeth[:T].copy(),
    )


def _same_way(v: F32, rest: F32) -> F32:
    """Per frame, turn a line that points against the subject's round (a performer mid-spin)."""
    flip = (v @ rest) < 0
    return f32(np.where(flip[:, None], -v, v))


def _smooth(x: F32, window: int) -> F32:
    return f32(median_filter(x.astype(np.float32), size=window, mode="nearest"))


def _width_ratio(v: F32, body: F32) -> F32:
    """Shoulder (or hip) width relative to its usual share of the body: turning narrows it."""
    rel = np.linalg.norm(v, axis=1) / body
    return _steady(np.clip(rel / max(float(np.median(rel)), 1e-6), 0.5, 1.1))


def _steady(x: npt.NDArray[np.floating[Any]]) -> F32:
    """Lengths and widths are the noisiest part of a 2D pose: smooth them over 5 frames."""
    return f32(uniform_filter1d(np.asarray(x, np.float32), size=5, mode="nearest"))


def _fit_affine(rest: F32, cur: F32) -> F32:
    """Least-squares affines (T, 2, 3) taking the rest points (P, 2) to each frame's (T, P, 2)."""
    p = np.concatenate([rest, np.ones((len(rest), 1), np.float32)], axis=1)  # (P, 3)
    pinv = np.linalg.inv(p) if len(rest) == 3 else np.linalg.pinv(p)
    return f32(np.einsum("kp,tpi->tik", pinv, cur))


def _rotation_of(m: F32) -> F32:
    return f32(np.arctan2(m[:, 1, 0] - m[:, 0, 1], m[:, 0, 0] + m[:, 1, 1]))


def _apply_linear(m: F32, v: F32) -> F32:
    return f32(np.einsum("tij,j->ti", m[:, :, :2], v))


def _wrap(a: F32) -> F32:
    return f32((a + np.pi) % (2 * np.pi) - np.pi)


def _rotate_like(v: F32, ref_vec: F32, rest_vec: F32) -> F32:
    """Rotate ``v`` by the angle between rest_vec and each frame's ref_vec."""
    ang = np.arctan2(ref_vec[:, 1], ref_vec[:, 0]) - np.arctan2(rest_vec[1], rest_vec[0])
    return f32(np.einsum("tij,j->ti", _rot(_wrap(ang)), v))


def _shoulder_shift(d: F32, shoulder: F32, head: F32, clearance: F32, limit: F32) -> F32:
    """How far (T, 2) to move the root of an arm pointing along ``d`` from ``shoulder``, square
    to the arm and away from the ``head`` centre, for its line to pass ``clearance`` from the
    head; at most ``limit`` (T,)."""
    v = head - shoulder
    cross = d[:, 0] * v[:, 1] - d[:, 1] * v[:, 0]  # + where the head lies to the arm's left
    towards = (d * v).sum(axis=1) > 0
    short = np.where(towards, np.clip(clearance - np.abs(cross), 0.0, None), 0.0)
    amount = np.minimum(short, limit)
    left = np.stack([-d[:, 1], d[:, 0]], axis=1)
    return f32(left * (-np.sign(cross) * amount)[:, None])


def _clear_head(d: F32, shoulder: F32, head: F32, clearance: F32, limit: float) -> F32:
    """Directions ``d`` (T, 2) from ``shoulder`` turned away from the ``head`` centre until their
    line passes ``clearance`` (T,) from it, by at most ``limit`` radians."""
    v = head - shoulder
    dist = np.maximum(np.linalg.norm(v, axis=1), 1e-3)
    cross = d[:, 0] * v[:, 1] - d[:, 1] * v[:, 0]
    between = np.arctan2(np.abs(cross), (d * v).sum(axis=1))
    need = np.arcsin(np.clip(clearance / dist, 0.0, 1.0))
    turn = np.clip(need - between, 0.0, limit) * np.where(cross > 0, -1.0, 1.0)
    return f32(np.einsum("tij,tj->ti", _rot(f32(turn)), d))


def _limit_turn(v: F32, rest: F32, limit: float) -> F32:
    ang = _wrap(np.arctan2(v[:, 1], v[:, 0]) - np.arctan2(rest[1], rest[0]))
    ang = np.clip(ang, -limit, limit)
    return f32(np.einsum("tij,j->ti", _rot(ang), rest))


def _bulged(rig: Rig, face: FaceRig | None, turn: F32) -> F32 | None:
    """(T, N_SHAPE_POINTS, 2) how far the head's bulge moves each of the photo's face points."""
    if face is None:
        return None
    pts = face.shape[:, :2]
    bulge = head_bulge(rig, pts, np.ones((len(pts), N_BONES), np.float32))
    return f32(bulge[None, :, None] * head_shift(rig, turn)[:, None, :])


def _head_turn(kp: F32, size: F32) -> F32:
    """Sideways and up-down head turn from nose vs ears, relative to the clip's usual pose."""
    nose = kp[:, L.NOSE, :2] * size
    le, re = kp[:, L.LEFT_EAR, :2] * size, kp[:, L.RIGHT_EAR, :2] * size
    ear = le - re
    width = np.maximum(np.linalg.norm(ear, axis=1), 1e-3)
    e = ear / width[:, None]
    n = np.stack([-e[:, 1], e[:, 0]], axis=1)
    rel = nose - 0.5 * (le + re)
    side = (rel * e).sum(axis=1) / (0.5 * width)
    updown = (rel * n).sum(axis=1) / width
    turn = np.stack([side - np.median(side), 2.0 * (updown - np.median(updown))], axis=1)
    seen = kp[:, [L.NOSE, L.LEFT_EAR, L.RIGHT_EAR], 3].min(axis=1) >= 0.3
    turn[~seen] = 0.0
    turn = uniform_filter1d(turn, size=3, axis=0, mode="nearest")
    return f32(np.clip(turn, -0.7, 0.7))
