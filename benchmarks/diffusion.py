"""Speed and memory of the Full AI engine per preset and size: load, warm-up, render.

Run: ``.venv/bin/python benchmarks/diffusion.py [--model FOLDER] [--presets base,fast]
[--sizes 480p,640x800] [--seconds 5] [--steps N]``.

Without ``--model`` it builds the tiny random checkpoint the tests use (base and distilled)
and runs it on whatever device torch picks (the CPU here: float32, no compiler), so the
script itself is exercised anywhere; on a GPU with the real weights, pass ``--model`` and
real sizes. Each preset and size is a fresh engine load, as a worker starts:

  load      reading the weights, encoding the fixed prompts, placing them on the device
  warm-up   one segment per aspect bucket, one or two steps (on CUDA, or with --compile-cpu:
            the compile of every frame shape)
  s/seg     render seconds per 81-frame (or --segment-frames) segment
  s/out-s   render seconds per second of output video (the figure the README quotes per 5 s)
  peak      peak memory during the render: CUDA allocated on a GPU, resident set on the CPU
  vs ref    mean absolute pixel difference from the reference preset of the same weights

Figures are printed, never asserted: the machine may be shared.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # the pipeline's per-segment progress bars

import argparse
import subprocess
import tempfile
import threading
import time

import numpy as np
import torch
from PIL import Image

from motionbot.queue.jobs import EngineName, RenderOptions
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.diffusion.engine import DiffusionEngine
from motionbot.renderer.engines.diffusion.loading import compile_blocks
from motionbot.renderer.engines.diffusion.memory import MODEL_FPS, count_segments
from motionbot.renderer.media.ffmpeg import base_cmd
from motionbot.renderer.media.video import open_video
from motionbot.renderer.settings import RendererSettings

TESTS = Path(__file__).resolve().parent.parent / "tests" / "renderer"


class PeakRss:
    """The largest resident set seen while the block runs (sampled every 20 ms)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def now() -> int:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * 4096

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.now())
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self.peak = self.now()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


def tiny_models(root: Path) -> dict[str, Path]:
    sys.path.insert(0, str(TESTS))
    from tiny_wan import PROMPT, build_tiny_wan

    return {
        "base": build_tiny_wan(root / "tiny-base", prompts=[PROMPT]),
        "distilled": build_tiny_wan(root / "tiny-distilled", prompts=[PROMPT], distilled=True),
    }


def inputs(root: Path, seconds: float, side: int) -> tuple[Path, Path]:
    photo = root / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (side * 4 // 3, side, 3), dtype=np.uint8)).save(
        photo
    )
    video = root / "drive.mp4"
    src = f"testsrc=size={side}x{side}:rate={MODEL_FPS}:duration={seconds}"
    cmd = [
        *base_cmd(),
        "-f",
        "lavfi",
        "-i",
        src,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
    ]
    subprocess.run([*cmd, str(video)], check=True, capture_output=True)
    return photo, video


def run_one(
    settings: RendererSettings, model: Path, media: tuple[Path, Path], out: Path, *, compile_cpu: bool
) -> tuple[dict[str, float], np.ndarray, str]:
    cuda = settings.device == "cuda" or (settings.device == "auto" and torch.cuda.is_available())
    engine = DiffusionEngine.load(settings, model=str(model))  # settings: no warm-up inside the load
    if compile_cpu and not cuda:
        compile_blocks(engine.model.transformer)  # what a CUDA plan does, on inductor's CPU backend
    engine.warm_up()
    timings = engine.model.timings
    figures = {
        "load": timings["load"] + timings["encode_prompts"] + timings["place"],
        "warm_up": timings["warm_up"],
    }
    job = EngineInput(
        photo=media[0], output=out, options=RenderOptions(engine=EngineName.DIFFUSION), video=media[1]
    )
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    with PeakRss() as rss:
        start = time.perf_counter()
        result = engine.render(job)
        if cuda:
            torch.cuda.synchronize()
    render_s = result.timings["render"]
    frames = round(result.duration_s * MODEL_FPS)
    segments = count_segments(frames, settings.diffusion_segment_frames, settings.diffusion_carried_frames)
    figures.update(
        wall=time.perf_counter() - start, seg=render_s / max(1, segments), out_s=render_s / result.duration_s,
        peak=(torch.cuda.max_memory_allocated() if cuda else rss.peak) / 2**20, segments=segments,
    )  # fmt: skip
    video = open_video(out, max_seconds=600).read_all().astype(np.float32)
    return figures, video, engine.model.fit.resolution.label


def quiet() -> None:
    """Only the table: no per-step progress bars, no library notices, no eager-attention warning."""
    import logging
    import warnings

    import diffusers

    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    logging.getLogger("motionbot").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, help="a checkpoint folder (default: the tiny random models)")
    ap.add_argument("--presets", default=None, help="comma-separated (default: base,fast,distilled)")
    ap.add_argument("--sizes", default=None, help="comma-separated (default: 64x64,96x96 tiny, 480p real)")
    ap.add_argument("--seconds", type=float, default=None, help="output length (default 1 tiny, 5 real)")
    ap.add_argument("--steps", type=int, default=None, help="denoising steps (default: the checkpoint's own)")
    ap.add_argument("--segment-frames", type=int, default=None, help="default 9 tiny, 81 real")
    ap.add_argument(
        "--compile-cpu", action="store_true", help="on the CPU, compile the blocks as on CUDA (minutes)"
    )
    args = ap.parse_args()
    quiet()
    tiny = args.model is None
    torch.set_num_threads(1 if tiny else torch.get_num_threads())  # see tests/renderer/tiny_wan.py
    with tempfile.TemporaryDirectory(prefix="bench-diffusion-") as tmp:
        root = Path(tmp)
        models = tiny_models(root) if tiny else {"given": args.model}
        sizes = (args.sizes or ("64x64,96x96" if tiny else "480p")).split(",")
        seconds = args.seconds or (1.0 if tiny else 5.0)
        seg = args.segment_frames or (9 if tiny else 81)
        wanted = (args.presets or "base,fast,distilled").split(",")
        header = f"{'weights':9} {'preset':9} {'size':8} {'load s':>7} {'warm-up s':>9} {'s/seg':>7} "
        header += f"{'s/out-s':>8} {'peak MiB':>9} {'vs ref':>7}"
        print(f"device: {'cuda ' + torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'}; "
              f"torch {torch.__version__}; {seconds:g} s of output, {seg}-frame segments")  # fmt: skip
        print(header)
        for size in sizes:
            media = inputs(root, seconds, 96 if tiny else 512)
            for weights, folder in models.items():
                reference: np.ndarray | None = None
                presets = [p for p in wanted if p == "fast" or p == weights or not tiny]
                for preset in sorted(presets, key=lambda p: p == "fast"):  # the reference first
                    settings = RendererSettings(
                        diffusion_preset=preset,
                        diffusion_resolution=size, diffusion_steps=args.steps or (8 if tiny else None),
                        diffusion_segment_frames=seg, diffusion_warm_up=False, ai_label_visible=False,
                    )  # fmt: skip
                    try:
                        figures, video, label = run_one(
                            settings,
                            folder,
                            media,
                            root / f"{weights}-{preset}.mp4",
                            compile_cpu=args.compile_cpu,
                        )
                    except Exception as exc:  # a refusal (does not fit, wrong preset) is a figure too
                        print(
                            f"{weights:9} {preset:9} {size:8} refused: {getattr(exc, 'detail', None) or exc}"
                        )
                        continue
                    diff = "ref" if reference is None else f"{np.abs(video - reference).mean():.2f}"
                    if reference is None:
                        reference = video
                    print(
                        f"{weights:9} {preset:9} {label:8} {figures['load']:7.2f} {figures['warm_up']:9.2f} "
                        f"{figures['seg']:7.2f} {figures['out_s']:8.2f} {figures['peak']:9.0f} {diff:>7}"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
