"""Motion sources and the render glue shared by the CLI and the worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import RenderOptions
from motionbot.renderer.engines.base import EngineInput, EngineOutput, ProgressCallback, no_progress
from motionbot.renderer.errors import RendererError
from motionbot.renderer.motion.presets import load_preset
from motionbot.renderer.pipeline import render, resolve_motion
from motionbot.renderer.settings import RendererSettings

SETTINGS = RendererSettings()


@dataclass
class RecordingEngine:
    """An engine that records what the pipeline hands it (the real engines have their own tests)."""

    needs_motion: bool = True
    name: str = "recording"
    version: str = "0"
    jobs: list[EngineInput] = field(default_factory=list)

    def render(self, job: EngineInput, progress: ProgressCallback = no_progress) -> EngineOutput:
        self.jobs.append(job)
        return EngineOutput(path=job.output, duration_s=0.0, width=2, height=2, fps=30.0)


def test_preset_by_name() -> None:
    motion, video = resolve_motion("Clap", SETTINGS)
    assert motion.source == "preset:clap" and video is None


def test_saved_motion_json(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    load_preset("sway").save(path)
    motion, video = resolve_motion(path, SETTINGS)
    assert motion.source == "preset:sway" and video is None


def test_json_that_is_not_a_motion(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(RendererError) as info:
        resolve_motion(path, SETTINGS)
    assert info.value.reason is FailureReason.UNKNOWN_MOTION and "motion file" in info.value.message


def test_unknown_name_and_missing_file() -> None:
    with pytest.raises(RendererError) as info:
        resolve_motion("moonwalk", SETTINGS)
    assert info.value.reason is FailureReason.UNKNOWN_MOTION and "wave" in info.value.message
    with pytest.raises(RendererError) as info:
        resolve_motion("/no/such/clip.mp4", SETTINGS)
    assert info.value.reason is FailureReason.UNREADABLE_FILE and info.value.reason.is_user_error


def test_render_trims_the_motion_and_passes_it_on(tmp_path: Path) -> None:
    engine = RecordingEngine()
    options = RenderOptions(max_seconds=1.0)
    render(tmp_path / "p.png", "jumping_jacks", tmp_path / "o.mp4", options, engine, SETTINGS)
    job = engine.jobs[0]
    assert job.motion is not None and job.motion.n_frames == 30 and job.video is None
    assert job.options is options and job.output == tmp_path / "o.mp4"


def test_engine_without_motion_gets_no_motion(tmp_path: Path) -> None:
    engine = RecordingEngine(needs_motion=False)
    render(tmp_path / "p.png", "wave", tmp_path / "o.mp4", RenderOptions(), engine, SETTINGS)
    assert engine.jobs[0].motion is None


def test_render_follows_the_chosen_performer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RenderOptions.performer reaches the (cached) extraction, whose key holds it."""
    from motionbot.renderer import pipeline
    from motionbot.renderer.motion.cache import MotionCache

    asked: list[int | None] = []

    def extract(video: Path, settings: RendererSettings, **kw: object) -> object:
        asked.append(kw.get("performer"))  # type: ignore[arg-type]
        return load_preset("wave")

    monkeypatch.setattr("motionbot.renderer.motion.extract.extract_motion", extract)  # the cache's
    monkeypatch.setattr(pipeline, "extract_motion", extract)  # without a cache
    clip = tmp_path / "two.mp4"
    clip.write_bytes(b"not decoded: extraction is stubbed")
    cache = MotionCache(tmp_path / "cache")
    for performer in (2, None, 2):
        options = RenderOptions(max_seconds=1.0, performer=performer)
        render(tmp_path / "p.png", clip, tmp_path / "o.mp4", options, RecordingEngine(), SETTINGS, cache=cache)
    assert asked == [2, None]  # the third render is the first one's cache entry
    keys = {cache.key(clip, SETTINGS, with_face=None, performer=p) for p in (None, 1, 2)}
    assert len(keys) == 3
    render(tmp_path / "p.png", clip, tmp_path / "o.mp4", RenderOptions(performer=1), RecordingEngine(), SETTINGS)
    assert asked[-1] == 1  # without a cache too
