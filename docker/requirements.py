"""Print the pip requirements of motionbot's base dependencies plus the given extras.

The images install dependencies in their own layer before the source is copied, so a code
change does not re-download torch: this reads them from pyproject.toml alone (stdlib only),
resolving the extras' references to other extras (``motionbot[renderer]``).

    python docker/requirements.py bot s3 > requirements.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_SELF = re.compile(r"^motionbot\[([^\]]+)\]$")


def requirements(pyproject: Path, extras: list[str]) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    optional: dict[str, list[str]] = project.get("optional-dependencies", {})
    out: list[str] = list(project.get("dependencies", []))
    seen: set[str] = set()
    todo = list(extras)
    while todo:
        extra = todo.pop(0)
        if extra in seen:
            continue
        if extra not in optional:
            raise SystemExit(f"unknown extra {extra!r}; pyproject has {sorted(optional)}")
        seen.add(extra)
        for req in optional[extra]:
            match = _SELF.match(req.replace(" ", ""))
            if match:
                todo.extend(match.group(1).split(","))
            elif req not in out:
                out.append(req)
    return out


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    pyproject = next(p for p in (here / "pyproject.toml", here.parent / "pyproject.toml") if p.is_file())
    sys.stdout.write("\n".join(requirements(pyproject, argv)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
