"""Fit or refuse at load: the size a card and host can serve, from the checkpoint's files alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_wan import tiny_settings

from motionbot.queue.errors import FailureReason
from motionbot.renderer.engines.diffusion.fit import (
    Fit,
    auto_sizes,
    footprint_from_folder,
    host_memory_bytes,
    host_needed,
    plan_fit,
)
from motionbot.renderer.engines.diffusion.memory import GIB, ModelFootprint, Strategy
from motionbot.renderer.engines.registry import load_engine
from motionbot.renderer.errors import RendererError

pytestmark = pytest.mark.usefixtures("one_torch_thread")

WAN_14B = ModelFootprint.wan_animate_2_14b()
# what torch reports as total_memory for these cards
RTX_4090_24GB = 25_757_220_864
L40S_48GB = 47_697_362_944
H100_80GB = 85_031_714_816
H200_141GB = 150_754_820_096
HOST = 128 * GIB


def refusal(card: int | None, host: int | None, resolution: str, **kw: object) -> RendererError:
    with pytest.raises(RendererError) as info:
        plan_fit(card, host, WAN_14B, resolution, **kw)  # type: ignore[arg-type]
    assert info.value.detail
    return info.value


def test_auto_tries_the_presets_largest_first_then_the_retry_size() -> None:
    assert [r.label for r in auto_sizes()] == ["720p", "640x800", "480p", "336x576"]


def test_24gb_card_serves_only_the_smallest_size() -> None:
    fit = plan_fit(RTX_4090_24GB, HOST, WAN_14B, "auto")
    assert fit.resolution.label == "336x576" and fit.why == "largest size that fits"
    assert fit.memory.strategy is Strategy.GROUP_OFFLOAD and fit.memory.fits
    assert "336x576 (largest size that fits)" in fit.summary


def test_24gb_card_refuses_480p_naming_its_memory_the_need_and_a_fix() -> None:
    err = refusal(RTX_4090_24GB, HOST, "480p")
    assert err.reason is FailureReason.GPU_OUT_OF_MEMORY
    detail = err.detail or ""
    assert "this 24 GiB card cannot run Wan-Animate-2 at 480p" in detail
    assert "needs ~42 GiB" in detail and "per-segment cache 25 GiB" in detail
    assert "MOTIONBOT_DIFFUSION_RESOLUTION=336x576" in detail
    assert "a card with at least 44 GiB" in detail
    assert "Preview" in err.message  # the user-facing sentence still points at the CPU engine


def test_48gb_card_serves_480p_offloaded_just_fitting() -> None:
    fit = plan_fit(L40S_48GB, HOST, WAN_14B, "auto")
    assert fit.resolution.label == "480p" and fit.memory.strategy is Strategy.GROUP_OFFLOAD
    assert fit.memory.blocks_per_group < 4
    detail = refusal(L40S_48GB, HOST, "640x800").detail or ""
    assert "44 GiB card" in detail and "MOTIONBOT_DIFFUSION_RESOLUTION=480p" in detail
    assert "MOTIONBOT_DIFFUSION_SEGMENT_FRAMES=41" in detail  # shorter segments fit 640x800 there


def test_48gb_card_refuses_all_on_the_gpu_suggesting_offload() -> None:
    detail = refusal(L40S_48GB, HOST, "480p", force=Strategy.ALL_ON_GPU).detail or ""
    assert "MOTIONBOT_DIFFUSION_OFFLOAD=group" in detail and "all_on_gpu" in detail


def test_80gb_card_serves_640x800_offloaded_and_480p_all_on_the_gpu() -> None:
    fit = plan_fit(H100_80GB, HOST, WAN_14B, "auto")
    assert fit.resolution.label == "640x800" and fit.memory.strategy is Strategy.GROUP_OFFLOAD
    configured = plan_fit(H100_80GB, HOST, WAN_14B, "480p")
    assert configured.memory.strategy is Strategy.ALL_ON_GPU and configured.why == "as configured"
    assert "MOTIONBOT_DIFFUSION_RESOLUTION=640x800" in (refusal(H100_80GB, HOST, "720p").detail or "")


def test_fp8_weights_are_suggested_where_they_would_fit() -> None:
    detail = refusal(H100_80GB, HOST, "640x800", force=Strategy.ALL_ON_GPU, fp8_possible=True).detail or ""
    assert "MOTIONBOT_DIFFUSION_PRESET=fast (FP8 weights, all on this card)" in detail
    assert "MOTIONBOT_DIFFUSION_PRESET=fast" not in (refusal(H100_80GB, HOST, "720p").detail or "")


def test_fast_on_an_fp8_card_fits_640x800_all_on_the_gpu() -> None:
    # the step cache and FP8 need the whole model on the card; FP8 halves the blocks' weights
    fit = plan_fit(H100_80GB, HOST, WAN_14B, "auto", fast=True, fp8_possible=True)
    assert fit.resolution.label == "640x800" and fit.memory.strategy is Strategy.ALL_ON_GPU
    assert fit.fast and fit.fp8 and "step cache and FP8 weights" in fit.summary


def test_fast_without_fp8_prefers_a_size_that_fits_all_on_the_gpu() -> None:
    fit = plan_fit(H100_80GB, HOST, WAN_14B, "auto", fast=True)
    assert fit.resolution.label == "480p" and fit.memory.strategy is Strategy.ALL_ON_GPU
    assert fit.fast and not fit.fp8


def test_fast_trades_size_for_its_speed_ups_or_falls_back_to_the_ordinary_plan() -> None:
    auto = plan_fit(L40S_48GB, HOST, WAN_14B, "auto", fast=True, fp8_possible=True)
    assert auto.resolution.label == "336x576" and auto.fast and auto.fp8  # 480p fits only offloaded
    configured = plan_fit(L40S_48GB, HOST, WAN_14B, "480p", fast=True, fp8_possible=True)
    assert configured.memory.strategy is Strategy.GROUP_OFFLOAD
    assert not configured.fast and not configured.fp8  # offloaded: neither speed-up


def test_141gb_card_serves_720p_all_on_the_gpu() -> None:
    fit = plan_fit(H200_141GB, HOST, WAN_14B, "auto")
    assert fit.resolution.label == "720p" and fit.memory.strategy is Strategy.ALL_ON_GPU


def test_host_ram_is_checked_against_what_loading_holds() -> None:
    # offloading pins a copy of the transformer while the original is still in RAM
    assert 60 * GIB < host_needed(WAN_14B, Strategy.GROUP_OFFLOAD) < 68 * GIB
    assert 44 * GIB < host_needed(WAN_14B, Strategy.ALL_ON_GPU) < 50 * GIB
    err = refusal(H100_80GB, 48 * GIB, "auto")
    assert err.reason is FailureReason.ENGINE_UNAVAILABLE
    detail = err.detail or ""
    assert "needs ~66 GiB of host RAM" in detail and "this host has 48 GiB" in detail
    assert "only ~46 GiB of RAM" in detail  # the all-on-GPU alternative
    fit = plan_fit(H100_80GB, 48 * GIB, WAN_14B, "480p")  # all on the card: no pinned copy
    assert fit.memory.strategy is Strategy.ALL_ON_GPU and "of 48 GiB" in fit.summary


def test_this_hosts_memory_is_read() -> None:
    host = host_memory_bytes()
    assert host is not None and 256 * 1024**2 < host < 64 * 1024**4


def test_the_footprint_is_read_from_the_safetensors_headers(tiny_model: Path) -> None:
    from diffusers import AutoencoderKLWan, WanAnimate2Transformer3DModel

    fp = footprint_from_folder(tiny_model, 4)
    transformer = WanAnimate2Transformer3DModel.from_pretrained(str(tiny_model), subfolder="transformer")
    vae = AutoencoderKLWan.from_pretrained(str(tiny_model), subfolder="vae")
    assert fp.transformer_bytes == 4 * sum(p.numel() for p in transformer.parameters())
    assert fp.other_bytes > 4 * sum(p.numel() for p in vae.parameters())  # + the image encoder
    assert fp.text_encoder_bytes > 0 and (fp.num_layers, fp.dim, fp.num_heads) == (2, 128, 4)


def test_a_cpu_worker_reports_its_plan(tiny_model: Path) -> None:
    engine = load_engine("diffusion", tiny_settings(), model=str(tiny_model))
    fit: Fit = engine.model.fit  # type: ignore[attr-defined]
    assert fit.memory.strategy is Strategy.CPU and fit.resolution.label == "64x64"
    assert fit.host_needed < 5 * GIB and fit.card_bytes is None
    assert "no CUDA device" in fit.summary


def test_auto_on_the_cpu_takes_the_smallest_size(tiny_model: Path) -> None:
    engine = load_engine("diffusion", tiny_settings(diffusion_resolution="auto"), model=str(tiny_model))
    assert engine.model.fit.resolution.label == "336x576"  # type: ignore[attr-defined]


def test_doctor_reports_the_plan_for_the_checkpoint_here(tiny_model: Path) -> None:
    from motionbot.ops.checks import Status
    from motionbot.renderer.checks import check_memory_plan

    card = {"cuda": True, "memory_bytes": RTX_4090_24GB, "capability": [8, 9]}
    ok = check_memory_plan(tiny_settings(diffusion_model=str(tiny_model)), card)
    assert ok.status is Status.OK and "64x64 (as configured): all on the GPU" in ok.detail
    assert f"from the checkpoint in {tiny_model}" in ok.detail
    missing = tiny_settings(diffusion_model=str(tiny_model / "absent"), diffusion_resolution="480p")
    refused = check_memory_plan(missing, card)
    assert refused.status is Status.FAIL and "cannot run Wan-Animate-2 at 480p" in refused.detail
    assert "from the published 14B sizes" in refused.detail and refused.fix
    assert check_memory_plan(missing, {"cuda": False}).status is Status.SKIP
