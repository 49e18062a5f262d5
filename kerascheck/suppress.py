"""Inline suppression: ``# noqa``, ``# noqa: KC101`` and ``# kerascheck: ignore[KC101]``.

Comments are found with :mod:`tokenize`, so a ``"# noqa"`` inside a string
never counts, and only for files that have findings (tokenizing costs time).
A ``noqa`` listing only other tools' codes (``# noqa: E501``) leaves
kerascheck's findings alone.
"""

from __future__ import annotations

import io
import re
import tokenize

from kerascheck.diagnostics import Diagnostic

ALL = frozenset({"*"})
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_, ]+))?", re.I)
_IGNORE = re.compile(r"#\s*kerascheck:\s*ignore(?:\[(?P<codes>[A-Za-z0-9_, ]*)\])?", re.I)


def _codes(text: str | None) -> frozenset[str]:
    if not text:
        return ALL
    return frozenset(code.strip().upper() for code in text.split(",") if code.strip())


def suppressions(source: str) -> dict[int, frozenset[str]]:
    """Line number -> codes suppressed on it (``{"*"}`` for all)."""
    found: dict[int, frozenset[str]] = {}
    lowered = source.lower()
    if "noqa" not in lowered and "kerascheck" not in lowered:
        return found  # nothing to look for: skip tokenizing
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        for pattern in (_NOQA, _IGNORE):
            for match in pattern.finditer(token.string):
                codes = _codes(match.group("codes"))
                line = token.start[0]
                found[line] = found.get(line, frozenset()) | codes
    return found


def is_suppressed(diagnostic: Diagnostic, table: dict[int, frozenset[str]], line: int) -> bool:
    codes = table.get(line)
    if not codes:
        return False
    if "*" in codes:
        return True
    return any(diagnostic.code.startswith(code) for code in codes if code.startswith("KC"))
