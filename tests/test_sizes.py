"""The size rules that keep the code readable in one sitting: no module over 400 lines, no
class over 300 lines counted with the project's classes it derives from (a mixin's lines are
the class's lines too).

A base is found by its name: defined in the same module, or imported from a project module
with ``from motionbot... import Name``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AREAS = ("bot", "queue", "ops", "renderer")
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 300

ClassKey = tuple[str, str]  # (module, class name)


@dataclass(frozen=True)
class ClassInfo:
    lines: int
    bases: list[ast.expr]
    imports: dict[str, str]  # a name imported into the class's module -> its dotted path


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(("motionbot", *parts)).removesuffix(".__init__")


def _scan() -> tuple[dict[str, int], dict[ClassKey, ClassInfo]]:
    modules: dict[str, int] = {}
    classes: dict[ClassKey, ClassInfo] = {}
    for area in AREAS:
        for path in sorted((ROOT / area).rglob("*.py")):
            text = path.read_text()
            modules[str(path.relative_to(ROOT))] = len(text.splitlines())
            tree = ast.parse(text)
            imports = {
                alias.asname or alias.name: f"{node.module}.{alias.name}"
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module
                for alias in node.names
            }
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    assert node.end_lineno is not None
                    lines = node.end_lineno - node.lineno + 1
                    classes[(_module_name(path), node.name)] = ClassInfo(lines, node.bases, imports)
    return modules, classes


def _base(
    module: str, base: ast.expr, info: ClassInfo, classes: dict[ClassKey, ClassInfo]
) -> ClassKey | None:
    """``Name`` (this module's, or imported by name) or ``alias.Name`` (a module imported by name)."""
    if isinstance(base, ast.Name):
        keys = [(module, base.id), info.imports.get(base.id, "").rpartition(".")[::2]]
    elif isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name):
        keys = [(info.imports.get(base.value.id, ""), base.attr)]
    else:
        return None
    return next((key for key in keys if key in classes), None)


def _with_bases(key: ClassKey, classes: dict[ClassKey, ClassInfo], seen: set[ClassKey]) -> int:
    if key in seen:  # a base reached twice (a diamond) counts once
        return 0
    seen.add(key)
    info = classes[key]
    bases = (_base(key[0], b, info, classes) for b in info.bases)
    return info.lines + sum(_with_bases(b, classes, seen) for b in bases if b is not None)


def test_no_module_is_over_400_lines() -> None:
    modules, _ = _scan()
    assert len(modules) > 100  # the scan found the package
    over = {path: n for path, n in modules.items() if n > MAX_MODULE_LINES}
    assert not over, f"modules over {MAX_MODULE_LINES} lines: {over}"


def test_no_class_with_its_bases_is_over_300_lines() -> None:
    _, classes = _scan()
    sizes = {f"{m}.{n}": _with_bases((m, n), classes, set()) for m, n in classes}
    over = {name: n for name, n in sizes.items() if n > MAX_CLASS_LINES}
    assert not over, f"classes over {MAX_CLASS_LINES} lines with their project bases: {over}"


def test_a_mixin_counts_with_the_class() -> None:
    """The counting itself: a base from another project module adds its lines."""
    mixin = ast.parse("class Mixin:\n    a = 1\n    b = 2\n").body[0]
    user = ast.parse("from motionbot.x import Mixin\nclass User(Mixin):\n    c = 3\n").body[1]
    assert isinstance(mixin, ast.ClassDef) and isinstance(user, ast.ClassDef)
    classes = {
        ("motionbot.x", "Mixin"): ClassInfo(3, mixin.bases, {}),
        ("motionbot.y", "User"): ClassInfo(2, user.bases, {"Mixin": "motionbot.x.Mixin"}),
    }
    assert _with_bases(("motionbot.y", "User"), classes, set()) == 5
