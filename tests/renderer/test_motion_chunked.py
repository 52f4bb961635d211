"""Pose tracking in parallel chunks agrees with one process, and stays cancellable."""

from __future__ import annotations

import itertools
import os
import signal
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import skimage.data
from media_factories import encode_frames

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import Stage
from motionbot.renderer.errors import RenderCancelled, RendererError
from motionbot.renderer.motion.cache import MotionCache
from motionbot.renderer.motion.chunked import MIN_CHUNK_FRAMES, WARMUP_FRAMES, plan_chunks
from motionbot.renderer.motion.extract import extract_motion
from motionbot.renderer.motion.model import Landmark, Motion
from motionbot.renderer.settings import RendererSettings

FPS = 20.0
LONG = 150  # frames: 7.5 s, long enough for two chunks
# Joints BlazePose places confidently; hands and feet jitter more, and the astronaut photo
# ends at the chest, so her hips are guesses.
UPPER = [
    Landmark.NOSE,
    Landmark.LEFT_EYE,
    Landmark.RIGHT_EYE,
    Landmark.LEFT_SHOULDER,
    Landmark.RIGHT_SHOULDER,
]
BODY = [*UPPER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]


def _offsets(frames: int) -> npt.NDArray[np.int64]:
    wave = np.sin(np.linspace(0, 4 * np.pi, frames))
    return np.asarray(np.round(40 * wave), dtype=np.int64)


def _sliding_astronaut(path: Path, frames: int) -> Path:
    """The astronaut photo sliding sideways by ``_offsets`` pixels: a known motion."""
    photo = np.asarray(skimage.data.astronaut(), dtype=np.uint8)  # type: ignore[no-untyped-call]
    offsets = _offsets(frames)
    canvas = np.zeros((512, 592, 3), dtype=np.uint8)
    clip = []
    for dx in offsets:
        frame = canvas.copy()
        frame[:, 40 + dx : 552 + dx] = photo
        clip.append(frame)
    encode_frames(clip, path, FPS)
    return path


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sliding_astronaut(tmp_path_factory.mktemp("clip") / "slide_long.mp4", LONG)


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sliding_astronaut(tmp_path_factory.mktemp("clip") / "slide_short.mp4", 30)  # 1.5 s


def _settings(tmp_path: Path, workers: int, **kw: float) -> RendererSettings:
    return RendererSettings(cache_dir=tmp_path / "cache", motion_workers=workers, **kw)  # type: ignore[arg-type]


def _chunk_workers() -> list[int]:
    found = []
    for pid in _children_of_this_process():
        try:
            if b"serve(" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:  # exited meanwhile
            continue
    return found


def _children_of_this_process() -> list[int]:
    """Live (not zombie) processes whose parent is this one, e.g. leftover chunk workers."""
    me = str(os.getpid())
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def _assert_agree(single: Motion, chunked: Motion, boundary: int, tol: float, joints: list[Landmark]) -> None:
    assert chunked.n_frames == single.n_frames
    assert chunked.fps == single.fps
    assert (chunked.width, chunked.height) == (single.width, single.height)
    # The head chunk is tracked exactly as one process tracks it, but smoothing runs forwards
    # and backwards, so the tail's differences fade into the frames before the boundary.
    head = slice(0, boundary - 10)
    np.testing.assert_allclose(chunked.keypoints[head, :, :2], single.keypoints[head, :, :2], atol=2e-3)
    np.testing.assert_allclose(chunked.keypoints[:5, :, :2], single.keypoints[:5, :, :2], atol=1e-5)
    # After the boundary the child's tracker started afresh: close, not identical.
    diff = np.abs(chunked.keypoints[:, joints, :2] - single.keypoints[:, joints, :2])
    assert float(np.median(diff)) < tol / 4
    assert float(diff.max()) < tol
    assert np.array_equal(chunked.confidence > 0, single.confidence > 0)


def test_plan_keeps_short_clips_in_one_process() -> None:
    assert plan_chunks(30, 20.0, 2) == [(0, 30)]  # 1.5 s
    assert plan_chunks(194, 24.0, 1) == [(0, 194)]
    assert plan_chunks(2 * MIN_CHUNK_FRAMES - 1, 10.0, 2) == [(0, 2 * MIN_CHUNK_FRAMES - 1)]
    # 4 s: a child would start ~1 s late and track too few frames to be worth starting
    assert plan_chunks(100, 24.0, 2) == [(0, 100)]


@pytest.mark.parametrize(("n", "workers"), [(194, 2), (194, 3), (150, 2), (900, 2), (900, 4), (240, 8)])
def test_plan_covers_every_frame_once(n: int, workers: int) -> None:
    chunks = plan_chunks(n, 24.0, workers)
    assert chunks == plan_chunks(n, 24.0, workers)  # a pure function of its inputs
    assert 1 < len(chunks) <= workers
    assert chunks[0][0] == 0 and chunks[-1][1] == n
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
    sizes = [stop - start for start, stop in chunks]
    assert min(sizes) >= MIN_CHUNK_FRAMES
    assert sizes[0] >= max(sizes[1:])  # the head starts at once, the children a second later


def test_short_clip_is_tracked_in_one_process(short_clip: Path, tmp_path: Path) -> None:
    one = extract_motion(short_clip, _settings(tmp_path, 1))
    two = extract_motion(short_clip, _settings(tmp_path, 2))
    assert two.meta["chunks"] == one.meta["chunks"] == 1
    np.testing.assert_array_equal(two.keypoints, one.keypoints)
    np.testing.assert_array_equal(two.confidence, one.confidence)


def test_one_worker_tracks_in_this_process(long_clip: Path, tmp_path: Path) -> None:
    seen: list[int] = []
    motion = extract_motion(
        long_clip, _settings(tmp_path, 1), progress=lambda stage, f: seen.extend(_chunk_workers())
    )
    assert motion.meta["chunks"] == 1 and motion.n_frames == LONG
    assert seen == []


def test_chunked_agrees_with_one_process_on_a_synthetic_clip(long_clip: Path, tmp_path: Path) -> None:
    settings = _settings(tmp_path, 2)
    chunks = plan_chunks(LONG, FPS, 2)
    assert len(chunks) == 2
    reports: list[tuple[Stage, float]] = []
    chunked = extract_motion(long_clip, settings, progress=lambda s, f: reports.append((s, f)))
    single = extract_motion(long_clip, _settings(tmp_path, 1))
    assert chunked.meta["chunks"] == 2 and single.meta["chunks"] == 1
    # The tracker restarted at the boundary settles on a slightly different but equally good
    # track: compare both with the known motion, and with each other.
    _assert_agree(single, chunked, chunks[0][1], tol=0.05, joints=UPPER)
    truth = _offsets(LONG)
    tail = slice(chunks[1][0], LONG)
    for motion, budget in ((single, 4.0), (chunked, 4.0)):
        nose = motion.keypoints[:, Landmark.NOSE, 0] * motion.width
        error = np.abs((nose - nose.mean()) - (truth - truth.mean()))
        assert float(error[tail].mean()) < budget / 2 and float(error.max()) < 2 * budget
    fractions = [f for _, f in reports]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert len(fractions) > 5  # the children's frames are reported too, not only the end
    again = extract_motion(long_clip, settings)
    np.testing.assert_array_equal(again.keypoints, chunked.keypoints)  # deterministic


def test_chunked_agrees_with_one_process_on_a_sample(samples_dir: Path, tmp_path: Path) -> None:
    video = samples_dir / "video_dance_fullbody.mp4"
    single = extract_motion(video, _settings(tmp_path, 1, max_seconds=6.5))
    chunked = extract_motion(video, _settings(tmp_path, 2, max_seconds=6.5))
    chunks = plan_chunks(single.n_frames, single.fps, 2)
    assert chunked.meta["chunks"] == len(chunks) == 2
    assert chunks[1][0] > WARMUP_FRAMES
    _assert_agree(single, chunked, chunks[0][1], tol=0.05, joints=BODY)


def test_cancelling_stops_the_children(long_clip: Path, tmp_path: Path) -> None:
    calls = 0

    def progress(stage: Stage, fraction: float) -> None:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise RenderCancelled()

    with pytest.raises(RendererError) as info:
        extract_motion(long_clip, _settings(tmp_path, 2), progress=progress)
    assert info.value.reason == FailureReason.CANCELLED
    assert _chunk_workers() == []  # not just any child: the session's redis-server is one too


def test_a_crashed_child_fails_the_extraction(long_clip: Path, tmp_path: Path) -> None:
    """A child killed mid-way (out of memory, say) is an internal error, not a hang."""
    killed: list[int] = []

    def progress(stage: Stage, fraction: float) -> None:
        if not killed:
            for pid in _chunk_workers():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    with pytest.raises(RendererError) as info:
        extract_motion(long_clip, _settings(tmp_path, 2), progress=progress)
    assert killed
    assert info.value.reason == FailureReason.INTERNAL_ERROR
    assert "motion worker" in str(info.value.detail)
    assert _chunk_workers() == []  # not just any child: the session's redis-server is one too


def test_cache_key_depends_on_workers(short_clip: Path, tmp_path: Path) -> None:
    cache = MotionCache(tmp_path)
    one = cache.key(short_clip, _settings(tmp_path, 1), with_face=None)
    two = cache.key(short_clip, _settings(tmp_path, 2), with_face=None)
    assert one != two
    assert one == cache.key(short_clip, _settings(tmp_path, 1), with_face=None)
