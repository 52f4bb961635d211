"""A tiny random Wan-Animate-2 checkpoint, built in code and saved like the real one.

The real model is about 60 GB and cannot be downloaded here, so tests build every component
with the real classes at toy sizes (seconds on a CPU, under a few MB on disk), save the whole
modular pipeline with ``save_pretrained`` and then load it back through the engine's own
loading code, exactly as a worker loads the real checkpoint from a folder.

Two sizes are fixed by the pipeline, not by us: CLIP's ``hidden_size`` is 1280 (the
transformer's image projection expects it) and its ``image_size`` is 224 (the pipeline resizes
to 224 before encoding).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import torch

from motionbot.renderer.settings import RendererSettings

# The pipeline's default reference prompt (``prompt_ref``) is Chinese; the tokenizer must
# cover its characters or every one of them becomes <unk>.
DEFAULT_PROMPT_REF = "人物动作的参考视频"
TEXT_LEN = 16  # the tiny transformer's text_len; the engine passes it as max_sequence_length
PROMPT = "视频中的人在做动作"  # RendererSettings.diffusion_prompt's default


def _tokenizer(prompts: list[str]) -> object:
    from transformers import T5Tokenizer

    chars = sorted({c for p in prompts for c in p if not c.isspace()})
    pieces: list[tuple[str, float]] = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -1.0)]
    pieces += [(c, -2.0) for c in chars]
    pieces += [("▁" + c, -3.0) for c in chars]
    return T5Tokenizer(vocab=pieces, extra_ids=0)


def build_tiny_wan(
    directory: Path,
    *,
    prompts: list[str] | None = None,
    seed: int = 0,
    scheduler: object | None = None,
    distilled: bool = False,
) -> Path:
    """Save a tiny random Wan-Animate-2 modular pipeline into ``directory`` and return it."""
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanAnimate2Blocks,
        WanAnimate2DistilledBlocks,
        WanAnimate2DistilledModularPipeline,
        WanAnimate2ModularPipeline,
        WanAnimate2Transformer3DModel,
    )
    from transformers import CLIPVisionConfig, CLIPVisionModel, UMT5Config, UMT5EncoderModel

    texts = [
        DEFAULT_PROMPT_REF,
        "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,",
        *(prompts or []),
    ]
    torch.manual_seed(seed)
    tokenizer = _tokenizer(texts)
    text_encoder = UMT5EncoderModel(
        UMT5Config(
            d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
            relative_attention_num_buckets=8, relative_attention_max_distance=16,
            feed_forward_proj="gated-gelu", vocab_size=len(tokenizer),  # type: ignore[arg-type]
            pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
        )
    )  # fmt: skip
    vae = AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]
    )
    image_encoder = CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=1280, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4,
            image_size=224, patch_size=16,
        )
    )  # fmt: skip
    transformer = WanAnimate2Transformer3DModel(
        patch_size=(1, 2, 2), text_len=TEXT_LEN, in_dim=36, dim=128, ffn_dim=256, freq_dim=64, text_dim=32,
        out_dim=16, num_heads=4, num_layers=2, cross_attn_norm=True, use_img_emb=True,
    )  # fmt: skip
    scheduler = scheduler or FlowMatchEulerDiscreteScheduler(shift=5.0)

    if distilled:  # how the distilled repository is published: its index names the distilled blocks
        pipe = WanAnimate2DistilledModularPipeline(blocks=WanAnimate2DistilledBlocks())
    else:
        pipe = WanAnimate2ModularPipeline(blocks=WanAnimate2Blocks())
    pipe.update_components(
        tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, image_encoder=image_encoder,
        transformer=transformer, scheduler=scheduler,
    )  # fmt: skip
    for module in (text_encoder, vae, image_encoder, transformer):
        module.to(torch.bfloat16)  # stored like the real checkpoint; halves the folder (~20 MB)
    directory.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(str(directory), overwrite_modular_index=True)
    return directory


def session_model(base: Path, name: str = "tiny-wan", *, distilled: bool = False) -> Path:
    """Build once per test session under ``base`` (pytest's session temp dir), then reuse."""
    directory = base / name
    if not (directory / "modular_model_index.json").is_file():
        build_tiny_wan(directory, prompts=[PROMPT], distilled=distilled)
    return directory


def copy_model(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def folder_size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def tiny_settings(**overrides: object) -> RendererSettings:
    """Renderer settings that run the tiny model in seconds: 64x64, 2 steps, 9-frame segments.

    No warm-up: it renders every aspect bucket once per load; the tests about it turn it on.
    """
    values: dict[str, object] = {
        "device": "cpu", "diffusion_resolution": "64x64", "diffusion_steps": 2, "diffusion_segment_frames": 9,
        "diffusion_carried_frames": 1, "diffusion_compile": False, "diffusion_max_seconds": 10.0,
        "ai_label_visible": False, "diffusion_warm_up": False,
    }  # fmt: skip
    values.update(overrides)
    return RendererSettings(**values)  # type: ignore[arg-type]


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run torch's CPU kernels on ``n`` threads, then restore.

    The tiny model's kernels are far too small to gain from threads, and on a shared, busy
    machine OpenMP's spinning threads made one render ~10x slower (0.9 s on one thread,
    11-14 s on two, measured here under load).
    """
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
