"""The renderer's `motionbot` subcommands: inspect, motion, render and demo.

Each command reads the settings once and passes them down. Errors the user caused print the
user-facing sentence and exit with EXIT_BAD_INPUT; a missing engine exits EXIT_UNAVAILABLE;
only our own bugs exit EXIT_INTERNAL. No traceback is shown for bad input.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from motionbot.queue import english
from motionbot.queue.cli import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE
from motionbot.queue.errors import FailureReason, MotionbotError
from motionbot.queue.jobs import EngineName, InspectReport, RenderOptions, Severity, Stage
from motionbot.renderer.engines.base import Engine, ProgressCallback
from motionbot.renderer.errors import RendererError
from motionbot.renderer.settings import RendererSettings

_UNAVAILABLE = {FailureReason.ENGINE_UNAVAILABLE, FailureReason.MODEL_MISSING}
_SEVERITY_STYLE = {
    Severity.OK: "green",
    Severity.INFO: "cyan",
    Severity.WARNING: "yellow",
    Severity.ERROR: "red",
}
DEMO_PRESET = "wave"

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def exit_code(error: MotionbotError) -> int:
    if error.reason in _UNAVAILABLE:
        return EXIT_UNAVAILABLE
    return EXIT_BAD_INPUT if error.reason.is_user_error else EXIT_INTERNAL


def _guarded(
    command: Callable[[argparse.Namespace, RendererSettings], int],
) -> Callable[[argparse.Namespace], int]:
    """Run a command with settings read once, turning our errors into a message and an exit code."""

    def run(args: argparse.Namespace) -> int:
        try:
            settings = RendererSettings()
        except ValidationError as exc:
            err.print(f"[red]Bad MOTIONBOT_* setting:[/red] {exc.errors()[0].get('msg')}")
            return EXIT_USAGE
        try:
            with quiet_native_stderr():
                return command(args, settings)
        except MotionbotError as exc:
            _report_error(args, exc.reason.value, exc.message, exc.detail)
            return exit_code(exc)
        except KeyboardInterrupt:
            err.print("Interrupted.")
            return EXIT_INTERNAL

    return run


def _flush_c_streams() -> None:
    with suppress(OSError, AttributeError):  # no C runtime to flush (not CPython on libc)
        ctypes.CDLL(None).fflush(None)


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence the C++ logging of mediapipe/TFLite (absl writes to fd 2 before any config).

    Python's own stderr (progress bars, messages, tracebacks) is moved to a duplicate of the
    real fd 2 first, so only native chatter is dropped. MOTIONBOT_DEBUG=1 keeps everything.
    """
    if os.environ.get("MOTIONBOT_DEBUG") or not hasattr(os, "dup"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    python_stderr = sys.stderr
    sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, closefd=True)
    err.file = sys.stderr
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        _flush_c_streams()  # native logs buffered so far go to /dev/null, not to the terminal later
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
        sys.stderr.close()
        sys.stderr = python_stderr
        err.file = python_stderr


def _report_error(args: argparse.Namespace, reason: str, message: str, detail: str | None) -> None:
    if getattr(args, "json", False):
        out.print_json(data={"ok": False, "reason": reason, "message": message, "detail": detail})
    else:
        err.print(f"[red]Error:[/red] {message}")
        if detail and not FailureReason(reason).is_user_error:
            err.print(f"[dim]({detail})[/dim]")


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressCallback]:
    """A rich progress bar on stderr, one row per stage, fed by the engines' callback."""
    bar = Progress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not enabled,
    )
    tasks: dict[Stage, TaskID] = {}

    def update(stage: Stage, fraction: float) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage.value, total=1.0)
        bar.update(tasks[stage], completed=max(0.0, min(1.0, fraction)))

    with bar:
        yield update


# --- inspect -------------------------------------------------------------------------------


def _print_report(report: InspectReport) -> None:
    facts = [report.kind, f"{report.width}x{report.height}"]
    if report.duration_s is not None:
        facts.append(f"{report.duration_s:.1f} s")
    if report.fps:
        facts.append(f"{report.fps:.0f} fps")
    facts += [f"framing: {report.framing.value}", f"people: {report.people}"]
    out.print(", ".join(facts))
    for f in report.findings:
        style = _SEVERITY_STYLE[f.severity]
        said = english.finding(f.code, f.severity.value, report.kind, f.params)
        out.print(f"[{style}]{f.severity.value:>7}[/{style}]  {said}  [dim]({f.code})[/dim]")
    out.print("[green]Ready to use.[/green]" if report.ok else "[red]Not usable as it is.[/red]")


def _inspect(args: argparse.Namespace, settings: RendererSettings) -> int:
    from motionbot.renderer.inspect import inspect_file

    report = inspect_file(Path(args.file), settings)
    if args.json:
        out.print_json(report.model_dump_json())
    else:
        _print_report(report)
    return EXIT_OK if report.ok else EXIT_BAD_INPUT


def register_inspect(subparsers: Any) -> None:
    p = subparsers.add_parser("inspect", help="check a photo or reference video and say how to improve it")
    p.add_argument("file", help="a portrait photo or a reference video")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=_guarded(_inspect))


# --- motion --------------------------------------------------------------------------------


def write_overlay(motion: Any, video: Path | None, output: Path, settings: RendererSettings) -> Path:
    """The skeleton drawn over the reference frames (or on black for presets) as an MP4."""
    from motionbot.renderer.media.encode import VideoWriter
    from motionbot.renderer.media.video import open_video
    from motionbot.renderer.motion.overlay import overlay_frames

    background = None
    width, height = motion.width, motion.height
    if video is not None:
        reader = open_video(
            video,
            max_fps=settings.max_fps,
            max_side=settings.max_video_side,
            max_seconds=settings.max_seconds,
        )
        background = reader.frames()
        width, height = reader.spec.width, reader.spec.height
    with VideoWriter(output, width, height, motion.fps) as writer:
        for frame in overlay_frames(motion, background, size=(width, height)):
            writer.write(frame)
    return output


def _motion(args: argparse.Namespace, settings: RendererSettings) -> int:
    from motionbot.renderer.motion.cache import MotionCache
    from motionbot.renderer.pipeline import resolve_motion

    output = Path(args.output)
    cache = None if args.no_cache else MotionCache.for_settings(settings)
    with progress_bar(not args.json) as progress:
        motion, video = resolve_motion(args.source, settings, cache=cache, progress=progress)
        if output.suffix.lower() == ".mp4":
            write_overlay(motion, video, output, settings)
        else:
            motion.save(output)
    summary = {
        "ok": True,
        "output": str(output),
        "frames": motion.n_frames,
        "fps": motion.fps,
        "duration_s": round(motion.duration_s, 3),
        "detected_fraction": motion.meta.get("detected_fraction", 1.0),
        "face_track": motion.face is not None,
    }
    if args.json:
        out.print_json(data=summary)
    else:
        out.print(str(output))
        err.print(
            f"{motion.n_frames} frames at {motion.fps:g} fps ({motion.duration_s:.1f} s), "
            f"pose found in {float(summary['detected_fraction']):.0%} of frames"
            + (", face track included" if motion.face is not None else "")
        )
    return EXIT_OK


def register_motion(subparsers: Any) -> None:
    p = subparsers.add_parser("motion", help="extract the motion of a reference video (JSON or skeleton MP4)")
    p.add_argument("source", metavar="VIDEO", help="a reference video (or a built-in motion name)")
    p.add_argument("-o", "--output", required=True, help="motion.json, or overlay.mp4 to draw the skeleton")
    p.add_argument("--no-cache", action="store_true", help="extract again even if this video was seen before")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=_guarded(_motion))


# --- render --------------------------------------------------------------------------------


def load_engine_or_unavailable(name: str, settings: RendererSettings, model: str | None = None) -> Engine:
    """The named engine, or ENGINE_UNAVAILABLE when its code or dependencies are not installed."""
    from motionbot.renderer.engines.registry import load_engine

    try:
        return load_engine(name, settings, model=model)
    except ImportError as exc:
        raise RendererError(
            FailureReason.ENGINE_UNAVAILABLE,
            f"The {name} engine is not installed here.",
            detail=f"missing module {exc.name}",
        ) from exc


def _render(args: argparse.Namespace, settings: RendererSettings) -> int:
    from motionbot.renderer.motion.cache import MotionCache
    from motionbot.renderer.pipeline import check_motion_source, render

    if (args.video is None) == (args.motion is None):
        err.print("Give either a reference VIDEO or --motion PRESET|motion.json (not both).")
        return EXIT_USAGE
    try:
        options = RenderOptions(
            engine=EngineName(args.engine),
            background=args.background,
            keep_sound=args.keep_sound,
            aspect=args.aspect,
            max_seconds=args.max_seconds if args.max_seconds is not None else settings.max_seconds,
        )
    except ValidationError as exc:
        err.print(f"[red]Bad option:[/red] {exc.errors()[0].get('msg')}")
        return EXIT_USAGE
    check_motion_source(args.video or args.motion)  # before the (slow) engine load
    if not Path(args.photo).is_file():
        raise RendererError(FailureReason.UNREADABLE_FILE, f"There is no photo file {args.photo!r}.")
    t0 = time.perf_counter()
    engine = load_engine_or_unavailable(args.engine, settings, args.model)
    load_s = time.perf_counter() - t0
    cache = MotionCache.for_settings(settings)
    with progress_bar(not args.json) as progress:
        result = render(
            Path(args.photo), args.video or args.motion, Path(args.output), options, engine, settings,
            cache=cache, progress=progress,
        )  # fmt: skip
    if args.json:
        out.print_json(
            data={
                "ok": True,
                "output": str(result.path),
                "duration_s": result.duration_s,
                "width": result.width,
                "height": result.height,
                "fps": result.fps,
                "engine": engine.name,
                "engine_version": engine.version,
                "warnings": result.warnings,
                "timings": {"load_s": load_s, **result.timings},
            }
        )
    else:
        out.print(str(result.path))
        for warning in result.warnings:
            err.print(f"[yellow]Note:[/yellow] {warning}")
    return EXIT_OK


def register_render(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "render", help="animate a portrait photo with a reference video or a built-in motion"
    )
    p.add_argument("photo", help="portrait photo (JPEG, PNG or WebP)")
    p.add_argument("video", nargs="?", help="reference video whose motion to copy")
    p.add_argument("--motion", help="a built-in motion name or a saved motion.json instead of a video")
    p.add_argument("-o", "--output", required=True, help="output MP4")
    p.add_argument("--engine", choices=[e.value for e in EngineName], default=EngineName.WARP.value)
    p.add_argument("--model", help="diffusion model path or Hugging Face id")
    p.add_argument("--background", default="photo", help="photo, white, green, blur or #RRGGBB")
    p.add_argument("--aspect", default="photo", choices=["photo", "9:16", "1:1", "16:9"])
    p.add_argument("--keep-sound", action="store_true", help="keep the reference video's sound")
    p.add_argument("--max-seconds", type=float, help="cut the result to this many seconds")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=_guarded(_render))


# --- demo ----------------------------------------------------------------------------------


def _demo(args: argparse.Namespace, settings: RendererSettings) -> int:
    """A first run without any input of the user's: the scikit-image astronaut waves."""
    import numpy as np
    import skimage.data
    from PIL import Image

    from motionbot.renderer.motion.presets import load_preset
    from motionbot.renderer.pipeline import render

    out_dir = Path(args.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    photo = out_dir / "astronaut.png"
    Image.fromarray(np.asarray(skimage.data.astronaut(), dtype=np.uint8)).save(photo)  # type: ignore[no-untyped-call]
    try:
        engine = load_engine_or_unavailable(EngineName.WARP.value, settings)
    except RendererError as exc:
        if exc.reason not in _UNAVAILABLE:
            raise
        err.print(
            "[yellow]The warp engine is not available here; drawing the motion's skeleton instead.[/yellow]"
        )
        result = write_overlay(
            load_preset(args.motion), None, out_dir / f"demo_{args.motion}_skeleton.mp4", settings
        )
    else:
        with progress_bar(True) as progress:
            output = render(
                photo, args.motion, out_dir / f"demo_{args.motion}.mp4", RenderOptions(), engine, settings,
                progress=progress,
            )  # fmt: skip
        result = output.path
    out.print(str(result))
    return EXIT_OK


def register_demo(subparsers: Any) -> None:
    p = subparsers.add_parser("demo", help="render a sample without any input or network (astronaut photo)")
    p.add_argument("-o", "--output", default="demo-output", help="output folder (default: demo-output)")
    p.add_argument("--motion", default=DEMO_PRESET, help=f"built-in motion (default: {DEMO_PRESET})")
    p.set_defaults(func=_guarded(_demo))


def main(argv: list[str] | None = None) -> int:
    """`python -m motionbot.renderer.cli` runs the renderer commands without the dispatcher."""
    parser = argparse.ArgumentParser(prog="motionbot")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in (register_inspect, register_motion, register_render, register_demo):
        register(sub)
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
