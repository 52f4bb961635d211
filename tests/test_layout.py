"""The package layout rules that keep the three processes apart.

* ``queue/`` has no ``__init__.py``: a top-level package named ``queue`` would shadow the
  standard library's ``queue`` for anything started from the repo root.
* Imports flow bot -> queue <- renderer, and heavy or chat libraries stay on their side.
  ``ops/`` (launcher, doctor, metrics, retention, admin) sits beside the contract: bot and
  renderer may use it, it uses only the contract, and the contract never imports it.
* An import counts wherever it happens: ``import`` statements, ``importlib.import_module``
  and ``__import__`` with a literal (or a module-level string constant), Python code in a
  string (run with ``-c``), and a module named after ``-m``.
* The built wheel carries every module (setuptools needs each subpackage listed).
"""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AREAS = ("bot", "queue", "ops", "renderer")
HEAVY = {"torch", "diffusers", "mediapipe", "cv2", "transformers"}
CHAT = {"aiogram", "discord", "aiosqlite"}

FORBIDDEN: dict[str, set[str]] = {
    "queue": {"motionbot.bot", "motionbot.renderer", "motionbot.ops", *CHAT, *HEAVY},
    "ops": {"motionbot.bot", "motionbot.renderer", *CHAT, *HEAVY},
    "bot": {"motionbot.renderer", "torch", "diffusers", "mediapipe", "cv2", "transformers", "numpy"},
    "renderer": {"motionbot.bot", "aiogram", "discord", "aiosqlite"},
}


def _modules(area: str) -> list[Path]:
    return sorted(p for p in (ROOT / area).rglob("*.py") if "__pycache__" not in p.parts)


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments, so ``import_module(NAME)`` is resolved too."""
    found: dict[str, str] = {}
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[union-attr]
            found.update({t.id: value.value for t in targets if isinstance(t, ast.Name)})
    return found


def _literal(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _code_imports(text: str) -> set[str]:
    """Imports of a string that parses as Python with an import in it (``python -c`` code)."""
    if "import" not in text:
        return set()
    try:
        tree = ast.parse(textwrap.dedent(text))
    except SyntaxError:
        return set()
    return _tree_imports(tree)


def _tree_imports(tree: ast.Module) -> set[str]:
    constants = _string_constants(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            target = _literal(node.args[0], constants)
            if called in {"import_module", "__import__"} and target:
                names.add(target)
        elif isinstance(node, ast.List | ast.Tuple):
            items = [_literal(e, constants) for e in node.elts]
            names.update(m for flag, m in itertools.pairwise(items) if flag == "-m" and m)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names |= _code_imports(node.value)
    return names


def _imports(path: Path) -> set[str]:
    return _tree_imports(ast.parse(path.read_text(), str(path)))


def _forbidden(area: str, names: set[str]) -> list[str]:
    return sorted(
        name
        for name in names
        for forbidden in FORBIDDEN[area]
        if name == forbidden or name.startswith(forbidden + ".")
    )


def test_imports_are_seen_wherever_they_happen() -> None:
    """The checker itself: each way of importing a module counts."""
    code = textwrap.dedent(
        """
        import importlib, subprocess, sys
        TARGET = "motionbot.renderer.settings"
        PROBE = \'\'\'
        import json
        from motionbot.renderer.checks import check_model
        \'\'\'
        importlib.import_module("motionbot.bot.cli")
        importlib.import_module(TARGET)
        __import__("torch")
        subprocess.run([sys.executable, "-c", PROBE])
        subprocess.run([sys.executable, "-m", "motionbot.renderer.worker_cli"])
        """
    )
    seen = _tree_imports(ast.parse(code))
    assert _forbidden("ops", seen) == [
        "motionbot.bot.cli",
        "motionbot.renderer.checks",
        "motionbot.renderer.settings",
        "motionbot.renderer.worker_cli",
        "torch",
    ]
    assert _forbidden("ops", _tree_imports(ast.parse('print("no imports here: just words")'))) == []


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
    bad = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(area)
        for name in _forbidden(area, _imports(path))
    ]
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
        "motionbot/" + area + "/" + str(path.relative_to(ROOT / area))
        for area in AREAS
        for path in _modules(area)
    }
    assert expected <= names, sorted(expected - names)
    assert not any(n.startswith(tuple(f"{area}/" for area in AREAS)) for n in names)
    # the compiled catalogues, one per language the bot speaks besides English
    catalogues = {
        "motionbot/bot/" + str(path.relative_to(ROOT / "bot"))
        for path in (ROOT / "bot" / "i18n" / "locales").glob("*/LC_MESSAGES/motionbot.mo")
    }
    assert len(catalogues) >= 3 and catalogues <= names, sorted(catalogues - names)


def test_tests_find_their_helpers_through_pytest() -> None:
    """Helpers are modules on the pytest ``pythonpath`` and fixtures live in conftests (or the
    chat_fixtures plugin): no ``sys.path`` edits, nothing imported from another test module,
    no private helper of one test file imported by another."""
    bad: list[str] = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        rel = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "path"
                and getattr(node.value, "id", "") == "sys"
            ):
                bad.append(f"{rel}:{node.lineno} touches sys.path")
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.startswith(("test_", "tests.")):
                    bad.append(f"{rel}:{node.lineno} imports from test module {node.module}")
                elif not node.module.startswith("motionbot"):
                    bad += [
                        f"{rel}:{node.lineno} imports private {a.name}"
                        for a in node.names
                        if a.name.startswith("_")
                    ]
    assert not bad, "\n".join(bad)
