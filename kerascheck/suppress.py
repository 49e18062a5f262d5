"""Suppression comments: per line, per statement and per file, and the ones that suppress nothing.

- ``# noqa``, ``# noqa: KC101`` and ``# kerascheck: ignore[KC101]`` suppress a
  finding when they are on a line the finding spans, or on the first or last
  line of the statement it is in (so a ``# noqa: KC203`` on the ``Precision()``
  line of a ``model.compile(`` spread over lines counts, and so does one after
  the closing bracket);
- ``# kerascheck: noqa`` (optionally ``: KC1,KC203``) or
  ``# kerascheck: ignore-file[KC1]`` anywhere in a file (a notebook: any
  cell) suppresses those codes, or every code, in the whole file;
- KC010 (opt-in, as ruff's RUF100) reports ``KC`` codes in these comments that
  name no rule or suppressed nothing. Other tools' codes (``# noqa: E501``)
  and a bare ``# noqa`` (it may be meant for flake8) are never reported.

Comments are found with :mod:`tokenize`, so a ``"# noqa"`` inside a string
never counts, and only for files that have findings or ask for KC010
(tokenizing costs time).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field

from kerascheck.diagnostics import Diagnostic

ALL = frozenset({"*"})
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_]+(?:[, ]+[A-Za-z0-9_]+)*))?", re.I)
_IGNORE = re.compile(r"#\s*kerascheck:\s*ignore(?![-\w])(?:\[(?P<codes>[A-Za-z0-9_, ]*)\])?", re.I)
_FILE_NOQA = re.compile(r"#\s*kerascheck:\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_]+(?:[, ]+[A-Za-z0-9_]+)*))?", re.I)
_FILE_IGNORE = re.compile(r"#\s*kerascheck:\s*ignore-file(?:\[(?P<codes>[A-Za-z0-9_, ]*)\])?", re.I)


def _codes(text: str | None) -> frozenset[str]:
    if not text:
        return ALL
    return frozenset(code.strip().upper() for code in re.split(r"[, ]+", text) if code.strip())


@dataclass
class Comment:
    """One suppression comment: where it is, what it names, what it has suppressed so far."""

    line: int
    column: int  # 0-based
    codes: frozenset[str]
    blanket_ok: bool  # the bare form, which may be meant for another tool
    used: set[str] = field(default_factory=set)

    def covers(self, code: str) -> str | None:
        """The code or prefix of this comment that suppresses ``code``, if any."""
        if "*" in self.codes:
            return "*"
        return next((c for c in sorted(self.codes) if c.startswith("KC") and code.startswith(c)), None)


@dataclass
class Suppressions:
    """The suppression comments of one program and the statements they belong to."""

    lines: dict[int, list[Comment]] = field(default_factory=dict)
    file: list[Comment] = field(default_factory=list)
    statements: dict[int, tuple[int, int]] = field(default_factory=dict)  # line -> its statement's first, last

    def suppresses(self, code: str, first: int, last: int) -> bool:
        """Is a ``code`` finding on lines ``first..last`` suppressed? Marks the comment used."""
        candidates = [*self.file]
        lines = set(range(first, last + 1))
        for line in (first, last):
            start, end = self.statements.get(line, (line, line))
            lines.update((start, end))
        for line in sorted(lines):
            candidates.extend(self.lines.get(line, ()))
        for comment in candidates:
            covering = comment.covers(code)
            if covering is not None:
                comment.used.add(covering)
                return True
        return False

    def unused(self, enabled: Callable[[str], bool], known: Callable[[str], bool]) -> list[tuple[Comment, str]]:
        """(comment, message) for each KC code that names no rule or, enabled, suppressed nothing."""
        found: list[tuple[Comment, str]] = []
        for comment in [*self.file, *(c for line in sorted(self.lines) for c in self.lines[line])]:
            if comment.codes == ALL:
                if not comment.blanket_ok and not comment.used:
                    found.append((comment, "suppression comment suppresses nothing"))
                continue
            for code in sorted(c for c in comment.codes if c.startswith("KC")):
                if not known(code):
                    found.append((comment, f"suppression comment names {code}, which is no kerascheck rule"))
                elif code not in comment.used and enabled(code):
                    found.append((comment, f"suppression comment for {code} suppresses nothing"))
        return found


def mentions_suppression(source: str) -> bool:
    lowered = source.lower()
    return "noqa" in lowered or "kerascheck" in lowered


def read_suppressions(source: str) -> Suppressions:
    """Every suppression comment in ``source`` and the line range of each statement."""
    found = Suppressions()
    if not mentions_suppression(source):
        return found  # nothing to look for: skip tokenizing
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return found
    start: int | None = None
    for token in tokens:
        if token.type == tokenize.NEWLINE:
            if start is not None:
                for line in range(start, token.start[0] + 1):
                    found.statements[line] = (start, token.start[0])
            start = None
        elif token.type == tokenize.COMMENT:
            _read_comment(found, token)
        elif token.type not in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER) and start is None:
            start = token.start[0]
    return found


def _read_comment(found: Suppressions, token: tokenize.TokenInfo) -> None:
    line, column = token.start
    for pattern, whole_file in ((_FILE_NOQA, True), (_FILE_IGNORE, True), (_NOQA, False), (_IGNORE, False)):
        for match in pattern.finditer(token.string):
            if pattern is _NOQA and token.string[: match.start()].rstrip().lower().endswith("kerascheck:"):
                continue  # `# kerascheck: noqa` is the file-level form
            comment = Comment(line, column + match.start(), _codes(match.group("codes")), pattern is _NOQA)
            if whole_file:
                found.file.append(comment)
            else:
                found.lines.setdefault(line, []).append(comment)


def suppressions(source: str) -> dict[int, frozenset[str]]:
    """Line number -> codes suppressed on it (``{"*"}`` for all), for the line-level forms only."""
    table: dict[int, frozenset[str]] = {}
    for line, comments in read_suppressions(source).lines.items():
        for comment in comments:
            table[line] = table.get(line, frozenset()) | comment.codes
    return table


def is_suppressed(diagnostic: Diagnostic, table: dict[int, frozenset[str]], line: int) -> bool:
    codes = table.get(line)
    if not codes:
        return False
    if "*" in codes:
        return True
    return any(diagnostic.code.startswith(code) for code in codes if code.startswith("KC"))
