"""Settings of the queue contract, read once at each entry point from ``MOTIONBOT_*``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class QueueSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTIONBOT_", extra="ignore", frozen=True)

    redis_url: str = "redis://localhost:6379/0"
    media_store: Literal["local", "s3"] = "local"
    media_dir: Path = Path("./data/media")
    s3_bucket: str = "motionbot"
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    health_check_interval_s: int = Field(default=10, ge=1)
    keep_result_s: int = Field(default=3600, ge=0)
    daily_quota: int = Field(default=50, ge=0)  # renders per user per day; 0 = unlimited
    max_running_per_user: int = Field(default=1, ge=1)
