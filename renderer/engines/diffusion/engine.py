"""The GPU engine: Wan-Animate-2 animates the photo's subject with the reference video's motion.

Loaded once per worker (:meth:`DiffusionEngine.load`), then :meth:`DiffusionEngine.render`
runs many jobs. Inputs and output go through the same media layer as the warp engine; the
driving video is resampled to the model's 24 fps, trimmed to the duration cap and cut into
81-frame segments that carry conditioning frames across boundaries (the pipeline's
``segment_frame_length`` / ``prev_segment_conditioning_frames``). On CUDA out-of-memory the
render is retried once at a lower resolution, then fails with ``GPU_OUT_OF_MEMORY`` so the
queue can offer the CPU preview instead.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib
import logging
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from PIL import Image

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import Stage
from motionbot.renderer.engines.base import EngineInput, EngineOutput, ProgressCallback, no_progress
from motionbot.renderer.engines.diffusion import buckets
from motionbot.renderer.engines.diffusion.loading import BASE_STEPS, DISTILLED_STEPS, LoadedModel, load_model
from motionbot.renderer.engines.diffusion.memory import (
    MODEL_FPS,
    Resolution,
    count_segments,
    lower_resolution,
)
from motionbot.renderer.engines.diffusion.model_files import resolve_model
from motionbot.renderer.engines.diffusion.performer import crop_frames, performer_box
from motionbot.renderer.engines.diffusion.progress import StepTracker, track_steps
from motionbot.renderer.engines.diffusion.readiness import READINESS, Readiness
from motionbot.renderer.errors import RendererError
from motionbot.renderer.media.encode import VideoWriter
from motionbot.renderer.media.image import load_image
from motionbot.renderer.media.video import Frame, open_video
from motionbot.renderer.settings import RendererSettings

log = logging.getLogger(__name__)
Video = npt.NDArray[np.uint8]  # (T, H, W, 3) RGB

# bump when the same settings start giving different pixels (2: aspect buckets; 3: bars cut off,
# the chosen performer's crop of a reference with several people)
ENGINE_REVISION = 3
WARM_UP_STEPS = 1  # compiling needs each shape once, not a full schedule


class Monotonic:
    """Progress never runs backwards, even when a render restarts at a lower resolution."""

    def __init__(self, sink: ProgressCallback) -> None:
        self.sink = sink
        self.best: dict[Stage, float] = {}

    def __call__(self, stage: Stage, fraction: float) -> None:
        fraction = max(fraction, self.best.get(stage, 0.0))
        self.best[stage] = fraction
        self.sink(stage, fraction)


def resample_indices(n_frames: int, fps: float, target_fps: float = MODEL_FPS) -> list[int]:
    """Nearest-frame indices taking an ``fps`` clip to ``target_fps`` (the pipeline's own rule)."""
    encoders: Any = importlib.import_module("diffusers.modular_pipelines.wan_animate_2.encoders")
    if abs(fps - target_fps) < 1e-3:
        return list(range(n_frames))
    return [int(i) for i in encoders.get_frame_indices(n_frames, fps, target_fps)] or [0]


def pad_to_segment(frames: list[Frame], segment_frames: int) -> list[Frame]:
    """Lengthen a clip shorter than one segment by playing it back and forth.

    The pipeline pads a short tail by mirroring at most as many frames as the clip has; a clip
    shorter than half a segment would come out misaligned. The generated frames for the padding
    are dropped again after rendering.
    """
    if len(frames) >= segment_frames:
        return frames
    out = list(frames)
    backwards = True
    while len(out) < segment_frames:
        run = frames[-2::-1] if backwards else frames[1:]
        out.extend(run or frames)
        backwards = not backwards
    return out[:segment_frames]


class DiffusionEngine:
    name = "diffusion"
    needs_motion = False

    def __init__(
        self, settings: RendererSettings, model: LoadedModel, resolution: Resolution, steps: int
    ) -> None:
        self.settings = settings
        self.model = model
        self.resolution = resolution
        self.steps = steps
        kind = "distilled" if model.distilled else "base"
        if model.step_cache is not None:
            kind += f"+fast{settings.diffusion_cache_threshold:g}" + ("+fp8" if model.fp8 else "")
        # the prompts and guidance change the pixels too; a short digest keeps the version readable
        conditioning = f"{settings.diffusion_prompt}|{settings.diffusion_negative_prompt}|"
        conditioning += f"{settings.diffusion_guidance_scale}"
        digest = hashlib.sha256(conditioning.encode()).hexdigest()[:8]
        self.warm_shapes: frozenset[tuple[int, int]] = frozenset()  # frame shapes compiled at load
        self.version = (
            f"wan-animate-2:{model.source.model_id}:{kind}:{steps}steps:{resolution.label}:"
            f"seg{settings.diffusion_segment_frames}+{settings.diffusion_carried_frames}:"
            f"seed{settings.diffusion_seed}:p{digest}:r{ENGINE_REVISION}"
        )

    @classmethod
    def load(
        cls, settings: RendererSettings, *, model: str | None = None, readiness: Readiness = READINESS
    ) -> DiffusionEngine:
        """Load the checkpoint at ``model`` (a folder or a hub id; default: settings.diffusion_model),
        then warm it up (``settings.diffusion_warm_up``) before the worker takes a job."""
        readiness.set("loading")
        seg, carried = settings.diffusion_segment_frames, settings.diffusion_carried_frames
        if (seg - 1) % 4 or carried >= seg:
            raise RendererError(
                FailureReason.ENGINE_UNAVAILABLE,
                detail=f"diffusion_segment_frames must be 4k+1 (e.g. 81) and above diffusion_carried_frames; "
                f"got {seg} and {carried}",
            )
        source = resolve_model(model or settings.diffusion_model, download=True)
        try:
            loaded = load_model(settings, source)
            steps = settings.diffusion_steps or (DISTILLED_STEPS if loaded.distilled else BASE_STEPS)
            engine = cls(settings, loaded, loaded.fit.resolution, steps)
            if settings.diffusion_warm_up:
                engine.warm_up(readiness)
        except torch.cuda.OutOfMemoryError as exc:
            gc.collect()
            torch.cuda.empty_cache()
            raise RendererError(
                FailureReason.GPU_OUT_OF_MEMORY,
                detail=f"the model does not fit on this card while loading or warming up ({exc}); try "
                "MOTIONBOT_DIFFUSION_OFFLOAD=group or a smaller MOTIONBOT_DIFFUSION_RESOLUTION",
            ) from exc
        readiness.set("ready")
        log.info(
            "diffusion engine ready: %s on %s (%s), %s",
            engine.version, loaded.device, loaded.dtype, loaded.fit.summary,
        )  # fmt: skip
        return engine

    def warm_up(self, readiness: Readiness = READINESS) -> None:
        """Run one short segment per aspect bucket, so each frame shape is compiled before a job.

        Synthetic inputs, one denoising step (two with the step cache, whose cached path is
        another graph): the compiler needs each shape once (the reference pass and both guidance
        branches), not a full schedule. The frames are thrown away; what stays is the compiled
        code and the attention masks for every shape.
        """
        t0 = time.perf_counter()
        seg = self.settings.diffusion_segment_frames
        shapes = [buckets.bucket_frame(self.resolution, b) for b in buckets.ASPECT_BUCKETS]
        cache = self.model.step_cache
        # with the step cache, a second step takes the skipping path (see skipping_every_step)
        steps = WARM_UP_STEPS + (cache is not None)
        with cache.skipping_every_step() if cache is not None else contextlib.nullcontext():
            for done, (height, width) in enumerate(shapes):
                readiness.set("warming up", done, len(shapes))
                ramp = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
                photo = np.broadcast_to(ramp, (height, width, 3)).astype(np.uint8)
                frames = [np.roll(photo, 2 * i, axis=1) for i in range(seg)]
                self._run(photo, frames, self.resolution, no_progress, steps=steps)
        self.warm_shapes = frozenset(shapes)
        self.model.timings["warm_up"] = time.perf_counter() - t0
        log.info("diffusion warm-up: %d frame shapes in %.1f s", len(shapes), self.model.timings["warm_up"])

    # --- rendering -------------------------------------------------------------------------

    def render(self, job: EngineInput, progress: ProgressCallback = no_progress) -> EngineOutput:
        if job.video is None:
            raise RendererError(
                FailureReason.UNKNOWN_MOTION,
                "The AI quality copies the motion from a reference video. Please send a video of the motion "
                "(built-in motions work with the Preview quality).",
            )
        report = Monotonic(progress)
        timings: dict[str, float] = {}
        warnings: list[str] = []
        t0 = time.perf_counter()
        photo, frames, keep = self._read_inputs(job, report, warnings)
        timings["decode"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        video = self._generate(photo, frames, report, warnings)[:keep]
        timings["render"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        report(Stage.ENCODE, 0.0)
        height, width = video.shape[1:3]
        audio = job.video if job.options.keep_sound else None
        with VideoWriter(
            job.output,
            width,
            height,
            MODEL_FPS,
            audio_from=audio,
            visible_label=self.settings.ai_label_visible,
        ) as writer:
            for i, frame in enumerate(video):
                writer.write(frame)
                if i % 8 == 7:
                    report(Stage.ENCODE, (i + 1) / len(video))
        report(Stage.ENCODE, 1.0)
        timings["encode"] = time.perf_counter() - t0
        return EngineOutput(
            path=job.output, duration_s=writer.duration_s, width=writer.out_width, height=writer.out_height,
            fps=float(MODEL_FPS), warnings=warnings, timings=timings,
        )  # fmt: skip

    def _read_inputs(
        self, job: EngineInput, report: ProgressCallback, warnings: list[str]
    ) -> tuple[Frame, list[Frame], int]:
        s = self.settings
        assert job.video is not None
        report(Stage.DECODE, 0.0)
        photo = load_image(job.photo, max_pixels=s.max_image_pixels, max_bytes=s.max_input_bytes)
        cap = min(job.options.max_seconds, s.max_seconds, s.diffusion_max_seconds)
        side = max(64, min(s.max_video_side, max(self.resolution.height, self.resolution.width)))
        reader = open_video(
            job.video, max_fps=MODEL_FPS, max_side=side, max_seconds=cap, max_bytes=s.max_input_bytes,
            crop_bars=True,  # as extraction reads it: bars are not the scene, and the scan's box is inside them
        )  # fmt: skip
        warnings.extend(reader.warnings)
        if reader.spec.trimmed and s.diffusion_max_seconds < min(job.options.max_seconds, s.max_seconds):
            warnings.append(f"The AI quality renders at most {cap:g} s of motion per video.")
        decoded: list[Frame] = []
        n = max(1, reader.spec.n_frames)
        for frame in reader.frames():
            decoded.append(frame)
            if len(decoded) % 16 == 0:
                report(Stage.DECODE, min(1.0, len(decoded) / n))
        if not decoded:
            raise RendererError(FailureReason.NO_FRAMES)
        frames = [decoded[i] for i in resample_indices(len(decoded), reader.spec.fps)]
        box = performer_box(job.video, s, job.options.performer, cap)
        if box is not None:  # several people: the driving video shows the chosen one
            frames = crop_frames(frames, box)
        report(Stage.DECODE, 1.0)
        keep = len(frames)
        return photo, pad_to_segment(frames, s.diffusion_segment_frames), keep

    def _generate(
        self, photo: Frame, frames: list[Frame], report: ProgressCallback, warnings: list[str]
    ) -> Video:
        """Run the pipeline; on CUDA out-of-memory free everything and retry once, smaller."""
        res = self.resolution
        try:
            return self._run(photo, frames, res, report)
        except torch.cuda.OutOfMemoryError as first:
            self._free()
            lower = lower_resolution(res)
            if lower is None:
                raise self._oom(f"at {res.label}") from first
            log.warning("diffusion: out of GPU memory at %s, retrying at %s", res.label, lower.label)
        try:
            video = self._run(photo, frames, lower, report)
        except torch.cuda.OutOfMemoryError as second:
            self._free()
            raise self._oom(f"at {res.label} and again at {lower.label}") from second
        warnings.append(
            f"The GPU ran out of memory at {res.label}, so this video was rendered at {lower.label}."
        )
        return video

    def _oom(self, where: str) -> RendererError:
        plan = self.model.plan
        return RendererError(
            FailureReason.GPU_OUT_OF_MEMORY,
            detail=f"CUDA out of memory {where} ({plan.strategy}: {plan.reason}); "
            "a CPU preview can still render it",
        )

    def _run(
        self, photo: Frame, frames: list[Frame], res: Resolution, report: ProgressCallback, *, steps: int = 0
    ) -> Video:
        s, m = self.settings, self.model
        steps = steps or self.steps
        seg, carried = s.diffusion_segment_frames, s.diffusion_carried_frames
        frame = buckets.bucket_frame(res, buckets.bucket_for(*photo.shape[:2]))
        boxed, box = buckets.letterbox(photo, frame)
        area_h, area_w = buckets.requested_area(frame)
        tracker = StepTracker(
            segments=count_segments(len(frames), seg, carried), steps=steps, progress=report
        )
        generator = torch.Generator(device="cpu").manual_seed(s.diffusion_seed)
        report(Stage.RENDER, 0.0)
        if m.step_cache is not None:
            m.step_cache.reset()
        try:
            with track_steps(m.transformer, tracker):
                videos = m.pipe(
                    image=Image.fromarray(boxed),
                    driving_video=[Image.fromarray(f) for f in frames],
                    driving_video_fps=None,  # already at the model's rate
                    fps=MODEL_FPS,
                    height=area_h,
                    width=area_w,
                    segment_frame_length=seg,
                    prev_segment_conditioning_frames=carried,
                    num_inference_steps=steps,
                    generator=generator,
                    output_type="np",
                    output="videos",
                    **m.embeds,
                )
        except BaseException:
            self._free()
            raise
        report(Stage.RENDER, 1.0)
        video = buckets.crop(np.asarray(videos[0], dtype=np.float32), box)  # (T, H, W, 3) in [0, 1]
        return (video * 255.0).round().clip(0, 255).astype(np.uint8)

    def _free(self) -> None:
        """Drop what a failed or cancelled render left behind, so the next job starts clean."""
        masks = getattr(self.model.transformer, "block_masks", None)
        if isinstance(masks, dict):
            masks.clear()
        gc.collect()
        if self.model.device.type == "cuda":
            torch.cuda.empty_cache()
