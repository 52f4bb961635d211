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
from motionbot.renderer.engines.diffusion.memory import (
    MemoryPlan,
    ModelFootprint,
    Resolution,
    Strategy,
    plan_memory,
)
from motionbot.renderer.engines.diffusion.model_files import (
    REQUIRED_COMPONENTS,
    ModelSource,
    check_model_folder,
    model_missing,
)
from motionbot.renderer.settings import RendererSettings

log = logging.getLogger(__name__)

BASE_STEPS = 40  # the base checkpoint: classifier-free guidance (guider default scale 3.0)
DISTILLED_STEPS = 10  # the distilled checkpoint: few steps, guidance 1.0 (a single branch)


@dataclass
class LoadedModel:
    pipe: Any  # WanAnimate2ModularPipeline without its text-encoder step
    embeds: dict[str, torch.Tensor | None]  # prompt_embeds, negative_prompt_embeds, prompt_ref_embeds
    source: ModelSource
    distilled: bool
    device: torch.device
    dtype: torch.dtype
    footprint: ModelFootprint
    total_vram: int | None
    plan: MemoryPlan
    compile_mask: bool
    timings: dict[str, float] = field(default_factory=dict)

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
    """``ModularPipeline.from_pretrained`` (or the distilled blocks on the same files)."""
    d = diffusers()
    if source.folder is not None:
        check_model_folder(source.folder)
    try:
        if distilled:
            pipe = d.WanAnimate2DistilledBlocks().init_pipeline(source.ref)
        else:
            pipe = d.ModularPipeline.from_pretrained(source.ref)
    except (OSError, ValueError) as exc:
        raise model_missing(f"cannot read the pipeline index of {source.ref}: {exc}") from exc
    if not isinstance(pipe, d.WanAnimate2ModularPipeline):
        raise model_missing(
            f"{source.ref} is not a Wan-Animate-2 checkpoint (it loads as {type(pipe).__name__})"
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


def module_bytes(module: Any, dtype_bytes: int | None = None) -> int:
    if not isinstance(module, torch.nn.Module):
        return 0
    tensors = [*module.parameters(), *module.buffers()]
    return sum(t.numel() * (dtype_bytes or t.element_size()) for t in tensors)


def footprint(pipe: Any, dtype: torch.dtype) -> ModelFootprint:
    config = pipe.transformer.config
    dtype_bytes = torch.finfo(dtype).bits // 8
    return ModelFootprint(
        transformer_bytes=module_bytes(pipe.transformer, dtype_bytes),
        other_bytes=module_bytes(pipe.image_encoder, dtype_bytes) + module_bytes(pipe.vae, dtype_bytes),
        num_layers=int(config.num_layers), dim=int(config.dim), ffn_dim=int(config.ffn_dim),
        num_heads=int(config.num_heads), dtype_bytes=dtype_bytes,
    )  # fmt: skip


def place(
    pipe: Any, device: torch.device, strategy: Strategy, blocks_per_group: int, compile_blocks: bool
) -> None:
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
    if compile_blocks:
        # diffusers: the flex-attention path of this transformer needs torch.compile at video sizes
        pipe.transformer.compile_repeated_blocks()


def total_vram(device: torch.device) -> int | None:
    if device.type != "cuda":
        return None
    return int(torch.cuda.get_device_properties(device).total_memory)


def load_model(settings: RendererSettings, source: ModelSource, resolution: Resolution) -> LoadedModel:
    import time

    device = choose_device(settings.device)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    pipe = build_pipeline(source, settings.diffusion_distilled)
    distilled = isinstance(pipe, diffusers().WanAnimate2DistilledModularPipeline)
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
    vram = total_vram(device)
    fp = footprint(render, dtype)
    force = {"none": Strategy.ALL_ON_GPU, "group": Strategy.GROUP_OFFLOAD}.get(settings.diffusion_offload)
    can_compile = settings.diffusion_compile and compiler_available(device.type)
    plan = plan_memory(
        vram, fp, resolution, segment_frames=settings.diffusion_segment_frames, compiler=can_compile,
        force=force if vram is not None else None,
    )  # fmt: skip
    log.info("diffusion memory plan: %s (%s)", plan.strategy, plan.reason)
    if device.type == "cuda" and settings.diffusion_compile and not can_compile:
        log.warning(
            "no C compiler for Triton ($CC, cc, gcc, clang): the transformer runs uncompiled, and eager "
            "flex attention materialises the full score matrix, which does not fit at video sizes; "
            "install gcc and python3-dev in the GPU image"
        )
    if not plan.fits:
        log.warning("the diffusion model is expected not to fit at %s: %s", resolution.label, plan.reason)
    t0 = time.perf_counter()
    place(render, device, plan.strategy, plan.blocks_per_group, plan.compile_blocks)
    timings["place"] = time.perf_counter() - t0
    loaded = LoadedModel(
        pipe=render, embeds={k: (v.to(device) if v is not None else None) for k, v in embeds.items()},
        source=source, distilled=distilled, device=device, dtype=dtype, footprint=fp, total_vram=vram,
        plan=plan, compile_mask=compile_mask, timings=timings,
    )  # fmt: skip
    return loaded
