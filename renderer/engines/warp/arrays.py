"""Typed views of the arrays numpy and cv2 hand back untyped (no copy when the dtype matches)."""

from __future__ import annotations

from typing import Any

import numpy as np

from motionbot.renderer.arrays import F32, U8, Mask


def f32(a: Any) -> F32:
    return np.asarray(a, dtype=np.float32)


def u8(a: Any) -> U8:
    return np.asarray(a, dtype=np.uint8)


def mask(a: Any) -> Mask:
    return np.asarray(a, dtype=np.bool_)
