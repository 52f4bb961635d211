"""The `motionbot` dispatcher loads only the side a command needs, and still lists them all."""

from __future__ import annotations

import subprocess
import sys

import pytest

from motionbot.queue.cli import EXIT_USAGE, build_parser, main


def _modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_a_render_command_does_not_import_the_chat_frontends() -> None:
    loaded = _modules_after("from motionbot.queue.cli import build_parser; build_parser('render')")
    assert "motionbot.renderer.cli" in loaded
    assert not {"aiogram", "discord", "motionbot.bot.cli"} & loaded


def test_help_still_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    names = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert {"render", "inspect", "eval", "worker", "bot", "run", "doctor", "admin"} <= names
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "render" in capsys.readouterr().out


def test_an_unknown_command_is_refused_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == EXIT_USAGE
    assert "no-such-command" in capsys.readouterr().err


def test_one_command_parses_its_own_options() -> None:
    args = build_parser("render").parse_args(["render", "p.jpg", "v.mp4", "-o", "out.mp4", "--keep-sound"])
    assert args.command == "render" and args.keep_sound and args.output == "out.mp4"
