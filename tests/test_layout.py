"""The package layout rules that keep the three processes apart.

* ``queue/`` has no ``__init__.py``: a top-level package named ``queue`` would shadow the
  standard library's ``queue`` for anything started from the repo root.
* Imports flow bot -> queue <- renderer, and heavy or chat libraries stay on their side.
* The built wheel carries every module (setuptools needs each subpackage listed).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AREAS = ("bot", "queue", "renderer")

FORBIDDEN: dict[str, set[str]] = {
    "queue": {"motionbot.bot", "motionbot.renderer", "aiogram", "discord", "aiosqlite", "torch", "diffusers",
              "mediapipe", "cv2"},
    "bot": {"motionbot.renderer", "torch", "diffusers", "mediapipe", "cv2", "transformers", "numpy"},
    "renderer": {"motionbot.bot", "aiogram", "discord", "aiosqlite"},
}


def _modules(area: str) -> list[Path]:
    return sorted(p for p in (ROOT / area).rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_top_level_init() -> None:
    for area in AREAS:
        assert not (ROOT / area / "__init__.py").exists(), f"{area}/__init__.py must not exist"


def test_stdlib_queue_and_aiosqlite_from_repo_root() -> None:
    code = (
        "import queue, concurrent.futures, logging.handlers, aiosqlite; "
        "assert hasattr(queue, 'SimpleQueue'), queue.__file__; "
        "import motionbot.queue.jobs; print(queue.__file__)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "lib/python" in out.stdout


@pytest.mark.parametrize("area", AREAS)
def test_import_direction(area: str) -> None:
    bad: list[str] = []
    for path in _modules(area):
        for name in _imports(path):
            for forbidden in FORBIDDEN[area]:
                if name == forbidden or name.startswith(forbidden + "."):
                    bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_every_package_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = set()
    for area in AREAS:
        for path in _modules(area):
            rel = path.parent.relative_to(ROOT / area)
            found.add(".".join(("motionbot", area, *rel.parts)))
    assert found <= listed, f"not listed in pyproject: {sorted(found - listed)}"


@pytest.mark.slow
def test_wheel_contains_every_module(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("motionbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "motionbot/" + area + "/" + str(path.relative_to(ROOT / area)) for area in AREAS for path in _modules(area)
    }
    assert expected <= names, sorted(expected - names)
    assert not any(n.startswith(("queue/", "bot/", "renderer/")) for n in names)
