"""The motion data model shared by extraction, presets, overlays and the engines.

A motion is independent of any photo: keypoints are normalised to the source frame, so one
extracted motion can drive any number of portraits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

import numpy as np

from motionbot.renderer.arrays import F32
from motionbot.renderer.motion.face_shape import FaceShape

MOTION_FORMAT_VERSION = 1
NUM_LANDMARKS = 33


class Landmark(IntEnum):
    """mediapipe BlazePose landmark indices."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


L = Landmark
# Bones drawn in overlays and used for limb-direction metrics: (parent, child).
SKELETON: tuple[tuple[Landmark, Landmark], ...] = (
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_SHOULDER, L.LEFT_HIP),
    (L.RIGHT_SHOULDER, L.RIGHT_HIP),
    (L.LEFT_SHOULDER, L.LEFT_ELBOW),
    (L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW),
    (L.RIGHT_ELBOW, L.RIGHT_WRIST),
    (L.LEFT_HIP, L.LEFT_KNEE),
    (L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE),
    (L.RIGHT_KNEE, L.RIGHT_ANKLE),
    (L.LEFT_WRIST, L.LEFT_INDEX),
    (L.RIGHT_WRIST, L.RIGHT_INDEX),
    (L.LEFT_ANKLE, L.LEFT_FOOT_INDEX),
    (L.RIGHT_ANKLE, L.RIGHT_FOOT_INDEX),
    (L.NOSE, L.LEFT_EYE),
    (L.NOSE, L.RIGHT_EYE),
    (L.LEFT_EYE, L.LEFT_EAR),
    (L.RIGHT_EYE, L.RIGHT_EAR),
)
# The limbs scored by the quality report.
LIMBS: dict[str, tuple[Landmark, Landmark]] = {
    "left_upper_arm": (L.LEFT_SHOULDER, L.LEFT_ELBOW),
    "left_forearm": (L.LEFT_ELBOW, L.LEFT_WRIST),
    "right_upper_arm": (L.RIGHT_SHOULDER, L.RIGHT_ELBOW),
    "right_forearm": (L.RIGHT_ELBOW, L.RIGHT_WRIST),
    "left_thigh": (L.LEFT_HIP, L.LEFT_KNEE),
    "left_shin": (L.LEFT_KNEE, L.LEFT_ANKLE),
    "right_thigh": (L.RIGHT_HIP, L.RIGHT_KNEE),
    "right_shin": (L.RIGHT_KNEE, L.RIGHT_ANKLE),
}

# Columns of ``Motion.face`` (per frame): head rotation in degrees and expression in [0, 1].
FACE_FEATURES: tuple[str, ...] = (
    "yaw",
    "pitch",
    "roll",
    "left_eye_open",
    "right_eye_open",
    "mouth_open",
    "mouth_wide",
)


@dataclass(frozen=True, eq=False)
class Motion:
    """A pose track.

    ``keypoints`` is (T, 33, 4) float32: x and y normalised to the source frame's width and
    height (0..1, may leave that range when a joint is off-frame), z in mediapipe's relative
    depth (same scale as x, smaller is nearer the camera), and visibility in 0..1.
    ``confidence`` is (T,) float32: 0 where the frame's pose was filled in, not detected.
    ``face`` is (T, len(FACE_FEATURES)) or None when no face track was taken; ``face_shape``
    holds the face's points for expression transfer where the face was large enough to read.
    """

    fps: float
    width: int
    height: int
    keypoints: F32
    confidence: F32
    source: str
    face: F32 | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    face_shape: FaceShape | None = None

    def __post_init__(self) -> None:
        kp = self.keypoints
        if kp.ndim != 3 or kp.shape[1:] != (NUM_LANDMARKS, 4):
            raise ValueError(f"keypoints must be (T, {NUM_LANDMARKS}, 4), got {kp.shape}")
        if self.confidence.shape != (kp.shape[0],):
            raise ValueError("confidence must have one value per frame")
        if self.face is not None and self.face.shape != (kp.shape[0], len(FACE_FEATURES)):
            raise ValueError("face must be (T, len(FACE_FEATURES))")
        if self.face_shape is not None and len(self.face_shape.teeth) != kp.shape[0]:
            raise ValueError("face_shape must have one entry per frame")
        if self.fps <= 0 or self.width <= 0 or self.height <= 0:
            raise ValueError("fps, width and height must be positive")

    @property
    def n_frames(self) -> int:
        return int(self.keypoints.shape[0])

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.fps

    def pixels(self, frame: int) -> F32:
        """(33, 2) keypoints of one frame in source pixels."""
        xy = self.keypoints[frame, :, :2] * np.array([self.width, self.height], dtype=np.float32)
        return xy.astype(np.float32)

    def trimmed(self, max_seconds: float) -> Motion:
        n = max(1, min(self.n_frames, round(max_seconds * self.fps)))
        if n == self.n_frames:
            return self
        return Motion(
            fps=self.fps,
            width=self.width,
            height=self.height,
            keypoints=self.keypoints[:n].copy(),
            confidence=self.confidence[:n].copy(),
            source=self.source,
            face=None if self.face is None else self.face[:n].copy(),
            meta={**self.meta, "trimmed_from_frames": self.n_frames},
            face_shape=None if self.face_shape is None else self.face_shape.trimmed(n),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "motionbot.motion",
            "version": MOTION_FORMAT_VERSION,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "source": self.source,
            "landmarks": [lm.name.lower() for lm in Landmark],
            "keypoints": np.round(self.keypoints.astype(np.float64), 5).tolist(),
            "confidence": np.round(self.confidence.astype(np.float64), 4).tolist(),
            "face_features": list(FACE_FEATURES) if self.face is not None else None,
            "face": None if self.face is None else np.round(self.face.astype(np.float64), 4).tolist(),
            "meta": self.meta,
            "face_shape": None if self.face_shape is None else self.face_shape.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Motion:
        if data.get("format") != "motionbot.motion":
            raise ValueError("not a motionbot motion file")
        if int(data.get("version", 0)) > MOTION_FORMAT_VERSION:
            raise ValueError(f"motion file version {data['version']} is newer than this release supports")
        face = data.get("face")
        shape = data.get("face_shape")
        return cls(
            fps=float(data["fps"]),
            width=int(data["width"]),
            height=int(data["height"]),
            source=str(data["source"]),
            keypoints=np.asarray(data["keypoints"], dtype=np.float32).reshape(-1, NUM_LANDMARKS, 4),
            confidence=np.asarray(data["confidence"], dtype=np.float32),
            face=None if face is None else np.asarray(face, dtype=np.float32),
            meta=dict(data.get("meta") or {}),
            face_shape=None if not shape else FaceShape.from_dict(shape),
        )

    def save(self, path: Path) -> None:
        """Write atomically: a half-written motion file must never be taken for a motion."""
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), separators=(",", ":")))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Motion:
        return cls.from_dict(json.loads(path.read_text()))
