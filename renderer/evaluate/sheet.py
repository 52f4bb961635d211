"""Contact sheet rows: the photo, reference frames and output frames side by side."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.engines.warp.arrays import u8
from motionbot.renderer.evaluate.tracks import Track

U8 = npt.NDArray[np.uint8]
ROW_HEIGHT = 180
FRAMES = 4


def _fit(rgb: U8, height: int) -> U8:
    h, w = rgb.shape[:2]
    return u8(cv2.resize(rgb, (max(1, round(w * height / h)), height), interpolation=cv2.INTER_AREA))


def contact_row(photo: U8, reference: Track, output: Track, title: str, metrics: dict[str, Any]) -> U8:
    """photo | reference frames | output frames at the same moments, with the pair's scores."""
    picks = sorted(output.samples)
    if len(picks) > FRAMES:
        picks = [picks[int(i)] for i in np.linspace(0, len(picks) - 1, FRAMES)]
    tiles = [_fit(photo, ROW_HEIGHT)]
    ref_frames = reference.samples
    for i in picks:
        if ref_frames:
            j = min(ref_frames, key=lambda k: abs(k - i))
            tiles.append(_fit(ref_frames[j], ROW_HEIGHT))
    tiles += [_fit(output.samples[i], ROW_HEIGHT) for i in picks]
    row = np.concatenate(tiles, axis=1)
    band = np.full((28, row.shape[1], 3), 255, np.uint8)
    text = (
        f"{title}  limbs {metrics.get('limb_share', float('nan')):.2f}  frames "
        f"{metrics.get('frame_share', float('nan')):.2f}  pck@0.2 {metrics.get('pck@0.2', float('nan')):.2f}  "
        f"face {metrics.get('face_ssim', float('nan')):.2f}"
    )
    cv2.putText(band, text, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([band, row], axis=0)


def stack_rows(rows: list[U8]) -> U8:
    width = max(r.shape[1] for r in rows)
    padded = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    return np.concatenate(padded, axis=0)
