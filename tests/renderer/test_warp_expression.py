"""Expression transfer: the performer's face shape moves the photo's face, and only that."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from face_figures import photo_face, synthetic_face

from motionbot.renderer.engines.warp.face import expression_track
from motionbot.renderer.engines.warp.mouth import MouthPainter, polygon_area
from motionbot.renderer.motion.face_shape import (
    FACE_OVAL,
    FACE_SHAPE_POINTS,
    INNER_LIPS,
    LIDS,
    NOSE,
    OUTER_LIPS,
    FaceShape,
    shape_index,
)
from motionbot.renderer.motion.model import NUM_LANDMARKS, Motion

F32 = npt.NDArray[np.float32]


def _reference(n: int, rng: np.random.Generator) -> F32:
    """(n, 478, 3) the synthetic face in a 640x480 frame, normalised, its head turning and
    tilting a little and moving, with detector-sized noise: no expression at all."""
    base = synthetic_face()
    out = np.zeros((n, 478, 3), np.float32)
    for t in range(n):
        yaw, roll = np.radians(8 * np.sin(t / 5)), np.radians(6 * np.cos(t / 7))
        ry = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
        rz = np.array([[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
        face = base @ (rz @ ry).T * (200 + 10 * np.sin(t / 3))
        face = face + np.array([320 + 5 * t, 240, 0]) + rng.normal(0, 0.3, face.shape)
        out[t] = face / np.array([640, 480, 640])
    return out


def _shape(points: F32) -> FaceShape:
    return FaceShape(points[:, list(FACE_SHAPE_POINTS)].astype(np.float32), np.zeros(len(points), np.float32))


def test_a_calm_reference_leaves_the_photo_face_as_it_is() -> None:
    rng = np.random.default_rng(0)
    moves = expression_track(_shape(_reference(40, rng)), 640, 480, photo_face(), 40)
    # head turns, tilts, zooms and moves are the rig's business: the face itself keeps still
    assert np.abs(moves).max() < 0.01 * 300


def test_a_head_turn_swings_the_nose_inside_a_still_outline() -> None:
    """The turn's parallax: the nose, nearest the camera, crosses the face as the performer's
    does, the outline stays for the rig, and the eye line keeps its tilt."""
    rng = np.random.default_rng(3)
    n = 40
    ref = _reference(n, rng)
    photo = photo_face()
    still = np.zeros((n, len(FACE_SHAPE_POINTS), 2), np.float32)
    turned = expression_track(_shape(ref), 640, 480, photo, n, still)
    moves = turned - expression_track(_shape(ref), 640, 480, photo, n)  # the turn alone
    yaw = np.sin(np.arange(n) / 5)  # the reference's yaw, up to 8 degrees each way
    nose = shape_index(*NOSE)
    sideways = moves[:, nose, 0].mean(axis=1)
    assert np.corrcoef(sideways, -yaw)[0, 1] > 0.9  # image x: a turn to the left moves it left
    assert np.abs(sideways).max() > 0.02 * 300  # a few pixels on a 300 px face
    assert np.abs(moves[:, shape_index(*FACE_OVAL)]).max() < 1e-3
    eyes = photo.shape[:, :2][shape_index(33, 263)] + moves[:, shape_index(33, 263)]
    tilt = np.degrees(np.arctan2(eyes[:, 1, 1] - eyes[:, 0, 1], eyes[:, 1, 0] - eyes[:, 0, 0]))
    assert np.abs(tilt).max() < 0.5  # the photo's eye line is level and stays so
    # what the rig's head bulge already moves is taken off
    bulge = np.full_like(still, 2.0)
    assert np.allclose(expression_track(_shape(ref), 640, 480, photo, n, bulge), turned - 2.0, atol=1e-3)


def test_mouth_opening_and_a_blink_reach_thephoto_face() -> None:
    rng = np.random.default_rng(1)
    ref = _reference(40, rng)
    scale = 200 / 480  # the reference face's size, in normalised height
    lower = [*INNER_LIPS[11:], *OUTER_LIPS[1:10], 152, 148, 377]
    ref[10:20, lower, 1] += 0.12 * scale  # the jaw drops: lower lip and chin go down
    for up, low in LIDS[0] + LIDS[1]:  # frames 25..29: both eyes shut
        ref[25:30, FACE_SHAPE_POINTS[up], :2] = ref[25:30, FACE_SHAPE_POINTS[low], :2]
    photo = photo_face()
    moves = expression_track(_shape(ref), 640, 480, photo, 40)
    lip_bottom, lip_top = shape_index(14)[0], shape_index(13)[0]
    drop = moves[10:20, lip_bottom, 1]
    assert drop.min() > 0.5 * 0.12 * 300  # about the same share of the photo's face
    assert np.abs(moves[10:20, lip_top, 1]).max() < 0.2 * drop.min()
    assert np.abs(moves[:8]).max() < 0.01 * 300
    shape = photo.shape[:, :2]
    for up, low in LIDS[0]:
        rest_gap = shape[low, 1] - shape[up, 1]
        shut = (shape[low, 1] + moves[25:30, low, 1]) - (shape[up, 1] + moves[25:30, up, 1])
        if rest_gap > 1.0:
            assert shut.max() < 0.25 * rest_gap  # closed, and never turned inside out
            assert shut.min() >= -1e-3


def test_the_mouth_inside_is_drawn_only_while_the_mouth_is_open() -> None:
    photo = photo_face()
    inner = photo.points[list(INNER_LIPS)]
    width = float(np.linalg.norm(photo.points[291] - photo.points[61]))
    painter = MouthPainter(
        np.arange(20), polygon_area(inner), width, np.array([40.0, 15.0, 12.0], np.float32)
    )
    frame = np.full((600, 800, 3), 200, np.uint8)
    painter.paint(frame, inner, teeth=1.0)
    assert (frame == 200).all()  # closed as in the photo: nothing drawn
    opened = inner.copy()
    opened[11:, 1] += 30  # the lower lip drops 30 px
    painter.paint(frame, opened, teeth=0.0)
    centre = opened.mean(axis=0).round().astype(int)
    assert frame[centre[1] + 8, centre[0]].max() < 90  # dark inside
    assert (frame[:, :300] == 200).all() and (frame[: int(inner[:, 1].min()) - 3] == 200).all()
    with_teeth = np.full_like(frame, 200)
    painter.paint(with_teeth, opened, teeth=1.0)
    top = int(inner[:11, 1].max()) + 2
    assert with_teeth[top, centre[0]].min() > frame[top, centre[0]].min() + 60  # teeth under the upper lip


def test_a_motion_keeps_its_face_shape_through_a_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    shape = _shape(_reference(6, rng))
    kp = np.zeros((6, NUM_LANDMARKS, 4), np.float32)
    motion = Motion(30.0, 640, 480, kp, np.ones(6, np.float32), "clip.mp4", face_shape=shape)
    motion.save(tmp_path / "m.json")
    back = Motion.load(tmp_path / "m.json")
    assert back.face_shape is not None
    assert np.allclose(back.face_shape.points, shape.points, atol=1e-4)
    assert back.trimmed(3 / 30).face_shape is not None and len(back.trimmed(3 / 30).face_shape.teeth) == 3


@pytest.mark.timeout(600)
def test_the_sample_face_pair_talks(samples_dir: Path, tmp_path: Path) -> None:
    """Face mesh run on the output finds the reference's mouth and eye movements in it."""
    from motionbot.queue.jobs import RenderOptions
    from motionbot.renderer.engines.base import EngineInput
    from motionbot.renderer.engines.warp.engine import WarpEngine
    from motionbot.renderer.evaluate.expression import expression_metrics, video_signals
    from motionbot.renderer.media.video import probe
    from motionbot.renderer.motion.extract import extract_motion
    from motionbot.renderer.settings import RendererSettings

    settings = RendererSettings(cache_dir=tmp_path / "cache", max_seconds=5.0)
    video = samples_dir / "video_face_talking_woman.mp4"
    motion = extract_motion(video, settings)
    assert motion.face_shape is not None
    engine = WarpEngine.load(settings)
    try:
        out = tmp_path / "talk.mp4"
        engine.render(
            EngineInput(
                photo=samples_dir / "portrait_face_man.jpg",
                output=out,
                options=RenderOptions(keep_sound=True),
                motion=motion,
                video=video,
            )
        )
    finally:
        engine.close()
    m = expression_metrics(video_signals(video, max_seconds=5.0), video_signals(out))
    assert m["mouth_open_corr"] > 0.7 and 0.5 < m["mouth_open_amp"] < 1.5
    assert m["eye_open_corr"] > 0.4
    assert m["head_roll_corr"] > 0.7
    # the talk keeps its sound in time: as long as the picture, and the voice's loudness
    # lines up with the reference's at no lag (drift would move the peak, or blur it at the end)
    info = probe(out)
    assert info.has_audio and abs(info.duration_s - 5.0) <= 1.0 / info.fps
    sound, voice = _loudness(out), _loudness(video)[: len(_loudness(out))]
    assert abs(len(sound) * LOUDNESS_STEP - info.duration_s) < 0.05
    for part in (slice(None, len(sound) // 2), slice(len(sound) // 2, None)):
        assert abs(_lag(sound[part], voice[part])) <= 0.02


LOUDNESS_STEP = 0.01  # seconds


def _loudness(path: Path) -> npt.NDArray[np.float64]:
    """The sound's loudness every 10 ms (mono, 8 kHz), decoded by the bundled ffmpeg."""
    import subprocess

    import imageio_ffmpeg

    raw = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", "8000",
         "-f", "s16le", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    pcm = np.frombuffer(raw, np.int16).astype(np.float64)
    n = round(8000 * LOUDNESS_STEP)
    return np.sqrt((pcm[: len(pcm) // n * n].reshape(-1, n) ** 2).mean(axis=1))


def _lag(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    """Seconds by which ``a`` trails ``b``: the peak of their cross-correlation within 0.3 s."""
    a, b = a - a.mean(), b - b.mean()
    reach = round(0.3 / LOUDNESS_STEP)
    lags = range(-reach, reach + 1)
    scores = [
        float(np.dot(a[max(k, 0) : len(a) + min(k, 0)], b[max(-k, 0) : len(b) - max(k, 0)])) for k in lags
    ]
    return lags[int(np.argmax(scores))] * LOUDNESS_STEP


def test_an_eye_squeezed_shut_is_covered_by_its_lid_and_an_open_one_is_not() -> None:
    from motionbot.renderer.engines.warp.eyelids import Eyelid, EyelidPainter
    from motionbot.renderer.motion.face_shape import RIGHT_EYE

    photo = photo_face()
    contour = photo.points[list(RIGHT_EYE)]
    lid = np.array([150.0, 110.0, 90.0], np.float32)
    eye = Eyelid(np.arange(16), polygon_area(contour), float(np.linalg.norm(contour[0] - contour[8])), lid,
                 np.array([20.0, 15.0, 15.0], np.float32))  # fmt: skip
    painter = EyelidPainter((eye,))
    frame = np.full((600, 800, 3), 250, np.uint8)
    painter.paint(frame, contour)
    assert (frame == 250).all()  # open as in the photo: nothing drawn
    shut = contour.copy()
    lower_y = np.interp(shut[9:, 0], shut[:9, 0], shut[:9, 1])
    shut[9:, 1] = lower_y + 0.1 * (shut[9:, 1] - lower_y)  # the upper lid at a tenth of its opening
    painter.paint(frame, shut)
    x0, x1 = int(shut[:, 0].min()) + 3, int(shut[:, 0].max()) - 3
    y0, y1 = int(shut[:, 1].min()) - 3, int(shut[:, 1].max()) + 1
    patch = frame[y0:y1, x0:x1].astype(float)
    lid_like = np.abs(patch - lid).max(axis=2) < 40
    lash_like = patch.max(axis=2) < 90
    assert lid_like.mean() > 0.25 and lash_like.any()  # the lid over the eye (none before), a lash line
    assert frame[:, :200].min() == 250  # nowhere else
