"""The performer's pose in one frame of a clip with several people.

BlazePose in tracking mode looks at a crop around the performer (the people scan's target)
and follows whoever its detector found first there; when that is someone else (a passer-by
inside the crop, the other dancer of a pair) the tracker stays on them frame after frame.
A pose whose hips are not the performer's is refused, the tracker is made to look again, and
that frame is posed by BlazePose's landmark model on the performer's own region (the scan's
target, as the detector would have given it), so no detector can choose someone else.
"""

from __future__ import annotations

from dataclasses import dataclass

from motionbot.renderer.arrays import F32, RGB
from motionbot.renderer.motion.performers import Target
from motionbot.renderer.perception.people import PersonBox
from motionbot.renderer.perception.photo_people import PersonPoser
from motionbot.renderer.perception.pose import PoseDetector, PoseResult
from motionbot.renderer.perception.quality import resize_long_side

POSE_SIDE = 320
ROI_SIDE = 480  # the frame the region is posed in: the landmark model sees 256 px of it anyway

_poser: PersonPoser | None = None


@dataclass(frozen=True)
class Crop:
    """The region of the frame the pose model looks at, normalised (x0, y0, x1, y1)."""

    x0: float = 0.0
    y0: float = 0.0
    x1: float = 1.0
    y1: float = 1.0

    @property
    def full(self) -> bool:
        return (self.x0, self.y0, self.x1, self.y1) == (0.0, 0.0, 1.0, 1.0)

    def apply(self, rgb: RGB) -> RGB:
        h, w = rgb.shape[:2]
        return rgb[round(self.y0 * h) : round(self.y1 * h), round(self.x0 * w) : round(self.x1 * w)]

    def to_frame(self, keypoints: F32) -> F32:
        """Map crop-normalised keypoints back to the whole frame."""
        out = keypoints.copy()
        cw, ch = self.x1 - self.x0, self.y1 - self.y0
        out[:, 0] = self.x0 + keypoints[:, 0] * cw
        out[:, 1] = self.y0 + keypoints[:, 1] * ch
        out[:, 2] = keypoints[:, 2] * cw
        return out


def _region_poser() -> PersonPoser:
    """One per process, opened on first need (only clips with several people need it)."""
    global _poser
    if _poser is None:
        _poser = PersonPoser()
    return _poser


def pose_on_performer(
    detector: PoseDetector, frame: RGB, small: RGB, target: Target | None
) -> PoseResult | None:
    """The pose of the performer in one frame: the whole (small) frame when one person is in the
    clip, else a crop of the decoded frame around the performer, refused when its hips are
    someone else's. The result's keypoints are normalised to the whole frame."""
    if target is None:
        return detector.detect(small)
    crop = Crop(*target.crop_box())
    pose = detector.detect(resize_long_side(crop.apply(frame), POSE_SIDE))
    if pose is not None:
        keypoints = crop.to_frame(pose.keypoints)
        if target.holds(keypoints):
            return PoseResult(keypoints=keypoints, score=pose.score)
        detector.reset()  # it tracks someone else: detect afresh next frame
    return _on_region(frame, target)


def _on_region(frame: RGB, target: Target) -> PoseResult | None:
    rgb = resize_long_side(frame, ROI_SIDE)
    h, w = rgb.shape[:2]
    radius = max(target.rx * w, target.ry * h)
    cx, cy = target.cx * w, target.cy * h
    region = PersonBox(cx, cy, radius, 1.0, (cx, cy - 0.5 * radius))  # upright
    pose = _region_poser().pose(rgb, region)
    if pose is None or not target.holds(pose.keypoints):
        return None
    return PoseResult(keypoints=pose.keypoints, score=pose.score)
