"""The warp engine end to end on built-in data: skimage's astronaut and the preset motions."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import RenderOptions, Stage
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.warp.engine import WarpEngine
from motionbot.renderer.errors import RenderCancelled, RendererError
from motionbot.renderer.evaluate.metrics import LIMB_BONES, limb_agreement
from motionbot.renderer.media.ffmpeg import base_cmd
from motionbot.renderer.media.image import load_image
from motionbot.renderer.media.probe import probe
from motionbot.renderer.media.video import open_video
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.motion.model import Motion
from motionbot.renderer.motion.presets import load_preset
from motionbot.renderer.perception.pose import PoseDetector
from motionbot.renderer.settings import RendererSettings

LONG_SIDE = 256


@pytest.fixture(scope="module")
def engine() -> WarpEngine:
    eng = WarpEngine.load(RendererSettings(output_long_side=LONG_SIDE, ai_label_visible=False))
    yield eng
    eng.close()


def short(name: str, seconds: float = 1.0) -> Motion:
    return load_preset(name).trimmed(seconds)


def frames_of(path: Path) -> np.ndarray:
    reader = open_video(path, max_fps=120, max_side=4096)
    return np.stack([f.copy() for f in reader.frames()])


def render(engine: WarpEngine, photo: Path, out: Path, motion: Motion, **opts: object) -> Path:
    engine.render(EngineInput(photo=photo, output=out, options=RenderOptions(**opts), motion=motion))  # type: ignore[arg-type]
    return out


def _angle_track(keypoints: np.ndarray, width: int, height: int, a: int, b: int) -> np.ndarray:
    v = (keypoints[:, a, :2] - keypoints[:, b, :2]) * np.array([width, height], np.float32)
    return np.degrees(np.arctan2(v[:, 1], v[:, 0]))


def detect_all(frames: np.ndarray, step: int = 1) -> np.ndarray:
    rows = []
    with PoseDetector(video=True) as det:
        for f in frames[::step]:
            r = det.detect(f)
            rows.append(np.full((33, 4), np.nan, np.float32) if r is None else r.keypoints)
    return np.stack(rows)


def test_round_trip_astronaut_sway(engine: WarpEngine, astronaut: Path, tmp_path: Path) -> None:
    """The pose detector reads the preset's lean and head tilt back out of the animated astronaut.

    Her arms are cut by the frame (no hands to see), so the detector cannot read her raised arms
    reliably; shoulders and eyes it reads well. Limb directions are checked on a full-body photo
    in test_round_trip_limbs_full_body.
    """
    motion = load_preset("sway")
    frames = frames_of(render(engine, astronaut, tmp_path / "sway.mp4", motion))
    assert len(frames) == motion.n_frames
    step = 2
    found = detect_all(frames, step)
    h, w = frames.shape[1:3]
    ref = motion.keypoints[::step]
    corr = []
    for a, b in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_EYE, L.RIGHT_EYE)):
        out = _angle_track(found, w, h, a, b)
        want = _angle_track(ref, motion.width, motion.height, a, b)
        assert np.isfinite(out).all()
        corr.append(float(np.corrcoef(out, want)[0, 1]))
    # the lean is small (a few degrees, limited for a body cut by the frame): the head reads best
    assert min(corr) > 0.3 and np.mean(corr) > 0.6, corr


@pytest.mark.samples
@pytest.mark.parametrize("preset", ["jumping_jacks", "wave"])
def test_round_trip_limbs_full_body(samples_dir: Path, tmp_path: Path, preset: str) -> None:
    """Every limb the photo and the preset both have points where the preset's does."""
    eng = WarpEngine.load(RendererSettings(output_long_side=384, ai_label_visible=False))
    photo = samples_dir / "portrait_fullbody_woman.jpg"
    motion = load_preset(preset)
    out = render(eng, photo, tmp_path / "out.mp4", motion)
    subject = eng.prepare(np.asarray(Image.open(photo).convert("RGB")), RenderOptions())
    _, moves = eng.animate(subject, motion)
    eng.close()
    limbs = [n for n, k in LIMB_BONES.items() if subject.rig.rigged[k] and moves.driven[k]]
    # her hands are in her pockets: the forearms are not rigged, everything else is
    assert {
        "left_upper_arm",
        "right_upper_arm",
        "left_thigh",
        "left_shin",
        "right_thigh",
        "right_shin",
    } <= set(limbs)
    frames = frames_of(out)
    step = 2
    found = detect_all(frames, step)
    h, w = frames.shape[1:3]
    ref = motion.keypoints[::step]
    score = limb_agreement(
        found[..., :2] * np.array([w, h], np.float32),
        ref[..., :2] * np.array([motion.width, motion.height], np.float32),
        ref[..., 3],
        limbs,
    )
    assert score.limb_share >= 0.85, score
    assert score.frame_share >= 0.6, score


def test_output_geometry_and_timing(engine: WarpEngine, astronaut: Path, tmp_path: Path) -> None:
    motion = short("sway", 0.5)
    for aspect, expect in (
        ("photo", (256, 256)),
        ("9:16", (144, 256)),
        ("16:9", (256, 144)),
        ("1:1", (256, 256)),
    ):
        out = render(engine, astronaut, tmp_path / f"{aspect.replace(':', 'x')}.mp4", motion, aspect=aspect)
        info = probe(out)
        assert (info.width, info.height) == expect
        assert info.width % 2 == 0 and info.height % 2 == 0
        assert info.n_frames == motion.n_frames
        assert info.fps == pytest.approx(motion.fps, rel=1e-3)
        assert info.duration_s == pytest.approx(motion.duration_s, abs=0.05)


def test_sound_kept_only_when_asked(engine: WarpEngine, astronaut: Path, tmp_path: Path) -> None:
    video = tmp_path / "ref.mp4"
    subprocess.run(
        [*base_cmd(), "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10", "-f", "lavfi",
         "-i", "sine=frequency=440", "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", "-y", str(video)],
        check=True,
    )  # fmt: skip
    motion = short("wave", 0.8)
    for keep in (True, False):
        out = tmp_path / f"sound_{keep}.mp4"
        engine.render(
            EngineInput(
                photo=astronaut,
                output=out,
                options=RenderOptions(keep_sound=keep),
                motion=motion,
                video=video,
            )
        )
        assert probe(out).has_audio is keep


def test_deterministic(engine: WarpEngine, astronaut: Path, tmp_path: Path) -> None:
    motion = short("arms_up", 0.6)
    a = frames_of(render(engine, astronaut, tmp_path / "a.mp4", motion))
    b = frames_of(render(engine, astronaut, tmp_path / "b.mp4", motion))
    assert np.array_equal(a, b)
    assert not np.array_equal(a[0], a[-1])  # it does move


@pytest.mark.parametrize(
    ("background", "rgb"), [("white", (255, 255, 255)), ("green", (0, 177, 64)), ("#3050e0", (48, 80, 224))]
)
def test_solid_backgrounds(
    engine: WarpEngine, astronaut: Path, tmp_path: Path, background: str, rgb: tuple
) -> None:
    out = render(engine, astronaut, tmp_path / "bg.mp4", short("sway", 0.3), background=background)
    corner = frames_of(out)[0, 2:12, -12:-2].reshape(-1, 3).mean(axis=0)
    assert np.abs(corner - np.array(rgb)).max() < 12


def test_photo_and_blur_backgrounds_differ(engine: WarpEngine, astronaut: Path, tmp_path: Path) -> None:
    motion = short("sway", 0.3)
    photo = frames_of(render(engine, astronaut, tmp_path / "p.mp4", motion))[0].astype(float)
    blur = frames_of(render(engine, astronaut, tmp_path / "b.mp4", motion, background="blur"))[0].astype(
        float
    )
    # blur removes the flag's stripes (top left of the photo) but keeps its colours roughly;
    # the canvas may show the photo smaller (room for raised arms), so find the flag on it
    canvas = engine.prepare(load_image(astronaut), RenderOptions(), motion).canvas
    x0, y0 = np.maximum(canvas.photo_to_canvas(np.array([0.0, 0.0], np.float32)), 0).astype(int)
    x1, y1 = canvas.photo_to_canvas(np.array([60.0, 120.0], np.float32)).astype(int)
    patch = (slice(y0, y1), slice(x0, x1))
    assert photo[patch].std() > 1.5 * blur[patch].std()


def test_cancel_leaves_no_file(engine: WarpEngine, astronaut: Path, tmp_path: Path) -> None:
    out = tmp_path / "cancelled.mp4"
    calls: list[float] = []

    def progress(stage: Stage, fraction: float) -> None:
        calls.append(fraction)
        if stage is Stage.RENDER and fraction > 0.2:
            raise RenderCancelled()

    with pytest.raises(RenderCancelled):
        engine.render(
            EngineInput(photo=astronaut, output=out, options=RenderOptions(), motion=short("wave", 2.0)),
            progress,
        )
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    assert calls and max(calls) < 1.0


def test_no_person_in_photo(engine: WarpEngine, tmp_path: Path) -> None:
    path = tmp_path / "wall.png"
    rng = np.random.default_rng(0)
    wall = (np.linspace(60, 200, 320)[None, :, None] + rng.normal(0, 3, (320, 320, 3))).clip(0, 255)
    Image.fromarray(wall.astype(np.uint8)).save(path)
    with pytest.raises(RendererError) as info:
        render(engine, path, tmp_path / "none.mp4", short("wave"))
    assert info.value.reason is FailureReason.NO_PERSON_IN_PHOTO
    assert not (tmp_path / "none.mp4").exists()
