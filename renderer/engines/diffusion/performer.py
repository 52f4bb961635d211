"""The chosen performer of a reference with several people, for a pipeline that takes frames.

Wan-Animate reads the pose from whoever its own detector sees in the driving video, so with
several people it may follow anyone, or a mix. What this pipeline allows is a different
driving video: the frames are cut to one box around the chosen performer's whole path (the
people scan extraction runs, so ``performer=k`` is the person the findings picture numbers k),
a steady crop that keeps the camera's own motion. Bystanders outside that box are gone;
someone crossing inside it is still seen.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from motionbot.queue.errors import MotionbotError
from motionbot.renderer.media.video import Frame
from motionbot.renderer.motion.extract import scan_video
from motionbot.renderer.settings import RendererSettings

Box = tuple[float, float, float, float]  # normalised x0, y0, x1, y1
# The body's circle is centred on the hips and holds the whole body: half as wide as tall with
# the arms out; the box grows by MARGIN of its size on every side for a late detection.
HALF_WIDTH = 0.8  # body radii
HALF_HEIGHT = 1.1
MARGIN = 0.1


def performer_box(
    video: Path, settings: RendererSettings, performer: int | None, seconds: float
) -> Box | None:
    """Where the chosen performer goes in the first ``seconds``; None with one person, or a
    clip extraction would refuse (too small or short to find people in: the model still gets it)."""
    try:
        scan, fps = scan_video(video, settings, performer)
    except MotionbotError:
        return None
    if not scan.targets:
        return None
    n = max(1, min(len(scan.targets), math.ceil(seconds * fps)))
    boxes = np.array(
        [
            (
                t.cx - HALF_WIDTH * t.rx,
                t.cy - HALF_HEIGHT * t.ry,
                t.cx + HALF_WIDTH * t.rx,
                t.cy + HALF_HEIGHT * t.ry,
            )
            for t in scan.targets[:n]
        ],
        np.float64,
    )
    x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
    x1, y1 = boxes[:, 2].max(), boxes[:, 3].max()
    mx, my = MARGIN * (x1 - x0), MARGIN * (y1 - y0)
    return (max(0.0, x0 - mx), max(0.0, y0 - my), min(1.0, x1 + mx), min(1.0, y1 + my))


def crop_frames(frames: list[Frame], box: Box) -> list[Frame]:
    """Every frame cut to ``box``, an even number of pixels each way (what the encoders want)."""
    h, w = frames[0].shape[:2]
    x0, y0 = round(box[0] * w), round(box[1] * h)
    cw = max(2, (round(box[2] * w) - x0) // 2 * 2)
    ch = max(2, (round(box[3] * h) - y0) // 2 * 2)
    x0, y0 = min(x0, w - cw), min(y0, h - ch)
    return [np.ascontiguousarray(f[y0 : y0 + ch, x0 : x0 + cw]) for f in frames]
