"""Expression fidelity: the same face-mesh signals measured on the reference and on the output.

Each signal is a distance between face-mesh points over the distance between the outer eye
corners, so it does not depend on how large the face is in either video; head roll is the
angle of the eye line; gaze is each iris's place between its eye's corners. Head yaw and pitch are the rotation of a rigid fit (in 3D, on points that
hardly move with expression) of each frame's face onto the video's median face. A frame counts where both videos show a face. Correlation says whether
the output moves when the reference does; the amplitude ratio (standard deviation of the
output's signal over the reference's) says whether it moves as much.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motionbot.renderer.arrays import F32, F64
from motionbot.renderer.media.video import open_video
from motionbot.renderer.perception.face import FaceTracker, detect_faces
from motionbot.renderer.similarity import similarity, yaw_pitch

SIGNALS = ("mouth_open", "eye_open", "brow_lift", "head_roll", "head_yaw", "head_pitch", "gaze")
# Expression agreement averages these correlations (head roll is reported on its own).
EXPRESSION_SIGNALS = ("mouth_open", "eye_open", "brow_lift")
# mediapipe face-mesh indices (the subject's right eye is on the image's left)
_EYE_OUTER = (33, 263)
_EYE_CORNERS = ((33, 133), (263, 362))
_LIDS = ((159, 145), (386, 374))
_LIPS = (13, 14)
_BROWS = ((70, 63, 105, 66, 107), (300, 293, 334, 296, 336))
# forehead, nose bridge, eye corners, temples: the head's rigid pose is fitted on these
_RIGID = (10, 338, 109, 297, 67, 168, 6, 197, 195, 4, 1, 33, 263, 133, 362, 234, 454, 127, 356)
_IRIS_CENTRES = (468, 473)
MIN_FRAMES = 10
# A face shorter than this share of the frame is read in a crop around it.
SMALL_FACE = 0.25


def face_signals(points: F32) -> F64:
    """The first four signals of one face (the head's turn needs the whole video), from its
    (478, >=2) landmarks in pixels."""
    p = points[:, :2].astype(np.float64)
    across = p[_EYE_OUTER[1]] - p[_EYE_OUTER[0]]
    iod = max(float(np.linalg.norm(across)), 1e-6)
    u = across / iod
    down = np.array([-u[1], u[0]])
    mouth = float(np.linalg.norm(p[_LIPS[0]] - p[_LIPS[1]])) / iod
    eyes = float(np.mean([np.linalg.norm(p[a] - p[b]) for a, b in _LIDS])) / iod
    brow = 0.0
    for corners, brow_pts in zip(_EYE_CORNERS, _BROWS, strict=True):
        eye_centre = p[list(corners)].mean(axis=0)
        brow += float((eye_centre - p[list(brow_pts)].mean(axis=0)) @ down) / iod
    roll = math.degrees(math.atan2(across[1], across[0]))
    return np.array([mouth, eyes, brow / 2.0, roll])


def video_signals(
    video: Path, *, max_side: int = 640, max_fps: float = 60.0, max_seconds: float = 60.0
) -> F64:
    """(T, len(SIGNALS)) signals per frame, NaN where no face was found.

    A face too small for the mesh in the whole frame (a full-body video) is read in a crop
    around it: found first by the full-range face detector, then followed from frame to frame.
    """
    reader = open_video(video, max_fps=max_fps, max_side=max_side, max_seconds=max_seconds)
    faces: list[F64] = []
    box: tuple[int, int, int, int] | None = None
    with FaceTracker(video=True) as tracker:
        for frame in reader.frames():
            h, w = frame.shape[:2]
            face = tracker.detect(frame) if box is None else tracker.detect_in(frame, box)
            if face is None and (box is not None or not faces):
                # not found yet, or lost in its crop: look for a small face anywhere
                found = detect_faces(frame)
                box = _around(found[0][0], w, h) if found else None
                face = None if box is None else tracker.detect_in(frame, box)
            if face is not None:
                box = _around(face.box, w, h) if face.box[3] < SMALL_FACE else None
            faces.append(
                np.full((478, 3), np.nan) if face is None else face.landmarks[:, :3] * np.array([w, h, w])
            )
    return landmark_signals(np.stack(faces)) if faces else np.zeros((0, len(SIGNALS)))


def _around(box: tuple[float, float, float, float], w: int, h: int) -> tuple[int, int, int, int]:
    """A square pixel crop around a face box (x, y, w, h normalised), with room for a turn."""
    x, y, bw, bh = box
    half = 1.2 * max(bw * w, bh * h)
    cx, cy = (x + bw / 2) * w, (y + bh / 2) * h
    return (int(cx - half), int(cy - half), int(cx + half), int(cy + half))


def landmark_signals(faces: F64) -> F64:
    """(T, len(SIGNALS)) from (T, 478, 3) landmarks in pixels (depth on x's scale), NaN where
    a frame has no face."""
    out = np.full((len(faces), len(SIGNALS)), np.nan)
    seen = np.flatnonzero(np.isfinite(faces).all(axis=(1, 2)))
    if not len(seen):
        return out
    rigid = list(_RIGID)
    calm = np.median(faces[seen][:, rigid], axis=0)
    for t in seen:
        out[t, :4] = face_signals(faces[t].astype(np.float32))
        out[t, 4:6] = np.degrees(yaw_pitch(similarity(calm, faces[t, rigid])[1]))
        out[t, 6] = gaze(faces[t])
    return out


def gaze(points: F64) -> float:
    """Where the eyes look across: each iris's place between its eye's corners, -0.5 at one
    corner and 0.5 at the other (the same way for both eyes), averaged."""
    p = points[:, :2]
    out = []
    for a, b in _EYE_CORNERS:
        span = p[b] - p[a] if a == _EYE_OUTER[0] else p[a] - p[b]  # image left to right
        length = float(np.dot(span, span))
        mid = 0.5 * (p[a] + p[b])
        iris = min(_IRIS_CENTRES, key=lambda i: float(np.linalg.norm(p[i] - mid)))
        out.append(float((p[iris] - mid) @ span) / max(length, 1e-6))
    return float(np.mean(out))


@dataclass(frozen=True)
class SignalScore:
    correlation: float
    amplitude: float  # std of the output's signal over the reference's


def compare(reference: F64, output: F64) -> dict[str, SignalScore]:
    """Per-signal correlation and amplitude ratio over the frames both show a face."""
    n = min(len(reference), len(output))
    ref, out = reference[:n], output[:n]
    both = np.isfinite(ref).all(axis=1) & np.isfinite(out).all(axis=1)
    scores: dict[str, SignalScore] = {}
    for k, name in enumerate(SIGNALS):
        if both.sum() < MIN_FRAMES:
            scores[name] = SignalScore(float("nan"), float("nan"))
            continue
        r, o = ref[both, k], out[both, k]
        sr, so = float(np.std(r)), float(np.std(o))
        corr = float(np.corrcoef(r, o)[0, 1]) if sr > 1e-9 and so > 1e-9 else 0.0
        scores[name] = SignalScore(corr, so / sr if sr > 1e-9 else float("nan"))
    return scores


def expression_metrics(reference: F64, output: F64) -> dict[str, float]:
    """Flat figures for the report: ``<signal>_corr``, ``<signal>_amp`` and ``expression``."""
    scores = compare(reference, output)
    out: dict[str, float] = {}
    for name, s in scores.items():
        out[f"{name}_corr"], out[f"{name}_amp"] = s.correlation, s.amplitude
    corrs = [scores[n].correlation for n in EXPRESSION_SIGNALS]
    out["expression"] = float(np.mean(corrs)) if all(math.isfinite(c) for c in corrs) else float("nan")
    n = min(len(reference), len(output))
    both = np.isfinite(reference[:n]).all(axis=1) & np.isfinite(output[:n]).all(axis=1)
    out["face_frames"] = float(both.mean()) if n else float("nan")
    return out
