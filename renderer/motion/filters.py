"""Temporal clean-up of a pose track: gap filling and One Euro smoothing.

The One Euro filter (Casiez et al., CHI 2012) adapts its cutoff to speed: slow joints are
smoothed hard (no jitter on a still body) while fast ones follow with little lag, which a
fixed low-pass cannot do for dance moves.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32, Mask


def _alpha(cutoff: npt.NDArray[np.float64] | float, dt: float) -> npt.NDArray[np.float64]:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, dtype=np.float64))
    return np.asarray(1.0 / (1.0 + tau / dt))


def one_euro(
    values: F32, fps: float, *, min_cutoff: float = 1.7, beta: float = 0.3, d_cutoff: float = 1.0
) -> F32:
    """Filter a (T, ...) series along time; every other axis is filtered independently."""
    if values.shape[0] < 2:
        return values.copy()
    dt = 1.0 / fps
    x = values.astype(np.float64)
    out = np.empty_like(x)
    out[0] = x[0]
    dx_prev = np.zeros_like(x[0])
    a_d = _alpha(d_cutoff, dt)
    for t in range(1, x.shape[0]):
        dx = (x[t] - out[t - 1]) / dt
        dx_hat = a_d * dx + (1.0 - a_d) * dx_prev
        cutoff = min_cutoff + beta * np.abs(dx_hat)
        a = _alpha(cutoff, dt)
        out[t] = a * x[t] + (1.0 - a) * out[t - 1]
        dx_prev = dx_hat
    return out.astype(np.float32)


def one_euro_zero_lag(values: F32, fps: float, **params: float) -> F32:
    """One Euro run forward and backward, averaged: for offline tracks, the two passes' lags
    cancel, so smoothing does not delay the motion against the reference's sound."""
    forward = one_euro(values, fps, **params)
    backward = one_euro(values[::-1].copy(), fps, **params)[::-1]
    return ((forward + backward) / 2).astype(np.float32)


def fill_gaps(values: F32, present: Mask, max_gap: int) -> tuple[F32, Mask]:
    """Fill missing frames: gaps up to ``max_gap`` frames are interpolated, longer ones hold.

    A gap is bridged linearly between the frames around it; a long gap holds the last good
    pose (or the first, at the start) since guessing a long move would invent motion.
    Returns the filled series and a mask of the frames that were interpolated.
    """
    out = values.copy()
    interpolated = np.zeros(values.shape[0], dtype=bool)
    idx = np.flatnonzero(present)
    if idx.size == 0:
        return out, interpolated
    out[: idx[0]] = values[idx[0]]
    out[idx[-1] + 1 :] = values[idx[-1]]
    for a, b in itertools.pairwise(idx):
        gap = b - a - 1
        if gap <= 0:
            continue
        if gap <= max_gap:
            w = np.arange(1, gap + 1, dtype=np.float32) / (gap + 1)
            w = w.reshape((-1,) + (1,) * (values.ndim - 1))
            out[a + 1 : b] = (1.0 - w) * values[a] + w * values[b]
            interpolated[a + 1 : b] = True
        else:
            out[a + 1 : b] = values[a]
    return out, interpolated
