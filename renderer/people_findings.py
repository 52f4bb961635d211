"""Who is in a photo or clip, for the inspection: numbered people, the one used, a picture.

A clip is scanned by the very scan extraction runs (:func:`performers.scan_people`, on frames
decoded and shrunk as extraction does), so number k here is the track a render with
``performer=k`` follows; a photo is read by :func:`photo_people.find_people`, which the warp
engine uses to pick ``subject=k``. With two people or more, the findings picture is one frame
(the scan's key frame, where most of them are visible) or the photo, each person boxed and
numbered, the one used highlighted: the bot shows it with buttons 1..N.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from motionbot.queue.jobs import PersonChoice
from motionbot.renderer.arrays import RGB
from motionbot.renderer.motion.people_picture import numbered_people
from motionbot.renderer.motion.performers import SCAN_SIDE, scan_people, scan_stride
from motionbot.renderer.perception.photo_people import default_subject, find_people
from motionbot.renderer.perception.quality import resize_long_side

PICTURE_NAME = "people.png"
# The performer's mean grey-level change inside their box between scanned frames (a quarter
# of a second apart) above which they are moving; a still one (or a still camera's bystander)
# stays near noise level.
MOVING = 4.0


@dataclass
class PeopleSeen:
    """Everyone numbered in one photo or clip; ``chosen`` is the one used unless told otherwise."""

    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    chosen: int = 0
    picture: RGB | None = None  # the frame the boxes are drawn on (only with two people or more)
    moving: bool | None = None  # the chosen performer's (clips only)

    @property
    def count(self) -> int:
        return len(self.boxes)

    @property
    def where(self) -> str:
        """The chosen one's place among the others, left to right (a code the bot words)."""
        if self.count < 2 or self.chosen == 0:
            return "only"
        if self.chosen == 1:
            return "left"
        return "right" if self.chosen == self.count else "middle"

    def finding_params(self) -> dict[str, float | int | str]:
        """``several_people``'s figures: how many, which one is used and where it stands, and
        for a clip whether that one moves; ``people`` is the count under its older name."""
        params: dict[str, float | int | str] = {
            "people": self.count,
            "count": self.count,
            "chosen": self.chosen,
            "where": self.where,
        }
        if self.moving is not None:
            params["moving"] = "moving" if self.moving else "still"
        return params

    def report_fields(self) -> dict[str, object]:
        """InspectReport's ``persons`` and ``chosen`` (nothing to choose from with one person)."""
        if self.count < 2:
            return {}
        persons = [PersonChoice(number=i, box=b) for i, b in enumerate(self.boxes, start=1)]
        return {"persons": persons, "chosen": self.chosen}

    def write_picture(self, folder: Path | None) -> Path | None:
        """The numbered picture as a PNG in ``folder`` (for the media store), when there is one."""
        if folder is None or self.picture is None or self.count < 2:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / PICTURE_NAME
        drawn = numbered_people(self.picture, self.boxes, self.chosen)
        if not cv2.imwrite(str(path), cv2.cvtColor(drawn, cv2.COLOR_RGB2BGR)):
            return None
        return path


def photo_people(small: RGB) -> PeopleSeen:
    """The people the warp engine can animate in a photo, numbered as its ``subject`` counts."""
    people = find_people(small)
    return PeopleSeen(
        boxes=[p.box for p in people],
        chosen=default_subject(people),
        picture=small if len(people) > 1 else None,
    )


def clip_people(frames: Iterator[RGB], n_frames: int, fps: float) -> PeopleSeen:
    """Scan a clip's decoded frames (extraction's decode size) as extraction does."""
    stride = scan_stride(fps)
    kept: dict[int, RGB] = {}

    def scanned() -> Iterator[RGB]:
        for i, frame in enumerate(frames):
            small = resize_long_side(frame, SCAN_SIDE)
            if i % stride == 0:
                kept[i] = small
            yield small

    scan = scan_people(scanned(), n_frames, fps)
    if not scan.people:
        return PeopleSeen()
    chosen = scan.people[scan.chosen - 1]
    return PeopleSeen(
        boxes=[p.box for p in scan.people],
        chosen=scan.chosen,
        picture=kept.get(scan.key_frame) if len(scan.people) > 1 else None,
        moving=chosen.moving >= MOVING,
    )
