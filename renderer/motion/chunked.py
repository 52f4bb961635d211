"""Pose tracking split into contiguous chunks of one video, tracked in parallel processes.

BlazePose runs single-threaded, so one process uses one core. The calling process tracks
the first chunk itself (it starts at once, and it makes the decisions that must hold for the
whole clip: the face close-up probe on the first
frames); each later chunk is tracked by a fresh Python child that decodes the same
normalised frames, tracks a few frames before its chunk so the tracker has settled at the
boundary, takes the head's decisions and sends raw keypoints back. The child is a plain
interpreter on a socket pair, not a fork (mediapipe is not fork-safe once initialised) nor
multiprocessing's spawn (which re-runs the caller's main script, and refuses to start from
one without a ``__main__`` guard). Gap filling and smoothing run over the stitched track as for one process.

The chunking is a pure function of the frame count, rate and worker count, so the same
input and settings give the same output.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import Stage
from motionbot.renderer.arrays import F32
from motionbot.renderer.engines.base import ProgressCallback
from motionbot.renderer.errors import MediaError, RendererError
from motionbot.renderer.media.video import VideoReader
from motionbot.renderer.motion.extract import FACE_PROBE_FRAMES, FACE_SIDE, Track, face_readable
from motionbot.renderer.motion.on_performer import POSE_SIDE, pose_on_performer
from motionbot.renderer.motion.performers import PeopleScan
from motionbot.renderer.perception.face import FaceResult, FaceTracker
from motionbot.renderer.perception.pose import PoseDetector
from motionbot.renderer.perception.quality import resize_long_side

MIN_PARALLEL_S = 2.0  # shorter clips stay in one process: a child takes ~1 s to start
MIN_CHUNK_FRAMES = 30
WARMUP_FRAMES = 6  # tracked before a child's chunk and dropped, so its tracker is settled
# The head chunk is longer than the others: a child spends its first ~0.8 s starting Python,
# importing mediapipe and building its graph while the head is already tracking (~45 frames/s),
# then decodes (and drops) every frame before its chunk, at about ten times the tracking rate.
HEAD_LEAD_FRAMES = 36
SKIP_COST = 0.1  # tracked frames' worth of time per frame decoded and dropped
PROGRESS_EVERY = 5

Plan = tuple[PeopleScan, bool]  # who performs and where, whether to track the face


def plan_chunks(n_frames: int, fps: float, workers: int) -> list[tuple[int, int]]:
    """Contiguous [start, stop) frame ranges, the first one tracked by the calling process.

    Sized so that every process should finish at about the same time; a pure function of its
    arguments, so the same clip and settings always give the same chunks (and output).
    """
    workers = min(workers, n_frames // MIN_CHUNK_FRAMES)
    if n_frames / fps < MIN_PARALLEL_S:
        workers = 1
    while workers > 1:
        sizes = _balanced_sizes(n_frames, workers)
        if min(sizes) >= MIN_CHUNK_FRAMES:
            bounds = list(itertools.accumulate(sizes, initial=0))
            return list(itertools.pairwise(bounds))
        workers -= 1
    return [(0, n_frames)]


def _balanced_sizes(n_frames: int, workers: int) -> list[int]:
    def children(head: int) -> list[int]:
        sizes, start = [], head
        for _ in range(workers - 1):
            size = max(0, round(head - HEAD_LEAD_FRAMES - SKIP_COST * start))
            sizes.append(size)
            start += size
        return sizes

    lo, hi = -(-n_frames // workers), n_frames  # the smallest head whose children cover the rest
    while lo < hi:
        mid = (lo + hi) // 2
        if mid + sum(children(mid)) >= n_frames:
            hi = mid
        else:
            lo = mid + 1
    sizes = [lo, *children(lo)]
    sizes[-1] -= sum(sizes) - n_frames  # rounding: the last child takes what is left
    return sizes


@dataclass
class ChunkResult:
    keypoints: list[F32 | None] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    faces: list[FaceResult | None] = field(default_factory=list)
    pose_s: float = 0.0


@dataclass
class _Child:
    process: subprocess.Popen[bytes]
    conn: Connection  # both ways: a socket pair end
    done: int = 0
    result: ChunkResult | None = None


def track_chunked(
    reader: VideoReader,
    chunks: list[tuple[int, int]],
    scan_people: Callable[[], PeopleScan],
    *,
    with_face: bool | None,
    progress: ProgressCallback,
) -> tuple[Track, PeopleScan]:
    """Track every chunk, the first here and the others in child processes, and stitch them.

    The people scan runs here once the children are starting (they decode up to their chunk
    meanwhile, and wait for the plan it is part of).
    """
    children: list[_Child] = []
    total = chunks[-1][1]
    try:
        for start, stop in chunks[1:]:
            children.append(_start_child(reader, start, stop))
        scan = scan_people()
        head, track_face = _track_head(reader, chunks[0][1], scan, with_face, children, progress, total)
        waited = time.perf_counter()
        _gather(children, len(head.keypoints), progress, total)
        waited = time.perf_counter() - waited
    finally:
        for child in children:
            child.conn.close()
            if child.process.poll() is None:
                child.process.kill()
            child.process.wait()
    track = Track(list(head.keypoints), list(head.scores), [], head.pose_s, waited)
    if track_face:
        track.faces = list(head.faces)
    for child, (start, stop) in zip(children, chunks[1:], strict=True):
        assert child.result is not None
        if len(child.result.keypoints) != stop - start:
            raise RendererError(
                FailureReason.INTERNAL_ERROR,
                detail=f"motion worker returned {len(child.result.keypoints)} frames for [{start}, {stop})",
            )
        track.keypoints += child.result.keypoints
        track.scores += child.result.scores
        track.faces += child.result.faces
        track.pose_s += child.result.pose_s
    return track, scan


def _track_head(
    reader: VideoReader,
    stop: int,
    scan: PeopleScan,
    with_face: bool | None,
    children: list[_Child],
    progress: ProgressCallback,
    total: int,
) -> tuple[ChunkResult, bool]:
    """Frames [0, stop) as the single-process path tracks them, deciding the plan on the way."""
    out = ChunkResult()
    track_face = with_face is not False
    face_tracker = FaceTracker(video=True) if track_face else None
    sent = False
    frames = reader.frames()
    try:
        with PoseDetector(video=True, complexity=1) as detector:
            for i, frame in enumerate(frames):
                if i >= stop:
                    break
                small = resize_long_side(frame, POSE_SIDE)
                t0 = time.perf_counter()
                pose = pose_on_performer(detector, frame, small, scan.target(i))
                out.pose_s += time.perf_counter() - t0
                out.keypoints.append(None if pose is None else pose.keypoints)
                out.scores.append(0.0 if pose is None else pose.score)
                if face_tracker is not None:
                    out.faces.append(face_tracker.detect(resize_long_side(frame, FACE_SIDE)))
                    if (
                        with_face is None
                        and len(out.faces) == FACE_PROBE_FRAMES
                        and not face_readable(out.faces)
                    ):
                        face_tracker.close()
                        face_tracker = None
                        out.faces = []
                        track_face = False
                if not sent and (with_face is not None or i + 1 >= FACE_PROBE_FRAMES):
                    for child in children:
                        child.conn.send((scan, track_face))
                    sent = True
                if i % PROGRESS_EVERY == 0:
                    _poll(children)
                    _report(progress, i + 1 + sum(c.done for c in children), total)
    finally:
        frames.close()
        if face_tracker is not None:
            face_tracker.close()
    return out, track_face


def _start_child(reader: VideoReader, start: int, stop: int) -> _Child:
    here, there = socket.socketpair()
    with here, there:
        fd = there.fileno()
        process = subprocess.Popen(
            [sys.executable, "-c", f"from {__name__} import serve; serve({fd})"],
            pass_fds=(fd,),
            stdin=subprocess.DEVNULL,
        )
        conn = Connection(here.detach())
    conn.send((reader, start, stop))
    return _Child(process, conn)


def _poll(children: list[_Child]) -> None:
    for child in children:
        while child.result is None and child.conn.poll():
            _receive(child)


def _receive(child: _Child) -> None:
    try:
        kind, payload = child.conn.recv()
    except (EOFError, OSError):
        try:
            code = child.process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            code = None
        raise RendererError(
            FailureReason.INTERNAL_ERROR, detail=f"motion worker exited without a result (exit code {code})"
        ) from None
    if kind == "progress":
        child.done = payload
    elif kind == "done":
        child.result = payload
        child.done = len(payload.keypoints)
    else:
        raise _rebuild_error(payload)


def _gather(children: list[_Child], head_done: int, progress: ProgressCallback, total: int) -> None:
    while any(c.result is None for c in children):
        pending = {c.conn: c for c in children if c.result is None}
        for conn in wait(list(pending), timeout=1.0):
            _receive(pending[conn])  # type: ignore[index]
        _report(progress, head_done + sum(c.done for c in children), total)


def _report(progress: ProgressCallback, done: int, total: int) -> None:
    progress(Stage.MOTION, min(0.99, done / total))


def _rebuild_error(payload: tuple[str, str, str | None, str | None]) -> RendererError:
    """A child's error as the same user-facing error here (exceptions do not all pickle)."""
    kind, reason, message, detail = payload
    cls = MediaError if kind == "MediaError" else RendererError
    return cls(FailureReason(reason), message, detail=detail)


def serve(fd: int) -> None:
    """Child process entry: track frames [start, stop) once the head has sent the plan."""
    conn = Connection(fd)
    try:
        reader, start, stop = conn.recv()
        reply: tuple[str, object] = ("done", _track_range(conn, reader, start, stop))
    except (EOFError, OSError):
        return  # the caller is gone (cancelled, or it died): nobody to answer
    except RendererError as exc:
        reply = ("error", (type(exc).__name__, exc.reason.value, exc.message, exc.detail))
    except BaseException:
        tail = traceback.format_exc()[-2000:]
        reply = ("error", ("RendererError", FailureReason.INTERNAL_ERROR.value, None, tail))
    try:
        conn.send(reply)
    except OSError:
        pass  # the caller is gone
    finally:
        conn.close()


def _track_range(conn: Connection, reader: VideoReader, start: int, stop: int) -> ChunkResult:
    out = ChunkResult()
    begin = max(0, start - WARMUP_FRAMES)
    plan: Plan | None = None
    face_tracker: FaceTracker | None = None
    frames = reader.frames()  # decoded from the start: exactly the frames the head would see
    try:
        with PoseDetector(video=True, complexity=1) as detector:
            for i, frame in enumerate(frames):
                if i < begin:
                    continue
                if i >= stop:
                    break
                if plan is None:
                    plan = conn.recv()
                    if plan[1]:
                        face_tracker = FaceTracker(video=True)
                small = resize_long_side(frame, POSE_SIDE)
                t0 = time.perf_counter()
                pose = pose_on_performer(detector, frame, small, plan[0].target(i))
                if i >= start:
                    out.pose_s += time.perf_counter() - t0
                face = face_tracker.detect(resize_long_side(frame, FACE_SIDE)) if face_tracker else None
                if i < start:
                    continue
                out.keypoints.append(None if pose is None else pose.keypoints)
                out.scores.append(0.0 if pose is None else pose.score)
                if face_tracker is not None:
                    out.faces.append(face)
                if (i - start) % PROGRESS_EVERY == PROGRESS_EVERY - 1:
                    conn.send(("progress", i - start + 1))
    finally:
        frames.close()
        if face_tracker is not None:
            face_tracker.close()
    return out
