"""Operations settings, read once at each entry point from ``MOTIONBOT_*`` like the others."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OpsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTIONBOT_", extra="ignore", frozen=True)

    # /metrics (Prometheus) and /healthz (liveness) per process; 0 turns the endpoint off
    metrics_port: int = Field(default=9100, ge=0, le=65535)
    metrics_host: str = "0.0.0.0"
    # a process whose event loop has not beaten for this long answers /healthz with 503
    liveness_stale_s: float = Field(default=60.0, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    # media and results older than this are deleted by the retention job; 0 keeps them forever
    retention_days: float = Field(default=14.0, ge=0)
    retention_hour: int = Field(default=3, ge=0, le=23)  # UTC hour of the daily sweep
    # chat users allowed to run admin commands: "123,telegram:456,discord:789";
    # a bare id matches on any platform
    admin_ids: str = ""

    def is_admin(self, platform: str, user_id: str | int) -> bool:
        uid = str(user_id)
        for item in (part.strip() for part in self.admin_ids.split(",")):
            if not item:
                continue
            plat, sep, ident = item.rpartition(":")
            if ident == uid and (not sep or plat.lower() == platform.lower()):
                return True
        return False
