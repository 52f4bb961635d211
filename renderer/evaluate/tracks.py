"""Raw pose tracks of whole videos, detected the same way for references and outputs."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from motionbot.renderer.arrays import F32, U8
from motionbot.renderer.engines.warp.arrays import u8
from motionbot.renderer.media.video import open_video
from motionbot.renderer.motion.model import Landmark, Motion
from motionbot.renderer.perception.people import PeopleDetector, PersonBox
from motionbot.renderer.perception.photo_people import PersonPoser
from motionbot.renderer.perception.pose import PoseDetector, PoseResult


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
    near: F32 | None = None,
) -> Track:
    """Run the pose detector over every frame (tracking mode, no smoothing); with ``masks``
    keep its person mask of each frame too.

    ``near`` ((T, 6) body_rows normalised to the frame, NaN where unknown) scores one
    person among several: each frame is posed on the detected person whose hips are nearest
    (BlazePose alone follows whoever it found first: the bystander as often as the subject)."""
    reader = open_video(video, max_fps=max_fps, max_side=max_side, max_seconds=max_seconds)
    spec = reader.spec
    rows: list[F32] = []
    samples: dict[int, U8] = {}
    kept: list[U8 | None] = []
    pose_one = _NearestPerson(near) if near is not None else None
    with contextlib.ExitStack() as stack:
        detector = stack.enter_context(PoseDetector(video=True, complexity=1, segmentation=masks))
        if pose_one is not None:
            stack.enter_context(pose_one)
        for i, frame in enumerate(reader.frames()):
            result = detector.detect(frame) if pose_one is None else pose_one.detect(i, frame)
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


def body_rows(hips: F32, shoulders: F32, heads: F32, size: tuple[int, int]) -> F32:
    """(T, 6) where a body is, for ``near``: hip, shoulder and head centres in pixels of a
    frame of ``size`` (width, height), normalised to it."""
    rows = np.concatenate([hips, shoulders, heads], axis=1) / np.tile(np.array(size, np.float32), 3)
    return rows.astype(np.float32)


def body_of(motion: Motion) -> F32:
    """The performer's body_rows per frame; NaN where the track has no pose."""
    kp = motion.keypoints[..., :2]
    hips = kp[:, [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].mean(axis=1)
    shoulders = kp[:, [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]].mean(axis=1)
    rows = body_rows(hips, shoulders, kp[:, Landmark.NOSE], (1, 1))
    rows[motion.confidence <= 0] = np.nan
    return rows


class _NearestPerson:
    """Per frame: the detected person nearest to the expected body, posed on their own region;
    where nobody is detected near it, posed on the expected body's own region (a small
    subject beside a large bystander is often not detected at all)."""

    def __init__(self, near: F32) -> None:
        self.near = near
        self.people = PeopleDetector()
        self.poser = PersonPoser()

    def __enter__(self) -> _NearestPerson:
        return self

    def __exit__(self, *exc: object) -> None:
        self.people.close()
        self.poser.close()

    def detect(self, i: int, frame: U8) -> PoseResult | None:
        h, w = frame.shape[:2]
        row = self.near[min(i, len(self.near) - 1)]
        if not np.isfinite(row).all():
            return None
        hips, shoulders, head = (row[k : k + 2] * np.array([w, h], np.float32) for k in (0, 2, 4))
        torso = float(np.linalg.norm(head - hips))  # about half the body's circle (which has the legs)
        found = self.people.detect(frame)
        best = min(found, key=lambda b: math.hypot(b.cx - hips[0], b.cy - hips[1]), default=None)
        if best is None or math.hypot(best.cx - hips[0], best.cy - hips[1]) > 0.5 * torso:
            # the expected body's own region, as the detector gives one (its circle is about
            # 1.15 hips-to-head on the sample photos): the hips may be below the photo's edge
            hx, hy, sx, sy = (float(v) for v in (*hips, *shoulders))
            best = PersonBox(hx, hy, 1.15 * torso, 1.0, (sx, sy))
        return self.poser.pose(frame, best)


def _small_mask(mask: F32) -> U8:
    """A frame's person mask, thresholded and shrunk to MASK_SIDE on its long side."""
    h, w = mask.shape
    s = min(1.0, MASK_SIDE / max(h, w))
    small = cv2.resize(mask, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return u8(np.where(small > 0.5, 255, 0))
