"""Pose (and face) track extraction from a reference video.

Speed comes from running BlazePose on a small copy of each frame in tracking mode: the
landmark model sees a 256x256 crop whatever the input size, so a long side of ~320 px loses
nothing while resizing and colour conversion stay cheap.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import Stage
from motionbot.renderer.arrays import F32, RGB
from motionbot.renderer.engines.base import ProgressCallback, no_progress
from motionbot.renderer.errors import RendererError
from motionbot.renderer.media.video import MIN_CLIP_SECONDS, MIN_CLIP_SIDE, VideoReader, open_video
from motionbot.renderer.motion.face_shape import FACE_SHAPE_POINTS, FaceShape
from motionbot.renderer.motion.filters import fill_gaps, one_euro_zero_lag
from motionbot.renderer.motion.model import FACE_FEATURES, NUM_LANDMARKS, Landmark, Motion
from motionbot.renderer.motion.on_performer import POSE_SIDE, pose_on_performer
from motionbot.renderer.motion.performers import SCAN_SIDE, PeopleScan, scan_people
from motionbot.renderer.perception.face import FaceResult, FaceTracker
from motionbot.renderer.perception.pose import PoseDetector
from motionbot.renderer.perception.quality import resize_long_side
from motionbot.renderer.settings import RendererSettings

# Bump when the output for the same video changes: it is part of the motion cache key.
EXTRACTOR_VERSION = (
    "6"  # 4: bars cropped off; 5: one performer tracked among several; 6: posed on their region
)
FACE_SIDE = 480
DECODE_SIDE = 480
KEEP_DECODED_BYTES = 256 * 2**20  # a decoded clip kept for the people scan and the tracking
MAX_GAP_S = 0.5
MIN_DETECTED = 0.1  # below this share of frames with a pose, there is no usable performer
FACE_PROBE_FRAMES = 10
# A face this tall (share of the frame) or taller is read for its expression: a close-up or a
# head-and-shoulders clip; the face mesh finds no smaller face in the whole frame anyway.
FACE_READABLE_HEIGHT = 0.15
# One Euro settings for normalised coordinates (speeds of ~0.1..3 image widths per second).
KEYPOINT_FILTER = {"min_cutoff": 1.2, "beta": 4.0}
FACE_FILTER = {"min_cutoff": 1.5, "beta": 0.05}
# Face points move fast (a blink lasts ~0.15 s): a higher cutoff keeps blinks and lip shapes.
SHAPE_FILTER = {"min_cutoff": 4.0, "beta": 0.5}


# Face mesh points standing in for BlazePose's head landmarks when only a face is visible.
_FACE_TO_POSE: dict[Landmark, int] = {
    Landmark.NOSE: 1,
    Landmark.LEFT_EYE_INNER: 362,
    Landmark.LEFT_EYE: 473,
    Landmark.LEFT_EYE_OUTER: 263,
    Landmark.RIGHT_EYE_INNER: 133,
    Landmark.RIGHT_EYE: 468,
    Landmark.RIGHT_EYE_OUTER: 33,
    Landmark.LEFT_EAR: 454,
    Landmark.RIGHT_EAR: 234,
    Landmark.MOUTH_LEFT: 291,
    Landmark.MOUTH_RIGHT: 61,
}


def reference_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The normalised reference video's frame size (what engines decode), as the media layer fits it."""
    scale = min(1.0, max_side / max(width, height))
    return max(2, math.floor(width * scale / 2) * 2), max(2, math.floor(height * scale / 2) * 2)


def open_reference(video: Path, settings: RendererSettings) -> VideoReader:
    """The reference as extraction decodes it: small (pose and face models never need more,
    and the pipe carries 7x fewer bytes), without letterbox/pillarbox bars (not the scene)."""
    return open_video(
        video,
        max_fps=settings.max_fps,
        max_side=min(DECODE_SIDE, settings.max_video_side),
        max_seconds=settings.max_seconds,
        max_bytes=settings.max_input_bytes,
        crop_bars=True,
        min_side=MIN_CLIP_SIDE,
        min_seconds=MIN_CLIP_SECONDS,
    )


def _expected_frames(reader: VideoReader) -> int:
    spec = reader.spec
    return max(1, int(spec.n_frames or round(spec.duration_s * float(spec.fps))))


def scan_video(
    video: Path, settings: RendererSettings, performer: int | None = None
) -> tuple[PeopleScan, float]:
    """The people scan alone, as extraction runs it (same frames, same numbers), and the fps
    its per-frame targets are at: for an engine that wants the performer but not their pose."""
    reader = open_reference(video, settings)
    frames = reader.frames()
    try:
        scan = scan_people(
            scan_frames(frames), _expected_frames(reader), float(reader.spec.fps), choose=performer
        )
    finally:
        frames.close()
    return scan, float(reader.spec.fps)


def scan_frames(frames: Iterable[RGB]) -> Iterator[RGB]:
    """The people scan's copies of frames decoded at DECODE_SIDE (extraction's and inspection's)."""
    return (resize_long_side(f, SCAN_SIDE) for f in frames)


def face_to_pose(face: FaceResult) -> F32:
    """A head-only pose from face landmarks, for face close-ups where BlazePose finds no body."""
    kp = np.zeros((NUM_LANDMARKS, 4), dtype=np.float32)
    for lm, idx in _FACE_TO_POSE.items():
        kp[lm, :3] = face.landmarks[idx]
        kp[lm, 3] = 1.0
    return kp


def _face_head(kp: F32, face: FaceResult | None) -> None:
    """Where the face mesh sees the face, the head's landmarks are the mesh's: on a close-up,
    BlazePose's eyes and ears guess a head tilt that the face does not make."""
    if face is None:
        return
    for lm, idx in _FACE_TO_POSE.items():
        kp[lm, :2] = face.landmarks[idx, :2]
        kp[lm, 3] = 1.0


def face_readable(faces: list[FaceResult | None]) -> bool:
    """Whether the probed frames show a face big enough to drive the portrait's face."""
    heights = [f.box[3] for f in faces if f is not None]
    return len(heights) >= max(1, len(faces) // 2) and float(np.median(heights)) >= FACE_READABLE_HEIGHT


def extract_motion(
    video: Path,
    settings: RendererSettings,
    *,
    progress: ProgressCallback = no_progress,
    with_face: bool | None = None,
    performer: int | None = None,
) -> Motion:
    """The performer's smoothed pose track (and face track for close-ups) of a video.

    ``with_face`` None decides from the first frames: a face track is taken when the face
    fills a good part of the frame. ``performer`` is a person's number as the findings showed
    them (None: the most prominent one).
    """
    started = time.perf_counter()
    reader = open_reference(video, settings)
    spec = reader.spec
    width, height = reference_size(reader.info.width, reader.info.height, settings.max_video_side)
    fps = float(spec.fps)
    expected = _expected_frames(reader)
    progress(Stage.MOTION, 0.0)
    from motionbot.renderer.motion import chunked  # it builds on this module's helpers

    chunks = chunked.plan_chunks(spec.n_frames, fps, settings.motion_workers)
    scan_s = 0.0

    def scan_own_decode() -> PeopleScan:
        nonlocal scan_s
        scan_started = time.perf_counter()
        try:  # decoded as the one-process path and inspection decode: the same people
            return scan_video(video, settings, performer)[0]
        finally:
            scan_s = time.perf_counter() - scan_started

    if len(chunks) > 1:
        track, scan = chunked.track_chunked(
            reader, chunks, scan_own_decode, with_face=with_face, progress=progress
        )
    elif expected * spec.width * spec.height * 3 <= KEEP_DECODED_BYTES:
        # decoded once for the scan and the tracking (decoding a 1080p source costs as much as
        # the scan itself)
        scan_started = time.perf_counter()
        frames = reader.frames()
        try:
            decoded = list(frames)
        finally:
            frames.close()
        scan = scan_people(scan_frames(decoded), expected, fps, choose=performer)
        scan_s = time.perf_counter() - scan_started
        track = _track_single(decoded, expected, scan, with_face=with_face, progress=progress)
    else:
        scan = scan_own_decode()
        track = _track_single(reader.frames(), expected, scan, with_face=with_face, progress=progress)
    keypoints, scores, faces, pose_time = track.keypoints, track.scores, track.faces, track.pose_s
    if with_face is None and faces and not face_readable(faces[:FACE_PROBE_FRAMES]):
        faces = []  # a clip shorter than the probe window
    n = len(keypoints)
    if n == 0:
        raise RendererError(FailureReason.NO_FRAMES)
    motion = _assemble(video, width, height, fps, keypoints, scores, faces)
    detected = float(np.mean(motion.confidence > 0))
    if detected < MIN_DETECTED:
        raise RendererError(
            FailureReason.NO_PERSON_IN_VIDEO, detail=f"pose found in {detected:.0%} of frames"
        )
    elapsed = time.perf_counter() - started
    motion.meta.update(
        {
            "extractor": EXTRACTOR_VERSION,
            "pose_side": POSE_SIDE,
            "detected_fraction": round(detected, 4),
            "people": max(1, len(scan.people)),
            "performers": _performers_meta(scan),
            "trimmed": bool(getattr(spec, "trimmed", False)),
            "has_audio": bool(getattr(spec, "has_audio", False)),
            "warnings": list(getattr(reader, "warnings", [])),
            "timings": {
                "total_s": round(elapsed, 3),
                "pose_s": round(pose_time, 3),
                "scan_s": round(scan_s, 3),
                "wait_s": round(track.wait_s, 3),
            },
            "pose_fps": round(n / pose_time, 1) if pose_time > 0 else None,
            "chunks": len(chunks),
        }
    )
    progress(Stage.MOTION, 1.0)
    return motion


@dataclass
class Track:
    """Raw per-frame tracking output, before gap filling and smoothing."""

    keypoints: list[F32 | None]
    scores: list[float]
    faces: list[FaceResult | None]  # empty when no face track is taken
    pose_s: float  # time inside the pose model, summed over processes
    wait_s: float = 0.0  # time this process waited for the other chunks after its own


def _performers_meta(scan: PeopleScan) -> dict[str, object]:
    """The people the findings picture numbers, and who performs (extraction's own record)."""
    return {
        **scan.finding_params(),
        "key_frame": scan.key_frame,
        "boxes": [[round(v, 4) for v in p.box] for p in scan.people],
        "seen": [p.seen for p in scan.people],
    }


def _track_single(
    frames: Iterable[RGB],
    expected: int,
    scan: PeopleScan,
    *,
    with_face: bool | None,
    progress: ProgressCallback,
) -> Track:
    keypoints: list[F32 | None] = []
    scores: list[float] = []
    faces: list[FaceResult | None] = []
    track_face = with_face is not False
    face_tracker = FaceTracker(video=True) if track_face else None
    pose_time = 0.0
    try:
        with PoseDetector(video=True, complexity=1) as detector:
            for i, frame in enumerate(frames):
                small = resize_long_side(frame, POSE_SIDE)
                t0 = time.perf_counter()
                pose = pose_on_performer(detector, frame, small, scan.target(i))
                pose_time += time.perf_counter() - t0
                keypoints.append(None if pose is None else pose.keypoints)
                scores.append(0.0 if pose is None else pose.score)
                if face_tracker is not None:
                    faces.append(face_tracker.detect(resize_long_side(frame, FACE_SIDE)))
                    if with_face is None and len(faces) == FACE_PROBE_FRAMES and not face_readable(faces):
                        face_tracker.close()
                        face_tracker = None
                        faces = []
                if i % 5 == 0:
                    progress(Stage.MOTION, min(0.99, (i + 1) / expected))
    finally:
        if face_tracker is not None:
            face_tracker.close()
    return Track(keypoints, scores, faces, pose_time)


def _assemble(
    video: Path,
    width: int,
    height: int,
    fps: float,
    keypoints: list[F32 | None],
    scores: list[float],
    faces: list[FaceResult | None],
) -> Motion:
    n = len(keypoints)
    face_track = len(faces) == n and any(f is not None for f in faces)
    kp = np.zeros((n, NUM_LANDMARKS, 4), dtype=np.float32)
    present = np.zeros(n, dtype=bool)
    conf = np.zeros(n, dtype=np.float32)
    for i, k in enumerate(keypoints):
        if k is not None:
            kp[i], present[i], conf[i] = k, True, scores[i]
            if face_track and faces[i] is not None:
                _face_head(kp[i], faces[i])
        elif face_track and faces[i] is not None:
            face = faces[i]
            assert face is not None
            kp[i], present[i], conf[i] = face_to_pose(face), True, 0.5
    max_gap = max(1, round(MAX_GAP_S * fps))
    kp, _ = fill_gaps(kp, present, max_gap)
    kp[:, :, :3] = one_euro_zero_lag(kp[:, :, :3], fps, **KEYPOINT_FILTER)
    face_arr: F32 | None = None
    if face_track:
        feats = np.zeros((n, len(FACE_FEATURES)), dtype=np.float32)
        has_face = np.array([f is not None for f in faces])
        for i, f in enumerate(faces):
            if f is not None:
                feats[i] = f.features
        feats, _ = fill_gaps(feats, has_face, max_gap)
        face_arr = one_euro_zero_lag(feats, fps, **FACE_FILTER)
    return Motion(
        fps=fps,
        width=int(width),
        height=int(height),
        keypoints=kp,
        confidence=np.where(present, np.maximum(conf, 0.01), 0.0).astype(np.float32),
        source=video.name,
        face=face_arr,
        meta={},
        face_shape=_face_shape(faces, fps, max_gap) if face_track else None,
    )


def _face_shape(faces: list[FaceResult | None], fps: float, max_gap: int) -> FaceShape:
    n = len(faces)
    k = len(FACE_SHAPE_POINTS)
    points = np.zeros((n, k, 3), dtype=np.float32)
    teeth = np.zeros((n, 1), dtype=np.float32)
    has_face = np.array([f is not None for f in faces])
    for i, f in enumerate(faces):
        if f is not None:
            points[i] = f.landmarks[list(FACE_SHAPE_POINTS)]
            teeth[i, 0] = f.teeth
    flat, _ = fill_gaps(points.reshape(n, -1), has_face, max_gap)
    flat = one_euro_zero_lag(flat, fps, **SHAPE_FILTER)
    teeth, _ = fill_gaps(teeth, has_face, max_gap)
    return FaceShape(flat.reshape(n, k, 3).astype(np.float32), teeth[:, 0].astype(np.float32))
