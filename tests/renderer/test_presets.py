"""Built-in moves: valid, smooth, looped, and with sensible depth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import RendererError
from motionbot.renderer.motion.model import NUM_LANDMARKS, Landmark, Motion
from motionbot.renderer.motion.presets import PRESETS, load_preset

L = Landmark
REQUIRED = {"wave", "clap", "sway", "arms_up", "jumping_jacks"}


def test_the_required_moves_exist_with_text_for_the_bots() -> None:
    assert set(PRESETS) >= REQUIRED
    for name, info in PRESETS.items():
        assert info.name == name
        assert info.title and len(info.description) > 10


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_shape_duration_and_range(name: str) -> None:
    motion = load_preset(name)
    assert motion.fps == 30.0
    assert motion.keypoints.shape[1:] == (NUM_LANDMARKS, 4)
    assert 3.0 <= motion.duration_s <= 6.0
    assert 2 <= motion.meta["loops"] <= 3
    assert np.all(motion.confidence == 1.0)
    xy = motion.keypoints[:, :, :2]
    assert xy.min() >= -0.02 and xy.max() <= 1.02, "the body stays in its frame"
    assert np.all(motion.keypoints[:, :, 3] > 0.9)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_is_smooth_and_loops_back_to_neutral(name: str) -> None:
    kp = load_preset(name).keypoints[:, :, :2]
    step = np.abs(np.diff(kp, axis=0)).max()
    assert step < 0.1, f"a joint jumps {step:.3f} of the frame in one frame"
    accel = np.abs(np.diff(kp, n=2, axis=0)).max()
    assert accel < 0.03
    np.testing.assert_allclose(kp[0], kp[-1], atol=1e-5)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_limb_lengths_are_constant(name: str) -> None:
    """Forward kinematics: bones keep their 3D length (pixels of the 720x960 frame)."""
    motion = load_preset(name)
    scale = np.array([motion.width, motion.height, motion.width], dtype=np.float32)
    p = motion.keypoints[:, :, :3] * scale
    for a, b in ((L.LEFT_SHOULDER, L.LEFT_ELBOW), (L.RIGHT_ELBOW, L.RIGHT_WRIST)):
        length = np.linalg.norm(p[:, a] - p[:, b], axis=1)
        assert length.max() - length.min() < 1.0


def test_clap_brings_the_hands_together_in_front_of_the_torso() -> None:
    kp = load_preset("clap").keypoints
    gap = np.abs(kp[:, L.LEFT_WRIST, 0] - kp[:, L.RIGHT_WRIST, 0])
    closest = int(np.argmin(gap))
    assert gap[closest] < 0.05
    torso_z = kp[closest, [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP], 2].mean()
    assert kp[closest, L.LEFT_WRIST, 2] < torso_z - 0.1, "smaller z is nearer the camera"
    hands_y = kp[closest, L.LEFT_WRIST, 1]
    assert kp[closest, L.LEFT_SHOULDER, 1] < hands_y < kp[closest, L.LEFT_HIP, 1]


def test_arms_up_raises_both_wrists_above_the_head() -> None:
    kp = load_preset("arms_up").keypoints
    top = kp[:, [L.LEFT_WRIST, L.RIGHT_WRIST], 1].max(axis=1).argmin()
    assert np.all(kp[top, [L.LEFT_WRIST, L.RIGHT_WRIST], 1] < kp[top, L.NOSE, 1])


def test_wave_moves_only_the_right_forearm_much() -> None:
    kp = load_preset("wave").keypoints
    right = np.ptp(kp[:, L.RIGHT_WRIST, 0])
    left = np.ptp(kp[:, L.LEFT_WRIST, 0])
    assert right > 0.2 and left < 0.02


def test_preset_round_trips_through_json(tmp_path: Path) -> None:
    motion = load_preset("jumping_jacks")
    path = tmp_path / "jj.json"
    motion.save(path)
    again = Motion.load(path)
    assert again.n_frames == motion.n_frames and again.fps == motion.fps
    assert again.source == "preset:jumping_jacks"
    np.testing.assert_allclose(again.keypoints, motion.keypoints, atol=1e-4)


def test_names_are_forgiving_about_case_and_dashes() -> None:
    assert load_preset(" Jumping-Jacks ").source == "preset:jumping_jacks"


def test_unknown_preset_lists_the_choices() -> None:
    with pytest.raises(RendererError) as info:
        load_preset("moonwalk")
    assert info.value.reason is FailureReason.UNKNOWN_MOTION
    assert info.value.reason.is_user_error
    for name in REQUIRED:
        assert name in info.value.message
