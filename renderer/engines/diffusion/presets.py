"""Quality presets of the Full AI engine: base, distilled and fast.

``base`` and ``distilled`` are the two checkpoints run as published (40 guided steps, or 10
steps in one branch); which one a folder holds is read from its pipeline index, so a preset
that names the other one is refused rather than run on the wrong weights. ``fast`` keeps the
checkpoint's own sampling and adds diffusers' first-block cache (a denoising step whose first
block changes the hidden states by less than a threshold reuses the rest of the network's
residual from the step before) and, on cards with FP8 tensor cores, FP8 weights and
activations through torchao.

The Wan-Animate-2 transformer has no ``CacheMixin``, and its denoise loop sets no cache
context, so the cache is wired here: its block class is registered with diffusers' block
metadata, and a pre-hook on the transformer names each call's context, ``cond`` or ``uncond``
per guidance branch. A segment's reference pass (``kv_cache_mode="extract"``) fills the K/V
cache every later call reads: it must run in full, so it resets the cache, which also keeps
one segment from reusing another's residuals.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import torch

from motionbot.queue.errors import FailureReason
from motionbot.renderer.engines.diffusion.fit import Fit
from motionbot.renderer.errors import RendererError

log = logging.getLogger(__name__)

FP8_MIN_CAPABILITY = (8, 9)  # Ada and Hopper onwards: FP8 tensor cores (torch._scaled_mm)


class Preset(StrEnum):
    BASE = "base"
    DISTILLED = "distilled"
    FAST = "fast"


def resolve_preset(setting: str, distilled: bool, said: str) -> Preset:
    """The preset to run; ``"auto"`` is the checkpoint's own (base or distilled).

    ``said`` is where the kind was read (the index's class names), quoted in the refusal.
    """
    kind = Preset.DISTILLED if distilled else Preset.BASE
    if setting == "auto":
        return kind
    preset = Preset(setting)
    if preset is not Preset.FAST and preset is not kind:
        other = "the distilled checkpoint" if preset is Preset.DISTILLED else "the base checkpoint"
        raise RendererError(
            FailureReason.ENGINE_UNAVAILABLE,
            detail=f"MOTIONBOT_DIFFUSION_PRESET={setting} needs {other}, but this one is the {kind} model "
            f"({said}). Set MOTIONBOT_DIFFUSION_PRESET=auto (or fast), or point MOTIONBOT_DIFFUSION_MODEL "
            f"at {other}",
        )
    return preset


def check_distilled_flag(flag: bool | None, distilled: bool, said: str) -> None:
    """``MOTIONBOT_DIFFUSION_DISTILLED`` may confirm what the weights are, never contradict it."""
    if flag is None or flag == distilled:
        return
    wrong = "the distilled blocks (10 steps, no guidance) on base weights" if flag else (
        "the base blocks (40 guided steps) on distilled weights"
    )  # fmt: skip
    raise RendererError(
        FailureReason.ENGINE_UNAVAILABLE,
        detail=f"MOTIONBOT_DIFFUSION_DISTILLED={str(flag).lower()} but the checkpoint is the "
        f"{'distilled' if distilled else 'base'} model ({said}); running {wrong} gives wrong pictures. "
        "Unset MOTIONBOT_DIFFUSION_DISTILLED (the weights decide) or point MOTIONBOT_DIFFUSION_MODEL at the "
        f"{'distilled' if flag else 'base'} checkpoint",
    )


# --- first-block cache --------------------------------------------------------------------


def _register_block_metadata() -> None:
    helpers: Any = importlib.import_module("diffusers.hooks._helpers")
    transformer_module: Any = importlib.import_module(
        "diffusers.models.transformers.transformer_wan_animate_2"
    )
    block = transformer_module.WanAnimate2TransformerBlock
    registry = helpers.TransformerBlockRegistry
    if block in getattr(registry, "_registry", {}):
        return
    registry.register(
        model_class=block,
        metadata=helpers.TransformerBlockMetadata(
            return_hidden_states_index=0, return_encoder_hidden_states_index=None
        ),
    )


class StepCache:
    """diffusers' first-block cache on a Wan-Animate-2 transformer, with its contexts named per call."""

    def __init__(self, transformer: torch.nn.Module, threshold: float) -> None:
        hooks: Any = importlib.import_module("diffusers.hooks")
        self._hooks_module: Any = importlib.import_module("diffusers.hooks.hooks")
        _register_block_metadata()
        hooks.apply_first_block_cache(transformer, hooks.FirstBlockCacheConfig(threshold=threshold))
        self.transformer = transformer
        self.threshold = threshold
        self.registry = hooks.HookRegistry.check_if_exists_or_initialize(transformer)
        self._handle = transformer.register_forward_pre_hook(self._name_context, with_kwargs=True)

    def _name_context(self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        mode = kwargs.get("kv_cache_mode")
        if mode == "extract":
            self.reset()
            name = "extract"
        else:
            name = "uncond" if kwargs.get("is_uncondtion") else "cond"
        self._hooks_module._set_cache_context(module, self._hooks_module.CacheContext(name))

    def reset(self) -> None:
        """Forget every cached residual (a new segment, a new job)."""
        self.registry.reset_stateful_hooks(recurse=True)

    @contextlib.contextmanager
    def skipping_every_step(self) -> Iterator[None]:
        """Every step after a branch's first reuses the cache: the warm-up compiles that path too.

        Compiled blocks specialise on whether the cache computes or skips them; a warm-up that
        only ever computed would leave the skipping graphs to the first real job.
        """
        first_block: Any = self.transformer.blocks[0]  # type: ignore[index]
        hooks: Any = importlib.import_module("diffusers.hooks")
        fbc: Any = importlib.import_module("diffusers.hooks.first_block_cache")
        head = hooks.HookRegistry.check_if_exists_or_initialize(first_block).get_hook(
            fbc._FBC_LEADER_BLOCK_HOOK
        )
        saved, head.threshold = head.threshold, float("inf")
        try:
            yield
        finally:
            head.threshold = saved
            self.reset()


# --- FP8 ----------------------------------------------------------------------------------


def fp8_support(device: torch.device) -> tuple[bool, str]:
    """Whether FP8 weights can run on ``device``, and why not."""
    if device.type != "cuda":
        return False, "FP8 needs a CUDA card"
    capability = torch.cuda.get_device_capability(device)
    if capability < FP8_MIN_CAPABILITY:
        return (
            False,
            f"compute capability {capability[0]}.{capability[1]} has no FP8 tensor cores (needs 8.9+)",
        )
    try:
        importlib.import_module("torchao.quantization")
    except ImportError:
        return False, "torchao is not installed (pip install motionbot[fp8])"
    return True, f"FP8 weights and activations (compute capability {capability[0]}.{capability[1]})"


def block_linear(module: torch.nn.Module, name: str) -> bool:
    """torchao's filter: the linear layers inside the repeated blocks (embeddings and head stay)."""
    return isinstance(module, torch.nn.Linear) and name.startswith("blocks.")


def apply_fp8(transformer: torch.nn.Module) -> None:
    quantization: Any = importlib.import_module("torchao.quantization")
    config = quantization.Float8DynamicActivationFloat8WeightConfig(granularity=quantization.PerRow())
    quantization.quantize_(transformer, config, filter_fn=block_linear)


def apply_preset(
    fit: Fit, transformer: torch.nn.Module, *, threshold: float
) -> tuple[StepCache | None, bool]:
    """Put the fast preset's speed-ups on the placed transformer where the plan has them.

    Returns the step cache and whether the weights are FP8.
    """
    if not fit.fast:
        return None, False
    if fit.fp8:
        apply_fp8(transformer)
    log.info(
        "fast preset: first-block cache (threshold %.3g)%s", threshold, ", FP8 weights" if fit.fp8 else ""
    )
    return StepCache(transformer, threshold), fit.fp8
