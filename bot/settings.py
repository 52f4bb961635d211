"""Settings of the bot process, read once at the entry point from ``MOTIONBOT_*``.

The queue's own settings (Redis, media store) are :class:`QueueSettings`; the entry point
reads both and passes them down (aiogram workflow data, the Discord client's attributes).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from motionbot.queue.jobs import EngineName

MB = 1_000_000


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTIONBOT_", extra="ignore", frozen=True)

    history_db: Path = Path("./data/history.sqlite3")
    # engines this deployment offers to users (intersected with the workers alive)
    engines: tuple[EngineName, ...] = (EngineName.WARP, EngineName.DIFFUSION)
    default_engine: EngineName = EngineName.WARP
    inspect_timeout_s: float = Field(default=15.0, gt=0)
    max_video_seconds: float = Field(default=30.0, gt=0, le=600)
    state_ttl_s: int = Field(default=7 * 86_400, ge=60)
    edit_interval_s: float = Field(default=1.5, ge=0)  # between status-message edits per chat
    progress_poll_s: float = Field(default=0.5, gt=0)
    history_page_size: int = Field(default=5, ge=1, le=20)
    rate_limit_events: int = Field(default=20, ge=1)  # updates per user per window
    rate_limit_window_s: int = Field(default=10, ge=1)

    # --- Telegram ---
    telegram_token: SecretStr | None = None
    telegram_api_url: str | None = None  # e.g. a local Bot API server http://localhost:8081
    # the API server is local (--local): files by path, no 20/50 MB limits
    telegram_local: bool = False
    telegram_connections: int = Field(default=32, ge=1, le=1000)  # kept-alive connections to the Bot API
    telegram_download_limit_mb: float = Field(default=20.0, gt=0)
    telegram_upload_limit_mb: float = Field(default=50.0, gt=0)
    telegram_webhook_url: str | None = None  # public https URL Telegram posts updates to
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_host: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8080, ge=1, le=65535)
    telegram_webhook_path: str = "/telegram/webhook"

    # --- Discord (used by motionbot.bot.discord) ---
    discord_token: SecretStr | None = None
    discord_upload_limit_mb: float = Field(default=10.0, gt=0)  # when Discord doesn't say (10 MiB)
    # REST base, e.g. an HTTP rate-limit proxy in front of https://discord.com/api/v10
    discord_api_url: str | None = None
    discord_download_limit_mb: float = Field(default=50.0, gt=0)  # largest attachment fetched
    # interaction tokens last 15 min; stop using one a little earlier, then post as the bot
    discord_token_lifetime_s: float = Field(default=14 * 60, gt=0, le=15 * 60)
    discord_guild_ids: tuple[int, ...] = ()  # `--sync` also copies the commands to these guilds

    def telegram_download_limit(self) -> int | None:
        return None if self.telegram_local else int(self.telegram_download_limit_mb * MB)

    def telegram_upload_limit(self) -> int | None:
        """Bytes a sent video may have; a local Bot API server takes up to 2000 MB."""
        return 2000 * MB if self.telegram_local else int(self.telegram_upload_limit_mb * MB)


def has_token(token: SecretStr | None) -> bool:
    """A platform's token is set (an empty value in .env counts as unset)."""
    return token is not None and bool(token.get_secret_value().strip())
