"""mediapipe perception on real pictures that ship with scikit-image (no samples needed)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data

from motionbot.queue.jobs import Framing
from motionbot.renderer.motion.model import FACE_FEATURES, Landmark
from motionbot.renderer.perception import quality
from motionbot.renderer.perception.face import FaceTracker, detect_faces
from motionbot.renderer.perception.pose import PoseDetector
from motionbot.renderer.perception.segmentation import count_people, person_mask

L = Landmark


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return np.asarray(skimage.data.astronaut(), dtype=np.uint8)  # type: ignore[no-untyped-call]


def test_pose_on_the_astronaut(astronaut: np.ndarray) -> None:
    with PoseDetector() as detector:
        result = detector.detect(astronaut)
    assert result is not None
    kp = result.keypoints
    assert kp.shape == (33, 4) and kp.dtype == np.float32
    assert result.score > 0.5
    # Her face is in the upper middle of the picture, shoulders below it, her left on image right.
    assert 0.3 < kp[L.NOSE, 0] < 0.6 and 0.1 < kp[L.NOSE, 1] < 0.4
    assert kp[L.LEFT_SHOULDER, 1] > kp[L.NOSE, 1]
    assert kp[L.LEFT_SHOULDER, 0] > kp[L.RIGHT_SHOULDER, 0]
    assert quality.framing(kp, detect_faces(astronaut)[0][0]) is Framing.HALF_BODY


def test_pose_with_segmentation_mask(astronaut: np.ndarray) -> None:
    with PoseDetector(segmentation=True) as detector:
        result = detector.detect(astronaut)
    assert result is not None and result.mask is not None
    assert result.mask.shape == astronaut.shape[:2]
    assert 0.2 < float((result.mask > 0.5).mean()) < 0.9


def test_no_pose_in_an_empty_picture() -> None:
    with PoseDetector() as detector:
        assert detector.detect(np.full((256, 256, 3), 128, dtype=np.uint8)) is None


def test_person_mask_and_people_count(astronaut: np.ndarray) -> None:
    mask = person_mask(astronaut)
    assert mask.shape == astronaut.shape[:2] and mask.dtype == np.float32
    assert mask.min() >= 0.0 and mask.max() <= 1.0
    assert count_people(astronaut) == 1
    gap = np.zeros((512, 100, 3), dtype=np.uint8)
    assert count_people(np.concatenate([astronaut, gap, astronaut], axis=1)) == 2


def test_face_features_follow_the_head(astronaut: np.ndarray) -> None:
    with FaceTracker() as tracker:
        face = tracker.detect(astronaut)
        h, w = astronaut.shape[:2]
        tilted = cv2.warpAffine(astronaut, cv2.getRotationMatrix2D((w / 2, h / 3), 20, 1.0), (w, h))
        tilted_face = tracker.detect(tilted)
    assert face is not None and tilted_face is not None
    assert face.landmarks.shape == (478, 3)
    assert face.features.shape == (len(FACE_FEATURES),)
    f = dict(zip(FACE_FEATURES, face.features.tolist(), strict=True))
    assert abs(f["yaw"]) < 20 and abs(f["roll"]) < 10
    assert f["left_eye_open"] > 0.5 and f["right_eye_open"] > 0.5
    assert 0.0 <= f["mouth_open"] <= 1.0 and 0.0 <= f["mouth_wide"] <= 1.0
    roll_change = (
        tilted_face.features[FACE_FEATURES.index("roll")] - face.features[FACE_FEATURES.index("roll")]
    )
    assert abs(abs(roll_change) - 20) < 6
    x, _y, _bw, bh = face.box
    assert 0.2 < x < 0.6 and 0.05 < bh < 0.5


def test_detect_faces_finds_one(astronaut: np.ndarray) -> None:
    faces = detect_faces(astronaut)
    assert len(faces) == 1
    (_x, _y, w, _h), score = faces[0]
    assert score > 0.8 and 0.0 < w < 0.5


def _keypoints(visible: list[Landmark]) -> np.ndarray:
    kp = np.zeros((33, 4), dtype=np.float32)
    for lm in visible:
        kp[lm, 3] = 1.0
    return kp


def test_framing_rules() -> None:
    torso = [L.NOSE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
    legs = [L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]
    assert quality.framing(_keypoints(torso + legs), None) is Framing.FULL_BODY
    assert quality.framing(_keypoints(torso), None) is Framing.HALF_BODY
    shoulders = _keypoints([L.NOSE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER])
    assert quality.framing(shoulders, (0.3, 0.2, 0.4, 0.3)) is Framing.FACE  # big face: a close-up
    assert quality.framing(shoulders, (0.4, 0.1, 0.2, 0.15)) is Framing.HALF_BODY
    assert quality.framing(None, (0.3, 0.2, 0.4, 0.3)) is Framing.FACE
    assert quality.framing(None, None) is Framing.NONE


def test_light_and_sharpness_measures(astronaut: np.ndarray) -> None:
    assert not quality.light(astronaut).dark and not quality.light(astronaut).overexposed
    assert quality.light(astronaut // 6).dark
    assert quality.light(np.full_like(astronaut, 253)).overexposed
    blurred = cv2.GaussianBlur(astronaut, (0, 0), 6)
    assert quality.sharpness(blurred) < quality.VERY_BLURRY < quality.BLURRY < quality.sharpness(astronaut)


def test_background_motion_sees_a_pan_not_a_still_camera(astronaut: np.ndarray) -> None:
    shifted = np.roll(astronaut, 12, axis=1)
    assert quality.background_motion(astronaut, astronaut, None) < 1e-3
    assert quality.background_motion(astronaut, shifted, None) > quality.CAMERA_MOVES


def test_scene_cut_detection(astronaut: np.ndarray) -> None:
    a = quality.colour_histogram(astronaut)
    assert not quality.is_cut(a, quality.colour_histogram(np.roll(astronaut, 5, axis=0)))
    other = np.asarray(skimage.data.chelsea(), dtype=np.uint8)  # type: ignore[no-untyped-call]
    assert quality.is_cut(a, quality.colour_histogram(other))


def test_a_small_face_is_read_in_a_crop_around_the_head(astronaut: np.ndarray) -> None:
    """A full-body photo's face is too small for the mesh's own detector; found in a crop, its
    landmarks come back in the whole picture's terms, where the face is."""
    with FaceTracker() as tracker:
        big = tracker.detect(astronaut)
        assert big is not None
        small = cv2.resize(astronaut, (96, 96), interpolation=cv2.INTER_AREA)
        scene = np.full((960, 960, 3), 128, np.uint8)
        scene[400:496, 600:696] = small
        assert tracker.detect(scene) is None
        expected = (big.landmarks[:, :2] * 96 + [600, 400]) / 960
        cx, cy = (expected.mean(axis=0) * 960).astype(int)
        half = int(np.ptp(expected[:, 1]) * 960)  # the crop twice the face's height, as head_box makes it
        face = tracker.detect_in(scene, (cx - half, cy - half, cx + half, cy + half))
    assert face is not None
    err = np.linalg.norm(face.landmarks[:, :2] - expected, axis=1) * 960
    assert float(np.median(err)) < 2.0  # pixels of the scene, on a face about 40 px tall
