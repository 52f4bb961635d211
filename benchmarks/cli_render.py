"""Speed of `motionbot render` as a whole process, as a user runs it, and where the time goes.

Run: ``.venv/bin/python benchmarks/cli_render.py [--repeats 3] [--photo P] [--video V]``.

benchmarks/render.py times the engine inside one warm process; a user's command also pays
for starting Python, importing the renderer (mediapipe pulls in matplotlib), loading the
models and, the first time, extracting the motion. Targets on the 2-core reference machine,
sample dance pair (portrait_fullbody_woman.jpg, video_dance_fullbody.mp4, 8.1 s):
  cold (a fresh motion cache)   <= 0.75 x clip duration
  the motion already cached     <= 0.30 x clip duration
Each figure is the median of ``--repeats`` processes. The split comes from the timings that
``motionbot render --json`` reports (engine load, motion, photo analysis, frames + encoding);
"start-up" is the rest of the process's wall time: interpreter, imports and exit. Figures
are printed, never asserted; a load average above the cores inflates them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "samples"
COLD_TARGET = 0.75
CACHED_TARGET = 0.30
PARTS = ("load_s", "motion_s", "prepare_s", "render_s")
NAMES = {
    "load_s": "engine load",
    "motion_s": "motion",
    "prepare_s": "photo analysis",
    "render_s": "frames+encode",
}


def run_cli(photo: Path, video: Path, out: Path, cache: Path) -> dict[str, float]:
    """One `motionbot render` process: its wall time and the timings it reports."""
    env = {**os.environ, "MOTIONBOT_CACHE_DIR": str(cache)}
    cmd = [
        sys.executable,
        "-m",
        "motionbot.queue.cli",
        "render",
        str(photo),
        str(video),
        "-o",
        str(out),
        "--json",
    ]
    t = time.perf_counter()
    res = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t
    summary = json.loads(res.stdout)
    parts = {k: float(summary["timings"].get(k, 0.0)) for k in PARTS}
    return {
        "wall": wall,
        **parts,
        "start-up": wall - sum(parts.values()),
        "clip": float(summary["duration_s"]),
    }


def import_seconds() -> float:
    """Interpreter start plus the renderer's imports, without doing anything."""
    code = "import motionbot.queue.cli, motionbot.renderer.cli, motionbot.renderer.engines.warp.engine"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t


def report(label: str, runs: list[dict[str, float]], clip: float, target: float) -> None:
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    split = ", ".join(f"{NAMES.get(k, k)} {med[k]:.2f}" for k in (*PARTS, "start-up"))
    ok = med["wall"] <= target * clip
    print(
        f"{label:<14} median {med['wall']:6.2f} s = {med['wall'] / clip:.2f} x clip "
        f"(target <= {target}: {'met' if ok else 'MISSED'}); {split} s"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photo", type=Path, default=SAMPLES / "portrait_fullbody_woman.jpg")
    p.add_argument("--video", type=Path, default=SAMPLES / "video_dance_fullbody.mp4")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    if not args.photo.is_file() or not args.video.is_file():
        sys.exit(f"missing {args.photo} or {args.video}: pass --photo and --video")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = root / "out.mp4"
        cold = [run_cli(args.photo, args.video, out, root / f"cold{i}") for i in range(args.repeats)]
        warm = root / "warm"
        run_cli(args.photo, args.video, out, warm)  # fills the cache
        cached = [run_cli(args.photo, args.video, out, warm) for _ in range(args.repeats)]
    clip = cold[0]["clip"]
    imports = statistics.median(import_seconds() for _ in range(args.repeats))
    load = os.getloadavg()[0]
    print(f"photo {args.photo.name}, video {args.video.name}: clip {clip:.2f} s")
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (figures are inflated when it exceeds the cores)"
    )
    print(f"interpreter + imports alone  median {imports:.2f} s")
    report("cold", cold, clip, COLD_TARGET)
    report("motion cached", cached, clip, CACHED_TARGET)


if __name__ == "__main__":
    main()
