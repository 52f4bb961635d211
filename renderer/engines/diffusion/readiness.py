"""Whether this process's diffusion engine is ready for jobs, for the health endpoint.

Loading a 14B checkpoint and compiling it for each frame shape takes minutes; until the
warm-up is done the GPU worker takes no job, and ``/healthz`` says so ("warming up") instead
of a bare "ok" or a timeout. Standard library only: the worker's CLI imports it before torch.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Readiness:
    phase: str = "ready"  # "loading", "warming up" or "ready"; processes without the engine stay ready
    done: int = 0  # warm-up shapes finished
    total: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, phase: str, done: int = 0, total: int = 0) -> None:
        with self._lock:
            self.phase, self.done, self.total = phase, done, total

    @property
    def ready(self) -> bool:
        return self.phase == "ready"

    def health(self) -> tuple[bool, dict[str, Any]]:
        """The health endpoint's extra check: ``(ok, fields)``; not ok until warm."""
        with self._lock:
            if self.phase == "ready":
                return True, {"engine": "ready"}
            body: dict[str, Any] = {"status": self.phase, "engine": self.phase}
            if self.total:
                body["warm_up"] = f"{self.done}/{self.total} frame shapes"
            return False, body


READINESS = Readiness()  # the process's own; the worker CLI hands it to /healthz
