"""Fit or refuse at load time: the output size a card and host can run, chosen before loading.

A worker that accepted a card too small only found out job by job, minutes into each render,
by running out of memory twice. Here the plan is made from the checkpoint's files (parameter
counts read from the safetensors headers) and the memory the card and host report, before a
byte of weights is loaded: the largest size that fits is chosen (``"auto"``), a configured
size that cannot fit is refused with what the card has, what the size needs and which change
would fit. All arithmetic, no torch, so ``motionbot doctor`` reports the same plan.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, replace
from pathlib import Path

from motionbot.queue.errors import FailureReason
from motionbot.renderer.engines.diffusion.memory import (
    GIB,
    PRESETS,
    MemoryPlan,
    ModelFootprint,
    Resolution,
    Strategy,
    lower_resolution,
    parse_resolution,
    plan_memory,
)
from motionbot.renderer.engines.diffusion.model_files import locate_component, read_index
from motionbot.renderer.errors import RendererError

HOST_BASE = 4 * GIB  # the Python process, torch, CUDA's host side and the decoded media of a job
FP8_WEIGHT_SHARE = 0.53  # bf16 -> FP8 halves the blocks' linear weights; norms and biases stay


def _presets_largest_first() -> list[Resolution]:
    return sorted((Resolution(*hw) for hw in PRESETS.values()), key=lambda r: r.area, reverse=True)


def auto_sizes() -> list[Resolution]:
    """What ``"auto"`` tries, largest first: the presets, then the out-of-memory size below 480p."""
    sizes = _presets_largest_first()
    floor = lower_resolution(sizes[-1])
    return sizes + ([floor] if floor is not None else [])


def host_memory_bytes() -> int | None:
    """RAM this process may use: the machine's total, capped by a cgroup (container) limit."""
    total: int | None = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                total = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        return None
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and total is not None and int(text) < total:
            total = int(text)
    return total


def safetensors_elements(directory: Path) -> int:
    """Parameter count of the ``.safetensors`` files in ``directory``, from their headers alone."""
    count = 0
    for file in sorted(directory.glob("*.safetensors")):
        try:
            with file.open("rb") as handle:
                (length,) = struct.unpack("<Q", handle.read(8))
                if length > file.stat().st_size:
                    raise ValueError("header longer than the file")
                header = json.loads(handle.read(length))
            count += sum(math.prod(t["shape"]) for k, t in header.items() if k != "__metadata__")
        except (OSError, ValueError, KeyError, TypeError, AttributeError, struct.error) as exc:
            raise RendererError(
                FailureReason.MODEL_MISSING,
                detail=f"{file} is not a readable safetensors file ({exc}); download it again",
            ) from exc
    return count


def footprint_from_folder(folder: Path, dtype_bytes: int) -> ModelFootprint:
    """The planner's view of a local checkpoint, with its weights at ``dtype_bytes`` a value."""
    _, index = read_index(folder)
    transformer = locate_component(folder, "transformer", index)
    config = json.loads(
        ((transformer.directory if transformer else folder / "transformer") / "config.json").read_text()
    )

    def size(name: str) -> int:
        component = locate_component(folder, name, index)  # the folder's own, or a shared repo's
        if component is None or not component.directory.is_dir():
            return 0
        return safetensors_elements(component.directory) * dtype_bytes

    return ModelFootprint(
        transformer_bytes=size("transformer"), other_bytes=size("image_encoder") + size("vae"),
        text_encoder_bytes=size("text_encoder"), num_layers=int(config["num_layers"]),
        dim=int(config["dim"]), ffn_dim=int(config["ffn_dim"]), num_heads=int(config["num_heads"]),
        dtype_bytes=dtype_bytes,
    )  # fmt: skip


def with_fp8(model: ModelFootprint) -> ModelFootprint:
    """The footprint once the transformer's linear weights are FP8 on the card."""
    return replace(model, transformer_bytes=int(model.transformer_bytes * FP8_WEIGHT_SHARE))


def host_needed(model: ModelFootprint, strategy: Strategy) -> int:
    """Peak host RAM while loading and placing.

    Every component is read into RAM first (the text encoder too, until the prompts are
    encoded); group offloading then pins a copy of each transformer block while the unpinned
    original still exists, so for a moment the transformer is in RAM twice.
    """
    loading = model.transformer_bytes + model.text_encoder_bytes + model.other_bytes + HOST_BASE
    if strategy is Strategy.GROUP_OFFLOAD:
        return max(loading, 2 * model.transformer_bytes + model.other_bytes + HOST_BASE)
    return loading


@dataclass(frozen=True)
class Fit:
    resolution: Resolution
    memory: MemoryPlan
    card_bytes: int | None
    host_bytes: int | None
    host_needed: int
    why: str  # "largest size that fits" or "as configured"
    model: ModelFootprint  # as loaded (before any FP8 conversion on the card)
    fast: bool = False  # the fast preset's speed-ups are part of the plan (all on the GPU, or the CPU)
    fp8: bool = False  # ... and the transformer's block weights are FP8 on the card

    @property
    def summary(self) -> str:
        host = f"host RAM ~{self.host_needed / GIB:.0f} GiB"
        if self.host_bytes is not None:
            host += f" of {self.host_bytes / GIB:.0f} GiB"
        speed = "; step cache" + (" and FP8 weights" if self.fp8 else "") if self.fast else ""
        return f"{self.resolution.label} ({self.why}): {self.memory.reason}{speed}; {host}"


def _gib(n: int) -> str:
    return f"{n / GIB:.0f} GiB"


def _needed(plan: MemoryPlan, model: ModelFootprint) -> int:
    """What the plan's strategy needs on the card (offloaded: two resident block groups)."""
    if plan.strategy is Strategy.ALL_ON_GPU:
        return plan.estimate.total
    resident = model.other_bytes + model.transformer_bytes - model.num_layers * model.block_bytes
    return resident + 2 * max(1, plan.blocks_per_group) * model.block_bytes + plan.estimate.working_set


def smallest_card(model: ModelFootprint, res: Resolution, segment_frames: int, compiler: bool) -> int:
    """The least card memory (whole GiB) on which ``res`` fits, offloading where needed."""
    gib = 8
    while not plan_memory(gib * GIB, model, res, segment_frames=segment_frames, compiler=compiler).fits:
        gib += 2
        if gib > 4096:
            break
    return gib * GIB


def _refuse_card(
    card: int, model: ModelFootprint, res: Resolution, plan: MemoryPlan, segment_frames: int,
    fits: dict[str, bool], fp8_possible: bool, compiler: bool,
) -> RendererError:  # fmt: skip
    est = plan.estimate
    changes: list[str] = []
    if plan.strategy is Strategy.ALL_ON_GPU and fits["offload"]:
        changes.append("MOTIONBOT_DIFFUSION_OFFLOAD=group (or auto) to stream the transformer's blocks")
    smaller = [r for r in auto_sizes() if r.area < res.area]
    for size in smaller:
        if plan_memory(card, model, size, segment_frames=segment_frames, compiler=compiler).fits:
            changes.append(f"MOTIONBOT_DIFFUSION_RESOLUTION={size.label} (or auto)")
            break
    for frames in (41, 21):
        if (
            frames < segment_frames
            and plan_memory(card, model, res, segment_frames=frames, compiler=compiler).fits
        ):
            changes.append(f"MOTIONBOT_DIFFUSION_SEGMENT_FRAMES={frames} (a smaller per-segment cache)")
            break
    fp8_plan = plan_memory(
        card,
        with_fp8(model),
        res,
        segment_frames=segment_frames,
        compiler=compiler,
        force=Strategy.ALL_ON_GPU,
    )
    if fp8_possible and fp8_plan.fits:
        changes.append("MOTIONBOT_DIFFUSION_PRESET=fast (FP8 weights, all on this card)")
    changes.append(f"a card with at least {_gib(smallest_card(model, res, segment_frames, compiler))}")
    return RendererError(
        FailureReason.GPU_OUT_OF_MEMORY,
        detail=f"this {_gib(card)} card cannot run Wan-Animate-2 at {res.label} with {segment_frames}-frame "
        f"segments: it needs ~{_gib(_needed(plan, model))} ({plan.strategy}; per-segment cache "
        f"{_gib(est.kv_cache)}, attention and activations {_gib(est.attention + est.activations)}). "
        f"Change one of: {'; '.join(changes)}",
    )


def _refuse_host(host: int, needed: int, strategy: Strategy, model: ModelFootprint) -> RendererError:
    hint = "more RAM (or a larger container memory limit)"
    if strategy is Strategy.GROUP_OFFLOAD:
        all_on = host_needed(model, Strategy.ALL_ON_GPU)
        hint += f"; a card that holds the whole model needs only ~{_gib(all_on)} of RAM"
    return RendererError(
        FailureReason.ENGINE_UNAVAILABLE,
        detail=f"loading Wan-Animate-2 needs ~{_gib(needed)} of host RAM ({strategy}: the transformer "
        f"{_gib(model.transformer_bytes)}, the text encoder {_gib(model.text_encoder_bytes)} while the "
        f"prompts are encoded), this host has {_gib(host)}. Change: {hint}",
    )


def plan_fit(
    card_bytes: int | None,
    host_bytes: int | None,
    model: ModelFootprint,
    resolution: str,
    *,
    segment_frames: int = 81,
    compiler: bool = True,
    force: Strategy | None = None,
    fast: bool = False,
    fp8_possible: bool = False,
) -> Fit:
    """The size to serve and how it is placed, or a refusal (``RendererError``) naming a fix.

    ``resolution`` is ``"auto"`` (the largest of :func:`auto_sizes` that fits) or a size for
    :func:`parse_resolution`. ``fast``: the fast preset, whose speed-ups (the step cache, FP8
    weights where ``fp8_possible``) need the whole model on the card: diffusers' group
    offloading moves block groups from inside the blocks' own hooks, which a cached step skips.
    So a fast plan first looks for a size that fits all on the GPU with them, and only then
    falls back to the ordinary plan, without them.
    """
    auto = resolution.strip().lower() == "auto"
    sizes = auto_sizes() if auto else [parse_resolution(resolution)]
    why = "largest size that fits" if auto else "as configured"
    if card_bytes is None:  # the CPU: float32 in RAM, no card to fit
        res = sizes[-1] if auto else sizes[0]
        plan = plan_memory(None, model, res, segment_frames=segment_frames)
        needed = host_needed(model, Strategy.ALL_ON_GPU)
        chosen = Fit(res, plan, None, host_bytes, needed, "no CUDA device", model, fast=fast)
    else:
        chosen_or_none: Fit | None = None
        if fast and force is not Strategy.GROUP_OFFLOAD:
            on_card = with_fp8(model) if fp8_possible else model
            for res in sizes:
                plan = plan_memory(
                    card_bytes, on_card, res, segment_frames=segment_frames, compiler=compiler,
                    force=Strategy.ALL_ON_GPU,
                )  # fmt: skip
                if plan.fits:
                    needed = host_needed(model, plan.strategy)
                    chosen_or_none = Fit(
                        res, plan, card_bytes, host_bytes, needed, why, model, fast, fp8_possible
                    )
                    break
        for res in sizes if chosen_or_none is None else []:
            plan = plan_memory(
                card_bytes, model, res, segment_frames=segment_frames, compiler=compiler, force=force
            )
            if plan.fits:
                needed = host_needed(model, plan.strategy)
                chosen_or_none = Fit(res, plan, card_bytes, host_bytes, needed, why, model)
                break
        if chosen_or_none is None:
            res = sizes[-1] if auto else sizes[0]
            plan = plan_memory(
                card_bytes, model, res, segment_frames=segment_frames, compiler=compiler, force=force
            )
            offload = plan_memory(
                card_bytes, model, res, segment_frames=segment_frames, compiler=compiler,
                force=Strategy.GROUP_OFFLOAD,
            )  # fmt: skip
            fits = {"offload": offload.fits}
            raise _refuse_card(card_bytes, model, res, plan, segment_frames, fits, fp8_possible, compiler)
        chosen = chosen_or_none
    if host_bytes is not None and chosen.host_needed > host_bytes:
        raise _refuse_host(host_bytes, chosen.host_needed, chosen.memory.strategy, model)
    return chosen
