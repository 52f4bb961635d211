"""Every person in a frame, from BlazePose's own person detector bundled in the 0.10.21 wheel.

The legacy Pose solution runs this detector and keeps only its first detection; run alone
(its registered subgraph ``PoseDetectionCpu`` in a one-node graph) it reports everyone it
sees. Each detection carries BlazePose's alignment points: the hip centre, a point on the
circle around the whole body, the shoulder centre and one on the upper body's circle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from motionbot.renderer.arrays import RGB
from motionbot.renderer.perception.graph import MediapipeGraph

_GRAPH = """
input_stream: "image"
output_stream: "detections"
node {
  calculator: "PoseDetectionCpu"
  input_stream: "IMAGE:image"
  output_stream: "DETECTIONS:detections"
}
"""
WIDE = 1.3  # an image wider than this (width / height) is scanned as two squares
SAME_PERSON = 0.5  # detections whose hips are closer than this many body radii are one person


@dataclass(frozen=True)
class PersonBox:
    """One detected person in pixels of the image it was found in."""

    cx: float  # hip centre
    cy: float
    radius: float  # of the circle around the whole body, centred on the hips
    score: float
    shoulder: tuple[float, float]

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the body's circle."""
        return (self.cx - self.radius, self.cy - self.radius, self.cx + self.radius, self.cy + self.radius)


def _graph() -> Any:
    from google.protobuf import text_format  # type: ignore[import-untyped]
    from mediapipe.framework import calculator_pb2
    from mediapipe.python.solution_base import SolutionBase

    config = text_format.Parse(_GRAPH, calculator_pb2.CalculatorGraphConfig())
    return SolutionBase(graph_config=config, outputs=["detections"])


class PeopleDetector(MediapipeGraph):
    """All people BlazePose's detector finds in an image (no landmarks: cheap enough to scan a clip)."""

    def __init__(self) -> None:
        super().__init__(_graph())

    def process(self, rgb: RGB) -> Any:
        return self._graph.process({"image": np.ascontiguousarray(rgb)})

    def detect(self, rgb: RGB) -> list[PersonBox]:
        """Everyone in the image; a wide image is looked at as two overlapping squares, since the
        detector letterboxes to 224x224 and people in a wide street shot would be a few pixels."""
        h, w = rgb.shape[:2]
        if w <= WIDE * h:
            return self._detect(rgb)
        left = self._detect(rgb[:, :h])
        right = [
            PersonBox(b.cx + w - h, b.cy, b.radius, b.score, (b.shoulder[0] + w - h, b.shoulder[1]))
            for b in self._detect(rgb[:, w - h :])
        ]
        kept: list[PersonBox] = []
        for box in sorted(left + right, key=lambda b: -b.score):
            if all(
                math.hypot(box.cx - k.cx, box.cy - k.cy) > SAME_PERSON * max(box.radius, k.radius)
                for k in kept
            ):
                kept.append(box)
        return kept

    def _detect(self, rgb: RGB) -> list[PersonBox]:
        h, w = rgb.shape[:2]
        found: list[PersonBox] = []
        for det in self.process(rgb).detections or []:
            pts = [(p.x * w, p.y * h) for p in det.location_data.relative_keypoints]
            if len(pts) < 3:
                continue
            (hx, hy), (bx, by), shoulder = pts[0], pts[1], pts[2]
            radius = math.hypot(bx - hx, by - hy)
            if radius <= 1.0:
                continue
            found.append(PersonBox(hx, hy, radius, float(det.score[0]), shoulder))
        return found
