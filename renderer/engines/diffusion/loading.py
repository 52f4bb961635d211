"""Loading Wan-Animate-2 once per worker and placing it on the device.

Order matters for memory: every component is loaded to CPU RAM first, the fixed prompts are
encoded once (the job contract has no prompt, so the embeddings never change), the UMT5 text
encoder (~11 GB in bf16) is then dropped, and only what rendering needs is placed on the card
according to :func:`~motionbot.renderer.engines.diffusion.memory.plan_memory`. Rendering runs
a second modular pipeline built from the same blocks minus the text-encoder step, sharing the
loaded components (diffusers' ``update_components``), so no job pays for text encoding.
"""

from __future__ import annotations

import gc
import inspect
import logging
from dataclasses import dataclass, field
from typing import Any

import torch

from motionbot.renderer.engines.diffusion.block_mask import compiler_available, install_block_mask_builder
from motionbot.renderer.engines.diffusion.fit import Fit, footprint_from_folder, host_memory_bytes, plan_fit
from motionbot.renderer.engines.diffusion.memory import MemoryPlan, ModelFootprint, Strategy
from motionbot.renderer.engines.diffusion.model_files import (
    REQUIRED_COMPONENTS,
    ModelSource,
    check_model_folder,
    checkpoint_is_distilled,
    model_missing,
)
from motionbot.renderer.engines.diffusion.presets import (
    Preset,
    StepCache,
    apply_preset,
    check_distilled_flag,
    fp8_support,
    resolve_preset,
)
from motionbot.renderer.settings import RendererSettings

log = logging.getLogger(__name__)

BASE_STEPS = 40  # the base checkpoint: classifier-free guidance (guider default scale 3.0)
DISTILLED_STEPS = 10  # the distilled checkpoint: few steps, guidance 1.0 (a single branch)
# Dynamo compiles each block once per input shape (and per guard it meets, e.g. the step
# cache's branch); past torch's default of 8 it would fall back to eager flex attention, which
# materialises the full score matrix and runs out of memory. The aspect buckets bound the
# shapes, so this is headroom, not a hope.
RECOMPILE_LIMIT = 64


@dataclass
class LoadedModel:
    pipe: Any  # WanAnimate2ModularPipeline without its text-encoder step
    embeds: dict[str, torch.Tensor | None]  # prompt_embeds, negative_prompt_embeds, prompt_ref_embeds
    source: ModelSource
    distilled: bool
    device: torch.device
    dtype: torch.dtype
    fit: Fit
    compile_mask: bool
    preset: Preset = Preset.BASE
    step_cache: StepCache | None = None
    fp8: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def plan(self) -> MemoryPlan:
        return self.fit.memory

    @property
    def footprint(self) -> ModelFootprint:
        return self.fit.model

    @property
    def total_vram(self) -> int | None:
        return self.fit.card_bytes

    @property
    def transformer(self) -> Any:
        return self.pipe.transformer

    @property
    def text_len(self) -> int:
        return int(self.pipe.transformer.config.text_len)


def diffusers() -> Any:
    """The diffusers package, untyped: its own annotations are partial and would leak into ours."""
    import importlib

    return importlib.import_module("diffusers")


def choose_device(setting: str) -> torch.device:
    if setting.strip().lower() == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(setting)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise model_missing(f"MOTIONBOT_DEVICE={setting} but torch sees no CUDA device")
    return device


def build_pipeline(source: ModelSource, distilled: bool) -> Any:
    """``ModularPipeline.from_pretrained``: the index's own blocks (base or distilled)."""
    d = diffusers()
    try:
        pipe = d.ModularPipeline.from_pretrained(source.ref)
    except (OSError, ValueError) as exc:
        raise model_missing(f"cannot read the pipeline index of {source.ref}: {exc}") from exc
    if not isinstance(pipe, d.WanAnimate2ModularPipeline):
        raise model_missing(
            f"{source.ref} is not a Wan-Animate-2 checkpoint (it loads as {type(pipe).__name__})"
        )
    if isinstance(pipe, d.WanAnimate2DistilledModularPipeline) != distilled:
        raise model_missing(
            f"{source.ref}: diffusers built {type(pipe).__name__} from an index that reads otherwise"
        )
    return pipe


def load_components(pipe: Any, source: ModelSource, dtype: torch.dtype) -> None:
    """Load weights and check that every component arrived: diffusers only warns when one fails."""
    # `dtype` is the current name of diffusers' `torch_dtype` (same meaning, no deprecation warning)
    pipe.load_components(dtype=dtype)
    missing = []
    for name in REQUIRED_COMPONENTS:
        component = getattr(pipe, name, None)
        if component is None:
            missing.append(name)
        elif isinstance(component, torch.nn.Module) and next(component.parameters(), None) is None:
            missing.append(f"{name} (no weights)")
    if missing:
        raise model_missing(
            f"could not load {', '.join(missing)} from {source.ref}; check the download is complete "
            "(diffusers logged the cause above)"
        )


def accept_generator(scheduler: Any) -> Any:
    """The scheduler, able to take the ``generator=`` the modular denoise loop passes to ``step``.

    diffusers 0.42.1's Wan-Animate-2 denoise step calls ``scheduler.step(..., generator=...)``;
    deterministic multistep solvers such as ``UniPCMultistepScheduler`` take no generator and
    would raise ``TypeError`` on the first step. They draw no noise while stepping, so a subclass
    that accepts and ignores the argument samples exactly as the original does.
    """
    params = inspect.signature(scheduler.step).parameters.values()
    if any(p.name == "generator" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return scheduler
    base = type(scheduler)

    def step(self: Any, *args: Any, generator: Any = None, **kwargs: Any) -> Any:
        return base.step(self, *args, **kwargs)

    adapted: Any = type(base.__name__, (base,), {"step": step, "__doc__": base.__doc__})
    log.info("%s.step takes no generator: wrapped to ignore it (it draws no noise)", base.__name__)
    return adapted.from_config(scheduler.config)


def encode_prompts(
    pipe: Any, settings: RendererSettings, device: torch.device
) -> dict[str, torch.Tensor | None]:
    """Run the pipeline's own text-encoder step once, on ``device``, for the fixed prompts."""
    pipe.text_encoder.to(device)
    state = diffusers().modular_pipelines.PipelineState()
    state.set("prompt", settings.diffusion_prompt)
    state.set("negative_prompt", settings.diffusion_negative_prompt or None)
    state.set("prompt_ref", None)  # the step's default reference prompt
    state.set("max_sequence_length", int(pipe.transformer.config.text_len))
    _, state = pipe.blocks.sub_blocks["text_encoder"](pipe, state)
    return {
        name: state.get(name) for name in ("prompt_embeds", "negative_prompt_embeds", "prompt_ref_embeds")
    }


def without_text_encoder(pipe: Any) -> Any:
    """A pipeline of the same blocks minus the text step, sharing ``pipe``'s loaded components."""
    blocks = pipe.blocks  # a copy
    blocks.sub_blocks.pop("text_encoder")
    render = blocks.init_pipeline()
    names = set(render.components)
    render.update_components(**{k: v for k, v in pipe.components.items() if k in names and v is not None})
    return render


def place(pipe: Any, device: torch.device, strategy: Strategy, blocks_per_group: int) -> None:
    """Move the render pipeline's modules according to the memory plan."""
    if strategy is Strategy.GROUP_OFFLOAD:
        pipe.transformer.enable_group_offload(
            onload_device=device, offload_device=torch.device("cpu"), offload_type="block_level",
            num_blocks_per_group=blocks_per_group, use_stream=True,
        )  # fmt: skip
        for name in ("image_encoder", "vae"):
            getattr(pipe, name).to(device)
    else:
        pipe.to(device)


def compile_blocks(transformer: Any) -> None:
    """diffusers: the flex-attention path of this transformer needs torch.compile at video sizes."""
    import torch._dynamo

    config: Any = torch._dynamo.config
    config.recompile_limit = max(int(config.recompile_limit), RECOMPILE_LIMIT)
    transformer.compile_repeated_blocks()


def total_vram(device: torch.device) -> int | None:
    if device.type != "cuda":
        return None
    return int(torch.cuda.get_device_properties(device).total_memory)


def checkpoint_folder(source: ModelSource) -> Any:
    if source.folder is None:  # resolve_model(download=True) always gives a folder
        raise model_missing(f"{source.ref} is not a local folder or cached download")
    check_model_folder(source.folder)
    return source.folder


def plan_load(
    settings: RendererSettings, source: ModelSource, device: torch.device
) -> tuple[Fit, Preset, bool]:
    """Everything decided before a byte of weights is read: the preset, FP8 and the fit."""
    folder = checkpoint_folder(source)
    distilled, said = checkpoint_is_distilled(folder)
    check_distilled_flag(settings.diffusion_distilled, distilled, said)
    preset = resolve_preset(settings.diffusion_preset, distilled, said)
    fp8_possible = fp8_support(device)[0]
    dtype_bytes = 2 if device.type == "cuda" else 4
    force = {"none": Strategy.ALL_ON_GPU, "group": Strategy.GROUP_OFFLOAD}.get(settings.diffusion_offload)
    can_compile = settings.diffusion_compile and compiler_available(device.type)
    fit = plan_fit(
        total_vram(device), host_memory_bytes(), footprint_from_folder(folder, dtype_bytes),
        settings.diffusion_resolution, segment_frames=settings.diffusion_segment_frames, compiler=can_compile,
        force=force if device.type == "cuda" else None, fast=preset is Preset.FAST, fp8_possible=fp8_possible,
    )  # fmt: skip
    if preset is Preset.FAST and not fit.fast:
        log.warning(
            "fast preset: the model does not fit all on this card at %s, and the step cache and FP8 need it "
            "there (group offloading moves blocks from hooks a cached step skips): running the checkpoint's "
            "own sampling", fit.resolution.label,
        )  # fmt: skip
    if device.type == "cuda" and settings.diffusion_compile and not can_compile:
        log.warning(
            "no C compiler for Triton ($CC, cc, gcc, clang): the transformer runs uncompiled, and eager "
            "flex attention materialises the full score matrix, which does not fit at video sizes; "
            "install gcc and python3-dev in the GPU image"
        )
    log.info("diffusion plan: %s preset, %s", preset, fit.summary)
    return fit, preset, distilled


def load_model(settings: RendererSettings, source: ModelSource) -> LoadedModel:
    import time

    device = choose_device(settings.device)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    fit, preset, distilled = plan_load(settings, source, device)
    pipe = build_pipeline(source, distilled)
    load_components(pipe, source, dtype)
    timings["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    if distilled or settings.diffusion_guidance_scale is not None:
        scale = 1.0 if distilled else settings.diffusion_guidance_scale
        pipe.update_components(guider=diffusers().ClassifierFreeGuidance(guidance_scale=scale))
    pipe.update_components(scheduler=accept_generator(pipe.scheduler))
    embeds = encode_prompts(pipe, settings, device)
    render = without_text_encoder(pipe)
    pipe.unload_components(["text_encoder"])
    del pipe
    gc.collect()
    timings["encode_prompts"] = time.perf_counter() - t0

    compile_mask = install_block_mask_builder(settings.diffusion_compile, device.type)
    t0 = time.perf_counter()
    plan = fit.memory
    place(render, device, plan.strategy, plan.blocks_per_group)
    cache, fp8 = apply_preset(fit, render.transformer, threshold=settings.diffusion_cache_threshold)
    if plan.compile_blocks:
        compile_blocks(render.transformer)
    timings["place"] = time.perf_counter() - t0
    return LoadedModel(
        pipe=render, embeds={k: (v.to(device) if v is not None else None) for k, v in embeds.items()},
        source=source, distilled=distilled, device=device, dtype=dtype, fit=fit, compile_mask=compile_mask, preset=preset, step_cache=cache, fp8=fp8,
        timings=timings,
    )  # fmt: skip
