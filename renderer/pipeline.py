"""The steps from (photo, motion source) to a rendered video, shared by the CLI and the worker."""

from __future__ import annotations

import json
import time
from pathlib import Path

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import OutputFormat, RenderOptions
from motionbot.renderer.deliverables import make_formats
from motionbot.renderer.engines.base import Engine, EngineInput, EngineOutput, ProgressCallback, no_progress
from motionbot.renderer.errors import RendererError
from motionbot.renderer.motion.cache import MotionCache, extract_motion_cached
from motionbot.renderer.motion.extract import extract_motion
from motionbot.renderer.motion.model import Motion
from motionbot.renderer.motion.presets import PRESETS, load_preset
from motionbot.renderer.settings import RendererSettings


def _is_preset(source: str | Path) -> bool:
    if isinstance(source, Path):
        return False
    key = source.strip().lower().replace("-", "_").replace(" ", "_")
    return key in PRESETS and not Path(source).exists()


def load_motion_file(path: Path) -> Motion:
    """A saved motion JSON, or a user-facing error saying what is wrong with it."""
    try:
        return Motion.load(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise RendererError(
            FailureReason.UNREADABLE_FILE, f"I couldn't read the motion file {path.name}.", detail=str(exc)
        ) from exc
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise RendererError(
            FailureReason.UNKNOWN_MOTION,
            f"{path.name} is not a motionbot motion file. Save one with "
            "`motionbot motion VIDEO -o motion.json`, or use a reference video or a built-in motion.",
            detail=str(exc),
        ) from exc


def check_motion_source(source: str | Path) -> None:
    """Fail fast, before any engine is loaded, on a motion source that cannot resolve."""
    if _is_preset(source) or Path(source).is_file():
        return
    if isinstance(source, str) and not Path(source).suffix and "/" not in source:
        load_preset(source)  # raises UNKNOWN_MOTION listing the built-in motions
    raise RendererError(
        FailureReason.UNREADABLE_FILE,
        f"There is no file {str(source)!r}. Give a reference video, a motion .json or a built-in motion "
        f"({', '.join(sorted(PRESETS))}).",
    )


def resolve_motion(
    source: str | Path,
    settings: RendererSettings,
    *,
    cache: MotionCache | None = None,
    progress: ProgressCallback = no_progress,
    performer: int | None = None,
) -> tuple[Motion, Path | None]:
    """A preset name, a saved motion .json, or a reference video (extracted once, then cached).

    Returns the motion and the reference video it came from (None for presets and saved
    motions), which engines use for sound and appearance cues. ``performer`` is whom to follow
    in a video of several people (a saved motion already follows its own).
    """
    if _is_preset(source):
        return load_preset(str(source)), None
    check_motion_source(source)
    path = Path(source)
    if path.suffix.lower() == ".json":
        return load_motion_file(path), None
    if cache is not None:
        return extract_motion_cached(path, settings, cache, progress=progress, performer=performer), path
    return extract_motion(path, settings, progress=progress, performer=performer), path


def render(
    photo: Path,
    motion_source: str | Path,
    output: Path,
    options: RenderOptions,
    engine: Engine,
    settings: RendererSettings,
    *,
    cache: MotionCache | None = None,
    progress: ProgressCallback = no_progress,
) -> EngineOutput:
    """Resolve the motion, trim it to the job's limit and hand everything to the engine.

    An engine that does not need a pose track (diffusion) gets only the reference video, so
    a video source is not run through pose extraction for nothing.
    """
    video: Path | None = None
    motion: Motion | None = None
    source_path = Path(motion_source)
    is_video = (
        not _is_preset(motion_source) and source_path.is_file() and source_path.suffix.lower() != ".json"
    )
    t0 = time.perf_counter()
    if engine.needs_motion or not is_video:
        motion, video = resolve_motion(
            motion_source, settings, cache=cache, progress=progress, performer=options.performer
        )
        motion = motion.trimmed(min(options.max_seconds, settings.max_seconds))
    else:
        video = source_path
    drawn = options
    if options.background == "scene" and not options.format.needs_alpha:
        drawn = options.model_copy(update={"format": OutputFormat.TRANSPARENT})  # the subject alone
    job = EngineInput(
        photo=Path(photo),
        output=Path(output),
        options=drawn,
        motion=motion if engine.needs_motion else None,
        video=video,
    )
    motion_s = time.perf_counter() - t0
    result = make_formats(engine.render(job, progress), options, video, settings)
    result.timings["motion_s"] = motion_s  # extraction, or reading it from the cache
    return result
