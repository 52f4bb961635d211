"""Face landmarks and expression features from mediapipe's bundled face mesh.

Features are measured from the 478 refined landmarks with simple geometry (no 3D model
fit): that is enough to drive a head turn and an eye/mouth state in the warp engine, and it
stays fast on CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32
from motionbot.renderer.motion.face_shape import INNER_LIPS
from motionbot.renderer.motion.model import FACE_FEATURES
from motionbot.renderer.perception.graph import MediapipeGraph

# Face mesh indices ("left" is the subject's left, seen on the image's right).
NOSE_TIP = 1
FOREHEAD = 10
CHIN = 152
RIGHT_CHEEK, LEFT_CHEEK = 234, 454
RIGHT_EYE_OUTER, RIGHT_EYE_INNER, RIGHT_EYE_TOP, RIGHT_EYE_BOTTOM = 33, 133, 159, 145
LEFT_EYE_OUTER, LEFT_EYE_INNER, LEFT_EYE_TOP, LEFT_EYE_BOTTOM = 263, 362, 386, 374
MOUTH_RIGHT, MOUTH_LEFT, LIP_TOP, LIP_BOTTOM = 61, 291, 13, 14
RIGHT_IRIS, LEFT_IRIS = 468, 473

# Eye aspect ratio of a closed and a wide-open eye; mouth ratios of a neutral and a wide mouth.
_EYE_CLOSED, _EYE_OPEN = 0.08, 0.30
_MOUTH_OPEN_FULL = 0.7
_MOUTH_NEUTRAL_WIDTH, _MOUTH_WIDE_WIDTH = 0.36, 0.52


@dataclass(frozen=True)
class FaceResult:
    landmarks: F32  # (478, 3) x, y normalised to the image, z
    box: tuple[float, float, float, float]  # x, y, w, h normalised
    features: F32  # FACE_FEATURES order
    teeth: float = 0.0  # share of the open mouth that shows teeth, 0..1


def _ramp(value: float, low: float, high: float) -> float:
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))


def face_features(landmarks: F32, width: int, height: int) -> F32:
    """Head yaw/pitch/roll in degrees and eye/mouth openness in 0..1, from one face's landmarks."""
    # Work in pixels so a non-square frame does not skew angles; z shares x's scale.
    p = landmarks.astype(np.float64) * np.array([width, height, width])

    def dist(a: int, b: int) -> float:
        return float(np.linalg.norm(p[a, :2] - p[b, :2]))

    across = p[LEFT_CHEEK] - p[RIGHT_CHEEK]
    down = p[CHIN] - p[FOREHEAD]
    yaw = math.degrees(math.atan2(-across[2], across[0]))
    pitch = math.degrees(math.atan2(down[2], down[1]))
    eyes = p[LEFT_EYE_OUTER] - p[RIGHT_EYE_OUTER]
    roll = math.degrees(math.atan2(eyes[1], eyes[0]))
    right_ear = dist(RIGHT_EYE_TOP, RIGHT_EYE_BOTTOM) / max(dist(RIGHT_EYE_OUTER, RIGHT_EYE_INNER), 1e-6)
    left_ear = dist(LEFT_EYE_TOP, LEFT_EYE_BOTTOM) / max(dist(LEFT_EYE_OUTER, LEFT_EYE_INNER), 1e-6)
    mouth_width = max(dist(MOUTH_LEFT, MOUTH_RIGHT), 1e-6)
    face_width = max(float(np.linalg.norm(across[:2])), 1e-6)
    values = {
        "yaw": yaw,
        "pitch": pitch,
        "roll": roll,
        "left_eye_open": _ramp(left_ear, _EYE_CLOSED, _EYE_OPEN),
        "right_eye_open": _ramp(right_ear, _EYE_CLOSED, _EYE_OPEN),
        "mouth_open": _ramp(dist(LIP_TOP, LIP_BOTTOM) / mouth_width, 0.0, _MOUTH_OPEN_FULL),
        "mouth_wide": _ramp(mouth_width / face_width, _MOUTH_NEUTRAL_WIDTH, _MOUTH_WIDE_WIDTH),
    }
    return np.array([values[name] for name in FACE_FEATURES], dtype=np.float32)


def teeth_share(rgb: npt.NDArray[np.uint8], landmarks: F32) -> float:
    """How much of the mouth's opening is teeth: bright, unsaturated pixels inside the inner lips.

    The warp engine draws teeth into a mouth it opens only when the performer shows theirs.
    """
    h, w = rgb.shape[:2]
    poly = np.round(landmarks[list(INNER_LIPS), :2] * np.array([w, h])).astype(np.int32)
    x0, y0 = np.maximum(poly.min(axis=0), 0)
    x1, y1 = np.minimum(poly.max(axis=0) + 1, [w, h])
    if x1 - x0 < 3 or y1 - y0 < 2:
        return 0.0
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [(poly - [x0, y0]).astype(np.int32)], (1,))
    inside = rgb[y0:y1, x0:x1][mask > 0].astype(np.float32)
    if len(inside) < 6:
        return 0.0
    value = inside.max(axis=1)
    chroma = value - inside.min(axis=1)
    bright = (value > 150) & (chroma < 0.35 * value)
    return float(bright.mean())


# A head crop is enlarged to this many pixels on its long side before the face mesh reads it.
CROP_SIDE = 384


class FaceTracker(MediapipeGraph):
    """mediapipe FaceMesh with iris refinement; video mode tracks between frames."""

    def __init__(self, *, video: bool = False, max_faces: int = 1, min_confidence: float = 0.5) -> None:
        import mediapipe as mp

        super().__init__(
            mp.solutions.face_mesh.FaceMesh(
                static_image_mode=not video,
                max_num_faces=max_faces,
                refine_landmarks=True,
                min_detection_confidence=min_confidence,
                min_tracking_confidence=min_confidence,
            )
        )

    def detect(self, rgb: npt.NDArray[np.uint8]) -> FaceResult | None:
        """The largest face, or None."""
        result = self.process(rgb)
        if not result.multi_face_landmarks:
            return None
        best: FaceResult | None = None
        for face in result.multi_face_landmarks:
            lms = np.array([(lm.x, lm.y, lm.z) for lm in face.landmark], dtype=np.float32)
            x0, y0 = lms[:, :2].min(axis=0)
            x1, y1 = lms[:, :2].max(axis=0)
            box = (float(x0), float(y0), float(x1 - x0), float(y1 - y0))
            if best is None or box[2] * box[3] > best.box[2] * best.box[3]:
                feats = face_features(lms, rgb.shape[1], rgb.shape[0])
                best = FaceResult(landmarks=lms, box=box, features=feats)
        if best is None:
            return None
        return FaceResult(best.landmarks, best.box, best.features, teeth_share(rgb, best.landmarks))

    def detect_in(self, rgb: npt.NDArray[np.uint8], box: tuple[int, int, int, int]) -> FaceResult | None:
        """The largest face inside ``box`` (x0, y0, x1, y1 pixels), in the whole image's terms.

        The mesh's detector only finds a face that fills a good part of its input: the small
        face of a full-body photo is found in a crop around the head, enlarged.
        """
        h, w = rgb.shape[:2]
        x0, y0 = max(0, box[0]), max(0, box[1])
        x1, y1 = min(w, box[2]), min(h, box[3])
        if x1 - x0 < 8 or y1 - y0 < 8:
            return None
        crop = rgb[y0:y1, x0:x1]
        scale = max(1.0, CROP_SIDE / max(x1 - x0, y1 - y0))
        if scale > 1.0:
            crop = np.asarray(
                cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC), np.uint8
            )
        face = self.detect(np.ascontiguousarray(crop))
        if face is None:
            return None
        cw, ch = x1 - x0, y1 - y0
        lms = face.landmarks.copy()
        lms[:, 0] = (lms[:, 0] * cw + x0) / w
        lms[:, 1] = (lms[:, 1] * ch + y0) / h
        lms[:, 2] = lms[:, 2] * cw / w
        bx, by, bw, bh = face.box
        full = (float((bx * cw + x0) / w), float((by * ch + y0) / h), float(bw * cw / w), float(bh * ch / h))
        return FaceResult(lms, full, face_features(lms, w, h), face.teeth)


def head_box(nose: npt.NDArray[np.float32], ears: npt.NDArray[np.float32]) -> tuple[int, int, int, int]:
    """A square around a head, from the pose's nose and two ears in pixels (a head is about
    2.2 ear distances tall: the box is twice that, so the chin and the hair are in it)."""
    centre = 0.5 * (nose + ears.mean(axis=0))
    half = 2.2 * float(np.linalg.norm(ears[0] - ears[1]))
    half = max(half, 8.0)
    return (int(centre[0] - half), int(centre[1] - half), int(centre[0] + half), int(centre[1] + half))


def detect_faces(
    rgb: npt.NDArray[np.uint8], min_confidence: float = 0.5
) -> list[tuple[tuple[float, float, float, float], float]]:
    """Face boxes (x, y, w, h normalised) and scores, largest first, at any distance (full-range model).

    Face mesh only finds faces that fill a good part of the image; this finds the small faces
    of full-body shots too.
    """
    import mediapipe as mp

    with mp.solutions.face_detection.FaceDetection(
        model_selection=1, min_detection_confidence=min_confidence
    ) as fd:
        result = fd.process(np.ascontiguousarray(rgb))
    faces = []
    for det in result.detections or []:
        b = det.location_data.relative_bounding_box
        faces.append(((float(b.xmin), float(b.ymin), float(b.width), float(b.height)), float(det.score[0])))
    faces.sort(key=lambda f: f[0][2] * f[0][3], reverse=True)
    return faces
