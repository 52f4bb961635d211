"""The diffusion engine on CUDA in bfloat16 (tiny model). Skipped, never failed, without a GPU.

Run on a GPU machine with ``pytest -m gpu tests/renderer``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import media_factories as mf
import numpy as np
import pytest
import torch
from PIL import Image
from tiny_wan import tiny_settings

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import EngineName, RenderOptions, Stage
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.diffusion.engine import DiffusionEngine
from motionbot.renderer.engines.diffusion.memory import Strategy
from motionbot.renderer.engines.registry import load_engine
from motionbot.renderer.errors import RenderCancelled, RendererError
from motionbot.renderer.media.probe import probe

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("gpu-media")
    photo = root / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (96, 64, 3), dtype=np.uint8)).save(photo)
    return photo, mf.testsrc_video(root / "drive.mp4", size="64x64", fps=24, seconds=0.75)


def cuda_engine(model: Path, **settings: Any) -> DiffusionEngine:
    engine = load_engine("diffusion", tiny_settings(device="cuda", **settings), model=str(model))
    assert isinstance(engine, DiffusionEngine)
    return engine


def job(inputs: tuple[Path, Path], out: Path) -> EngineInput:
    return EngineInput(
        photo=inputs[0], output=out, options=RenderOptions(engine=EngineName.DIFFUSION), video=inputs[1]
    )


@pytest.mark.parametrize("compile_blocks", [False, True])
def test_renders_in_bfloat16_on_the_gpu(
    tiny_model: Path, inputs: tuple[Path, Path], tmp_path: Path, compile_blocks: bool
) -> None:
    engine = cuda_engine(tiny_model, diffusion_compile=compile_blocks)
    model = engine.model
    assert model.device.type == "cuda" and model.dtype is torch.bfloat16
    assert model.transformer.dtype is torch.bfloat16
    assert next(model.transformer.parameters()).device.type == "cuda"
    assert model.plan.strategy is Strategy.ALL_ON_GPU  # a tiny model fits any card
    events: list[tuple[Stage, float]] = []
    result = engine.render(job(inputs, tmp_path / "gpu.mp4"), lambda s, f: events.append((s, f)))
    assert probe(result.path).width == result.width == 42
    assert [f for s, f in events if s is Stage.RENDER][-1] == 1.0


def test_group_offload_renders(tiny_model: Path, inputs: tuple[Path, Path], tmp_path: Path) -> None:
    engine = cuda_engine(tiny_model, diffusion_offload="group")
    assert engine.model.plan.strategy is Strategy.GROUP_OFFLOAD
    assert engine.render(job(inputs, tmp_path / "offload.mp4")).path.is_file()


def test_cancel_and_real_out_of_memory_on_the_gpu(
    tiny_model: Path, inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    engine = cuda_engine(tiny_model)

    def cancel(stage: Stage, fraction: float) -> None:
        if stage is Stage.RENDER and fraction >= 0.5:
            raise RenderCancelled()

    with pytest.raises(RenderCancelled):
        engine.render(job(inputs, tmp_path / "c.mp4"), cancel)

    # a real allocation failure: the transformer asks for more than the card has, every time
    def allocate_too_much(module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        total = torch.cuda.get_device_properties(0).total_memory
        torch.empty(total * 2, dtype=torch.uint8, device="cuda")

    handle = engine.model.transformer.register_forward_pre_hook(allocate_too_much, with_kwargs=True)
    try:
        with pytest.raises(RendererError) as info:
            engine.render(job(inputs, tmp_path / "oom.mp4"))
    finally:
        handle.remove()
    assert info.value.reason is FailureReason.GPU_OUT_OF_MEMORY
    assert list(tmp_path.iterdir()) == []
    assert engine.render(job(inputs, tmp_path / "after.mp4")).path.is_file()  # the card was freed


def test_a_card_too_small_refuses_at_load(tiny_model: Path) -> None:
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(1e-5)  # ~1 MB of an 80 GB card: not even the CLIP fits
    try:
        with pytest.raises(RendererError) as info:
            cuda_engine(tiny_model)
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
    assert info.value.reason is FailureReason.GPU_OUT_OF_MEMORY
    assert "MOTIONBOT_DIFFUSION_OFFLOAD=group" in (info.value.detail or "")


def test_the_plan_reads_this_card(tiny_model: Path) -> None:
    engine = cuda_engine(tiny_model, diffusion_resolution="auto")
    fit = engine.model.fit
    assert fit.card_bytes == torch.cuda.get_device_properties(0).total_memory
    assert (
        fit.resolution.label == "720p" and fit.memory.strategy is Strategy.ALL_ON_GPU
    )  # tiny: anything fits


def test_compiled_warm_up_leaves_nothing_to_compile_for_the_first_job(
    tiny_model: Path, inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    from torch._dynamo.utils import counters

    engine = cuda_engine(tiny_model, diffusion_compile=True, diffusion_warm_up=True)
    assert engine.model.plan.compile_blocks and len(engine.warm_shapes) == 5
    graphs = counters["stats"]["unique_graphs"]
    engine.render(job(inputs, tmp_path / "first.mp4"))
    assert counters["stats"]["unique_graphs"] == graphs  # the first job compiled nothing new


def test_fast_preset_with_fp8_where_the_card_has_it(
    tiny_model: Path, inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    from motionbot.renderer.engines.diffusion.presets import fp8_support

    supported, why = fp8_support(torch.device("cuda"))
    if not supported:
        pytest.skip(why)
    engine = cuda_engine(tiny_model, diffusion_preset="fast")
    assert engine.model.fit.fp8 and engine.model.fp8 and engine.model.step_cache is not None
    assert "+fp8" in engine.version
    weight = engine.model.transformer.blocks[0].ffn[0].weight
    assert type(weight).__name__ == "Float8Tensor"  # torchao's, in the blocks' linear layers
    result = engine.render(job(inputs, tmp_path / "fp8.mp4"))
    assert probe(result.path).width == result.width
