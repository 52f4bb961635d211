"""Babel extraction for the text modules: every string constant bound to an UPPER_CASE name.

The modules hold prose, not calls, so ``_()`` markers would only add noise; this extractor
finds what :func:`motionbot.bot.i18n.translating` will serve (string values and the values of
string dicts, never dict keys). Named in ``babel.cfg``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import IO, Any


def _strings(node: ast.expr) -> Iterator[tuple[int, str]]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if any(ch.isalpha() for ch in node.value):
            yield node.lineno, node.value
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)


def extract_texts(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    tree = ast.parse(fileobj.read())
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if not names or not all(n.isupper() and not n.startswith("_") for n in names):
            continue
        for lineno, text in _strings(value):
            yield lineno, "", text, [names[0]]
