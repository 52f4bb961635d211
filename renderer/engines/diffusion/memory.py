"""How the diffusion engine fits on a card: resolution presets and the memory strategy.

Everything here is pure arithmetic on sizes, so the choice a worker makes at startup can be
unit-tested without a GPU. The estimate follows where Wan-Animate-2's memory actually goes
(diffusers ``transformer_wan_animate_2``): the weights, a per-segment KV cache that stores
every layer's reference keys and values (``2 x layers x reference tokens x dim``), the packed
``[generation | reference]`` attention buffers, the feed-forward activations of one block, the
VAE's decode workspace and a reserve for the CUDA context and allocator fragmentation. The
diffusers docs say the 14B transformer and its per-segment cache do not co-reside on one
80 GB card at the default 640x800; with the numbers below the estimate agrees
(``tests/renderer/test_diffusion_memory.py``), and at 480p it fits.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import RendererError

GIB = 1024**3
MODEL_FPS = 24  # the frame rate Wan-Animate-2 generates at (the pipeline's ``fps`` default)
# height x width are a target *area*: the pipeline takes the aspect ratio from the photo.
PRESETS: dict[str, tuple[int, int]] = {
    "480p": (832, 480),
    "640x800": (800, 640),  # the pipeline's own default
    "720p": (1280, 720),
}
_SIZE_RE = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")
_MOD = 16  # the pipeline rounds each side down to a multiple of vae_scale_factor * patch (8 * 2)
_MIN_SIDE = 32


@dataclass(frozen=True)
class Resolution:
    height: int
    width: int

    @property
    def label(self) -> str:
        for name, (h, w) in PRESETS.items():
            if (h, w) == (self.height, self.width):
                return name
        return f"{self.width}x{self.height}"

    @property
    def area(self) -> int:
        return self.height * self.width


def parse_resolution(text: str) -> Resolution:
    """A preset name (480p, 640x800, 720p) or WIDTHxHEIGHT, e.g. ``64x64`` for tests."""
    key = text.strip().lower()
    if key in PRESETS:
        return Resolution(*PRESETS[key])
    match = _SIZE_RE.match(key)
    if not match:
        raise RendererError(
            FailureReason.ENGINE_UNAVAILABLE,
            f"Unknown diffusion resolution {text!r}: use one of {', '.join(PRESETS)} or WIDTHxHEIGHT.",
        )
    width, height = int(match.group(1)), int(match.group(2))
    if min(width, height) < _MIN_SIDE:
        raise RendererError(
            FailureReason.ENGINE_UNAVAILABLE,
            f"Diffusion resolution {text!r} is below {_MIN_SIDE} pixels a side.",
        )
    return Resolution(height=height, width=width)


def lower_resolution(res: Resolution) -> Resolution | None:
    """The size an out-of-memory render is retried at: the next preset down, else half the area.

    Memory grows with the token count, i.e. with the area, so halving the area roughly halves
    the KV cache and the activations. None when there is nothing sensible below.
    """
    below = sorted((Resolution(*hw) for hw in PRESETS.values()), key=lambda r: r.area, reverse=True)
    for preset in below:
        if preset.area < res.area and preset.area >= res.area / 2.5:
            return preset
    scale = math.sqrt(0.5)
    h = int(res.height * scale) // _MOD * _MOD
    w = int(res.width * scale) // _MOD * _MOD
    if min(h, w) < _MIN_SIDE:
        return None
    return Resolution(height=h, width=w)


def count_segments(n_frames: int, segment_frames: int, carried_frames: int) -> int:
    """How many segments the pipeline runs for ``n_frames`` driving frames (its own formula)."""
    effective = segment_frames - carried_frames
    leftover = (n_frames - carried_frames) % effective if n_frames > carried_frames else 0
    padding = effective - leftover if leftover > 0 else 0
    return (n_frames + padding - carried_frames + effective - 1) // effective


@dataclass(frozen=True)
class ModelFootprint:
    """What the planner needs to know about a loaded (or described) checkpoint."""

    transformer_bytes: int
    other_bytes: int  # image encoder + VAE, which always stay on the card
    num_layers: int
    dim: int
    ffn_dim: int
    num_heads: int
    dtype_bytes: int = 2
    text_encoder_bytes: int = 0  # in host RAM only while the fixed prompts are encoded at load

    @classmethod
    def wan_animate_2_14b(cls) -> ModelFootprint:
        """The published 14B configuration (dim 5120, 40 layers), bf16; used when nothing is loaded yet."""
        # 40 blocks x (self 4d^2 + cross 4d^2 + image k/v 2d^2 + ffn 2*d*ffn) ~ 16.1e9 parameters
        d, ffn, layers = 5120, 13824, 40
        params = layers * (10 * d * d + 2 * d * ffn)
        return cls(
            transformer_bytes=params * 2, other_bytes=int(1.5 * GIB), num_layers=layers, dim=d, ffn_dim=ffn,
            num_heads=40, text_encoder_bytes=int(5.68e9) * 2,  # UMT5-XXL's encoder
        )  # fmt: skip

    @property
    def block_bytes(self) -> int:
        return self.transformer_bytes // max(1, self.num_layers)


class Strategy(StrEnum):
    CPU = "cpu"  # no CUDA device: everything on the CPU in float32 (tests, tiny models)
    ALL_ON_GPU = "all_on_gpu"
    GROUP_OFFLOAD = "group_offload"  # transformer blocks stream from CPU RAM, a group at a time


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int
    kv_cache: int
    attention: int
    activations: int
    vae: int
    reserve: int

    @property
    def working_set(self) -> int:
        """Everything except the transformer weights."""
        return self.kv_cache + self.attention + self.activations + self.vae + self.reserve

    @property
    def total(self) -> int:
        return self.weights + self.working_set


@dataclass(frozen=True)
class MemoryPlan:
    strategy: Strategy
    compile_blocks: bool
    blocks_per_group: int
    estimate: MemoryEstimate
    fits: bool  # False: even the chosen strategy is expected to run out of memory
    reason: str


def estimate_memory(
    model: ModelFootprint,
    res: Resolution,
    *,
    segment_frames: int = 81,
    total_vram: int = 80 * 10**9,
    compiled_attention: bool = True,
) -> MemoryEstimate:
    b = model.dtype_bytes
    latent_frames = (segment_frames - 1) // 4 + 1
    hw = (res.height // 16) * (res.width // 16)  # tokens per latent frame after the 2x2 patch
    gen_tokens = (latent_frames + 1) * hw  # one extra frame: the reference image's slot
    ref_tokens = latent_frames * hw
    packed_q = math.ceil(gen_tokens / 128) * 128
    packed_kv = packed_q + math.ceil(ref_tokens / 128) * 128
    kv_cache = 2 * model.num_layers * ref_tokens * model.dim * b
    attention = (packed_q + 2 * packed_kv) * model.dim * b
    if not compiled_attention:
        # eager flex attention materialises the whole score matrix (float32) for every head
        attention += model.num_heads * packed_q * packed_kv * 4
    activations = 2 * gen_tokens * (model.ffn_dim + 4 * model.dim) * b
    vae = res.area * 12 * 1024  # decode workspace: ~12 KiB per output pixel (causal, chunked in time)
    reserve = 2 * GIB + total_vram // 20
    return MemoryEstimate(
        weights=model.transformer_bytes + model.other_bytes, kv_cache=kv_cache, attention=attention,
        activations=activations, vae=vae, reserve=reserve,
    )  # fmt: skip


def plan_memory(
    total_vram: int | None,
    model: ModelFootprint,
    res: Resolution,
    *,
    segment_frames: int = 81,
    compiler: bool = True,
    force: Strategy | None = None,
) -> MemoryPlan:
    """Choose how to place the model on a card of ``total_vram`` bytes (None: no CUDA device).

    All on the GPU when weights plus working set fit; otherwise the transformer's blocks are
    group-offloaded, four blocks a group where that fits, else two or one (two groups are
    resident: the running one and the prefetched next). On CUDA
    the repeated blocks are compiled whenever a compiler exists: diffusers notes the flex
    attention path needs ``torch.compile``, eager flex attention materialises the full score
    matrix.
    """
    if total_vram is None:
        est = estimate_memory(model, res, segment_frames=segment_frames, total_vram=0)
        return MemoryPlan(Strategy.CPU, False, 0, est, True, "no CUDA device: running on the CPU in float32")
    est = estimate_memory(
        model, res, segment_frames=segment_frames, total_vram=total_vram, compiled_attention=compiler
    )
    resident_base = model.other_bytes + (model.transformer_bytes - model.num_layers * model.block_bytes)

    def offloaded(blocks_per_group: int) -> int:
        return resident_base + 2 * blocks_per_group * model.block_bytes  # running group + prefetched one

    # four blocks a group as in the diffusers Wan-Animate-2 example; fewer when the card is tight
    blocks_per_group = next((n for n in (4, 2, 1) if offloaded(n) + est.working_set <= total_vram), 1)
    offloaded_weights = offloaded(blocks_per_group)
    all_fits = est.total <= total_vram
    offload_fits = offloaded_weights + est.working_set <= total_vram
    gib = f"{total_vram / GIB:.0f} GiB card"
    need = f"needs ~{est.total / GIB:.0f} GiB at {res.label}"
    if force is Strategy.ALL_ON_GPU or (force is None and all_fits):
        reason = f"all on the GPU: {need}, {gib}"
        return MemoryPlan(Strategy.ALL_ON_GPU, compiler, 0, est, all_fits, reason)
    reason = (
        f"transformer blocks group-offloaded: all on the GPU {need}, {gib}; offloaded it needs "
        f"~{(offloaded_weights + est.working_set) / GIB:.0f} GiB"
    )
    return MemoryPlan(Strategy.GROUP_OFFLOAD, compiler, blocks_per_group, est, offload_fits, reason)
