"""Raw pose tracks of whole videos, detected the same way for references and outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from motionbot.renderer.arrays import F32, U8
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
) -> Track:
    """Run the pose detector over every frame (tracking mode, no smoothing)."""
    reader = open_video(video, max_fps=max_fps, max_side=max_side, max_seconds=max_seconds)
    spec = reader.spec
    rows: list[F32] = []
    samples: dict[int, U8] = {}
    with PoseDetector(video=True, complexity=1) as detector:
        for i, frame in enumerate(reader.frames()):
            result = detector.detect(frame)
            if result is None:
                rows.append(np.full((33, 4), np.nan, np.float32))
            else:
                rows.append(result.keypoints.astype(np.float32))
            if sample_every and i % sample_every == 0:
                samples[i] = frame.copy()
    kp = np.stack(rows) if rows else np.zeros((0, 33, 4), np.float32)
    return Track(keypoints=kp, width=spec.width, height=spec.height, fps=spec.fps, samples=samples)
