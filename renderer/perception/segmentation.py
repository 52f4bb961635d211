"""Person masks and a best-effort head count, from mediapipe's bundled legacy solutions."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import RGB

FloatImage = npt.NDArray[np.float32]

# A blob counts as a person when it covers this share of the image...
_MIN_AREA = 0.01
# ...and is at least this fraction of the largest blob (cuts off hands and stray patches).
_MIN_RELATIVE = 0.2
_FACE_CONFIDENCE = 0.6


def _solutions() -> Any:
    import mediapipe as mp

    return mp.solutions


def person_mask(rgb: RGB) -> FloatImage:
    """HxW person probability in 0..1 (general model: works for full bodies, not only selfies)."""
    with _solutions().selfie_segmentation.SelfieSegmentation(model_selection=0) as seg:
        result = seg.process(np.ascontiguousarray(rgb))
    return np.asarray(result.segmentation_mask, dtype=np.float32)


def person_blobs(mask: FloatImage, threshold: float = 0.5) -> list[tuple[int, int, int, int, int]]:
    """Connected person regions as (x, y, w, h, area) in pixels, largest first."""
    binary = (mask > threshold).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    total = float(mask.shape[0] * mask.shape[1])
    blobs = [
        tuple(int(v) for v in stats[i])
        for i in range(1, n)
        if stats[i, cv2.CC_STAT_AREA] >= _MIN_AREA * total
    ]
    blobs.sort(key=lambda b: b[4], reverse=True)
    if not blobs:
        return []
    largest = blobs[0][4]
    return [b for b in blobs if b[4] >= _MIN_RELATIVE * largest]  # type: ignore[misc]


def count_faces(rgb: RGB, min_confidence: float = _FACE_CONFIDENCE) -> int:
    with _solutions().face_detection.FaceDetection(
        model_selection=1, min_detection_confidence=min_confidence
    ) as fd:
        result = fd.process(np.ascontiguousarray(rgb))
    return len(result.detections or [])


def count_people(rgb: RGB, mask: FloatImage | None = None) -> int:
    """People in the frame: separate person blobs, or faces when people overlap into one blob.

    Neither signal is reliable alone (two people touching merge into one blob; a person seen
    from behind has no face), so the larger count wins.
    """
    if mask is None:
        mask = person_mask(rgb)
    return max(len(person_blobs(mask)), count_faces(rgb))
