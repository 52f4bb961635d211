"""Padding around a shrunk half-body photo: the person's own surroundings, soft and out of
focus, not edge smears and not a ghost of the person."""

from __future__ import annotations

import numpy as np

from motionbot.renderer.engines.warp.framing import Canvas
from motionbot.renderer.engines.warp.subject import framed_on_backdrop

# a photo shrunk into the top right of a larger canvas
CANVAS = Canvas(width=100, height=150, scale=1.0, origin=(-20.0, 0.0))


def test_padding_is_soft_and_the_photo_stays_sharp() -> None:
    photo = np.zeros((120, 80, 3), np.uint8)
    photo[:, ::8] = 255  # hard vertical stripes
    no_one = np.zeros((120, 80), np.float32)
    on_canvas = CANVAS.warp_rgb(photo)
    outside = CANVAS.outside(80, 120)
    assert outside[:, :20].all() and outside[120:].all() and not outside[:120, 20:].any()
    framed = framed_on_backdrop(photo, no_one, on_canvas, outside)
    # edge replication carried the photo's first column (a white stripe) across the left
    # padding as a white band and its last row down the bottom one
    assert framed[:100, :12].astype(np.float32).std() < 12
    assert framed[135:, 30:].astype(np.float32).std() < 12
    # away from the feathered edge the photo is untouched
    assert np.array_equal(framed[10:100, 50:95], on_canvas[10:100, 50:95])


def test_the_padding_continues_the_wall_without_a_ghost_of_the_person() -> None:
    photo = np.full((120, 80, 3), 200, np.uint8)  # a light wall...
    person = np.zeros((120, 80), np.float32)
    person[20:, 20:60] = 1.0
    photo[person > 0] = 30  # ...and a dark figure cut by the photo's bottom edge
    outside = CANVAS.outside(80, 120)
    framed = framed_on_backdrop(photo, person, CANVAS.warp_rgb(photo), outside)
    padding = framed[outside].astype(np.float32)
    assert abs(float(padding.mean()) - 200.0) < 12 and float(padding.min()) > 150
