"""Everyone in a photo, each with their own pose and their own part of the person mask.

The legacy Pose solution poses whoever its detector found first and segments everyone it sees
in that person's crop at once: in a photo of two people standing close, the other one's face
came out half in that mask (a half-transparent ghost when animated). Here BlazePose's person
detector finds everyone (:mod:`people`), and BlazePose's own landmark subgraph runs once per
person on the region of interest that detection gives, as the solution does for its one
person; each pixel then belongs to the person whose mask is strongest there.

People are numbered left to right by their hips, the numbers the findings picture shows and
``RenderOptions.subject`` answers with; the default is the largest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from motionbot.renderer.arrays import F32, RGB
from motionbot.renderer.perception.graph import MediapipeGraph
from motionbot.renderer.perception.people import PeopleDetector, PersonBox
from motionbot.renderer.perception.pose import PoseResult, landmarks_to_array, pose_score

_GRAPH = """
input_stream: "image"
input_stream: "roi"
output_stream: "landmarks"
output_stream: "mask"
node {
  calculator: "PoseLandmarkByRoiCpu"
  input_side_packet: "MODEL_COMPLEXITY:model_complexity"
  input_side_packet: "ENABLE_SEGMENTATION:enable_segmentation"
  input_stream: "IMAGE:image"
  input_stream: "ROI:roi"
  output_stream: "LANDMARKS:landmarks"
  output_stream: "SEGMENTATION_MASK:mask"
}
"""
ROI_SCALE = 1.25  # BlazePose's own: the region is the body's circle, a quarter larger
MIN_RELATIVE_SIZE = 0.35  # a person smaller than this against the largest is background
MIN_POSE_SCORE = 0.3
MAX_PEOPLE = 9  # RenderOptions.subject goes to 9
PEOPLE_SIDE = 1024  # the long side people are found at, by inspection and the engine alike
PAD = 0.04  # the picture's box around a pose, as a share of the person's height


@dataclass(frozen=True)
class PhotoPerson:
    number: int  # 1-based, left to right
    detection: PersonBox
    pose: PoseResult  # keypoints normalised to the whole photo, mask at the photo's size
    box: tuple[float, float, float, float]  # normalised x0, y0, x1, y1 around the pose


def _graph() -> Any:
    from google.protobuf import text_format  # type: ignore[import-untyped]
    from mediapipe.framework import calculator_pb2
    from mediapipe.python.solution_base import SolutionBase

    config = text_format.Parse(_GRAPH, calculator_pb2.CalculatorGraphConfig())
    return SolutionBase(
        graph_config=config,
        side_inputs={"model_complexity": 1, "enable_segmentation": True},
        outputs=["landmarks", "mask"],
    )


class PersonPoser(MediapipeGraph):
    """BlazePose's landmarks and mask for one person, in the region their detection gives."""

    def __init__(self) -> None:
        super().__init__(_graph())

    def pose(self, rgb: RGB, person: PersonBox) -> PoseResult | None:
        from mediapipe.framework.formats import rect_pb2

        h, w = rgb.shape[:2]
        sx, sy = person.shoulder
        # as BlazePose turns its region: the hips-to-shoulders line upright
        rotation = math.pi / 2 - math.atan2(-(sy - person.cy), sx - person.cx)
        side = 2.0 * ROI_SCALE * person.radius
        roi = rect_pb2.NormalizedRect(
            x_center=person.cx / w, y_center=person.cy / h, width=side / w, height=side / h, rotation=rotation
        )
        result = self._graph.process({"image": np.ascontiguousarray(rgb), "roi": roi})
        if result.landmarks is None:
            return None
        keypoints = landmarks_to_array(result.landmarks)
        mask = None if result.mask is None else np.asarray(result.mask, dtype=np.float32)
        return PoseResult(keypoints=keypoints, score=pose_score(keypoints), mask=mask)


def _box(keypoints: F32) -> tuple[float, float, float, float]:
    xy = keypoints[:, :2]
    seen = xy[keypoints[:, 3] >= 0.5]
    pts = seen if len(seen) >= 4 else xy
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    pad = PAD * float(y1 - y0)
    top = float(y0) - 3 * pad  # the head's landmarks stop at the eyes and ears
    return (
        max(0.0, float(x0) - pad),
        max(0.0, top),
        min(1.0, float(x1) + pad),
        min(1.0, float(y1) + pad),
    )


def detect_people(rgb: RGB) -> list[PersonBox]:
    """Everyone large enough to be a subject (at most MAX_PEOPLE), left to right."""
    with PeopleDetector() as detector:
        found = detector.detect(rgb)
    if not found:
        return []
    largest = max(b.radius for b in found)
    kept = sorted(found, key=lambda b: -b.radius)[:MAX_PEOPLE]
    return sorted((b for b in kept if b.radius >= MIN_RELATIVE_SIZE * largest), key=lambda b: b.cx)


def pose_people(rgb: RGB, found: list[PersonBox]) -> list[PhotoPerson]:
    """Each detected person's own pose and mask, numbered left to right; those without a
    usable pose are left out (nobody could animate them)."""
    posed: list[tuple[PersonBox, PoseResult]] = []
    with PersonPoser() as poser:
        for b in found:
            pose = poser.pose(rgb, b)
            if pose is not None and pose.score >= MIN_POSE_SCORE and pose.mask is not None:
                posed.append((b, pose))
    return [PhotoPerson(i, b, p, _box(p.keypoints)) for i, (b, p) in enumerate(posed, start=1)]


def find_people(rgb: RGB) -> list[PhotoPerson]:
    """Everyone large enough to be a subject, numbered left to right; [] when nobody is found.
    ``rgb`` is the photo at PEOPLE_SIDE (inspection and the engine number the same people)."""
    return pose_people(rgb, detect_people(rgb))


def default_subject(people: list[PhotoPerson]) -> int:
    """The number of the largest person (0 when there is nobody)."""
    return max(people, key=lambda p: p.detection.radius).number if people else 0


def chosen_subject(people: list[PhotoPerson], subject: int | None) -> int:
    """``subject`` when it numbers someone, else the default."""
    if subject is not None and 1 <= subject <= len(people):
        return subject
    return default_subject(people)


def own_masks(people: list[PhotoPerson]) -> list[F32]:
    """Each person's mask where it is the strongest of all (elsewhere 0): a pixel is one person's."""
    stack = np.stack([p.pose.mask for p in people if p.pose.mask is not None]).astype(np.float32)
    strongest = stack.argmax(axis=0)
    return [np.where(strongest == i, stack[i], 0.0).astype(np.float32) for i in range(len(stack))]
