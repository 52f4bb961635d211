"""The renderer's doctor checks and the launcher's GPU probe, on this (CPU-only) machine."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from motionbot.ops.checks import Status
from motionbot.ops.run import probe_gpu
from motionbot.renderer import checks
from motionbot.renderer.settings import RendererSettings


def test_ffmpeg_runs() -> None:
    result = checks.check_ffmpeg()
    assert result.status is Status.OK and result.detail.startswith("ffmpeg version")


def test_incomplete_model_folder_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "Wan-Animate"
    folder.mkdir()
    (folder / "model_index.json").write_text(json.dumps({"vae": ["diffusers", "AutoencoderKLWan"]}))
    settings = RendererSettings(diffusion_model=str(folder))
    on_gpu = checks.check_model(settings, required=True)
    assert on_gpu.failed and "incomplete" in on_gpu.detail and "vae/" in on_gpu.detail and on_gpu.fix
    on_cpu = checks.check_model(settings, required=False)
    assert on_cpu.status is Status.SKIP and not on_cpu.failed
    missing = checks.check_model(RendererSettings(diffusion_model=str(tmp_path / "nope")), required=True)
    assert missing.failed and "does not exist" in missing.detail


def test_hub_id_offline_must_be_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    settings = RendererSettings(diffusion_model="Wan-AI/Wan2.2-Animate-2-14B-Diffusers")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    online = checks.check_model(settings, required=True)
    assert online.status is Status.WARN and not online.failed
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = checks.check_model(settings, required=True)
    assert offline.failed and "not in the local Hugging Face cache" in offline.detail


def test_gpu_probe_on_a_cpu_host() -> None:
    gpu, has_cuda = checks.check_gpu()
    if has_cuda:
        pytest.skip("this machine has a GPU")
    assert gpu.status is Status.SKIP and not gpu.failed
    probe = probe_gpu(dict(os.environ))
    assert probe["cuda"] is False and probe["why"]


def test_launcher_and_doctor_never_import_heavy_libraries() -> None:
    """The GPU and mediapipe probes run in children; the launcher process stays light."""
    import subprocess
    import sys

    code = (
        "import sys, motionbot.ops.run, motionbot.ops.doctor, motionbot.renderer.checks; "
        "heavy = {'torch', 'mediapipe', 'cv2', 'diffusers'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
