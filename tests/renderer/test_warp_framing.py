"""Framing from the whole motion: the canvas shows where the retargeted hands go, the room
made around the photo continues it without a visible edge, and the demo's wave stays in frame."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from motionbot.queue.jobs import RenderOptions
from motionbot.renderer.cli import DEMO_PRESET
from motionbot.renderer.engines.warp.engine import WarpEngine
from motionbot.renderer.engines.warp.framing import Canvas, fit_window
from motionbot.renderer.engines.warp.rig import BONES, J
from motionbot.renderer.engines.warp.subject import framed_on_backdrop
from motionbot.renderer.motion.presets import load_preset
from motionbot.renderer.settings import RendererSettings

PHOTO_CANVAS = Canvas(width=400, height=600, scale=1.0, origin=(0.0, 0.0))
PERSON = (100.0, 20.0, 300.0, 580.0)


def test_the_window_grows_to_show_the_motion_and_everything_the_photo_showed() -> None:
    need = (-50.0, -120.0, 380.0, 560.0)  # hands above the head and out to the left
    fitted = fit_window(PHOTO_CANVAS, need, PERSON, (400, 600), floor_scale=0.5)
    x0, y0, x1, y1 = fitted.window
    assert (fitted.width, fitted.height) == (400, 600)
    assert x0 <= -50.0 and y0 <= -120.0 and x1 >= 380.0 and y1 >= 580.0
    assert fitted.scale == pytest.approx(600 / 700)  # no more zoom than needed (-120 to 580)


def test_the_zoom_stops_at_its_floor_and_centres_on_what_it_must_show() -> None:
    need = (-2000.0, -3000.0, 400.0, 600.0)
    fitted = fit_window(PHOTO_CANVAS, need, PERSON, (400, 600), floor_scale=0.5)
    assert fitted.scale == pytest.approx(0.5)
    x0, y0, x1, y1 = fitted.window
    assert (x0 + x1) / 2 == pytest.approx(-800.0) and (y0 + y1) / 2 == pytest.approx(-1200.0)


def test_a_photo_aspect_canvas_widens_before_it_zooms() -> None:
    fitted = fit_window(PHOTO_CANVAS, (-100.0, 0.0, 400.0, 600.0), PERSON, (400, 600), 0.5, may_widen=True)
    assert fitted.width == 500 and fitted.scale == 1.0 and fitted.window[0] == pytest.approx(-100.0)


def test_the_room_around_the_photo_has_no_edge_stronger_than_the_photo_itself() -> None:
    rng = np.random.default_rng(3)
    ramp = np.linspace(60, 200, 80, dtype=np.float32)[None, :, None]
    photo = np.clip(ramp + rng.normal(0, 4, (120, 80, 3)), 0, 255).astype(np.uint8)
    canvas = Canvas(width=100, height=150, scale=1.0, origin=(-20.0, -30.0))
    outside = canvas.outside(80, 120)
    framed = framed_on_backdrop(photo, np.zeros((120, 80), np.float32), canvas.warp_rgb(photo), outside)
    step = np.abs(np.diff(framed.astype(np.float32).mean(axis=2), axis=1))
    photo_step = np.abs(np.diff(photo.astype(np.float32).mean(axis=2), axis=1))
    # the columns either side of the photo's left edge (canvas x 20) against the photo's own
    across = step[40:140, 14:26].mean(axis=0).max()
    assert across <= 1.5 * photo_step.mean(axis=0).max()
    top = np.abs(np.diff(framed.astype(np.float32).mean(axis=2), axis=0))[24:36, 30:90].mean(axis=1).max()
    assert top <= 1.5 * np.abs(np.diff(photo.astype(np.float32).mean(axis=2), axis=0)).mean(axis=1).max()


def test_the_demo_keeps_the_waving_hand_in_frame() -> None:
    engine = WarpEngine.load(RendererSettings(output_long_side=256, ai_label_visible=False))
    try:
        motion = load_preset(DEMO_PRESET)
        subject = engine.prepare(np.asarray(data.astronaut(), np.uint8), RenderOptions(), motion)
        _, moves = engine.animate(subject, motion)
    finally:
        engine.close()
    size = np.array(subject.size, np.float32)
    raised = 0
    for forearm in (4, 7):  # the bones ending at the wrists; a hidden forearm is grown
        if not subject.rig.rigged[forearm]:
            continue
        wrist = moves.joints[:, BONES[forearm].b]
        # a wrist below the photo's bottom edge is hidden there, as in the photo itself
        lifted = wrist[:, 1] < subject.rig.cut_y
        inside = ((wrist >= 0.0) & (wrist <= size)).all(axis=1)
        assert inside[lifted].mean() >= 0.98, (BONES[forearm].name, inside[lifted].mean())
        raised += int((wrist[:, 1] < subject.rig.joints[J.HEAD, 1]).any())
    assert raised  # the wave lifts a hand above the head
