"""Loading the diffusion model: folders, moved folders, hub ids offline, incomplete checkpoints."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import media_factories as mf
import numpy as np
import pytest
from PIL import Image
from tiny_wan import (
    PROMPT,
    build_tiny_wan,
    copy_model,
    tiny_settings,
)

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import EngineName, RenderOptions
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.diffusion.engine import DiffusionEngine
from motionbot.renderer.engines.diffusion.model_files import missing_files, resolve_model
from motionbot.renderer.engines.registry import load_engine
from motionbot.renderer.errors import RendererError

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def refused(model: str, **settings: object) -> RendererError:
    with pytest.raises(RendererError) as info:
        load_engine("diffusion", tiny_settings(**settings), model=model)
    assert info.value.reason is FailureReason.MODEL_MISSING
    assert info.value.detail
    return info.value


def test_loads_from_a_folder(tiny_model: Path) -> None:
    assert missing_files(tiny_model) == []
    engine = load_engine("diffusion", tiny_settings(), model=str(tiny_model))
    assert isinstance(engine, DiffusionEngine)
    assert set(engine.model.timings) == {"load", "encode_prompts", "place"}


def test_model_setting_is_the_default(tiny_model: Path) -> None:
    engine = load_engine("diffusion", tiny_settings(diffusion_model=str(tiny_model)))
    assert isinstance(engine, DiffusionEngine) and engine.model.source.folder == tiny_model.resolve()


def test_loads_from_a_moved_folder(tiny_model: Path, tmp_path: Path) -> None:
    # save_pretrained records absolute paths in modular_model_index.json; a moved copy must load
    # its own files, not silently reach back to where it was saved
    staging = copy_model(tiny_model, tmp_path / "staging")
    moved = tmp_path / "elsewhere" / "wan"
    moved.parent.mkdir()
    shutil.move(str(staging), str(moved))
    index = json.loads((moved / "modular_model_index.json").read_text())
    assert index["transformer"][2]["pretrained_model_name_or_path"] == str(tiny_model)  # still the old place
    engine = load_engine("diffusion", tiny_settings(), model=str(moved))
    assert isinstance(engine, DiffusionEngine)
    assert engine.model.source.model_id == "wan" and ":wan:" in engine.version


def test_missing_folder_is_refused() -> None:
    err = refused("/nonexistent/models/wan-animate-2")
    assert "does not exist" in (err.detail or "")
    assert "model isn't installed" in err.message


def test_a_file_is_not_a_model_folder(tmp_path: Path) -> None:
    file = tmp_path / "model.safetensors"
    file.write_bytes(b"x")
    assert "is a file" in (refused(str(file)).detail or "")


def test_folder_without_index_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert "modular_model_index.json" in (refused(str(tmp_path / "empty")).detail or "")


@pytest.mark.parametrize(
    ("remove", "named"),
    [
        ("transformer/diffusion_pytorch_model.safetensors", "transformer/ weights"),
        ("vae", "vae/ (folder missing)"),
        ("image_encoder/config.json", "image_encoder/config.json"),
        ("tokenizer", "tokenizer/ (folder missing)"),
        ("scheduler/scheduler_config.json", "scheduler/scheduler_config.json"),
    ],
)
def test_incomplete_folder_is_refused_naming_what_is_missing(
    tiny_model: Path, tmp_path: Path, remove: str, named: str
) -> None:
    broken = copy_model(tiny_model, tmp_path / "broken")
    target = broken / remove
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()
    err = refused(str(broken))
    assert named in (err.detail or "") and str(broken) in (err.detail or "")


def test_missing_weight_shard_is_named(tiny_model: Path, tmp_path: Path) -> None:
    broken = copy_model(tiny_model, tmp_path / "sharded")
    transformer = broken / "transformer"
    (transformer / "diffusion_pytorch_model.safetensors").rename(
        transformer / "diffusion_pytorch_model-00001-of-00002.safetensors"
    )
    weight_map = {"a": "diffusion_pytorch_model-00001-of-00002.safetensors",
                  "b": "diffusion_pytorch_model-00002-of-00002.safetensors"}  # fmt: skip
    (transformer / "diffusion_pytorch_model.safetensors.index.json").write_text(
        json.dumps({"weight_map": weight_map})
    )
    err = refused(str(broken))
    assert "transformer/diffusion_pytorch_model-00002-of-00002.safetensors" in (err.detail or "")
    assert "00001-of-00002" not in (err.detail or "")


def test_component_absent_from_the_index_is_named(tiny_model: Path, tmp_path: Path) -> None:
    broken = copy_model(tiny_model, tmp_path / "no-vae-entry")
    index_path = broken / "modular_model_index.json"
    index = json.loads(index_path.read_text())
    del index["vae"]
    index_path.write_text(json.dumps(index))
    assert "vae (not listed in modular_model_index.json)" in (refused(str(broken)).detail or "")


def test_empty_weights_file_counts_as_missing(tiny_model: Path, tmp_path: Path) -> None:
    broken = copy_model(tiny_model, tmp_path / "truncated")
    (broken / "vae" / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    assert "vae/ weights" in (refused(str(broken)).detail or "")


def test_corrupt_weights_are_refused_before_loading(tiny_model: Path, tmp_path: Path) -> None:
    # the memory plan reads every header first: garbage is named before anything loads
    broken = copy_model(tiny_model, tmp_path / "corrupt")
    (broken / "image_encoder" / "model.safetensors").write_bytes(b"not a safetensors file")
    err = refused(str(broken))
    assert "image_encoder/model.safetensors is not a readable safetensors file" in (err.detail or "")


def test_truncated_weights_are_refused_after_loading(tiny_model: Path, tmp_path: Path) -> None:
    # a readable header over missing data: load_components only warns and leaves the component None
    broken = copy_model(tiny_model, tmp_path / "truncated-data")
    weights = broken / "image_encoder" / "model.safetensors"
    data = weights.read_bytes()
    header_end = 8 + int.from_bytes(data[:8], "little")
    weights.write_bytes(data[: header_end + 16])
    err = refused(str(broken))
    assert "could not load image_encoder" in (err.detail or "")


def test_uncached_hub_id_fails_fast_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    started = time.monotonic()
    err = refused("Wan-AI/Wan2.2-Animate-2-14B-Diffusers")
    assert time.monotonic() - started < 5
    detail = err.detail or ""
    assert "not in the local Hugging Face cache" in detail and "HF_HUB_OFFLINE" in detail
    assert "hf download Wan-AI/Wan2.2-Animate-2-14B-Diffusers" in detail


@pytest.fixture
def unreachable_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Online mode, an empty cache, and a Hub endpoint nobody listens on."""
    import huggingface_hub.constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))


@pytest.mark.usefixtures("unreachable_hub")
def test_hub_id_resolves_online_without_touching_the_network() -> None:
    """What `motionbot doctor` does: an uncached hub id is reported, not downloaded."""
    source = resolve_model("Wan-AI/Wan2.2-Animate-2-14B-Diffusers")
    assert source.folder is None and source.ref == source.model_id == "Wan-AI/Wan2.2-Animate-2-14B-Diffusers"


@pytest.mark.usefixtures("unreachable_hub")
def test_a_worker_without_a_route_to_the_hub_refuses_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(RendererError) as info:
        resolve_model("Wan-AI/Wan2.2-Animate-2-14B-Diffusers", download=True)
    assert time.monotonic() - started < 10
    assert info.value.reason == FailureReason.MODEL_MISSING
    detail = info.value.detail or ""
    assert "could not be fetched" in detail and "hf download Wan-AI/Wan2.2-Animate-2-14B-Diffusers" in detail


def test_cli_render_refuses_a_missing_model(tmp_path: Path) -> None:
    Image.fromarray(np.full((96, 64, 3), 90, dtype=np.uint8)).save(tmp_path / "p.png")
    mf.testsrc_video(tmp_path / "v.mp4", size="64x64", fps=24, seconds=0.4)
    env = {**os.environ, "MOTIONBOT_DIFFUSION_MODEL": str(tmp_path / "no-such-model"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", "from motionbot.queue.cli import main; raise SystemExit(main())",
         "render", str(tmp_path / "p.png"), str(tmp_path / "v.mp4"), "-o", str(tmp_path / "o.mp4"),
         "--engine", "diffusion", "--json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "model_missing" in proc.stdout + proc.stderr
    assert "no-such-model" in proc.stdout + proc.stderr


def test_a_unipc_scheduler_is_adapted_to_the_denoise_loop(tmp_path: Path) -> None:
    # UniPC's step takes no generator, which diffusers' modular denoise loop passes
    from diffusers import UniPCMultistepScheduler

    unipc = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=5.0)
    model = build_tiny_wan(tmp_path / "unipc", prompts=[PROMPT], scheduler=unipc)
    engine = load_engine("diffusion", tiny_settings(), model=str(model))
    assert isinstance(engine, DiffusionEngine)
    scheduler = engine.model.pipe.scheduler
    assert isinstance(scheduler, UniPCMultistepScheduler) and scheduler.config.use_flow_sigmas
    photo = tmp_path / "p.png"
    Image.fromarray(np.full((64, 64, 3), 128, dtype=np.uint8)).save(photo)
    video = mf.testsrc_video(tmp_path / "v.mp4", size="64x64", fps=24, seconds=0.4)
    options = RenderOptions(engine=EngineName.DIFFUSION)
    result = engine.render(EngineInput(photo=photo, output=tmp_path / "o.mp4", options=options, video=video))
    assert result.path.is_file()


def test_a_distilled_checkpoint_selects_its_blocks_by_itself(tmp_path: Path) -> None:
    model = build_tiny_wan(tmp_path / "distilled", prompts=[PROMPT], distilled=True)
    index = json.loads((model / "modular_model_index.json").read_text())
    assert index["_blocks_class_name"] == "WanAnimate2DistilledBlocks"
    engine = load_engine(
        "diffusion", tiny_settings(diffusion_steps=None), model=str(model)
    )  # distilled=False
    assert isinstance(engine, DiffusionEngine)
    assert engine.model.distilled and engine.steps == 10 and ":distilled:10steps:" in engine.version
    assert engine.model.pipe.guider.guidance_scale == 1.0
