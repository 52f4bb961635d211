"""Who is in a reference video, which one performs, and where that one is in every frame.

BlazePose follows one person, whichever its detector found first, and in a clip with several
people its track jumps to whoever comes close. So before pose tracking, a cheap scan runs the
person detector on a small copy of a few frames a second, links the detections into one track
per person (predicted position, size and clothing colours), and picks the performer: the one
seen most, largest and moving most, unless the user chose another by number. Pose tracking
then looks only at a box around that person, frame by frame, and refuses a pose whose hips
are not where the performer is (someone crossing in front of them).

People are numbered left to right on the scanned frame where most of them are visible: the
numbers the findings picture shows and the user answers with.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32, RGB
from motionbot.renderer.perception.people import PeopleDetector, PersonBox

SCAN_SIDE = 400  # a wide frame is scanned as two squares of its height: that height matters
SCAN_HZ = 4.0
MAX_MISS_S = 1.5  # a track unseen for longer is closed (a new one may take it up when merged)
MIN_PRESENCE = 0.3  # share of scanned frames a person must be seen in to count (not a glimpse)
MIN_RELATIVE_SIZE = 0.35  # ...and their body radius against the largest person's
BOX_WIDTH = 0.6  # the picture's box half width, in body radii (a body is taller than wide)
CROP_RADII = 1.5  # the pose crop's half side, in body radii (room for the limbs and a late box)
ON_TARGET_RADII = 0.9  # a pose's hips this far from the performer's are someone else's
# Association: gates on the predicted position (in body radii) and size (log ratio); the cost
# adds the clothing colours' Bhattacharyya distance, weighted so colours decide close calls.
GATE_DISTANCE = 1.2
GATE_SIZE = 0.6
COLOUR_WEIGHT = 2.0
HIST_BINS = (12, 6)
MERGE_COLOUR = 0.5  # most Bhattacharyya distance between the colours of one person's fragments
MERGE_SPEED = 4.0  # body radii per second a person may have moved while the detector missed them
# Prominence is size x presence x movement; a still person still counts a little (grey levels).
MOVING_FLOOR = 2.0


@dataclass
class PersonTrack:
    frames: list[int] = field(default_factory=list)  # frame indices where this person was seen
    boxes: list[PersonBox] = field(default_factory=list)
    colours: F32 | None = None
    activity: list[float] = field(default_factory=list)  # mean frame change inside the body, 0..255

    def predict(self, frame: int) -> tuple[float, float, float]:
        last = self.boxes[-1]
        if len(self.boxes) < 2:
            return last.cx, last.cy, last.radius
        prev, dt = self.boxes[-2], max(1, self.frames[-1] - self.frames[-2])
        ahead = min(frame - self.frames[-1], 2 * dt)  # a velocity is not trusted for long
        return (
            last.cx + (last.cx - prev.cx) / dt * ahead,
            last.cy + (last.cy - prev.cy) / dt * ahead,
            last.radius,
        )

    def add(self, frame: int, box: PersonBox, colours: F32, activity: float | None) -> None:
        if activity is not None:
            self.activity.append(activity)
        self.frames.append(frame)
        self.boxes.append(box)
        self.colours = colours if self.colours is None else (0.8 * self.colours + 0.2 * colours)

    def mean_radius(self) -> float:
        return float(np.mean([b.radius for b in self.boxes]))

    def moving(self) -> float:
        """How much the person moves: the mean grey-level change inside their body box between
        scanned frames (limbs as well as the whole body; a box's path misses a dancer in place)."""
        return float(np.mean(self.activity)) if self.activity else 0.0


@dataclass(frozen=True)
class Target:
    """Where the performer is in one frame, normalised to the frame (hips and body radius)."""

    cx: float
    cy: float
    rx: float  # the body radius as a share of the width...
    ry: float  # ...and of the height

    def crop_box(self) -> tuple[float, float, float, float]:
        return (
            max(0.0, self.cx - CROP_RADII * self.rx),
            max(0.0, self.cy - CROP_RADII * self.ry),
            min(1.0, self.cx + CROP_RADII * self.rx),
            min(1.0, self.cy + CROP_RADII * self.ry),
        )

    def holds(self, keypoints: F32) -> bool:
        """Whether a pose (frame-normalised keypoints) is this performer's, judged by its hips."""
        hx = float(keypoints[23:25, 0].mean())
        hy = float(keypoints[23:25, 1].mean())
        return math.hypot((hx - self.cx) / self.rx, (hy - self.cy) / self.ry) <= ON_TARGET_RADII


@dataclass(frozen=True)
class Person:
    number: int  # 1-based, left to right on the key frame
    box: tuple[float, float, float, float]  # normalised (x0, y0, x1, y1) on the key frame, clipped
    seen: float  # share of scanned frames
    prominence: float
    moving: float = 0.0  # PersonTrack.moving: mean grey-level change inside the body, 0..255


@dataclass(frozen=True)
class PeopleScan:
    people: list[Person]
    chosen: int  # the performer's number, 0 when nobody was found
    key_frame: int
    targets: list[Target] | None  # per frame, only when several people are in the clip

    @property
    def where(self) -> str:
        """The performer's place among the others, left to right (a code, worded by the bot)."""
        if len(self.people) < 2 or self.chosen == 0:
            return "only"
        if self.chosen == 1:
            return "left"
        return "right" if self.chosen == len(self.people) else "middle"

    def target(self, frame: int) -> Target | None:
        if not self.targets:
            return None
        return self.targets[min(frame, len(self.targets) - 1)]

    def finding_params(self) -> dict[str, object]:
        return {"count": len(self.people), "chosen": self.chosen, "where": self.where}


def scan_stride(fps: float) -> int:
    """Every how many frames the scan looks (the others are only counted)."""
    return max(1, round(fps / SCAN_HZ))


def _colours(rgb: RGB, box: PersonBox) -> F32:
    """Hue/saturation histogram of the torso (shoulders to hips, half a radius wide)."""
    h, w = rgb.shape[:2]
    sx, sy = box.shoulder
    half = 0.25 * box.radius
    x0, x1 = int(max(0, min(sx, box.cx) - half)), int(min(w, max(sx, box.cx) + half))
    y0, y1 = int(max(0, min(sy, box.cy))), int(min(h, max(sy, box.cy)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        x0, y0 = int(max(0, box.cx - half)), int(max(0, box.cy - half))
        x1, y1 = int(min(w, box.cx + half)), int(min(h, box.cy + half))
    patch = np.ascontiguousarray(rgb[y0:y1, x0:x1]) if x1 > x0 and y1 > y0 else rgb[:1, :1]
    hsv = cv2.cvtColor(patch, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, list(HIST_BINS), [0, 180, 0, 256]).astype(np.float32)
    return hist / max(float(hist.sum()), 1e-6)


def _cost(track: PersonTrack, frame: int, box: PersonBox, colours: F32) -> float:
    px, py, pr = track.predict(frame)
    scale = max(pr, box.radius)
    distance = math.hypot(box.cx - px, box.cy - py) / scale
    size = abs(math.log(box.radius / pr))
    if distance > GATE_DISTANCE or size > GATE_SIZE:
        return math.inf
    assert track.colours is not None
    colour = float(cv2.compareHist(track.colours, colours, cv2.HISTCMP_BHATTACHARYYA))
    return distance + size + COLOUR_WEIGHT * colour


class _Linker:
    """Detections of successive scanned frames -> one track per person."""

    def __init__(self, max_miss: int) -> None:
        self.tracks: list[PersonTrack] = []
        self.max_miss = max_miss
        self._previous: npt.NDArray[np.int16] | None = None

    def _activity(self, grey: npt.NDArray[np.int16], box: PersonBox) -> float | None:
        if self._previous is None:
            return None
        h, w = grey.shape
        x0, y0, x1, y1 = (int(v) for v in box.box)
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1 <= x0 or y1 <= y0:
            return None
        return float(np.abs(grey[y0:y1, x0:x1] - self._previous[y0:y1, x0:x1]).mean())

    def step(self, frame: int, rgb: RGB, boxes: list[PersonBox]) -> None:
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.int16)
        activity = [self._activity(grey, b) for b in boxes]
        self._previous = grey
        colours = [_colours(rgb, b) for b in boxes]
        live = [t for t in self.tracks if frame - t.frames[-1] <= self.max_miss]
        cost = np.array([[_cost(t, frame, b, c) for b, c in zip(boxes, colours, strict=True)] for t in live])
        taken: set[int] = set()
        if live and boxes:
            # imported here: scipy.optimize takes half a second, which a render from a cached
            # motion (this module is imported with the extractor) should not pay
            from scipy.optimize import linear_sum_assignment

            rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, 1e6))
            for r, c in zip(rows, cols, strict=True):
                if np.isfinite(cost[r, c]):
                    live[r].add(frame, boxes[c], colours[c], activity[c])
                    taken.add(int(c))
        for i, (b, c) in enumerate(zip(boxes, colours, strict=True)):
            if i not in taken:
                track = PersonTrack()
                track.add(frame, b, c, activity[i])
                self.tracks.append(track)


def _merge_fragments(tracks: list[PersonTrack], fps: float) -> list[PersonTrack]:
    """Join a track that ends to one that starts later where it is the same person come back
    (the detector misses people for a while when they cross or turn): same clothing colours,
    and a restart no farther than they could have walked meanwhile. Best pairs first."""
    pairs: list[tuple[float, int, int]] = []
    for i, early in enumerate(tracks):
        for j, late in enumerate(tracks):
            if late.frames[0] <= early.frames[-1]:
                continue
            assert early.colours is not None and late.colours is not None
            colour = float(cv2.compareHist(early.colours, late.colours, cv2.HISTCMP_BHATTACHARYYA))
            a, b = early.boxes[-1], late.boxes[0]
            gap_s = (late.frames[0] - early.frames[-1]) / fps
            distance = math.hypot(a.cx - b.cx, a.cy - b.cy) / max(a.radius, b.radius)
            if colour <= MERGE_COLOUR and distance <= GATE_DISTANCE + MERGE_SPEED * gap_s:
                pairs.append((COLOUR_WEIGHT * colour + distance, i, j))
    joined_after: dict[int, int] = {}
    joined_before: set[int] = set()
    for _, i, j in sorted(pairs):
        if i not in joined_after and j not in joined_before:
            joined_after[i] = j
            joined_before.add(j)
    merged: list[PersonTrack] = []
    for i, track in enumerate(tracks):
        if i in joined_before:
            continue
        whole = PersonTrack(list(track.frames), list(track.boxes), track.colours, list(track.activity))
        k = i
        while k in joined_after:
            k = joined_after[k]
            part = tracks[k]
            whole.frames += part.frames
            whole.boxes += part.boxes
            whole.activity += part.activity
        merged.append(whole)
    return merged


def _interpolate(track: PersonTrack, n_frames: int, width: int, height: int) -> list[Target]:
    frames = np.array(track.frames, dtype=np.float64)
    idx = np.arange(n_frames, dtype=np.float64)
    cx = np.interp(idx, frames, [b.cx for b in track.boxes]) / width
    cy = np.interp(idx, frames, [b.cy for b in track.boxes]) / height
    r = np.interp(idx, frames, [b.radius for b in track.boxes])
    return [
        Target(float(x), float(y), float(q / width), float(q / height))
        for x, y, q in zip(cx, cy, r, strict=True)
    ]


def scan_people(frames: Iterator[RGB], n_frames: int, fps: float, *, choose: int | None = None) -> PeopleScan:
    """Scan a clip's frames (small copies, all of them: only some are looked at) for people.

    ``choose`` is the performer's number as a previous scan of the same clip showed it; an
    unknown number falls back to the default choice.
    """
    stride = scan_stride(fps)
    linker = _Linker(max_miss=max(stride, round(MAX_MISS_S * fps)))
    scanned: list[int] = []
    size = (1, 1)
    seen_frames = 0
    with PeopleDetector() as detector:
        for i, rgb in enumerate(frames):
            seen_frames = i + 1
            if i % stride:
                continue
            size = (rgb.shape[1], rgb.shape[0])
            linker.step(i, rgb, detector.detect(rgb))
            scanned.append(i)
    n_frames = max(n_frames, seen_frames)
    if not linker.tracks:
        return PeopleScan([], 0, 0, None)
    tracks = _merge_fragments(linker.tracks, fps)
    largest = max(t.mean_radius() for t in tracks)
    counted = [
        t
        for t in tracks
        if len(t.frames) >= MIN_PRESENCE * len(scanned) and t.mean_radius() >= MIN_RELATIVE_SIZE * largest
    ]
    if not counted:
        counted = [max(tracks, key=lambda t: len(t.frames))]
    width, height = size
    key = max(scanned, key=lambda f: (sum(f in t.frames for t in counted), -f))

    def x_on_key(t: PersonTrack) -> float:
        return t.boxes[t.frames.index(key)].cx if key in t.frames else float(np.mean([b.cx for b in t.boxes]))

    counted.sort(key=x_on_key)
    people: list[Person] = []
    for number, t in enumerate(counted, start=1):
        b = t.boxes[t.frames.index(key)] if key in t.frames else t.boxes[len(t.boxes) // 2]
        x0, y0, x1, y1 = (
            b.cx - BOX_WIDTH * b.radius,
            b.cy - b.radius,
            b.cx + BOX_WIDTH * b.radius,
            b.cy + b.radius,
        )
        seen = len(t.frames) / len(scanned)
        prominence = math.sqrt(seen) * t.mean_radius() ** 2 * (MOVING_FLOOR + t.moving())
        people.append(
            Person(
                number,
                (max(0.0, x0 / width), max(0.0, y0 / height), min(1.0, x1 / width), min(1.0, y1 / height)),
                round(seen, 3),
                prominence,
                round(t.moving(), 2),
            )
        )
    default = max(people, key=lambda p: p.prominence).number
    chosen = choose if choose is not None and 1 <= choose <= len(people) else default
    targets = _interpolate(counted[chosen - 1], n_frames, width, height) if len(people) > 1 else None
    return PeopleScan(people, chosen, key, targets)
