"""Padding around a shrunk half-body photo: the photo's own blurred copy, not edge smears."""

from __future__ import annotations

import numpy as np

from motionbot.renderer.engines.warp.framing import Canvas
from motionbot.renderer.engines.warp.subject import framed_on_backdrop


def test_padding_is_a_soft_blurred_copy_and_the_photo_stays_sharp() -> None:
    # a photo with hard vertical stripes, shrunk into the top right of a larger canvas
    photo = np.zeros((120, 80, 3), np.uint8)
    photo[:, ::8] = 255
    canvas = Canvas(width=100, height=150, scale=1.0, origin=(-20.0, 0.0))
    on_canvas = canvas.warp_rgb(photo)
    outside = canvas.outside(80, 120)
    assert outside[:, :20].all() and outside[120:].all() and not outside[:120, 20:].any()
    framed = framed_on_backdrop(photo, on_canvas, outside)
    assert framed.shape == on_canvas.shape
    # edge replication would have carried the photo's first column (a white stripe) across
    # the left padding as a white band and its last row down the bottom one
    left = framed[:100, :12].astype(np.float32)
    assert left.std() < 12 and 10 < left.mean() < 60  # soft, dimmed grey, not a stripe
    bottom = framed[135:, 30:].astype(np.float32)
    assert bottom.std() < 12
    # away from the feathered edge the photo is untouched
    assert np.array_equal(framed[10:100, 40:95], on_canvas[10:100, 40:95])


def test_the_backdrop_is_dimmed_so_the_photo_reads_as_framed_on_it() -> None:
    photo = np.full((120, 80, 3), 200, np.uint8)
    canvas = Canvas(width=100, height=150, scale=1.0, origin=(-20.0, 0.0))
    outside = canvas.outside(80, 120)
    framed = framed_on_backdrop(photo, canvas.warp_rgb(photo), outside)
    assert abs(float(framed[outside].mean()) - 150.0) < 3.0  # three quarters of the photo's light
    assert float(framed[5:110, 30:95].mean()) == 200.0
