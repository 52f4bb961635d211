"""Which person in a photo of several moves, and what belongs to them.

The photo is read as inspection reads it (:mod:`photo_people`, at PEOPLE_SIDE), so subject k
is the person the findings picture numbers k. The chosen one gets their own pose and their
own share of the person masks; the others' shares stay in the background as the photo has
them, fully opaque, instead of half of one of them riding along in the mover's matte.
"""

from __future__ import annotations

import numpy as np

from motionbot.renderer.arrays import F32, U8
from motionbot.renderer.perception.photo_people import (
    PEOPLE_SIDE,
    chosen_subject,
    detect_people,
    own_masks,
    pose_people,
)
from motionbot.renderer.perception.quality import resize_long_side


def choose_subject(photo: U8, subject: int | None) -> tuple[F32, F32, F32] | None:
    """The chosen person's keypoints (normalised), mask and the others' mask (both at
    PEOPLE_SIDE); None when the photo shows fewer than two people (the usual one-person path)."""
    small = resize_long_side(photo, PEOPLE_SIDE)
    found = detect_people(small)
    if len(found) < 2:
        return None
    people = pose_people(small, found)
    if len(people) < 2:
        return None
    number = chosen_subject(people, subject)
    masks = own_masks(people)
    mine = masks[number - 1]
    others = np.max(np.stack([m for i, m in enumerate(masks) if i != number - 1]), axis=0)
    return people[number - 1].pose.keypoints, mine, others.astype(np.float32)
