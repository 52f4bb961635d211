"""Body pose from mediapipe's legacy BlazePose solution, bundled in the 0.10.21 wheel.

The Tasks API would need ``.task`` files that are not shipped, so this stays offline by
using ``mp.solutions.pose``. Only the "full" landmark model (complexity 1) is in the wheel:
the lite and heavy ones would be downloaded on first use, which a sandboxed worker cannot do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import RendererError
from motionbot.renderer.motion.model import NUM_LANDMARKS, Landmark
from motionbot.renderer.perception.graph import MediapipeGraph

_MODEL_FILES = {
    0: "pose_landmark_lite.tflite",
    1: "pose_landmark_full.tflite",
    2: "pose_landmark_heavy.tflite",
}
# The joints whose visibility says "a person is really there" (face and torso).
_CORE = (
    Landmark.NOSE,
    Landmark.LEFT_SHOULDER,
    Landmark.RIGHT_SHOULDER,
    Landmark.LEFT_HIP,
    Landmark.RIGHT_HIP,
)


@dataclass(frozen=True)
class PoseResult:
    keypoints: npt.NDArray[np.float32]  # (33, 4): x, y normalised to the image, z, visibility
    score: float
    mask: npt.NDArray[np.float32] | None = None  # HxW person mask in 0..1 when asked


def _mediapipe() -> Any:
    import mediapipe as mp

    return mp


def _check_model(complexity: int) -> None:
    mp = _mediapipe()
    model = Path(mp.__file__).parent / "modules" / "pose_landmark" / _MODEL_FILES[complexity]
    if not model.is_file():
        raise RendererError(
            FailureReason.MODEL_MISSING,
            detail=f"pose complexity {complexity} needs {model.name}, which is not in the mediapipe wheel",
        )


def landmarks_to_array(landmarks: Any) -> npt.NDArray[np.float32]:
    """mediapipe NormalizedLandmarkList -> (33, 4) float32."""
    return np.array(
        [(lm.x, lm.y, lm.z, lm.visibility) for lm in landmarks.landmark[:NUM_LANDMARKS]], dtype=np.float32
    )


def pose_score(keypoints: npt.NDArray[np.float32]) -> float:
    """BlazePose reports no overall score: the mean visibility of face and torso stands in."""
    return float(np.mean(keypoints[list(_CORE), 3]))


class PoseDetector(MediapipeGraph):
    """One mediapipe Pose graph; keep it open across the frames of a video (tracking mode)."""

    def __init__(
        self,
        *,
        video: bool = False,
        complexity: int = 1,
        segmentation: bool = False,
        min_confidence: float = 0.5,
    ) -> None:
        if complexity not in _MODEL_FILES:
            raise ValueError("complexity must be 0, 1 or 2")
        _check_model(complexity)
        self._segmentation = segmentation
        super().__init__(
            _mediapipe().solutions.pose.Pose(
                static_image_mode=not video,
                model_complexity=complexity,
                smooth_landmarks=False,  # extraction applies its own One Euro filter, without lag
                enable_segmentation=segmentation,
                smooth_segmentation=False,
                min_detection_confidence=min_confidence,
                min_tracking_confidence=min_confidence,
            )
        )

    def detect(self, rgb: npt.NDArray[np.uint8]) -> PoseResult | None:
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError("detect expects an HxWx3 RGB image")
        result = self.process(rgb)
        if result.pose_landmarks is None:
            return None
        keypoints = landmarks_to_array(result.pose_landmarks)
        mask = None
        if self._segmentation and result.segmentation_mask is not None:
            mask = np.asarray(result.segmentation_mask, dtype=np.float32)
        return PoseResult(keypoints=keypoints, score=pose_score(keypoints), mask=mask)
