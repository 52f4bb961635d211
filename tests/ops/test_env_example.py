""".env.example documents every setting the code reads, with defaults that validate."""

from __future__ import annotations

import re

import pytest
from deploy_files import COMPOSE, env_example_names
from pydantic_settings import BaseSettings

from motionbot.ops.run import read_env_file
from motionbot.ops.settings import OpsSettings
from motionbot.queue.settings import QueueSettings


def _settings_classes() -> list[type[BaseSettings]]:
    classes: list[type[BaseSettings]] = [QueueSettings, OpsSettings]
    from motionbot.renderer.settings import RendererSettings

    classes.append(RendererSettings)
    from motionbot.bot.settings import BotSettings

    classes.append(BotSettings)
    return classes


def _env_names(cls: type[BaseSettings]) -> set[str]:
    prefix = cls.model_config.get("env_prefix", "")
    return {f"{prefix}{name}".upper() for name in cls.model_fields}


@pytest.mark.parametrize("cls", _settings_classes(), ids=lambda c: c.__name__)
def test_every_setting_is_documented(cls: type[BaseSettings]) -> None:
    documented = set(env_example_names())
    missing = sorted(_env_names(cls) - documented)
    assert not missing, f"add to .env.example: {missing}"


def test_nothing_undocumented_or_misspelt() -> None:
    """Each MOTIONBOT_* line is a setting, or a compose-only variable used in docker-compose.yml."""
    known = set().union(*(_env_names(c) for c in _settings_classes()))
    compose_vars = set(re.findall(r"\$\{(MOTIONBOT_[A-Z0-9_]+)", COMPOSE.read_text()))
    stray = sorted(
        n for n in env_example_names() if n.startswith("MOTIONBOT_") and n not in known | compose_vars
    )
    assert not stray, f".env.example names settings nothing reads: {stray}"


@pytest.mark.parametrize("cls", _settings_classes(), ids=lambda c: c.__name__)
def test_documented_values_validate(cls: type[BaseSettings], clean_env: pytest.MonkeyPatch) -> None:
    for name, value in env_example_names().items():
        if name.startswith("MOTIONBOT_") and value:
            clean_env.setenv(name, value)
    cls()  # raises ValidationError on a wrong documented default


def test_documented_defaults_are_the_real_defaults(clean_env: pytest.MonkeyPatch) -> None:
    """A commented `# MOTIONBOT_X=value` claims the default: it must match the code."""
    wrong = []
    documented = env_example_names()
    for cls in _settings_classes():
        defaults = cls()
        prefix = cls.model_config.get("env_prefix", "")
        for field in cls.model_fields:
            value = documented.get(f"{prefix}{field}".upper())
            if not value or field in ("redis_url", "diffusion_model"):
                continue
            clean_env.setenv(f"{prefix}{field}".upper(), value)
            if getattr(cls(), field) != getattr(defaults, field):
                wrong.append(f"{prefix}{field}".upper())
            clean_env.delenv(f"{prefix}{field}".upper())
    # the example's active lines (tokens, password, profiles) are placeholders, not defaults
    active = {k for k in read_env_file(COMPOSE.parent / ".env.example")}
    assert not [w for w in wrong if w not in active], f"documented default differs from the code: {wrong}"


def test_env_example_parses_like_compose_reads_it() -> None:
    values = read_env_file(COMPOSE.parent / ".env.example")
    assert values["COMPOSE_PROFILES"] == "telegram"
    assert values["MOTIONBOT_TELEGRAM_TOKEN"] == ""
    assert "MOTIONBOT_REDIS_PASSWORD" in values
