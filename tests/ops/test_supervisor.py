"""The launcher's process supervisor with real child processes: restart on crash, orderly stop,
kill after the grace period, and Ctrl-C handling."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from motionbot.ops.supervisor import ChildSpec, Supervisor

PY = sys.executable


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); it has exited for our purposes
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _wait_for(predicate, timeout_s: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_crashed_child_is_restarted(tmp_path: Path) -> None:
    marker = tmp_path / "starts"
    code = f"open({str(marker)!r}, 'a').write('x'); import sys; sys.exit(1)"
    sup = Supervisor([ChildSpec("crasher", [PY, "-c", code])], grace_s=1)
    sup.start()
    try:
        assert _wait_for(lambda: (sup.poll() or True) and marker.exists() and len(marker.read_text()) >= 2)
    finally:
        sup.stop()
    child = sup.children[0]
    assert child.restarts >= 1 and child.exit_codes[0] == 1


def test_usage_errors_are_not_restarted() -> None:
    sup = Supervisor([ChildSpec("bad-args", [PY, "-c", "import sys; sys.exit(2)"])], grace_s=1)
    sup.start()
    assert _wait_for(lambda: (sup.poll() or True) and sup.children[0].given_up)
    sup.stop()
    assert sup.children[0].restarts == 0


def test_stop_terminates_in_reverse_order_and_kills_the_stubborn(tmp_path: Path) -> None:
    log = tmp_path / "order"
    polite = textwrap.dedent(f"""
        import signal, sys, time
        def bye(*_):
            open({str(log)!r}, 'a').write(sys.argv[1] + '\\n'); sys.exit(0)
        signal.signal(signal.SIGTERM, bye)
        while True: time.sleep(0.05)
    """)
    stubborn = (
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True: time.sleep(0.05)"
    )
    sup = Supervisor(
        [
            ChildSpec("redis", [PY, "-c", polite, "redis"]),
            ChildSpec("stubborn", [PY, "-c", stubborn]),
            ChildSpec("bot", [PY, "-c", polite, "bot"]),
        ],
        grace_s=0.5,
    )
    sup.start()
    time.sleep(0.5)  # let the children install their handlers
    pids = [c.proc.pid for c in sup.children if c.proc]
    started = time.monotonic()
    sup.stop()
    assert time.monotonic() - started < 5
    assert log.read_text().split() == ["bot", "redis"]  # last started, first stopped
    assert not any(_alive(pid) for pid in pids)
    assert sup.children[1].proc is not None and sup.children[1].proc.returncode == -signal.SIGKILL


def test_ctrl_c_stops_the_launcher_and_every_child(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    child = f"import os, time; open({str(pids)!r}, 'a').write(str(os.getpid()) + '\\n'); time.sleep(60)"
    launcher = textwrap.dedent(f"""
        import sys
        from motionbot.ops.supervisor import ChildSpec, Supervisor
        specs = [ChildSpec("a", [sys.executable, "-c", {child!r}]), ChildSpec("b", [sys.executable, "-c", {child!r}])]
        Supervisor(specs, grace_s=5).run()
        print("clean exit")
    """)
    proc = subprocess.Popen([PY, "-c", launcher], stdout=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: pids.exists() and len(pids.read_text().split()) == 2)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "clean exit" in out
    assert not any(_alive(int(p)) for p in pids.read_text().split())
