"""Renderer settings, read once at each entry point (CLI, worker) from ``MOTIONBOT_*``."""

from __future__ import annotations

from pathlib import Path

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
    # output
    output_long_side: int = Field(default=768, ge=64)
    ai_label_visible: bool = True
    # motion cache (content hash + extraction settings)
    cache_dir: Path = Path("./data/cache")
    # engines
    diffusion_model: str = "Wan-AI/Wan2.2-Animate-2-14B-Diffusers"
    diffusion_distilled: bool = False
