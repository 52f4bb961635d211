"""What each image can run, simulated without Docker: the `motionbot` CLI in an interpreter where
the other side's libraries cannot be imported (as in the slim bot image, which has no torch,
mediapipe, OpenCV, numpy or Pillow, and the renderer images, which have no chat libraries)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

RENDERER_ONLY = ("torch", "numpy", "mediapipe", "cv2", "imageio_ffmpeg", "PIL", "scipy", "skimage",
                 "diffusers", "transformers")  # fmt: skip
BOT_ONLY = ("aiogram", "discord", "aiosqlite")


def _motionbot(blocked: tuple[str, ...], *argv: str) -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(f"""
        import importlib.abc, sys
        BLOCKED = {set(blocked)!r}
        class NotInThisImage(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None
        sys.meta_path.insert(0, NotInThisImage())
        from motionbot.queue.cli import main
        sys.exit(main({list(argv)!r}))
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_bot_image_runs_the_bots_and_the_ops_commands() -> None:
    help_text = _motionbot(RENDERER_ONLY, "--help")
    assert help_text.returncode == 0, help_text.stderr
    for command in ("bot", "doctor", "run", "admin"):
        assert command in help_text.stdout
    for argv in (("bot", "telegram", "--help"), ("bot", "discord", "--help"), ("doctor", "--help")):
        got = _motionbot(RENDERER_ONLY, *argv)
        assert got.returncode == 0, f"{argv}: {got.stderr[-2000:]}"


def test_bot_image_doctor_skips_the_renderer_checks() -> None:
    got = _motionbot(RENDERER_ONLY, "doctor", "--json", "--no-redis")
    report = json.loads(got.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert (
        checks["renderer checks"]["status"] == "skip"
        and "not installed" in checks["renderer checks"]["detail"]
    )
    assert "ffmpeg" not in checks and "telegram token" in checks


@pytest.mark.parametrize("queue", ["render:cpu", "inspect"])
def test_renderer_image_runs_the_worker_without_chat_libraries(queue: str) -> None:
    got = _motionbot(BOT_ONLY, "worker", "--queue", queue, "--help")
    assert got.returncode == 0, got.stderr[-2000:]


def test_renderer_image_doctor_skips_the_bot_checks() -> None:
    got = _motionbot(BOT_ONLY, "doctor", "--json", "--no-redis", "--skip", "renderer")
    checks = {c["name"]: c for c in json.loads(got.stdout)["checks"]}
    assert checks["bot checks"]["status"] == "skip" and "telegram token" not in checks
