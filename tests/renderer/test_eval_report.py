"""The quality report: pair discovery, the metrics on known tracks, and a whole run end to end."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import RenderOptions
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.warp.engine import WarpEngine
from motionbot.renderer.errors import RendererError
from motionbot.renderer.eval_cli import register
from motionbot.renderer.evaluate.metrics import jitter, limb_agreement, pck
from motionbot.renderer.evaluate.pairs import find_pairs
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.motion.presets import load_preset
from motionbot.renderer.settings import RendererSettings


def _touch(path: Path) -> Path:
    path.write_bytes(b"x")
    return path


def test_pairs_from_a_folder_and_a_csv(tmp_path: Path) -> None:
    a, b = _touch(tmp_path / "a.jpg"), _touch(tmp_path / "b.png")
    v = _touch(tmp_path / "dance.mp4")
    _touch(tmp_path / "notes.txt")
    pairs = find_pairs(tmp_path)
    assert [(p.photo, p.video) for p in pairs] == [(a, v), (b, v)]
    csv = tmp_path / "pairs.csv"
    csv.write_text("photo,video\nb.png,dance.mp4\n")
    assert [(p.photo, p.video) for p in find_pairs(csv)] == [(b, v)]
    csv.write_text("image,clip\nb.png,dance.mp4\n")
    with pytest.raises(RendererError):
        find_pairs(csv)


def _track(angle_deg: float, n: int = 10) -> np.ndarray:
    """(n, 33, 2) pixels with the left upper arm pointing at ``angle_deg``."""
    px = np.zeros((n, 33, 2), np.float32)
    px[:, L.LEFT_SHOULDER] = (100, 100)
    a = np.deg2rad(angle_deg)
    px[:, L.LEFT_ELBOW] = (100 + 50 * np.cos(a), 100 + 50 * np.sin(a))
    return px


def test_limb_agreement_counts_directions_within_30_degrees() -> None:
    vis = np.ones((10, 33), np.float32)
    ref = _track(90)
    assert limb_agreement(_track(110), ref, vis, ["left_upper_arm"]).limb_share == 1.0
    assert limb_agreement(_track(135), ref, vis, ["left_upper_arm"]).limb_share == 0.0
    out = _track(90)
    out[:4] = np.nan  # no pose found in the output: misses
    score = limb_agreement(out, ref, vis, ["left_upper_arm"])
    assert score.limb_share == pytest.approx(0.6) and score.frame_share == pytest.approx(0.6)
    vis[:5, L.LEFT_ELBOW] = 0.0  # the reference does not show it: not counted
    assert limb_agreement(out, ref, vis, ["left_upper_arm"]).instances == 5


def test_pck_and_jitter() -> None:
    from motionbot.renderer.engines.warp.rig import N_JOINTS, J

    target = np.zeros((4, N_JOINTS, 2), np.float32)
    target[:, J.MID_HIP] = (0, 100)  # torso length 100
    target[:, J.L_SHOULDER] = (10, 0)
    out = np.zeros((4, 33, 2), np.float32)
    out[:, L.LEFT_SHOULDER] = [(10, 0), (10, 5), (10, 15), (10, 30)]
    got = pck(out, target, [int(L.LEFT_SHOULDER)], (0.1, 0.2))
    assert got == {"pck@0.1": 0.5, "pck@0.2": 0.75}
    rng = np.random.default_rng(0)
    still = np.zeros((30, 33, 2), np.float32)
    still[:, [L.LEFT_HIP, L.RIGHT_HIP], 1] = 100
    shaky = still + rng.normal(0, 3, still.shape).astype(np.float32)
    lms = [int(L.LEFT_SHOULDER)]
    assert jitter(still, lms) == 0.0 and jitter(shaky, lms) > 0.05


@pytest.mark.slow
def test_eval_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reference made by animating the astronaut, scored against the astronaut and a wall."""
    pairs_dir = tmp_path / "pairs"
    pairs_dir.mkdir()
    photo = pairs_dir / "astronaut.png"
    Image.fromarray(data.astronaut()).save(photo)
    wall = np.linspace(40, 220, 320)[None, :, None].repeat(320, 0).repeat(3, 2).astype(np.uint8)
    Image.fromarray(wall).save(pairs_dir / "wall.png")
    settings = RendererSettings(output_long_side=256, ai_label_visible=False, cache_dir=tmp_path / "cache")
    engine = WarpEngine.load(settings)
    engine.render(
        EngineInput(
            photo=photo,
            output=pairs_dir / "sway.mp4",
            options=RenderOptions(),
            motion=load_preset("sway").trimmed(1.5),
        )
    )
    engine.close()
    monkeypatch.setenv("MOTIONBOT_OUTPUT_LONG_SIDE", "256")
    monkeypatch.setenv("MOTIONBOT_CACHE_DIR", str(tmp_path / "cache"))
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["eval", str(pairs_dir), "-o", str(tmp_path / "report")])
    assert args.func(args) == 0
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert (tmp_path / "report" / "contact_sheet.png").stat().st_size > 1000
    by_name = {p["name"]: p for p in report["pairs"]}
    ok = by_name["astronaut__sway"]
    assert ok["ok"] and ok["metrics"]["frames"] > 0
    assert ok["metrics"]["pck@0.2"] > 0.8
    failed = by_name["wall__sway"]
    assert not failed["ok"] and failed["reason"] == FailureReason.NO_PERSON_IN_PHOTO.value
    assert report["summary"]["failed"] == [
        {"pair": "wall__sway", "reason": "no_person_in_photo", "message": failed["message"]}
    ]
    assert "targets" in capsys.readouterr().out
