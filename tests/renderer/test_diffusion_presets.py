"""Quality presets on the tiny model: base and distilled from the weights, fast within tolerance.

TOLERANCE is the documented bound (README, "Speed presets"): the fast preset's frames differ
from the reference preset's (the checkpoint's own sampling) by at most this mean absolute
value per pixel and channel, on 8 denoising steps where the step cache skips part of them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import media_factories as mf
import numpy as np
import pytest
import torch
from PIL import Image
from tiny_wan import copy_model, tiny_settings

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import EngineName, RenderOptions
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.diffusion.engine import DiffusionEngine
from motionbot.renderer.engines.diffusion.presets import Preset, fp8_support
from motionbot.renderer.engines.registry import load_engine
from motionbot.renderer.errors import RendererError
from motionbot.renderer.media.video import open_video

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TOLERANCE = 4.0  # mean absolute difference, out of 255
STEPS = 8


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("preset-media")
    photo = root / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (96, 64, 3), dtype=np.uint8)).save(photo)
    return photo, mf.testsrc_video(root / "drive.mp4", size="64x64", fps=24, seconds=0.5)


def engine_for(model: Path, **settings: Any) -> DiffusionEngine:
    engine = load_engine("diffusion", tiny_settings(diffusion_steps=STEPS, **settings), model=str(model))
    assert isinstance(engine, DiffusionEngine)
    return engine


def render(engine: DiffusionEngine, media: tuple[Path, Path], out: Path) -> tuple[np.ndarray, int]:
    """The frames, and how often the last block really ran (the step cache skips it)."""
    calls = [0]
    last_block = engine.model.transformer.blocks[-1]
    handle = last_block.ffn.register_forward_pre_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
    try:
        options = RenderOptions(engine=EngineName.DIFFUSION)
        engine.render(EngineInput(photo=media[0], output=out, options=options, video=media[1]))
    finally:
        handle.remove()
    return open_video(out, max_seconds=5).read_all().astype(np.float32), calls[0]


@pytest.mark.parametrize(
    ("model_fixture", "reference"), [("tiny_model", "base"), ("tiny_distilled_model", "distilled")]
)
def test_fast_stays_within_tolerance_of_the_reference(
    request: pytest.FixtureRequest,
    model_fixture: str,
    reference: str,
    media: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    model: Path = request.getfixturevalue(model_fixture)
    ref_engine = engine_for(model, diffusion_preset=reference)
    assert ref_engine.model.preset is Preset(reference) and ref_engine.model.step_cache is None
    ref, ref_calls = render(ref_engine, media, tmp_path / "ref.mp4")
    fast_engine = engine_for(model, diffusion_preset="fast")
    assert fast_engine.model.preset is Preset.FAST and fast_engine.model.step_cache is not None
    assert not fast_engine.model.fp8  # no FP8 on a CPU
    assert f":{reference}+fast0.1:" in fast_engine.version and fast_engine.version != ref_engine.version
    fast, fast_calls = render(fast_engine, media, tmp_path / "fast.mp4")
    assert fast_calls < 0.75 * ref_calls  # the cache really skipped steps
    assert fast.shape == ref.shape
    difference = float(np.abs(fast - ref).mean())
    assert 0 < difference <= TOLERANCE, difference
    again, _ = render(fast_engine, media, tmp_path / "again.mp4")
    assert np.array_equal(again, fast)  # the cache starts clean each job: the result cache stays honest


def test_a_segments_reference_pass_always_runs_in_full(tiny_model: Path, media: tuple[Path, Path]) -> None:
    # the reference pass fills the K/V cache every later call reads; skipping its blocks would
    # leave the cache empty
    engine = engine_for(tiny_model, diffusion_preset="fast", diffusion_cache_threshold=1e6)
    extract_calls = [0]

    def count(module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        extract_calls[0] += kwargs["kv_cache_mode"] == "extract"

    handle = engine.model.transformer.register_forward_pre_hook(count, with_kwargs=True)
    try:
        _, block_calls = render(engine, media, Path(media[0].parent / "huge-threshold.mp4"))
    finally:
        handle.remove()
    # every extract pass ran the last block; of the denoising calls only each branch's first did
    assert block_calls == extract_calls[0] + 2 * extract_calls[0]


@pytest.mark.parametrize(
    ("model_fixture", "setting", "named"),
    [
        ("tiny_model", {"diffusion_distilled": True}, "MOTIONBOT_DIFFUSION_DISTILLED=true but the checkpoint is the base model"),
        ("tiny_distilled_model", {"diffusion_distilled": False}, "MOTIONBOT_DIFFUSION_DISTILLED=false but the checkpoint is the distilled model"),
        ("tiny_model", {"diffusion_preset": "distilled"}, "MOTIONBOT_DIFFUSION_PRESET=distilled needs the distilled checkpoint"),
        ("tiny_distilled_model", {"diffusion_preset": "base"}, "MOTIONBOT_DIFFUSION_PRESET=base needs the base checkpoint"),
    ],
)  # fmt: skip
def test_a_setting_that_contradicts_the_weights_is_refused(
    request: pytest.FixtureRequest, model_fixture: str, setting: dict[str, Any], named: str
) -> None:
    model: Path = request.getfixturevalue(model_fixture)
    with pytest.raises(RendererError) as info:
        load_engine("diffusion", tiny_settings(**setting), model=str(model))
    assert info.value.reason is FailureReason.ENGINE_UNAVAILABLE
    detail = info.value.detail or ""
    assert named in detail
    assert "modular_model_index.json names WanAnimate2" in detail  # where the kind was read


def test_a_flag_that_agrees_with_the_weights_loads(tiny_model: Path) -> None:
    engine = load_engine("diffusion", tiny_settings(diffusion_distilled=False), model=str(tiny_model))
    assert isinstance(engine, DiffusionEngine) and not engine.model.distilled and engine.steps == 2


def test_fp8_needs_a_card_with_fp8_tensor_cores() -> None:
    ok, why = fp8_support(torch.device("cpu"))
    assert not ok and "CUDA" in why


# --- an index that takes shared components from another repository ---------------------------

_LOAD_AND_RENDER = """
import sys
from pathlib import Path
from motionbot.queue.jobs import EngineName, RenderOptions
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.registry import load_engine
from motionbot.renderer.settings import RendererSettings
model, photo, video, out = sys.argv[1:5]
settings = RendererSettings(device="cpu", diffusion_resolution="64x64", diffusion_steps=2, diffusion_segment_frames=9,
                            diffusion_compile=False, diffusion_warm_up=False, ai_label_visible=False)
engine = load_engine("diffusion", settings, model=model)
assert engine.model.distilled
assert engine.model.footprint.text_encoder_bytes > 0  # the plan counts the shared encoder too
result = engine.render(EngineInput(photo=Path(photo), output=Path(out), video=Path(video),
                                   options=RenderOptions(engine=EngineName.DIFFUSION)))
print("RENDERED", result.width, result.height)
"""
SHARED = ("text_encoder", "tokenizer", "image_encoder")
BASE_REPO = "motionbot-tests/tiny-wan-base"


def hub_cache_with(repo: str, source: Path, cache: Path, subfolders: tuple[str, ...]) -> None:
    """Lay ``subfolders`` of ``source`` out as the Hugging Face cache stores a download of ``repo``."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    root = cache / f"models--{repo.replace('/', '--')}"
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text(commit)
    for name in subfolders:
        shutil.copytree(source / name, root / "snapshots" / commit / name)


def distilled_sharing_the_base_encoders(distilled: Path, dst: Path) -> Path:
    folder = copy_model(distilled, dst)
    index_path = folder / "modular_model_index.json"
    index = json.loads(index_path.read_text())
    for name in SHARED:
        shutil.rmtree(folder / name)
        index[name][2]["pretrained_model_name_or_path"] = BASE_REPO
    index_path.write_text(json.dumps(index))
    return folder


def run_offline(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-c", _LOAD_AND_RENDER, *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_index_entries_from_another_repository_load_from_the_local_cache(
    tiny_model: Path, tiny_distilled_model: Path, media: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = distilled_sharing_the_base_encoders(tiny_distilled_model, tmp_path / "distilled")
    cache = tmp_path / "hub-cache"
    hub_cache_with(BASE_REPO, tiny_model, cache, SHARED)
    proc = run_offline(cache, str(folder), str(media[0]), str(media[1]), str(tmp_path / "out.mp4"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "RENDERED 42 64" in proc.stdout


def test_index_entries_from_an_uncached_repository_are_named(
    tiny_distilled_model: Path, media: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = distilled_sharing_the_base_encoders(tiny_distilled_model, tmp_path / "distilled")
    proc = run_offline(
        tmp_path / "empty-cache", str(folder), str(media[0]), str(media[1]), str(tmp_path / "o.mp4")
    )
    assert proc.returncode != 0
    assert f"the index takes it from {BASE_REPO}, which is not in the local Hugging Face cache" in proc.stderr
    assert f"hf download {BASE_REPO} --include 'text_encoder/*'" in proc.stderr


def test_the_gpu_worker_refuses_to_start_on_a_contradicting_flag(tiny_model: Path, tmp_path: Path) -> None:
    from motionbot.queue.cli import EXIT_UNAVAILABLE

    env = {
        **os.environ, "MOTIONBOT_DIFFUSION_MODEL": str(tiny_model), "MOTIONBOT_DIFFUSION_DISTILLED": "true",
        "MOTIONBOT_DEVICE": "cpu", "MOTIONBOT_METRICS_PORT": "0", "MOTIONBOT_REDIS_URL": "redis://127.0.0.1:9/0",
        "MOTIONBOT_LOG_FORMAT": "text", "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
    }  # fmt: skip
    motionbot = Path(sys.executable).with_name("motionbot")
    cmd = [str(motionbot), "worker", "--queue", "render:gpu"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == EXIT_UNAVAILABLE, proc.stderr[-2000:]
    out = proc.stdout + proc.stderr
    assert "cannot start (engine_unavailable): MOTIONBOT_DIFFUSION_DISTILLED=true but the checkpoint" in out
