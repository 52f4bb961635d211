"""The result type of a `motionbot doctor` check, shared by every side's checks.

A side (renderer, bot) publishes a callable in the ``motionbot.checks`` entry-point group
that returns a list of :class:`CheckResult`; doctor runs whatever this image installed.
Results carry no secrets: a token check says only "set" or "missing".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from importlib.metadata import entry_points
from typing import Any


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"  # works, but not as recommended (e.g. Redis without AOF)
    FAIL = "fail"
    SKIP = "skip"  # not applicable here (e.g. no GPU on a CPU host)


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    detail: str
    required: bool = True  # a failed required check makes doctor exit non-zero
    fix: str | None = None  # what to do about it

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL and self.required

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


CheckProvider = Callable[[], list[CheckResult]]
GROUP = "motionbot.checks"


def installed_providers() -> tuple[dict[str, CheckProvider], dict[str, str]]:
    """The check providers this environment has, and the ones it lacks (name -> why)."""
    found: dict[str, CheckProvider] = {}
    missing: dict[str, str] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            found[ep.name] = ep.load()
        except ImportError as exc:  # that side (or one of its libraries) is not installed here
            missing[ep.name] = f"not installed ({exc.name or exc})"
    return found, missing
