"""Motion extraction and its cache, on a synthesised clip and on the real samples."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from media_factories import encode_frames
from PIL import Image

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import RendererError
from motionbot.renderer.media.video import open_video
from motionbot.renderer.motion.cache import MotionCache, extract_motion_cached
from motionbot.renderer.motion.extract import extract_motion
from motionbot.renderer.motion.model import Landmark, Motion
from motionbot.renderer.settings import RendererSettings

L = Landmark
FPS = 20.0
SHIFT = 40  # pixels the astronaut slides left and right


def _sliding_astronaut(path: Path, frames: int = 30) -> tuple[Path, np.ndarray]:
    """The astronaut photo sliding sideways: a clip with one person and a known motion."""
    photo = np.asarray(skimage.data.astronaut(), dtype=np.uint8)  # type: ignore[no-untyped-call]
    offsets = np.round(SHIFT * np.sin(np.linspace(0, 2 * np.pi, frames))).astype(int)
    canvas = np.zeros((512, 512 + 2 * SHIFT, 3), dtype=np.uint8)
    clip = []
    for dx in offsets:
        frame = canvas.copy()
        frame[:, SHIFT + dx : SHIFT + dx + 512] = photo
        clip.append(frame)
    encode_frames(clip, path, FPS)
    return path, offsets


@pytest.fixture(scope="module")
def sliding(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    return _sliding_astronaut(tmp_path_factory.mktemp("clip") / "slide.mp4")


@pytest.fixture
def settings(tmp_path: Path) -> RendererSettings:
    return RendererSettings(cache_dir=tmp_path / "cache")


def test_extract_follows_the_person(sliding: tuple[Path, np.ndarray], settings: RendererSettings) -> None:
    path, offsets = sliding
    stages: list[float] = []
    motion = extract_motion(path, settings, progress=lambda stage, f: stages.append(f))
    assert motion.n_frames == len(offsets)
    # The rate is the media layer's normalised one (its own tests check it against the source).
    assert motion.fps == open_video(path).spec.fps
    assert (motion.width, motion.height) == (512 + 2 * SHIFT, 512)
    assert np.all(motion.confidence > 0.3)
    nose_px = motion.keypoints[:, L.NOSE, 0] * motion.width
    assert np.corrcoef(nose_px, offsets)[0, 1] > 0.95
    assert np.ptp(nose_px) == pytest.approx(2 * SHIFT, rel=0.25)
    assert stages[0] == 0.0 and stages[-1] == 1.0 and stages == sorted(stages)
    # a head-and-shoulders shot shows a face large enough to read: its shape is kept
    assert motion.face is not None and motion.face_shape is not None
    assert motion.face_shape.points.shape[0] == motion.n_frames
    assert motion.meta["extractor"] and motion.meta["detected_fraction"] == 1.0


def test_face_track_on_request(sliding: tuple[Path, np.ndarray], settings: RendererSettings) -> None:
    motion = extract_motion(sliding[0], settings, with_face=True)
    assert motion.face is not None and motion.face.shape == (motion.n_frames, 7)


def test_no_person_is_a_user_error(tmp_path: Path, settings: RendererSettings) -> None:
    rng = np.random.default_rng(1)
    frames = [np.full((120, 160, 3), 90, dtype=np.uint8) + rng.integers(0, 20, (120, 160, 3), dtype=np.uint8)
              for _ in range(20)]  # fmt: skip
    path = encode_frames(frames, tmp_path / "empty.mp4", 10.0)
    with pytest.raises(RendererError) as info:
        extract_motion(path, settings)
    assert info.value.reason is FailureReason.NO_PERSON_IN_VIDEO and info.value.reason.is_user_error


def test_cache_extracts_once(
    sliding: tuple[Path, np.ndarray], tmp_path: Path, settings: RendererSettings
) -> None:
    cache = MotionCache(tmp_path / "motion")
    started = time.perf_counter()
    first = extract_motion_cached(sliding[0], settings, cache)
    extract_s = time.perf_counter() - started
    started = time.perf_counter()
    second = extract_motion_cached(sliding[0], settings, cache)
    cached_s = time.perf_counter() - started
    assert (cache.misses, cache.hits) == (1, 1)
    assert cached_s < extract_s / 3
    np.testing.assert_allclose(second.keypoints, first.keypoints, atol=1e-4)
    assert len(list((tmp_path / "motion").glob("*.motion.json"))) == 1
    # The same bytes under another name hit the cache; other extraction settings do not.
    copy = tmp_path / "renamed.mp4"
    copy.write_bytes(sliding[0].read_bytes())
    key = cache.key(sliding[0], settings, with_face=None)
    assert cache.key(copy, settings, with_face=None) == key
    assert cache.key(copy, RendererSettings(max_fps=10), with_face=None) != key
    assert cache.key(copy, settings, with_face=True) != key


def test_damaged_cache_entry_is_a_miss(sliding: tuple[Path, np.ndarray], tmp_path: Path,
                                       settings: RendererSettings) -> None:  # fmt: skip
    cache = MotionCache(tmp_path / "motion")
    key = cache.key(sliding[0], settings, with_face=None)
    cache.directory.mkdir(parents=True)
    cache.path(key).write_text("{not json")
    motion = extract_motion_cached(sliding[0], settings, cache)
    assert cache.misses == 1 and isinstance(Motion.load(cache.path(key)), Motion)
    assert motion.n_frames == 30


SAMPLE_FPS = {
    "video_dance_fullbody.mp4": 24.0,
    "video_wave_fullbody.mp4": 16.0,
    "video_walk_fullbody.mp4": 23.98,
    "video_halfbody_woman.mp4": 30.0,
    "video_face_woman.mp4": 30.0,
}


@pytest.mark.samples
@pytest.mark.parametrize("name", sorted(SAMPLE_FPS))
def test_motion_from_every_sample_video(name: str, samples_dir: Path, tmp_path: Path) -> None:
    settings = RendererSettings(max_seconds=3.0, cache_dir=tmp_path)
    motion = extract_motion(samples_dir / name, settings)
    assert motion.fps == pytest.approx(SAMPLE_FPS[name], rel=0.01)
    assert motion.n_frames == pytest.approx(3.0 * SAMPLE_FPS[name], abs=1)
    assert motion.meta["detected_fraction"] > 0.9
    if name in ("video_face_woman.mp4", "video_halfbody_woman.mp4"):
        assert motion.face_shape is not None, "a face close-up or head-and-shoulders clip gets a face track"
    else:
        assert motion.face is None and motion.face_shape is None, "a full-body clip's face is too small"
    if name != "video_face_woman.mp4":
        assert float(np.mean(motion.confidence > 0.5)) > 0.8, "most frames are confident"
    assert np.isfinite(motion.keypoints).all()


@pytest.mark.samples
def test_face_video_face_track_follows_head_turns(samples_dir: Path, tmp_path: Path) -> None:
    settings = RendererSettings(max_seconds=8.0, cache_dir=tmp_path)
    motion = extract_motion(samples_dir / "video_face_woman.mp4", settings)
    assert motion.face is not None
    yaw = motion.face[:, 0]
    assert np.ptp(yaw) > 10, "she turns her head"
    assert np.all((motion.face[:, 3:] >= 0) & (motion.face[:, 3:] <= 1))


def test_main_performer_is_the_larger_person(tmp_path: Path, settings: RendererSettings) -> None:
    big = np.asarray(skimage.data.astronaut(), dtype=np.uint8)  # type: ignore[no-untyped-call]
    small = np.asarray(Image.fromarray(big).resize((300, 300)))
    frames = []
    for i in range(20):
        frame = np.zeros((512, 1000, 3), dtype=np.uint8)
        frame[:, 440:952] = big
        frame[212:, 20 + 2 * i : 320 + 2 * i] = small  # a smaller passer-by, moving
        frames.append(frame)
    motion = extract_motion(encode_frames(frames, tmp_path / "two.mp4", 10.0), settings)
    assert motion.meta["people"] == 2
    nose_x = motion.keypoints[:, L.NOSE, 0] * motion.width
    assert np.all((nose_x > 440) & (nose_x < 952)), "the big astronaut is tracked"
