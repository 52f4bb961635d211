"""docker-compose.yml: valid for the compose tool, wired as the deployment guide promises, and
every service command accepted by the real `motionbot` CLI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from deploy_files import COMPOSE, ENV_EXAMPLE, ROOT, exec_form, load_compose

from motionbot.queue.cli import build_parser

APP_SERVICES = ("bot-telegram", "bot-discord", "renderer-cpu", "renderer-gpu")


def _compose_project(tmp_path: Path) -> Path:
    """A copy of the project's compose setup as a user would have it: .env from .env.example."""
    shutil.copy(COMPOSE, tmp_path / "docker-compose.yml")
    shutil.copytree(ROOT / "docker", tmp_path / "docker")
    env = ENV_EXAMPLE.read_text().replace(
        "MOTIONBOT_REDIS_PASSWORD=change-me-to-a-long-random-hex-string",
        "MOTIONBOT_REDIS_PASSWORD=0123abcd4567ef",
    )
    (tmp_path / ".env").write_text(env)
    return tmp_path


def _validator() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    return None


def test_compose_file_is_valid(tmp_path: Path) -> None:
    tool = _validator()
    if tool is None:
        pytest.skip("no compose validator here (apt-get install docker-compose, or `make system-deps`)")
    project = _compose_project(tmp_path)
    every = ["--profile", "telegram", "--profile", "discord", "--profile", "gpu", "--profile", "s3"]
    result = subprocess.run([*tool, *every, "config", "-q"], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    # without the Redis password compose refuses to start, with a message saying what to set
    (project / ".env").write_text("COMPOSE_PROFILES=telegram\n")
    result = subprocess.run([*tool, "config", "-q"], cwd=project, capture_output=True, text=True)
    assert result.returncode != 0
    assert "MOTIONBOT_REDIS_PASSWORD" in result.stderr


def test_compose_file_matches_the_compose_schema() -> None:
    """The compose specification's JSON schema (shipped with Debian's docker-compose)."""
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = Path("/usr/lib/python3/dist-packages/compose/config/compose_spec.json")
    if not schema_path.is_file():
        pytest.skip("compose_spec.json not installed (apt-get install docker-compose)")
    import json

    schema = json.loads(schema_path.read_text())
    jsonschema.Draft201909Validator(schema).validate(load_compose())


def _service(name: str) -> dict[str, Any]:
    services = load_compose()["services"]
    assert name in services, f"no service {name!r}"
    svc: dict[str, Any] = services[name]
    return svc


def test_redis_is_persistent_private_and_password_protected() -> None:
    redis = _service("redis")
    command = " ".join(redis["command"]) if isinstance(redis["command"], list) else redis["command"]
    for flag in (
        "--appendonly yes",
        "--appendfsync everysec",
        "--maxmemory-policy noeviction",
        "--requirepass",
    ):
        assert flag in command
    assert "ports" not in redis, "Redis must not be published to the host"
    assert "exec docker-entrypoint.sh redis-server" in command, "the image's entrypoint drops root"
    assert "MOTIONBOT_REDIS_PASSWORD" in str(redis["environment"])
    assert redis["healthcheck"]["test"][:2] == ["CMD", "redis-cli"]
    assert any(str(v).endswith(":/data") for v in redis["volumes"])
    assert ":" in redis["image"] and not redis["image"].endswith(":latest")


def test_app_services_share_the_volumes_and_wait_for_redis() -> None:
    compose = load_compose()
    assert {"media", "history", "redis-data"} <= set(compose["volumes"])
    for name in APP_SERVICES:
        svc = _service(name)
        mounts = [str(v) for v in svc["volumes"]]
        assert "media:/data/media" in mounts, name
        assert svc["depends_on"]["redis"]["condition"] == "service_healthy", name
        env = svc["environment"]
        assert (
            "@redis:6379" in env["MOTIONBOT_REDIS_URL"]
            and "MOTIONBOT_REDIS_PASSWORD" in env["MOTIONBOT_REDIS_URL"]
        )
        assert svc["env_file"] == ".env"
        assert "ports" not in svc, f"{name} publishes ports; metrics are scraped on the compose network"
    for bot in ("bot-telegram", "bot-discord"):
        assert "history:/data/history" in [str(v) for v in _service(bot)["volumes"]]


def test_bots_start_only_through_their_profiles() -> None:
    assert _service("bot-telegram")["profiles"] == ["telegram"]
    assert _service("bot-discord")["profiles"] == ["discord"]
    assert "profiles" not in _service("renderer-cpu"), "the CPU renderer always runs"


def test_cpu_renderer_scales() -> None:
    svc = _service("renderer-cpu")
    assert "container_name" not in svc, "a fixed container_name breaks --scale"
    assert "ports" not in svc


def test_gpu_renderer_reserves_an_nvidia_gpu_and_mounts_models_read_only() -> None:
    svc = _service("renderer-gpu")
    assert svc["profiles"] == ["gpu"]
    devices = svc["deploy"]["resources"]["reservations"]["devices"]
    assert any(d["driver"] == "nvidia" and "gpu" in d["capabilities"] for d in devices)
    models = [str(v) for v in svc["volumes"] if ":/models" in str(v)]
    assert models and all(v.endswith(":ro") for v in models)
    assert svc["environment"]["MOTIONBOT_DIFFUSION_MODEL"].startswith("/models/")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_health_checks_probe_the_liveness_endpoint(name: str) -> None:
    test = _service(name)["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "python", "slim images have no curl"
    module = test[test.index("-m") + 1]
    assert module == "motionbot.ops.healthcheck"
    __import__(module)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_commands_parse_with_the_real_cli(name: str) -> None:
    """`motionbot <command>` as compose runs it: the subcommand exists and accepts the flags."""
    command = _service(name)["command"]
    argv = command if isinstance(command, list) else exec_form(command)
    parser = build_parser()
    args = parser.parse_args(argv)
    assert callable(getattr(args, "func", None)), f"{argv} selects no subcommand"
