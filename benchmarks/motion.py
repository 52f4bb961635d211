"""Speed of the motion path on this machine: reference decode, pose tracking and result encode.

Run: ``.venv/bin/python benchmarks/motion.py [--only decode,encode] [--repeats 3] [--video PATH]``.
Each section is a function returning ``Figure`` rows; ``SECTIONS`` maps a name to it, so a
new measurement (pose tracking) is one more function and one more entry. Timings are the
best of ``--repeats`` runs (the machine is shared; the best run is the least disturbed) with
the median alongside. Figures are printed, never asserted: targets live in the report.

Reference floor on the 2-core dev machine for the sample dance video (512x758, 194 frames):
decode about 500 fps, 512-px H.264 encode about 180 fps, pose tracking about 60 fps.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from motionbot.renderer.media.encode import VideoWriter
from motionbot.renderer.media.video import open_video

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "samples"
DEFAULT_VIDEO = SAMPLES / "video_dance_fullbody.mp4"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    note: str = ""

    def line(self) -> str:
        return f"{self.name:<36} {self.value:>10.1f} {self.unit:<6} {self.note}"


@dataclass(frozen=True)
class Args:
    video: Path
    repeats: int


@dataclass(frozen=True)
class Timing:
    best_s: float  # wall
    median_s: float
    cpu_s: float  # per run, this process plus its ffmpeg children: robust to a busy machine


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(fn: Callable[[], object], repeats: int) -> Timing:
    times = []
    cpu0 = _cpu()
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return Timing(min(times), statistics.median(times), (_cpu() - cpu0) / repeats)


def bench_decode(args: Args) -> list[Figure]:
    """open_video + iterate frames: probe, packet count and the rgb24 pipe, as a worker does."""
    n = 0

    def run() -> None:
        nonlocal n
        reader = open_video(args.video)
        n = sum(1 for _ in reader.frames())

    t = _timed(run, args.repeats)
    spec = open_video(args.video).spec
    note = f"{n} frames {spec.width}x{spec.height}, median {n / t.median_s:.0f} fps"
    note += f", {n / t.cpu_s:.0f} frames/cpu-s"
    return [Figure("decode (open_video + frames)", n / t.best_s, "fps", note)]


def _encode(frames: npt.NDArray[np.uint8], fps: float, **kw: object) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        dst = Path(tmp) / "bench.mp4"
        with VideoWriter(dst, frames.shape[2], frames.shape[1], fps, **kw) as writer:  # type: ignore[arg-type]
            for frame in frames:
                writer.write(frame)
        return dst.stat().st_size


def bench_encode(args: Args) -> list[Figure]:
    """VideoWriter at its defaults (the result path), plain veryfast and with the visible label."""
    reader = open_video(args.video)
    frames = reader.read_all()
    n, fps = len(frames), reader.spec.fps
    figures = []
    variants: list[tuple[str, dict[str, object]]] = [
        ("encode default (veryfast subme=1)", {}),
        ("encode plain veryfast", {"x264_params": None}),
        ("encode default + visible label", {"visible_label": True}),
    ]
    for name, kw in variants:
        size = 0

        def run(kw: dict[str, object] = kw) -> None:
            nonlocal size
            size = _encode(frames, fps, **kw)

        t = _timed(run, args.repeats)
        note = (
            f"{n} frames {frames.shape[2]}x{frames.shape[1]}, {size / 1e6:.2f} MB, "
            f"median {n / t.median_s:.0f} fps, {n / t.cpu_s:.0f} frames/cpu-s"
        )
        figures.append(Figure(name, n / t.best_s, "fps", note))
    return figures


def bench_pose(args: Args) -> list[Figure]:
    """Pose tracking as extraction runs it (BlazePose full, video mode, long side POSE_SIDE),
    on frames decoded and resized beforehand, then extract_motion end to end (decode, main
    performer, face probe, smoothing) at the default settings."""
    from motionbot.renderer.motion.extract import DECODE_SIDE, POSE_SIDE, extract_motion
    from motionbot.renderer.perception.pose import PoseDetector
    from motionbot.renderer.perception.quality import resize_long_side
    from motionbot.renderer.settings import RendererSettings

    reader = open_video(args.video, max_side=DECODE_SIDE)
    frames = [resize_long_side(f, POSE_SIDE) for f in reader.frames()]
    n, found = len(frames), 0

    def track() -> None:
        nonlocal found
        with PoseDetector(video=True) as detector:
            found = sum(detector.detect(f) is not None for f in frames)

    track()  # warm-up: model load and first-frame detection are not tracking speed
    t = _timed(track, args.repeats)
    size = f"{frames[0].shape[1]}x{frames[0].shape[0]}"
    note = f"{n} frames at {size}, pose in {found}, median {n / t.median_s:.0f} fps, {n / t.cpu_s:.0f} frames/cpu-s"
    figures = [Figure("pose tracking (BlazePose full)", n / t.best_s, "fps", note)]
    # the default (motion_workers processes, chunked) and the single-process path it replaces
    for settings in (RendererSettings(), RendererSettings(motion_workers=1)):
        workers = settings.motion_workers

        def extract(s: RendererSettings = settings) -> None:
            extract_motion(args.video, s)

        e = _timed(extract, args.repeats)
        note = f"{n} frames, median {n / e.median_s:.0f} fps, {n / e.cpu_s:.0f} frames/cpu-s"
        figures.append(Figure(f"extract_motion end to end, {workers} proc", n / e.best_s, "fps", note))
    return figures


def _nobody(frames: Iterable[object], n_frames: int, fps: float, *, choose: int | None = None) -> object:
    """A people scan that finds nobody (it still takes the frames, as the real one does)."""
    from motionbot.renderer.motion.performers import PeopleScan

    for _ in frames:
        pass
    return PeopleScan([], 0, 0, None)


def bench_people(args: Args) -> list[Figure]:
    """What finding and tracking several people adds to extract_motion (one process): end to end
    as it runs, against the same extraction with the people scan swapped for "nobody found"
    (the whole frame tracked, as before the scan existed)."""
    from motionbot.renderer.motion import extract
    from motionbot.renderer.settings import RendererSettings

    settings = RendererSettings(motion_workers=1)
    found: list[object] = []

    def with_scan() -> None:
        found[:] = [extract.extract_motion(args.video, settings).meta["performers"]]

    def without_scan() -> None:
        real = extract.scan_people
        extract.scan_people = _nobody  # type: ignore[assignment]
        try:
            extract.extract_motion(args.video, settings)
        finally:
            extract.scan_people = real

    w = _timed(with_scan, args.repeats)
    wo = _timed(without_scan, args.repeats)
    return [
        Figure(
            "extract_motion, people scan and tracking",
            w.best_s,
            "s",
            f"{found[0]}, median {w.median_s:.2f} s",
        ),
        Figure("extract_motion, whole frame as before", wo.best_s, "s", f"median {wo.median_s:.2f} s"),
        Figure(
            "added by the people scan and tracking", 100 * (w.best_s / wo.best_s - 1), "%", "target <= 25 %"
        ),
    ]


SECTIONS: dict[str, Callable[[Args], list[Figure]]] = {
    "decode": bench_decode,
    "encode": bench_encode,
    "pose": bench_pose,
    "people": bench_people,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma list of {', '.join(SECTIONS)}")
    ns = parser.parse_args(argv)
    if not ns.video.is_file():
        print(f"no video at {ns.video}; pass --video", file=sys.stderr)
        return 2
    wanted = [s.strip() for s in ns.only.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    args = Args(video=ns.video, repeats=max(1, ns.repeats))
    print(f"# {args.video.name}, best of {args.repeats}")
    for name in wanted:
        print(f"[{name}]")
        for figure in SECTIONS[name](args):
            print(figure.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
