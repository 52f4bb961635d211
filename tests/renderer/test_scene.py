"""Keep the video's scene: the plate behind the performer, the camera's shake, and on the
samples the subject standing where the performer was, with no trace of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from motionbot.queue.jobs import RenderOptions
from motionbot.renderer import pipeline
from motionbot.renderer.engines.warp.engine import WarpEngine
from motionbot.renderer.media.probe import probe
from motionbot.renderer.media.video import open_video
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.perception.pose import PoseDetector
from motionbot.renderer.perception.segmentation import count_people
from motionbot.renderer.scene import build_plate, camera_shifts
from motionbot.renderer.settings import RendererSettings


def textured(h: int = 96, w: int = 128, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (h // 8, w // 8, 3)).astype(np.uint8)
    return np.kron(small, np.ones((8, 8, 1), np.uint8))


def walking_square(n: int = 12, shake: list[tuple[int, int]] | None = None) -> tuple[list, list]:
    """A textured scene, a dark 'performer' crossing it, the camera shaking by ``shake`` px."""
    scene = textured()
    frames, masks = [], []
    for i in range(n):
        dx, dy = shake[i] if shake else (0, 0)
        frame = np.roll(scene, (dy, dx), axis=(0, 1)).copy()
        mask = np.zeros(scene.shape[:2], np.float32)
        x = 8 + i * 8
        frame[30:80, x : x + 16] = 20
        mask[30:80, x : x + 16] = 1.0
        frames.append(frame)
        masks.append(mask)
    return frames, masks


def test_the_plate_is_the_scene_without_the_performer() -> None:
    frames, masks = walking_square()
    plate = build_plate(frames, masks)
    truth = textured()
    inner = (slice(8, -8), slice(8, -8))
    assert np.abs(plate.image[inner].astype(int) - truth[inner]).mean() < 3.0
    walked = (slice(30, 80), slice(16, 96))  # where the dark performer crossed: the scene again
    assert np.abs(plate.image[walked].astype(int) - truth[walked]).mean() < 3.0 and plate.unseen == 0
    assert plate.shift < 0.01 and all(b is not None for b in plate.boxes)


def test_a_shaking_camera_is_measured_and_aligned() -> None:
    shake = [
        (0, 0),
        (2, 1),
        (-1, 2),
        (3, -2),
        (1, 1),
        (-2, 0),
        (0, 3),
        (2, 2),
        (1, -1),
        (0, 0),
        (-1, 1),
        (2, 0),
    ]
    frames, masks = walking_square(shake=shake)
    got = camera_shifts(frames, masks)
    for (dx, dy), (gx, gy) in zip(shake, got, strict=True):
        assert abs(gx - dx) < 0.75 and abs(gy - dy) < 0.75, (shake, got)
    plate = build_plate(frames, masks)
    inner = (slice(12, -12), slice(12, -12))
    assert np.abs(plate.image[inner].astype(int) - textured()[inner]).mean() < 6.0


@pytest.mark.samples
def test_the_subject_takes_the_performers_place(samples_dir: Path, tmp_path: Path) -> None:
    settings = RendererSettings(output_long_side=384, max_fps=10, ai_label_visible=False)
    engine = WarpEngine.load(settings)
    reference = samples_dir / "video_dance_fullbody.mp4"
    try:
        out = pipeline.render(
            samples_dir / "portrait_fullbody_woman.jpg", reference, tmp_path / "scene.mp4",
            RenderOptions(background="scene", max_seconds=2.0), engine, settings,
        )  # fmt: skip
    finally:
        engine.close()
    assert not out.warnings and not out.extras
    info = probe(out.path)
    ref = [f.copy() for f in open_video(reference, max_fps=10, max_side=384, max_seconds=2.0).frames()]
    assert (info.width, info.height) == (ref[0].shape[1], ref[0].shape[0])  # the clip's own frame
    frames = [f.copy() for f in open_video(out.path, max_fps=10, max_side=384).frames()]
    pose = PoseDetector(video=False, complexity=1)
    try:
        for k in (2, len(frames) // 2, len(frames) - 2):
            assert count_people(frames[k]) == 1
            ours, theirs = pose.detect(frames[k]), pose.detect(ref[k])
            assert ours is not None and theirs is not None
            hips = [L.LEFT_HIP, L.RIGHT_HIP]
            gap = np.abs(ours.keypoints[hips, :2].mean(0) - theirs.keypoints[hips, :2].mean(0))
            assert gap.max() < 0.12, gap  # where the performer was (frame fractions)
    finally:
        pose.close()
