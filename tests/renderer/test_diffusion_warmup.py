"""Aspect buckets and the warm-up at load: the first job meets only shapes seen while loading."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import media_factories as mf
import numpy as np
import pytest
import torch
from PIL import Image
from tiny_wan import tiny_settings

from motionbot.ops.metrics import MetricsServer
from motionbot.queue.jobs import EngineName, RenderOptions
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.diffusion import buckets
from motionbot.renderer.engines.diffusion.engine import DiffusionEngine
from motionbot.renderer.engines.diffusion.fit import auto_sizes
from motionbot.renderer.engines.diffusion.memory import Resolution
from motionbot.renderer.engines.diffusion.readiness import Readiness

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(
    ("height", "width", "bucket"),
    [(4032, 3024, (4, 3)), (1920, 1080, (16, 9)), (1080, 1920, (9, 16)), (96, 64, (4, 3)), (500, 490, (1, 1)),
     (300, 400, (3, 4)), (4000, 1000, (16, 9))],
)  # fmt: skip
def test_bucket_for(height: int, width: int, bucket: tuple[int, int]) -> None:
    assert buckets.bucket_for(height, width) == bucket


@pytest.mark.parametrize(
    "res", [*auto_sizes(), Resolution(64, 64), Resolution(96, 96)], ids=lambda r: r.label
)
def test_the_pipeline_resolves_exactly_each_bucket_frame(res: Resolution) -> None:
    for bucket in buckets.ASPECT_BUCKETS:
        frame = buckets.bucket_frame(res, bucket)
        assert frame[0] % 16 == 0 and frame[1] % 16 == 0
        assert buckets.pipeline_frame(*buckets.requested_area(frame), *frame) == frame
        # rounding each side down to 16 px costs at most a few percent at video sizes
        assert res.area - frame[0] * frame[1] < (0.1 if res.area > 100_000 else 0.3) * res.area


def test_letterbox_is_the_pipelines_own() -> None:
    from diffusers.modular_pipelines.wan_animate_2.video_processor import WanAnimate2VideoProcessor

    photo = np.random.default_rng(1).integers(0, 255, (97, 61, 3), dtype=np.uint8)
    frame = (64, 48)
    boxed, (top, left, h, w) = buckets.letterbox(photo, frame)
    theirs = WanAnimate2VideoProcessor()._resize_and_fill(
        Image.fromarray(photo), width=frame[1], height=frame[0]
    )
    assert np.array_equal(boxed, np.asarray(theirs))
    assert (h, w) == (64, 61 * 64 // 97) and top == 0 and left == (48 - w) // 2
    cropped = buckets.crop(boxed[None], (top, left, h, w))
    assert cropped.shape == (1, h, w, 3) and cropped[0, :, 0].any()  # the photo's own left column


class RecordingReadiness(Readiness):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[bool, dict[str, Any]]] = []

    def set(self, phase: str, done: int = 0, total: int = 0) -> None:
        super().set(phase, done, total)
        self.seen.append(self.health())


class ShapeLog:
    """Each transformer call's (mode, latent shape): what torch.compile would specialise on.

    ``block_runs`` counts how often the last block really ran (the step cache skips it).
    """

    def __init__(self) -> None:
        self.shapes: list[tuple[str, tuple[int, ...]]] = []
        self.block_runs = 0

    def __call__(self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.shapes.append((str(kwargs["kv_cache_mode"]), tuple(args[0][0].shape)))

    def block_ran(self, *_: object) -> None:
        self.block_runs += 1


def load_logged(model: Path, **settings: Any) -> tuple[DiffusionEngine, RecordingReadiness, ShapeLog]:
    """An engine loaded with its warm-up, every transformer call of the warm-up logged."""
    log = ShapeLog()
    original = DiffusionEngine.warm_up

    def logged_warm_up(self: DiffusionEngine, readiness: Readiness) -> None:
        handles = [
            self.model.transformer.register_forward_pre_hook(log, with_kwargs=True),
            self.model.transformer.blocks[-1].ffn.register_forward_pre_hook(log.block_ran),
        ]
        try:
            original(self, readiness)
        finally:
            for handle in handles:
                handle.remove()

    readiness = RecordingReadiness()
    patch = pytest.MonkeyPatch()
    patch.setattr(DiffusionEngine, "warm_up", logged_warm_up)
    try:
        engine = DiffusionEngine.load(
            tiny_settings(diffusion_warm_up=True, **settings), model=str(model), readiness=readiness
        )
    finally:
        patch.undo()
    return engine, readiness, log


@pytest.fixture(scope="module")
def warm(tiny_model: Path) -> tuple[DiffusionEngine, RecordingReadiness, ShapeLog]:
    return load_logged(tiny_model)


def test_the_warm_up_runs_each_bucket_once_at_load(
    warm: tuple[DiffusionEngine, RecordingReadiness, ShapeLog],
) -> None:
    engine, readiness, log = warm
    frames = {buckets.bucket_frame(engine.resolution, b) for b in buckets.ASPECT_BUCKETS}
    assert engine.warm_shapes == frames and len(frames) == 5
    extract_shapes = [s for mode, s in log.shapes if mode == "extract"]
    assert len(extract_shapes) == len(frames)  # one segment per bucket
    assert {(s[-2] * 8, s[-1] * 8) for s in extract_shapes} == frames
    assert engine.model.timings["warm_up"] > 0
    # the health check said "warming up" with progress until the last shape, then ready
    phases = [body.get("status", "ok") for _, body in readiness.seen]
    assert phases[0] == "loading" and phases[-1] == "ok" and phases.count("warming up") == 5
    assert readiness.seen[1] == (
        False,
        {"status": "warming up", "engine": "warming up", "warm_up": "0/5 frame shapes"},
    )
    assert readiness.ready


def test_the_first_job_meets_no_new_shape(
    warm: tuple[DiffusionEngine, RecordingReadiness, ShapeLog], tmp_path: Path
) -> None:
    engine, _, warm_log = warm
    masks_before = set(engine.model.transformer.block_masks)
    warm_calls = len(warm_log.shapes)
    job_log = ShapeLog()
    video = mf.testsrc_video(tmp_path / "v.mp4", size="80x64", fps=24, seconds=0.5)
    options = RenderOptions(engine=EngineName.DIFFUSION)
    for i, (h, w) in enumerate([(97, 65), (64, 100), (81, 80)]):  # odd photo shapes, none a bucket exactly
        photo = tmp_path / f"p{i}.png"
        Image.fromarray(np.random.default_rng(i).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(photo)
        handle = engine.model.transformer.register_forward_pre_hook(job_log, with_kwargs=True)
        try:
            result = engine.render(
                EngineInput(photo=photo, output=tmp_path / f"o{i}.mp4", options=options, video=video)
            )
        finally:
            handle.remove()
        assert abs(result.width / result.height - w / h) < 0.1  # cropped back to the photo's own aspect
    assert len(warm_log.shapes) == warm_calls  # no warm-up ran again
    assert set(job_log.shapes) <= set(warm_log.shapes)  # nothing for the compiler to specialise anew
    assert set(engine.model.transformer.block_masks) == masks_before  # every attention mask built at load


def test_the_fast_presets_warm_up_also_takes_the_cached_path(tiny_model: Path) -> None:
    engine, _, log = load_logged(tiny_model, diffusion_preset="fast")
    assert engine.model.step_cache is not None
    # each bucket: the reference pass and both branches computed once, then both branches cached
    assert [mode for mode, _ in log.shapes] == ["extract", "cached", "cached", "cached", "cached"] * 5
    assert log.block_runs == 3 * 5
    head = engine.model.transformer.blocks[0]._diffusers_hook.get_hook("fbc_leader_block_hook")
    assert head.threshold == 0.1  # the configured threshold is back after the warm-up


def test_health_endpoint_says_warming_up_until_ready() -> None:
    readiness = Readiness()
    server = MetricsServer("worker", port=0, host="127.0.0.1", health=readiness.health).start()
    url = f"http://127.0.0.1:{server.port}/healthz"
    try:
        readiness.set("warming up", 2, 5)
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url, timeout=5)
        assert info.value.code == 503
        body = json.loads(info.value.read())
        assert body["status"] == "warming up" and body["warm_up"] == "2/5 frame shapes"
        env = {**os.environ, "MOTIONBOT_METRICS_PORT": str(server.port)}
        check = [sys.executable, "-m", "motionbot.ops.healthcheck"]
        proc = subprocess.run(check, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 1 and proc.stdout.startswith("warming up: HTTP 503")
        readiness.set("ready")
        with urllib.request.urlopen(url, timeout=5) as resp:
            assert resp.status == 200 and json.loads(resp.read())["status"] == "ok"
    finally:
        server.close()


_COMPILED_WARM_UP = """
import sys
from pathlib import Path
import numpy as np
import torch
from PIL import Image
from torch._dynamo.utils import counters
from motionbot.queue.jobs import EngineName, RenderOptions
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.diffusion.engine import DiffusionEngine
from motionbot.renderer.engines.diffusion.loading import compile_blocks
from motionbot.renderer.settings import RendererSettings

torch.set_num_threads(1)
model, video, root = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
for preset in ("auto", "fast"):
    settings = RendererSettings(device="cpu", diffusion_resolution="64x64", diffusion_steps=2,
                                diffusion_segment_frames=9, diffusion_compile=True, diffusion_warm_up=False,
                                diffusion_preset=preset, ai_label_visible=False)
    engine = DiffusionEngine.load(settings, model=model)
    compile_blocks(engine.model.transformer)  # what a CUDA plan does at load, here on inductor's CPU backend
    before = counters["stats"]["unique_graphs"]
    engine.warm_up()
    warm = counters["stats"]["unique_graphs"]
    for i, (h, w) in enumerate([(97, 65), (64, 100)]):
        photo = root / f"{preset}{i}.png"
        Image.fromarray(np.random.default_rng(i).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(photo)
        options = RenderOptions(engine=EngineName.DIFFUSION)
        engine.render(EngineInput(photo=photo, output=root / f"{preset}{i}.mp4", options=options, video=video))
    print("GRAPHS", preset, warm - before, counters["stats"]["unique_graphs"] - warm)
"""


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_compiled_blocks_compile_nothing_after_the_warm_up(tiny_model: Path, tmp_path: Path) -> None:
    """The real thing where a C++ compiler exists: torch.compile on the CPU, Dynamo's graph count.

    The fast preset's warm-up takes the step cache's cached path too: a compute-only warm-up
    left two graphs for the first job to compile (measured while building this).
    """
    from motionbot.renderer.engines.diffusion.block_mask import compiler_available

    if not compiler_available("cpu"):
        pytest.skip("no C++ compiler for TorchInductor")
    video = mf.testsrc_video(tmp_path / "v.mp4", size="80x64", fps=24, seconds=0.5)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / "inductor")}
    cmd = [sys.executable, "-c", _COMPILED_WARM_UP, str(tiny_model), str(video), str(tmp_path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=850, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [ln.split()[1:] for ln in proc.stdout.splitlines() if ln.startswith("GRAPHS")]
    assert [(preset, int(warm) > 0, int(after)) for preset, warm, after in lines] == [
        ("auto", True, 0),
        ("fast", True, 0),
    ]
