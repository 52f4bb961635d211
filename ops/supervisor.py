"""A small process supervisor: start children, restart the ones that crash, stop them all.

Children run in their own sessions, so a Ctrl-C in the terminal reaches only the launcher,
which then stops them in reverse start order (bots before workers before Redis: nothing
is left talking to a Redis that is already gone) with SIGTERM, waits a grace period and
kills what is left. On Linux each child also gets SIGTERM if the launcher itself dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

BACKOFF_MAX_S = 60.0
STABLE_AFTER_S = 30.0  # a child that ran this long before crashing restarts without delay
NO_RESTART_CODES = frozenset({2})  # usage errors: restarting cannot fix a bad command line


@dataclass
class ChildSpec:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    restart: bool = True


@dataclass
class Child:
    spec: ChildSpec
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    next_start: float = 0.0
    exit_codes: list[int] = field(default_factory=list)
    given_up: bool = False

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Supervisor:
    def __init__(self, specs: Sequence[ChildSpec], *, grace_s: float = 20.0, poll_s: float = 0.2) -> None:
        self.children = [Child(spec) for spec in specs]
        self.grace_s = grace_s
        self.poll_s = poll_s
        self.stopping = False
        self._forced = False

    def _spawn(self, child: Child) -> None:
        spec = child.spec
        env = dict(os.environ if spec.env is None else spec.env)
        child.proc = subprocess.Popen(
            list(spec.argv), env=env, start_new_session=True, preexec_fn=_die_with_parent
        )
        child.started_at = time.monotonic()
        log.info("started %s (pid %d)", spec.name, child.proc.pid)

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def poll(self) -> None:
        """Notice exits; restart crashed children with exponential backoff."""
        now = time.monotonic()
        for child in self.children:
            if child.given_up or self.stopping:
                continue
            if child.proc is not None and child.proc.poll() is not None:
                code = child.proc.returncode
                child.exit_codes.append(code)
                ran = now - child.started_at
                child.proc = None
                if not child.spec.restart or code in NO_RESTART_CODES:
                    child.given_up = True
                    log.error("%s exited with code %d; not restarting it", child.spec.name, code)
                    continue
                delay = 0.0 if ran >= STABLE_AFTER_S else min(BACKOFF_MAX_S, 2.0 ** min(child.restarts, 6))
                child.restarts += 1
                child.next_start = now + delay
                log.warning(
                    "%s exited with code %d after %.1f s; restarting in %.0f s",
                    child.spec.name,
                    code,
                    ran,
                    delay,
                )
            if child.proc is None and not child.given_up and now >= child.next_start:
                self._spawn(child)

    def stop(self) -> None:
        """SIGTERM in reverse start order, wait up to the grace period, then SIGKILL."""
        self.stopping = True
        for child in reversed(self.children):
            if child.running:
                assert child.proc is not None
                log.info("stopping %s (pid %d)", child.spec.name, child.proc.pid)
                with contextlib.suppress(ProcessLookupError):
                    child.proc.send_signal(signal.SIGTERM)
                self._wait(child, self.grace_s)

    def _wait(self, child: Child, timeout_s: float) -> None:
        assert child.proc is not None
        deadline = time.monotonic() + timeout_s
        while child.proc.poll() is None and time.monotonic() < deadline and not self._forced:
            time.sleep(0.05)
        if child.proc.poll() is None:
            log.warning("%s did not stop within %.0f s; killing it", child.spec.name, timeout_s)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.proc.pid, signal.SIGKILL)
            child.proc.wait()
        # the child's own children (its session) must not outlive it
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.proc.pid, signal.SIGKILL)

    def run(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Start everything, supervise until SIGINT/SIGTERM (or ``should_stop``), then stop."""
        requests = 0

        def handler(signum: int, frame: object) -> None:
            nonlocal requests
            requests += 1
            if requests > 1:  # a second Ctrl-C: stop waiting for graceful exits
                self._forced = True
            log.info("received %s, shutting down", signal.Signals(signum).name)

        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            while not requests and not should_stop():
                self.poll()
                time.sleep(self.poll_s)
        finally:
            self.stop()
            for s, h in previous.items():
                signal.signal(s, h)
