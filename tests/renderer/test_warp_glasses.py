"""Glasses stay straight: found in the photo, filled over in the face, drawn back rigidly."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
from face_figures import photo_face

from motionbot.renderer.engines.warp.glasses import GlassesLayer, find_frames
from motionbot.renderer.motion.face_shape import BROWS, LEFT_EYE, RIGHT_EYE

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
SKIN = (205, 160, 135)
FRAME = (30, 24, 22)


def _face_photo(points: F32, rng: np.random.Generator) -> U8:
    """Skin with a little grain, dark eyes with lashes, and thick brows: what a face has that is
    dark and thin but is not glasses."""
    img = np.clip(np.full((600, 800, 3), SKIN, np.float32) + rng.normal(0, 4, (600, 800, 3)), 0, 255)
    img = img.astype(np.uint8)
    for contour in (RIGHT_EYE, LEFT_EYE):
        eye = np.round(points[list(contour)]).astype(np.int32)
        cv2.fillPoly(img, [eye], (240, 240, 235))
        cv2.circle(img, tuple(eye.mean(axis=0).astype(int)), 7, (50, 35, 25), -1)
        cv2.polylines(img, [eye[8:]], False, (40, 30, 25), 3)  # the upper lid's lashes
        crease = eye[8:] + np.array([0, -12], np.int32)
        cv2.polylines(img, [crease], False, (150, 110, 95), 2)  # the lid's crease, a soft line
    for half in (BROWS[:5], BROWS[10:15]):
        cv2.polylines(img, [np.round(points[list(half)]).astype(np.int32)], False, (70, 50, 40), 9)
    return img


def _with_glasses(img: U8, points: F32) -> U8:
    out = img.copy()
    centres = [points[list(c)].mean(axis=0) for c in (RIGHT_EYE, LEFT_EYE)]
    for c in centres:
        cv2.ellipse(out, tuple(np.round(c).astype(int)), (44, 32), 0, 0, 360, FRAME, 4, cv2.LINE_AA)
    (ax, ay), (bx, by) = centres
    cv2.line(out, (int(ax + 44), int(ay - 6)), (int(bx - 44), int(by - 6)), FRAME, 4, cv2.LINE_AA)
    cv2.line(out, (int(ax - 44), int(ay)), (int(ax - 80), int(ay - 4)), FRAME, 4, cv2.LINE_AA)
    cv2.line(out, (int(bx + 44), int(by)), (int(bx + 80), int(by - 4)), FRAME, 4, cv2.LINE_AA)
    return out


def _dark(img: U8) -> npt.NDArray[np.bool_]:
    return np.asarray(img.astype(np.int32).sum(axis=2) < 3 * 80)


def test_frames_are_found_around_both_eyes_and_nothing_else_is() -> None:
    points = photo_face().points
    plain = _face_photo(points, np.random.default_rng(0))
    assert find_frames(plain, points) is None  # eyes, lashes, creases and brows are not glasses
    photo = _with_glasses(plain, points)
    found = find_frames(photo, points)
    assert found is not None
    mask, (x0, y0) = found
    drawn = np.zeros(photo.shape[:2], np.uint8)
    drawn[y0 : y0 + mask.shape[0], x0 : x0 + mask.shape[1]] = mask
    frames = _dark(photo) & ~_dark(plain)
    assert drawn[frames].mean() > 0.9  # nearly every pixel of the frames
    assert (drawn.astype(bool) & _dark(plain)).sum() < 0.05 * frames.sum()  # hardly any pupil or brow


def test_the_face_under_the_frames_is_filled_with_skin() -> None:
    points = photo_face().points
    photo = _with_glasses(_face_photo(points, np.random.default_rng(1)), points)
    layer = GlassesLayer.build(photo, points, points)
    assert layer is not None
    texture = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    stripped = layer.strip(texture)[..., :3]
    frames = _dark(photo) & ~_dark(_face_photo(points, np.random.default_rng(1)))
    skin_like = np.abs(stripped[frames].astype(np.float32) - SKIN).max(axis=1) < 45
    assert skin_like.mean() > 0.85


def test_the_frames_turn_with_the_head_and_do_not_bend_when_the_eyes_shut() -> None:
    points = photo_face().points
    photo = _with_glasses(_face_photo(points, np.random.default_rng(2)), points)
    layer = GlassesLayer.build(photo, points, points)
    assert layer is not None
    # the head tilts 8 degrees and comes 10% closer, and both eyes shut: the lids move alone
    centre = points.mean(axis=0)
    a = np.radians(8.0)
    rot = 1.1 * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    deformed = ((points - centre) @ rot.T + centre).astype(np.float32)
    for contour in (RIGHT_EYE, LEFT_EYE):
        upper = list(contour[9:])
        deformed[upper, 1] += 10.0
    frame = np.full(photo.shape, 255, np.uint8)
    layer.paint(frame, deformed)
    frames = _dark(photo) & ~_dark(_face_photo(points, np.random.default_rng(2)))
    m = np.hstack([rot, (centre - rot @ centre)[:, None]]).astype(np.float64)
    expected = cv2.warpAffine(frames.astype(np.uint8), m, (photo.shape[1], photo.shape[0])) > 0
    painted = _dark(frame)
    overlap = (painted & expected).sum() / max(1, (painted | expected).sum())
    assert overlap > 0.7  # the same frames, moved as the head moved, not as the lids did
    assert painted.sum() > 0.8 * expected.sum()
