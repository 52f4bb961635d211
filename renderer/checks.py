"""Renderer checks for `motionbot doctor` (entry point ``motionbot.checks: renderer``).

Heavy imports (mediapipe with OpenCV, torch) run in a child interpreter: a missing system
library (libGL, glib) or a broken CUDA install then shows up as a failed check with its
message instead of crashing doctor, and doctor itself stays quick to start.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# imported here, not in check_ffmpeg: a bot-only image lacks it, and the ImportError makes
# doctor skip the renderer checks there instead of failing them
import imageio_ffmpeg

from motionbot.ops.checks import CheckResult, Status
from motionbot.renderer.errors import RendererError
from motionbot.renderer.settings import RendererSettings

# the legacy-solution models the perception code loads (pose, segmentation, face)
MEDIAPIPE_MODELS = (
    "pose_detection/pose_detection.tflite",
    "pose_landmark/pose_landmark_full.tflite",
    "selfie_segmentation/selfie_segmentation.tflite",
    "face_detection/face_detection_short_range.tflite",
    "face_detection/face_detection_full_range_sparse.tflite",
    "face_landmark/face_landmark.tflite",
)

_MEDIAPIPE_PROBE = "import json, cv2, mediapipe; print(json.dumps([mediapipe.__file__, cv2.__version__]))"

# prints one JSON line; never fails on a CPU host (torch missing or no CUDA is an answer)
GPU_PROBE = """
import json
try:
    import torch
except ImportError as exc:
    print(json.dumps({"torch": None, "error": str(exc)}))
    raise SystemExit(0)
cuda = torch.cuda
info = {"torch": torch.__version__, "cuda": bool(cuda.is_available()), "cuda_version": torch.version.cuda}
if info["cuda"]:
    props = cuda.get_device_properties(0)
    gb = round(props.total_memory / 1024**3, 1)
    info.update(devices=cuda.device_count(), name=props.name, memory_gb=gb, memory_bytes=props.total_memory,
                capability=[props.major, props.minor])
print(json.dumps(info))
"""


def _run(code: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout_s, check=False
    )


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def check_ffmpeg() -> CheckResult:
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
        out = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=20, check=True)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        return CheckResult(
            "ffmpeg", Status.FAIL, f"no working ffmpeg: {exc}", fix="pip install imageio-ffmpeg"
        )
    words = out.stdout.split()
    version = " ".join(words[:3]) if words else "unknown version"  # "ffmpeg version n7.1"
    return CheckResult("ffmpeg", Status.OK, f"{version} ({exe})")


def check_mediapipe() -> CheckResult:
    try:
        proc = _run(_MEDIAPIPE_PROBE, 120)
    except subprocess.TimeoutExpired:
        return CheckResult("mediapipe", Status.FAIL, "import timed out after 120 s")
    if proc.returncode != 0:
        why = _last_line(proc.stderr)
        fix = "pip install motionbot[renderer]"
        if "libGL" in why or "libgthread" in why or "libglib" in why:
            fix = "install the system libraries OpenCV needs: apt-get install libgl1 libglib2.0-0"
        return CheckResult("mediapipe", Status.FAIL, f"cannot import: {why}", fix=fix)
    mp_file, cv_version = json.loads(_last_line(proc.stdout))
    modules = Path(mp_file).parent / "modules"
    missing = [m for m in MEDIAPIPE_MODELS if not (modules / m).is_file()]
    if missing:
        return CheckResult(
            "mediapipe models",
            Status.FAIL,
            f"missing in {modules}: {', '.join(missing)}",
            fix="install mediapipe==0.10.21, the last wheel that bundles the legacy solution models",
        )
    return CheckResult(
        "mediapipe models", Status.OK, f"{len(MEDIAPIPE_MODELS)} models present (OpenCV {cv_version})"
    )


def probe_gpu(timeout_s: float = 120) -> dict[str, object]:
    """What torch sees, from a child interpreter."""
    try:
        proc = _run(GPU_PROBE, timeout_s)
    except subprocess.TimeoutExpired:
        return {"torch": "?", "cuda": False, "error": f"probe timed out after {timeout_s:.0f} s"}
    if proc.returncode != 0:
        return {"torch": "?", "cuda": False, "error": _last_line(proc.stderr)}
    result: dict[str, object] = json.loads(_last_line(proc.stdout))
    return result


def check_gpu() -> tuple[CheckResult, dict[str, object]]:
    info = probe_gpu()
    if info.get("torch") is None:
        return CheckResult("gpu", Status.SKIP, "torch not installed: CPU engine only", required=False), info
    if not info.get("cuda"):
        detail = f"torch {info.get('torch')} sees no CUDA device: CPU engine only"
        if info.get("error"):
            detail += f" ({info['error']})"
        return CheckResult("gpu", Status.SKIP, detail, required=False), info
    return (
        CheckResult(
            "gpu",
            Status.OK,
            f"{info.get('name')} x{info.get('devices')}, {info.get('memory_gb')} GB, "
            f"torch {info.get('torch')} (CUDA {info.get('cuda_version')})",
        ),
        info,
    )


def check_memory_plan(settings: RendererSettings, gpu: dict[str, object]) -> CheckResult:
    """What the GPU worker will plan at start: the size it serves and how, or why it refuses.

    The same arithmetic as the worker (``diffusion.fit``) on the card torch reports, this
    host's RAM and the checkpoint's own files (the published 14B sizes until they are here).
    """
    from motionbot.renderer.engines.diffusion.block_mask import compiler_available
    from motionbot.renderer.engines.diffusion.fit import footprint_from_folder, host_memory_bytes, plan_fit
    from motionbot.renderer.engines.diffusion.memory import ModelFootprint, Strategy
    from motionbot.renderer.engines.diffusion.model_files import check_model_folder, resolve_model

    card = gpu.get("memory_bytes")
    if not gpu.get("cuda") or not isinstance(card, int):
        return CheckResult("diffusion plan", Status.SKIP, "no CUDA device: nothing to plan", required=False)
    model, which = ModelFootprint.wan_animate_2_14b(), "the published 14B sizes"
    try:
        source = resolve_model(settings.diffusion_model)
        if source.folder is not None:
            check_model_folder(source.folder)
            model, which = footprint_from_folder(source.folder, 2), f"the checkpoint in {source.folder}"
    except RendererError:
        pass  # the model check reports it; plan with the published sizes meanwhile
    capability = gpu.get("capability")
    fp8_possible = (
        isinstance(capability, list)
        and tuple(capability) >= (8, 9)
        and importlib.util.find_spec("torchao") is not None
    )
    force = {"none": Strategy.ALL_ON_GPU, "group": Strategy.GROUP_OFFLOAD}.get(settings.diffusion_offload)
    try:
        fit = plan_fit(
            card, host_memory_bytes(), model, settings.diffusion_resolution,
            segment_frames=settings.diffusion_segment_frames, force=force, fp8_possible=fp8_possible,
            fast=settings.diffusion_preset == "fast",
            compiler=settings.diffusion_compile and compiler_available("cuda"),
        )  # fmt: skip
    except RendererError as exc:
        return CheckResult(
            "diffusion plan",
            Status.FAIL,
            f"{exc.detail} (from {which})",
            fix="the GPU worker will refuse to start",
        )
    return CheckResult("diffusion plan", Status.OK, f"{fit.summary} (from {which})")


def check_model(settings: RendererSettings, *, required: bool) -> CheckResult:
    """The diffusion weights, checked the way the GPU worker checks them before loading:
    a local folder (compose mounts one read-only) must be complete, shard by shard; a hub id
    must be in the local Hugging Face cache when HF_HUB_OFFLINE is set."""
    from motionbot.renderer.engines.diffusion.model_files import check_model_folder, resolve_model

    fail = Status.FAIL if required else Status.SKIP
    fix = "download the weights (README.md, 'Pointing the worker at the model') and point MOTIONBOT_DIFFUSION_MODEL at their folder"
    try:
        source = resolve_model(settings.diffusion_model)
        if source.folder is None:  # online hub id: diffusers downloads it on first start
            return CheckResult(
                "diffusion model",
                Status.WARN if required else Status.SKIP,
                f"{source.ref} will be downloaded from Hugging Face when the GPU worker starts",
                required=False,
                fix="download it ahead of time and set HF_HUB_OFFLINE=1",
            )
        check_model_folder(source.folder)
    except RendererError as exc:
        return CheckResult("diffusion model", fail, exc.detail or exc.message, required=required, fix=fix)
    return CheckResult("diffusion model", Status.OK, f"complete checkpoint in {source.folder}")


def checks() -> list[CheckResult]:
    settings = RendererSettings()
    # the two probes each import a heavy library in a child: run them side by side
    with ThreadPoolExecutor(max_workers=2) as pool:
        mediapipe = pool.submit(check_mediapipe)
        gpu_check = pool.submit(check_gpu)
        ffmpeg = check_ffmpeg()
        gpu, gpu_info = gpu_check.result()
        mp_result = mediapipe.result()
    # weights only matter where the GPU engine can run
    has_cuda = bool(gpu_info.get("cuda"))
    return [
        ffmpeg, mp_result, gpu, check_model(settings, required=has_cuda), check_memory_plan(settings, gpu_info),
    ]  # fmt: skip


def gpu_worker_ready() -> dict[str, object]:
    """Whether this machine can run a GPU render worker: CUDA, and the weights where the worker
    looks for them. `motionbot run` asks through the ``motionbot.probes`` entry point (in a child
    interpreter), so the launcher never imports the renderer itself."""
    gpu, info = check_gpu()
    if not info.get("cuda"):
        return {"cuda": False, "why": gpu.detail}
    model = check_model(RendererSettings(), required=True)
    return {"cuda": True, "model": model.status is Status.OK, "why": model.detail}
