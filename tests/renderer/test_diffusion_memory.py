"""The diffusion engine's memory strategy and resolution rules (pure functions, no model)."""

from __future__ import annotations

import pytest

from motionbot.queue.errors import FailureReason
from motionbot.renderer.engines.diffusion.memory import (
    GIB,
    ModelFootprint,
    Resolution,
    Strategy,
    count_segments,
    lower_resolution,
    parse_resolution,
    plan_memory,
)
from motionbot.renderer.errors import RendererError

WAN_14B = ModelFootprint.wan_animate_2_14b()
H100_80GB = 85_031_714_816  # what torch reports as total_memory for an 80 GB card (~79.2 GiB)
H200 = 150_754_820_096  # ~140 GiB
L40S_48GB = 47_697_362_944


def test_14b_weights_are_about_30_gib() -> None:
    assert 28 * GIB < WAN_14B.transformer_bytes < 34 * GIB


def test_80gb_at_640x800_offloads_transformer_blocks() -> None:
    # the diffusers docs: the 14B transformer plus its per-segment cache do not co-reside on one
    # 80 GB card at the default 640x800
    plan = plan_memory(H100_80GB, WAN_14B, parse_resolution("640x800"))
    assert plan.estimate.total > H100_80GB
    assert plan.strategy is Strategy.GROUP_OFFLOAD and plan.fits
    assert plan.compile_blocks and plan.blocks_per_group == 4  # the diffusers example's grouping
    assert "group-offloaded" in plan.reason


def test_80gb_at_480p_keeps_everything_on_the_gpu() -> None:
    plan = plan_memory(H100_80GB, WAN_14B, parse_resolution("480p"))
    assert plan.strategy is Strategy.ALL_ON_GPU and plan.fits


def test_141gb_card_keeps_640x800_on_the_gpu() -> None:
    assert plan_memory(H200, WAN_14B, parse_resolution("640x800")).strategy is Strategy.ALL_ON_GPU


def test_720p_does_not_fit_80gb_even_offloaded() -> None:
    plan = plan_memory(H100_80GB, WAN_14B, parse_resolution("720p"))
    assert plan.strategy is Strategy.GROUP_OFFLOAD and not plan.fits


def test_48gb_card_offloads_at_480p_and_fits() -> None:
    plan = plan_memory(L40S_48GB, WAN_14B, parse_resolution("480p"))
    assert plan.strategy is Strategy.GROUP_OFFLOAD and plan.fits
    assert plan.blocks_per_group < 4  # a tight card keeps fewer blocks resident


def test_small_card_is_flagged_as_not_fitting() -> None:
    plan = plan_memory(24 * GIB, WAN_14B, parse_resolution("480p"))
    assert not plan.fits  # the KV cache alone is ~25 GiB at 480p with 81-frame segments


def test_shorter_segments_shrink_the_kv_cache() -> None:
    res = parse_resolution("480p")
    long = plan_memory(L40S_48GB, WAN_14B, res, segment_frames=81).estimate.kv_cache
    short = plan_memory(L40S_48GB, WAN_14B, res, segment_frames=41).estimate.kv_cache
    assert short < 0.55 * long


def test_no_cuda_means_cpu() -> None:
    plan = plan_memory(None, WAN_14B, parse_resolution("480p"))
    assert plan.strategy is Strategy.CPU and not plan.compile_blocks


def test_without_a_compiler_eager_attention_is_counted() -> None:
    res = parse_resolution("480p")
    compiled = plan_memory(H200, WAN_14B, res, compiler=True)
    eager = plan_memory(H200, WAN_14B, res, compiler=False)
    assert not eager.compile_blocks
    assert eager.estimate.attention > 10 * compiled.estimate.attention
    assert not eager.fits


def test_forced_strategy_wins() -> None:
    res = parse_resolution("480p")
    assert plan_memory(H200, WAN_14B, res, force=Strategy.GROUP_OFFLOAD).strategy is Strategy.GROUP_OFFLOAD
    forced = plan_memory(L40S_48GB, WAN_14B, res, force=Strategy.ALL_ON_GPU)
    assert forced.strategy is Strategy.ALL_ON_GPU and not forced.fits


def test_memory_grows_with_resolution() -> None:
    totals = [
        plan_memory(H100_80GB, WAN_14B, parse_resolution(r)).estimate.total
        for r in ("480p", "640x800", "720p")
    ]
    assert totals == sorted(totals) and totals[0] < totals[-1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("480p", Resolution(832, 480)), ("720P", Resolution(1280, 720)), ("64x64", Resolution(64, 64)),
     ("640x800", Resolution(800, 640)), (" 96X48 ", Resolution(48, 96))],
)  # fmt: skip
def test_parse_resolution(text: str, expected: Resolution) -> None:
    assert parse_resolution(text) == expected


@pytest.mark.parametrize("text", ["1080", "huge", "16x16", "x64"])
def test_parse_resolution_refuses_nonsense(text: str) -> None:
    with pytest.raises(RendererError) as info:
        parse_resolution(text)
    assert info.value.reason is FailureReason.ENGINE_UNAVAILABLE


def test_lower_resolution_steps_down_presets_then_halves() -> None:
    assert lower_resolution(parse_resolution("720p")) == parse_resolution("640x800")
    assert lower_resolution(parse_resolution("640x800")) == parse_resolution("480p")
    below_480 = lower_resolution(parse_resolution("480p"))
    assert below_480 is not None and below_480.area < parse_resolution("480p").area / 1.8
    assert below_480.height % 16 == 0 and below_480.width % 16 == 0
    assert lower_resolution(Resolution(64, 64)) == Resolution(32, 32)
    assert lower_resolution(Resolution(32, 32)) is None


@pytest.mark.parametrize(
    ("frames", "segment", "carried", "expected"),
    [(81, 81, 1, 1), (82, 81, 1, 2), (161, 81, 1, 2), (162, 81, 1, 3), (17, 9, 1, 2), (18, 9, 1, 3),
     (240, 81, 5, 4), (9, 9, 1, 1)],
)  # fmt: skip
def test_count_segments(frames: int, segment: int, carried: int, expected: int) -> None:
    assert count_segments(frames, segment, carried) == expected
