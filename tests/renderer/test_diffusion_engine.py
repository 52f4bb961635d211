"""The diffusion engine end to end on a tiny random Wan-Animate-2 (CPU, float32, seconds).

The checkpoint is built in code, saved with ``save_pretrained`` and loaded back through the
engine's production loading code, exactly as a worker loads the real one from a folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
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
from motionbot.renderer.engines.diffusion.memory import Strategy, count_segments
from motionbot.renderer.engines.registry import load_engine
from motionbot.renderer.errors import RenderCancelled, RendererError
from motionbot.renderer.media.probe import probe
from motionbot.renderer.media.video import open_video

OPTIONS = RenderOptions(engine=EngineName.DIFFUSION)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def engine(tiny_model: Path) -> DiffusionEngine:
    loaded = load_engine("diffusion", tiny_settings(), model=str(tiny_model))
    assert isinstance(loaded, DiffusionEngine)
    return loaded


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("diffusion-media")
    rng = np.random.default_rng(0)
    photo = root / "photo.png"
    Image.fromarray(rng.integers(0, 255, (96, 64, 3), dtype=np.uint8)).save(photo)
    square = root / "square.png"
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(square)
    return {
        "photo": photo,
        "square": square,
        "video": mf.testsrc_video(root / "drive.mp4", size="64x64", fps=24, seconds=0.5),
        "video_30fps_sound": mf.testsrc_video(
            root / "sound.mp4", size="80x64", fps=30, seconds=0.6, audio=True
        ),
    }


def job(
    media: dict[str, Path], out: Path, *, photo: str = "photo", video: str = "video", **opts: Any
) -> EngineInput:
    return EngineInput(
        photo=media[photo], output=out, options=OPTIONS.model_copy(update=opts), video=media[video]
    )


def frames_read(path: Path, cap: float = 10.0) -> int:
    return open_video(path, max_fps=24, max_side=64, max_seconds=cap).spec.n_frames


class Recorder:
    def __init__(self, on_event: Callable[[Stage, float], None] | None = None) -> None:
        self.events: list[tuple[Stage, float]] = []
        self.on_event = on_event

    def __call__(self, stage: Stage, fraction: float) -> None:
        self.events.append((stage, fraction))
        if self.on_event is not None:
            self.on_event(stage, fraction)

    def fractions(self, stage: Stage) -> list[float]:
        return [f for s, f in self.events if s is stage]


def count_transformer_calls(transformer: torch.nn.Module) -> tuple[dict[str, int], Any]:
    calls = {"extract": 0, "cond": 0, "uncond": 0}

    def hook(module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if kwargs["kv_cache_mode"] == "extract":
            calls["extract"] += 1
        else:
            calls["uncond" if kwargs.get("is_uncondtion") else "cond"] += 1

    return calls, transformer.register_forward_pre_hook(hook, with_kwargs=True)


def test_engine_contract(engine: DiffusionEngine, tiny_model: Path) -> None:
    assert engine.name == "diffusion" and engine.needs_motion is False
    assert tiny_model.name in engine.version and "2steps" in engine.version and "base" in engine.version
    model = engine.model
    assert model.device.type == "cpu" and model.dtype is torch.float32
    assert model.transformer.dtype is torch.float32
    assert model.plan.strategy is Strategy.CPU
    # the text encoder ran once at load and is gone; the fixed prompts are cached embeddings
    assert "text_encoder" not in model.pipe.components
    assert model.embeds["prompt_embeds"] is not None and model.embeds["prompt_ref_embeds"] is not None
    assert model.embeds["negative_prompt_embeds"] is not None  # the base model uses guidance


def test_render_writes_an_mp4_with_the_models_frame_rate(
    engine: DiffusionEngine, media: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out.mp4"
    progress = Recorder()
    result = engine.render(job(media, out), progress)
    assert result.path == out and out.is_file()
    info = probe(out)
    assert (info.width, info.height) == (result.width, result.height) == (42, 64)  # the photo's 2:3 aspect
    assert result.fps == 24.0 and abs(info.fps - 24.0) < 0.01  # type: ignore[operator]
    n = frames_read(media["video"])
    assert abs(result.duration_s - n / 24) < 1e-6
    assert not info.has_audio
    assert set(result.timings) == {"decode", "render", "encode"}
    stages = [s for s, _ in progress.events]
    assert stages.index(Stage.DECODE) < stages.index(Stage.RENDER) < stages.index(Stage.ENCODE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_same_input_gives_the_same_frames(
    engine: DiffusionEngine, media: dict[str, Path], tmp_path: Path
) -> None:
    a = engine.render(job(media, tmp_path / "a.mp4"))
    b = engine.render(job(media, tmp_path / "b.mp4"))
    frames_a = open_video(a.path, max_seconds=5).read_all()
    frames_b = open_video(b.path, max_seconds=5).read_all()
    assert np.array_equal(frames_a, frames_b)  # seeded: the result cache key (version) stays honest


def test_progress_per_segment_and_step(
    engine: DiffusionEngine, media: dict[str, Path], tmp_path: Path
) -> None:
    n = frames_read(media["video"])
    segments = count_segments(n, 9, 1)
    assert segments >= 2
    calls, handle = count_transformer_calls(engine.model.transformer)
    progress = Recorder()
    try:
        engine.render(job(media, tmp_path / "out.mp4"), progress)
    finally:
        handle.remove()
    assert calls == {
        "extract": segments,
        "cond": 2 * segments,
        "uncond": 2 * segments,
    }  # guidance: 2 branches
    total = segments * engine.steps
    render = progress.fractions(Stage.RENDER)
    assert render == sorted(render) and render[-1] == 1.0
    expected = [i / total for i in range(total)]
    assert all(any(abs(f - e) < 1e-9 for f in render) for e in expected)


def test_resampled_to_24_fps_and_sound_kept(
    engine: DiffusionEngine, media: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "sound.mp4"
    result = engine.render(job(media, out, video="video_30fps_sound", keep_sound=True))
    info = probe(out)
    assert info.has_audio and abs(info.fps - 24.0) < 0.01  # type: ignore[operator]
    assert 0.5 <= result.duration_s <= 0.65


def test_duration_cap_trims_the_reference(
    engine: DiffusionEngine, media: dict[str, Path], tmp_path: Path
) -> None:
    result = engine.render(job(media, tmp_path / "short.mp4", max_seconds=0.4))
    assert abs(result.duration_s - frames_read(media["video"], cap=0.4) / 24) < 1e-6
    assert result.duration_s <= 0.45
    assert not any("AI quality renders at most" in w for w in result.warnings)  # the job's own limit


def test_engine_duration_cap_is_explained(tiny_model: Path, media: dict[str, Path], tmp_path: Path) -> None:
    capped = load_engine("diffusion", tiny_settings(diffusion_max_seconds=0.4), model=str(tiny_model))
    result = capped.render(job(media, tmp_path / "capped.mp4"))
    assert result.duration_s <= 0.45
    assert any("AI quality renders at most 0.4 s" in w for w in result.warnings)


def test_cancel_mid_render_leaves_no_output(
    engine: DiffusionEngine, media: dict[str, Path], tmp_path: Path
) -> None:
    def cancel_halfway(stage: Stage, fraction: float) -> None:
        if stage is Stage.RENDER and fraction >= 0.5:
            raise RenderCancelled()

    out = tmp_path / "cancelled.mp4"
    progress = Recorder(cancel_halfway)
    with pytest.raises(RenderCancelled):
        engine.render(job(media, out), progress)
    assert 0.5 <= max(progress.fractions(Stage.RENDER)) < 1.0
    assert Stage.ENCODE not in {s for s, _ in progress.events}
    assert list(tmp_path.iterdir()) == []
    assert not engine.model.transformer._forward_pre_hooks  # our step hook is gone
    # the worker keeps the engine: the next job renders normally
    assert engine.render(job(media, tmp_path / "next.mp4")).path.is_file()


def test_photo_only_is_refused_with_advice(
    engine: DiffusionEngine, media: dict[str, Path], tmp_path: Path
) -> None:
    bare = EngineInput(photo=media["photo"], output=tmp_path / "x.mp4", options=OPTIONS)
    with pytest.raises(RendererError) as info:
        engine.render(bare)
    assert info.value.reason is FailureReason.UNKNOWN_MOTION and "reference video" in info.value.message


def _oom(message: str = "CUDA out of memory. Tried to allocate 20.00 GiB") -> torch.cuda.OutOfMemoryError:
    return torch.cuda.OutOfMemoryError(message)


def test_out_of_memory_retries_once_at_a_lower_resolution(
    engine: DiffusionEngine, media: dict[str, Path], tmp_path: Path
) -> None:
    # test seam: the transformer "runs out of memory" whenever its latents are 64 px tall, like a
    # card that holds the smaller size but not the configured one
    sizes: list[int] = []

    def too_big(module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        height = int(args[0][0].shape[-2]) * 8
        sizes.append(height)
        if height >= 64:
            raise _oom()

    handle = engine.model.transformer.register_forward_pre_hook(too_big, with_kwargs=True)
    try:
        result = engine.render(job(media, tmp_path / "small.mp4", photo="square"))
    finally:
        handle.remove()
    assert sizes[0] == 64 and set(sizes[1:]) == {32}
    assert (result.width, result.height) == (32, 32)
    assert any("ran out of memory at 64x64" in w and "32x32" in w for w in result.warnings)


def test_out_of_memory_twice_fails_with_a_clear_reason(
    engine: DiffusionEngine, media: dict[str, Path], tmp_path: Path
) -> None:
    def always(module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        raise _oom()

    handle = engine.model.transformer.register_forward_pre_hook(always, with_kwargs=True)
    try:
        with pytest.raises(RendererError) as info:
            engine.render(job(media, tmp_path / "oom.mp4"))
    finally:
        handle.remove()
    err = info.value
    assert err.reason is FailureReason.GPU_OUT_OF_MEMORY
    assert "Preview" in err.message  # the user-facing sentence points at the CPU engine
    assert err.detail is not None and "64x64" in err.detail and "32x32" in err.detail
    assert isinstance(err.__cause__, torch.cuda.OutOfMemoryError)
    assert list(tmp_path.iterdir()) == []


def test_distilled_blocks_use_few_steps_without_guidance(
    tiny_distilled_model: Path, media: dict[str, Path], tmp_path: Path
) -> None:
    default = load_engine(
        "diffusion",
        tiny_settings(diffusion_distilled=True, diffusion_steps=None),
        model=str(tiny_distilled_model),
    )
    assert isinstance(default, DiffusionEngine)
    assert default.model.distilled and default.steps == 10 and "distilled:10steps" in default.version
    assert default.model.pipe.guider.guidance_scale == 1.0
    assert default.model.embeds["negative_prompt_embeds"] is None  # one branch: no negative prompt
    fast = load_engine("diffusion", tiny_settings(), model=str(tiny_distilled_model))
    assert isinstance(fast, DiffusionEngine)
    calls, handle = count_transformer_calls(fast.model.transformer)
    try:
        fast.render(job(media, tmp_path / "distilled.mp4"))
    finally:
        handle.remove()
    segments = calls["extract"]
    assert segments >= 2 and calls == {"extract": segments, "cond": 2 * segments, "uncond": 0}


def test_cli_render_with_a_model_folder(tiny_model: Path, media: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cli.mp4"
    env = {
        **os.environ, "MOTIONBOT_DEVICE": "cpu", "MOTIONBOT_DIFFUSION_RESOLUTION": "64x64",
        "MOTIONBOT_DIFFUSION_STEPS": "2", "MOTIONBOT_DIFFUSION_SEGMENT_FRAMES": "9",
        "MOTIONBOT_DIFFUSION_COMPILE": "false", "MOTIONBOT_CACHE_DIR": str(tmp_path / "cache"),
        "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
    }  # fmt: skip
    motionbot = Path(sys.executable).with_name("motionbot")
    cmd = [str(motionbot), "render", str(media["photo"]), str(media["video"]), "-o", str(out),
           "--engine", "diffusion", "--model", str(tiny_model), "--keep-sound", "--json"]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert summary["ok"] and summary["engine"] == "diffusion" and Path(summary["output"]) == out
    assert "2steps" in summary["engine_version"] and tiny_model.name in summary["engine_version"]
    assert (summary["width"], summary["height"], summary["fps"]) == (42, 64, 24.0)
    assert probe(out).width == 42


def test_version_follows_what_changes_the_pixels(engine: DiffusionEngine) -> None:
    def version(**settings: object) -> str:
        return DiffusionEngine(
            tiny_settings(**settings), engine.model, engine.resolution, engine.steps
        ).version

    base = version()
    assert base == engine.version and version() == base  # stable: the result cache can hit
    for change in ({"diffusion_prompt": "a dancer"}, {"diffusion_seed": 1}, {"diffusion_guidance_scale": 5.0},
                   {"diffusion_segment_frames": 13}):  # fmt: skip
        assert version(**change) != base, change
