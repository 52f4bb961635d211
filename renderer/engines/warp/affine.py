"""Per-frame 2D affine transforms (T, 2, 3) of the rig's bones, shared by the retargeting steps."""

from __future__ import annotations

import numpy as np

from motionbot.renderer.arrays import F32
from motionbot.renderer.engines.warp.arrays import f32


def unit(v: F32) -> F32:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return f32(v / np.maximum(n, 1e-6))


def bone_affine(a0: F32, b0: F32, a1: F32, b1: F32, along: F32, across: F32) -> F32:
    """(T, 2, 3): maps segment a0-b0 onto a1-b1, scaling along the bone and across it separately."""
    d0 = unit(b0 - a0)
    d1 = unit(b1 - a1)
    n0 = np.stack([-d0[..., 1], d0[..., 0]], -1)
    n1 = np.stack([-d1[..., 1], d1[..., 0]], -1)
    lin = along[:, None, None] * d1[..., :, None] * d0[..., None, :]
    lin = lin + across[:, None, None] * n1[..., :, None] * n0[..., None, :]
    t = a1 - np.einsum("tij,tj->ti", lin, np.broadcast_to(a0, a1.shape))
    return f32(np.concatenate([lin, t[..., None]], axis=-1))


def apply(m: F32, p: F32) -> F32:
    """Apply (T, 2, 3) affines to points (T, 2) or a fixed point (2,)."""
    p = np.broadcast_to(p, (m.shape[0], 2))
    return f32(np.einsum("tij,tj->ti", m[:, :, :2], p) + m[:, :, 2])
