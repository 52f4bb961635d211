"""The ``motionbot`` command.

Subcommands are registered as entry points (group ``motionbot.commands``) by the bot and
the renderer, so a process only offers what its image has installed and this dispatcher
imports neither side. Each entry point names a ``register(subparsers)`` function that adds
its parser and sets ``func`` to a callable taking the parsed namespace and returning an
exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

# Exit codes shared by every subcommand: scripts can tell bad input from our own failures.
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3
EXIT_UNAVAILABLE = 4

Register = Callable[[Any], None]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or with only ``command`` when it is one.

    Registering a subcommand imports its side: the bot's pulls in aiogram and discord.py,
    seconds of pydantic schema building that `motionbot render` has no use for. So a command
    line that names its command loads only that entry point; help and unknown commands
    still see them all.
    """
    parser = argparse.ArgumentParser(
        prog="motionbot",
        description="Turn a portrait photo and a reference action video into a new video.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    missing: list[str] = []
    points = sorted(entry_points(group="motionbot.commands"), key=lambda e: e.name)
    if any(ep.name == command for ep in points):
        points = [ep for ep in points if ep.name == command]
    for ep in points:
        try:
            register: Register = ep.load()
        except ImportError as exc:  # that side is not installed in this environment
            missing.append(f"{ep.name} ({exc.name or exc})")
            continue
        register(sub)
    if missing:
        parser.epilog = "unavailable here (install the matching extra): " + ", ".join(missing)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    code: int = func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
