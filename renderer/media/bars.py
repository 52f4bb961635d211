"""Letterbox and pillarbox bars: the black bands a clip was padded with to fit another shape.

A 4:3 picture in a 16:9 frame (or a film in a phone's portrait frame) is mostly black at its
edges. Left in, the bars read as darkness to the lighting check and as empty space to the
framing and motion, so the reader crops them off before anything looks at the frames.

Bars are told from a dark scene by being black in every sampled frame, reaching the edge,
and coming in a centred pair (top and bottom, or left and right); a picture that is dark all
over keeps its darkness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from motionbot.renderer.media.ffmpeg import input_args, run_ffmpeg

SAMPLE_SIDE = 256  # long side the samples are decoded at
SAMPLE_AT = (0.15, 0.5, 0.85)  # fractions of the clip's length
BLACK = 24  # a bar row's brightest pixels (99th percentile) stay at or below this (of 255)
MIN_BAR = 0.03  # each bar of a pair is at least this fraction of the frame side
MAX_OFF_CENTRE = 0.02  # the two bars of a pair differ by at most this fraction of the side
MIN_PICTURE = 0.3  # what is left is at least this fraction of the side

Gray = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Crop:
    """The picture inside the bars, in the source's display pixels."""

    x: int
    y: int
    width: int
    height: int

    def ffmpeg_filter(self) -> str:
        return f"crop={self.width}:{self.height}:{self.x}:{self.y}"


def find_bars(path: Path, width: int, height: int, duration_s: float | None) -> Crop | None:
    """The picture's box when the clip has letterbox and/or pillarbox bars, else None."""
    if width < 8 or height < 8:
        return None
    scale = SAMPLE_SIDE / max(width, height)
    sw, sh = max(8, round(width * scale / 2) * 2), max(8, round(height * scale / 2) * 2)
    times = [0.0] if not duration_s else [duration_s * f for f in SAMPLE_AT]
    samples = [s for s in (_sample(path, t, sw, sh) for t in times) if s is not None]
    if not samples:
        return None
    brightest = np.max(np.stack(samples), axis=0)  # black in every sample
    top, bottom = _pair(np.percentile(brightest, 99, axis=1), sh)
    left, right = _pair(np.percentile(brightest, 99, axis=0), sw)
    if top == bottom == left == right == 0:
        return None
    x0, x1 = _to_source(left, sw - right, sw, width)
    y0, y1 = _to_source(top, sh - bottom, sh, height)
    return Crop(x=x0, y=y0, width=x1 - x0, height=y1 - y0)


def _pair(profile: npt.NDArray[np.float64], side: int) -> tuple[int, int]:
    """Dark runs at both ends of a brightness profile, kept only as a centred pair of bars."""
    dark = profile <= BLACK
    if dark.all():
        return 0, 0  # dark all over: a dark scene, not bars
    lead = int(np.argmin(dark))
    trail = int(np.argmin(dark[::-1]))
    if min(lead, trail) < MIN_BAR * side or abs(lead - trail) > MAX_OFF_CENTRE * side + 1:
        return 0, 0
    if side - lead - trail < MIN_PICTURE * side:
        return 0, 0
    return lead, trail


def _to_source(start: int, end: int, sampled: int, full: int) -> tuple[int, int]:
    """A sampled span in source pixels, shrunk to even bounds (bar edges blur when scaled)."""
    k = full / sampled
    lo = math.ceil(start * k / 2) * 2 + (2 if start else 0)
    hi = math.floor(end * k / 2) * 2 - (2 if end < sampled else 0)
    return lo, max(lo + 2, hi)


def _sample(path: Path, at_s: float, width: int, height: int) -> Gray | None:
    args = ["-v", "error", "-ss", f"{at_s:.3f}", *input_args(path), "-map", "0:v:0", "-frames:v", "1"]
    args += ["-vf", f"scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]
    proc = run_ffmpeg(args, timeout=60)
    if proc.returncode != 0 or len(proc.stdout) < width * height:
        return None
    return np.frombuffer(proc.stdout[: width * height], dtype=np.uint8).reshape(height, width)
