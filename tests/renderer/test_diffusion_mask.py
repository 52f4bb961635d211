"""The transformer's flex-attention mask: compiled where a compiler exists, identical without one."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import media_factories as mf
import numpy as np
import pytest
import torch
from PIL import Image
from tiny_wan import tiny_settings

from motionbot.queue.jobs import EngineName, RenderOptions
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.diffusion import block_mask
from motionbot.renderer.engines.diffusion.engine import DiffusionEngine
from motionbot.renderer.engines.registry import load_engine

WAN = importlib.import_module("diffusers.models.transformers.transformer_wan_animate_2")

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def no_cxx() -> Iterator[None]:
    """A machine without a C++ compiler, as torch's inductor sees it (its real search, a bad path)."""
    from torch._inductor import config as inductor_config
    from torch._inductor import cpp_builder

    cpp_builder.cpp_compiler_search.cache_clear()
    with inductor_config.patch({"cpp.cxx": ("/nonexistent/bin/c++",)}):
        yield
    cpp_builder.cpp_compiler_search.cache_clear()


@pytest.fixture
def restore_builder() -> Iterator[None]:
    original = WAN.create_block_mask
    yield
    WAN.create_block_mask = original


def tiny_transformer(model: Path) -> Any:
    return importlib.import_module("diffusers").WanAnimate2Transformer3DModel.from_pretrained(
        str(model), subfolder="transformer"
    )


def _same(a: torch.Tensor | None, b: torch.Tensor | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and torch.equal(a, b))


def same_mask(a: Any, b: Any) -> bool:
    return bool(
        torch.equal(a.to_dense(), b.to_dense())
        and torch.equal(a.kv_num_blocks, b.kv_num_blocks)
        and torch.equal(a.kv_indices, b.kv_indices)
        and _same(a.full_kv_num_blocks, b.full_kv_num_blocks)
        and _same(a.full_kv_indices, b.full_kv_indices)
        and a.seq_lengths == b.seq_lengths
    )


def test_detects_a_missing_compiler(no_cxx: None) -> None:
    assert block_mask.compiler_available("cpu") is False


def test_detects_the_compiler_here() -> None:
    import shutil

    if not (shutil.which("g++") or shutil.which("c++")):
        pytest.skip("no C++ compiler on this machine")
    assert block_mask.compiler_available("cpu") is True


def test_engine_installs_the_uncompiled_builder_without_a_compiler(
    no_cxx: None, restore_builder: None, tiny_model: Path, tmp_path: Path
) -> None:
    engine = load_engine("diffusion", tiny_settings(diffusion_compile=True), model=str(tiny_model))
    assert isinstance(engine, DiffusionEngine)
    assert engine.model.compile_mask is False and block_mask.installed_builder_compiles() is False
    rng = np.random.default_rng(1)
    photo = tmp_path / "p.png"
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(photo)
    video = mf.testsrc_video(tmp_path / "v.mp4", size="64x64", fps=24, seconds=0.4)
    out = engine.render(
        EngineInput(photo=photo, output=tmp_path / "o.mp4", options=RenderOptions(engine=EngineName.DIFFUSION),
                    video=video)
    )  # fmt: skip
    assert out.path.is_file()


def test_compile_failure_falls_back_to_the_same_mask(no_cxx: None, tiny_model: Path) -> None:
    # compiling is forced on although the compiler is gone: the builder must not crash
    transformer = tiny_transformer(tiny_model)
    try:
        WAN.create_block_mask = block_mask.block_mask_builder(True)
        forced = transformer.create_mask(3, 16, torch.device("cpu"))
        WAN.create_block_mask = block_mask.block_mask_builder(False)
        eager = transformer.create_mask(3, 16, torch.device("cpu"))
    finally:
        block_mask.install_block_mask_builder(False, "cpu")
    assert same_mask(forced, eager)


def test_compiled_and_uncompiled_masks_are_identical(restore_builder: None, tiny_model: Path) -> None:
    if not block_mask.compiler_available("cpu"):
        pytest.skip("needs a C++ compiler to build the compiled mask")
    transformer = tiny_transformer(tiny_model)
    assert block_mask.install_block_mask_builder(True, "cpu") is True
    # 5 latent frames of 64 tokens: several 128-token blocks, so the per-frame pattern shows
    compiled = transformer.create_mask(5, 64, torch.device("cpu"))
    block_mask.install_block_mask_builder(False, "cpu")
    eager = transformer.create_mask(5, 64, torch.device("cpu"))
    assert same_mask(compiled, eager)
    dense = eager.to_dense()
    assert dense.any() and not dense.all()  # a real pattern, not all-or-nothing
