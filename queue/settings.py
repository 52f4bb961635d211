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
    # --- render queue and workers (added by the queue/worker part) ---
    # Own job timeouts per engine; arq's timeout is set a little longer so that ours fires
    # first and the user gets a TIMED_OUT failure instead of silence (arq timeouts are final).
    timeout_warp_s: float = Field(default=300.0, gt=0)
    timeout_diffusion_s: float = Field(default=1800.0, gt=0)
    timeout_inspect_s: float = Field(default=20.0, gt=0)
    render_max_tries: int = Field(default=3, ge=1)  # transient faults (worker killed, Redis blip, OOM)
    retry_backoff_s: float = Field(default=5.0, ge=0)  # doubled on each further try
    # A running job refreshes arq's in-progress key this often (x3 is its TTL), so a job whose
    # worker died is re-run after about 3 x this, not after arq's max(timeout) + 10 s.
    heartbeat_s: float = Field(default=10.0, gt=0)
    worker_poll_s: float = Field(default=0.02, gt=0)  # arq polls the queue this often (latency floor)
    work_dir: Path = Path("./data/work")  # per-task scratch space of a worker, removed after each job
    progress_ttl_s: int = Field(default=86_400, ge=1)
    progress_interval_s: float = Field(default=0.5, ge=0)  # progress publishes are throttled to this
    result_cache_ttl_s: int = Field(default=7 * 86_400, ge=0)  # 0 = no result cache
    delivered_ttl_s: int = Field(default=7 * 86_400, ge=1)
    # a JPEG still with each result (RenderResult.thumbnail); off by default: it costs an ffmpeg
    # call (about 60 ms) per job and Telegram and Discord make their own previews
    thumbnails: bool = False
    # first retry delay of a failed deliver handler, doubled on each further try
    deliver_retry_s: float = Field(default=2.0, ge=0)
    user_slot_ttl_s: int = Field(default=3600, ge=1)  # a leaked per-user slot frees itself after this
    # ETA before any render was measured: seconds of wall time per second of output video.
    eta_default_warp: float = Field(default=2.0, gt=0)
    eta_default_diffusion: float = Field(default=120.0, gt=0)
    eta_typical_output_s: float = Field(default=8.0, gt=0)  # output length assumed for queued jobs
    # An engine no worker has served within this long counts as not deployed (ENGINE_UNAVAILABLE).
    engine_absent_after_s: int = Field(default=86_400, ge=1)
