"""The renderer's `motionbot` subcommands, run as a user runs them (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from motionbot.queue.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE
from motionbot.renderer.media.probe import probe
from motionbot.renderer.motion.model import Motion


def motionbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MOTIONBOT_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "motionbot.queue.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip


def test_inspect_bad_file_is_bad_input_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"this is not a jpeg")
    result = motionbot("inspect", str(bad), cwd=tmp_path)
    assert result.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in result.stderr + result.stdout
    assert "Please send" in result.stdout


def test_inspect_json_on_a_photo(tmp_path: Path) -> None:
    import skimage.data

    photo = tmp_path / "astronaut.jpg"
    Image.fromarray(np.asarray(skimage.data.astronaut(), dtype=np.uint8)).save(photo)  # type: ignore[no-untyped-call]
    result = motionbot("inspect", str(photo), "--json", cwd=tmp_path)
    assert result.returncode == EXIT_OK, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["framing"] == "half_body" and report["people"] == 1
    assert "W0000" not in result.stderr, "mediapipe's native log noise is kept off the terminal"


def test_motion_of_a_preset_to_json_and_overlay(tmp_path: Path) -> None:
    result = motionbot("motion", "clap", "-o", str(tmp_path / "clap.json"), "--json", cwd=tmp_path)
    assert result.returncode == EXIT_OK, result.stderr
    summary = json.loads(result.stdout)
    assert summary["frames"] == Motion.load(tmp_path / "clap.json").n_frames
    result = motionbot("motion", "clap", "-o", str(tmp_path / "clap.mp4"), cwd=tmp_path)
    assert result.returncode == EXIT_OK, result.stderr
    info = probe(tmp_path / "clap.mp4")
    assert info.kind == "video" and info.fps == pytest.approx(30.0, rel=0.02)


def test_render_refuses_unknown_motion_and_bad_usage(tmp_path: Path) -> None:
    result = motionbot("render", "x.png", "--motion", "moonwalk", "-o", "o.mp4", "--json", cwd=tmp_path)
    assert result.returncode == EXIT_BAD_INPUT
    assert json.loads(result.stdout)["reason"] == "unknown_motion"
    result = motionbot("render", "x.png", "--motion", "wave", "-o", "o.mp4", cwd=tmp_path)
    assert result.returncode == EXIT_BAD_INPUT and "no photo" in result.stderr
    result = motionbot("render", "x.png", "-o", "o.mp4", cwd=tmp_path)
    assert result.returncode == EXIT_USAGE
    result = motionbot(
        "render", "x.png", "--motion", "wave", "--background", "pink", "-o", "o.mp4", cwd=tmp_path
    )
    assert result.returncode == EXIT_USAGE and "Traceback" not in result.stderr


def test_demo_writes_an_mp4(tmp_path: Path) -> None:
    result = motionbot("demo", "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == EXIT_OK, result.stderr
    output = Path(result.stdout.strip().splitlines()[-1])
    assert output.suffix == ".mp4" and output.parent == tmp_path / "out"
    info = probe(output)
    assert info.kind == "video" and info.duration_s and info.duration_s > 2
