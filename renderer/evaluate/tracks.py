"""Raw pose tracks of whole videos, detected the same way for references and outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from motionbot.renderer.arrays import F32, U8
from motionbot.renderer.engines.warp.arrays import u8
from motionbot.renderer.media.video import open_video
from motionbot.renderer.perception.pose import PoseDetector


@dataclass
class Track:
    """(T, 33, 4) landmarks normalised to the frame, NaN where no pose was found."""

    keypoints: F32
    width: int
    height: int
    fps: float
    samples: dict[int, U8] = field(default_factory=dict)  # a few frames kept for pictures
    # per frame, the person mask (uint8 0/255 at MASK_SIDE at most; None where no pose) when asked
    masks: list[U8 | None] = field(default_factory=list)

    @property
    def n_frames(self) -> int:
        return int(self.keypoints.shape[0])

    def pixels(self) -> F32:
        return (self.keypoints[..., :2] * np.array([self.width, self.height], np.float32)).astype(np.float32)


def detect_track(
    video: Path,
    *,
    max_side: int = 768,
    max_fps: float = 60.0,
    sample_every: int = 0,
    max_seconds: float = 60.0,
    masks: bool = False,
) -> Track:
    """Run the pose detector over every frame (tracking mode, no smoothing); with ``masks``
    keep its person mask of each frame too."""
    reader = open_video(video, max_fps=max_fps, max_side=max_side, max_seconds=max_seconds)
    spec = reader.spec
    rows: list[F32] = []
    samples: dict[int, U8] = {}
    kept: list[U8 | None] = []
    with PoseDetector(video=True, complexity=1, segmentation=masks) as detector:
        for i, frame in enumerate(reader.frames()):
            result = detector.detect(frame)
            if result is None:
                rows.append(np.full((33, 4), np.nan, np.float32))
            else:
                rows.append(result.keypoints.astype(np.float32))
            if masks:
                kept.append(None if result is None or result.mask is None else _small_mask(result.mask))
            if sample_every and i % sample_every == 0:
                samples[i] = frame.copy()
    kp = np.stack(rows) if rows else np.zeros((0, 33, 4), np.float32)
    return Track(
        keypoints=kp, width=spec.width, height=spec.height, fps=spec.fps, samples=samples, masks=kept
    )


MASK_SIDE = 256


def _small_mask(mask: F32) -> U8:
    """A frame's person mask, thresholded and shrunk to MASK_SIDE on its long side."""
    h, w = mask.shape
    s = min(1.0, MASK_SIDE / max(h, w))
    small = cv2.resize(mask, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return u8(np.where(small > 0.5, 255, 0))
