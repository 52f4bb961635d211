"""Renderer settings, read once at each entry point (CLI, worker) from ``MOTIONBOT_*``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RendererSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTIONBOT_", extra="ignore", frozen=True)

    # reference video normalisation
    max_fps: float = Field(default=30.0, gt=0)
    max_seconds: float = Field(default=30.0, gt=0)
    max_video_side: int = Field(default=1280, ge=64)  # long side of decoded reference frames
    max_input_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    max_image_pixels: int = Field(default=50_000_000, ge=1)  # decompression-bomb guard
    # processes tracking pose in parallel chunks of one video; 1 keeps it in the calling process
    motion_workers: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1), ge=1)
    # output
    output_long_side: int = Field(default=768, ge=64)
    ai_label_visible: bool = True
    # motion cache (content hash + extraction settings)
    cache_dir: Path = Path("./data/cache")
    # engines
    diffusion_model: str = "Wan-AI/Wan2.2-Animate-2-14B-Diffusers"
    # None: the checkpoint's pipeline index decides; true/false must agree with it
    diffusion_distilled: bool | None = None
    # auto: the checkpoint's own sampling (base or distilled); fast adds the step cache and FP8
    diffusion_preset: Literal["auto", "base", "distilled", "fast"] = "auto"
    diffusion_cache_threshold: float = Field(default=0.1, gt=0)  # fast: first-block cache threshold
    diffusion_warm_up: bool = True  # compile and run each aspect bucket once before taking jobs
    # diffusion engine (see README.md, "Hardware"); "auto" picks CUDA when torch sees a GPU
    device: str = "auto"
    # auto (the largest that fits the card), 480p, 640x800, 720p or WIDTHxHEIGHT (a target area)
    diffusion_resolution: str = "auto"
    diffusion_steps: int | None = Field(default=None, ge=1)  # None: 40 (base) / 10 (distilled)
    diffusion_offload: Literal["auto", "none", "group"] = "auto"
    diffusion_compile: bool = True  # compile transformer blocks and the attention mask where possible
    diffusion_max_seconds: float = Field(default=10.0, gt=0)  # duration cap on top of max_seconds
    diffusion_segment_frames: int = Field(default=81, ge=5)  # 4k+1 frames per segment
    diffusion_carried_frames: int = Field(default=1, ge=1)  # conditioning frames carried across segments
    diffusion_guidance_scale: float | None = Field(default=None, gt=0)  # None: the checkpoint's guider
    diffusion_prompt: str = "视频中的人在做动作"  # "the person in the video is moving"
    diffusion_negative_prompt: str = ""
    diffusion_seed: int = 0
