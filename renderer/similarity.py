"""The least-squares similarity between two point sets (Umeyama), shared by the face retargeting
and the face measures: both take head pose out of face landmarks the same way."""

from __future__ import annotations

import numpy as np

from motionbot.renderer.arrays import F64


def similarity(src: F64, dst: F64) -> tuple[float, F64, F64]:
    """Scale, rotation and shift with dst ~ s R src + t, in 2D or 3D (never a reflection)."""
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - mu_s, dst - mu_d
    u, sig, vt = np.linalg.svd(b.T @ a / len(src))
    d = np.ones(len(sig))
    d[-1] = np.sign(np.linalg.det(u @ vt)) or 1.0
    rot = u @ np.diag(d) @ vt
    var = float((a**2).sum() / len(src))
    s = float((sig * d).sum() / max(var, 1e-12))
    return s, rot, mu_d - s * rot @ mu_s


def yaw_pitch(rot: F64) -> tuple[float, float]:
    """Yaw (about image y) and pitch (about image x) in radians of a 3D rotation, its roll (about
    depth) taken out first."""
    roll = float(np.arctan2(rot[1, 0], rot[0, 0]))
    c, s = np.cos(roll), np.sin(roll)
    unrolled = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]]) @ rot
    yaw = float(np.arcsin(np.clip(unrolled[0, 2], -1.0, 1.0)))
    pitch = float(np.arcsin(np.clip(-unrolled[1, 2], -1.0, 1.0)))
    return yaw, pitch
