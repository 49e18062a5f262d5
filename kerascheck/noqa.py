"""Adding ``# noqa: KCnnn`` comments: where one can go on a line, and ``--add-noqa`` over files.

One function decides where a comment goes (the language server's *ignore
on this line* action uses it too): after the line's code, or added to the
``# noqa:`` comment already there. A comment cannot go on a line that ends
inside a string (the text would become part of the string) or is continued
with a backslash (a comment there is a syntax error), so those lines are
left alone. ``--add-noqa`` then checks its own work: the new text must still
parse and the findings it suppressed must be gone, or the file is not written.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kerascheck.diagnostics import Diagnostic
from kerascheck.engine import Selection

_NOQA_CODES = re.compile(r"(#\s*noqa\s*:\s*)([A-Za-z0-9_, ]*[A-Za-z0-9_])", re.I)
_BARE_NOQA = re.compile(r"#\s*noqa(?!\s*:)", re.I)


@dataclass(frozen=True)
class Insertion:
    """Insert ``text`` at 0-based ``column`` of a line."""

    column: int
    text: str


def _line_facts(lines: Sequence[str], line: int) -> tuple[int | None, bool]:
    """(column of the real comment on 0-based ``line``, whether the line ends inside a string)."""
    comment: int | None = None
    in_string = False
    try:
        for token in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
            start, end = token.start[0] - 1, token.end[0] - 1
            if start > line:
                break
            if token.type == tokenize.COMMENT and start == line:
                comment = token.start[1]
            if token.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)) and start <= line < end:
                in_string = True
    except (tokenize.TokenError, SyntaxError, IndentationError):
        index = lines[line].find("#")
        return (index if index >= 0 else None), False
    return comment, in_string


def noqa_insertion(lines: Sequence[str], line: int, codes: Sequence[str]) -> Insertion | None:
    """Where and what to insert so that 0-based ``line`` suppresses ``codes``; ``None`` if it cannot.

    Codes the line's ``# noqa:`` already lists are not added again, and a
    bare ``# noqa`` already suppresses everything: both give ``None``.
    """
    if line >= len(lines):
        return None
    text = lines[line].rstrip("\r\n")
    if text.rstrip().endswith("\\"):
        return None
    comment, in_string = _line_facts(lines, line)
    if in_string:
        return None
    if comment is not None:
        match = _NOQA_CODES.search(text, comment)
        if match is not None:
            present = {code.strip().upper() for code in match.group(2).split(",")}
            missing = [code for code in dict.fromkeys(codes) if code.upper() not in present]
            return Insertion(match.end(2), "".join(f", {code}" for code in missing)) if missing else None
        if _BARE_NOQA.search(text, comment):
            return None
    spacing = "" if not text.strip() else "  "
    return Insertion(len(text), f"{spacing}# noqa: {', '.join(dict.fromkeys(codes))}")


@dataclass
class NoqaRun:
    """What ``--add-noqa`` did: comments added, files written, lines it had to leave, errors."""

    added: int = 0
    files: int = 0
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def add_noqa(diagnostics: Sequence[Diagnostic], selection_for: Callable[[Path], Selection]) -> NoqaRun:
    """Add ``# noqa`` comments for every finding with a source line, file by file."""
    by_file: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in diagnostics:
        if diagnostic.span is not None and diagnostic.filename.endswith((".py", ".ipynb")):
            by_file[diagnostic.filename].append(diagnostic)
    run = NoqaRun()
    for filename, found in by_file.items():
        if any(d.code == "KC001" for d in found):
            run.skipped.append(f"{filename}: does not parse; no noqa added")
            continue
        try:
            _add_to_file(Path(filename), found, selection_for(Path(filename)), run)
        except Exception as error:  # a bug of ours must not stop the run or touch the file
            run.errors.append(f"{filename}: internal error while adding noqa: {type(error).__name__}: {error}")
    return run


def _add_to_file(path: Path, found: Sequence[Diagnostic], selection: Selection, run: NoqaRun) -> None:
    from kerascheck.fix.documents import load_document
    from kerascheck.fix.edits import TextEdit, split_lines
    from kerascheck.static.lint import lint_bytes
    from kerascheck.static.source import UnreadableSource

    name = str(path)
    try:
        raw = path.read_bytes()
        document = load_document(raw, name)
    except (OSError, UnreadableSource) as error:
        run.errors.append(f"{name}: cannot read: {getattr(error, 'strerror', None) or error}")
        return
    program = document.program()
    starts = dict(program.cell_starts)
    lines = split_lines(program.text)
    by_line: dict[int, list[str]] = defaultdict(list)
    line_of: dict[Diagnostic, int] = {}
    for diagnostic in found:
        offset = starts.get(diagnostic.cell, 1) if diagnostic.cell is not None else 1
        line_of[diagnostic] = offset + diagnostic.line - 2
        by_line[line_of[diagnostic]].append(diagnostic.code)
    edits = []
    for line, codes in sorted(by_line.items()):
        insertion = noqa_insertion(lines, line, codes)
        if insertion is None:
            if not _already_suppressed(lines, line, codes):
                run.skipped.append(f"{name}:{line + 1}: a comment cannot go on this line; add the noqa by hand")
            continue
        edits.append(TextEdit(line + 1, insertion.column, line + 1, insertion.column, insertion.text))
    if not edits:
        return
    updated = document.apply(edits)
    try:
        content = updated.content() if updated is not None else None
    except UnreadableSource as error:
        run.errors.append(f"{name}: not changed: {error}")
        return
    if content is None:
        run.errors.append(f"{name}: not changed: the comments cannot be mapped into the notebook's cells")
        return
    after = lint_bytes(content, name, selection)
    placed = {edit.start_line - 1 for edit in edits}
    wanted = {(d.code, d.cell, d.line) for d in found if line_of[d] in placed}
    if any(d.code == "KC001" for d in after) or any((d.code, d.cell, d.line) in wanted for d in after):
        run.errors.append(f"{name}: not changed: adding noqa would not parse or not suppress (a kerascheck bug)")
        return
    try:
        path.write_bytes(content)
    except OSError as error:
        run.errors.append(f"{name}: cannot write: {error.strerror or error}")
        return
    run.added += len(edits)
    run.files += 1


def _already_suppressed(lines: Sequence[str], line: int, codes: Sequence[str]) -> bool:
    from kerascheck.suppress import suppressions

    table = suppressions("".join(lines)).get(line + 1, frozenset())
    return "*" in table or all(any(code.startswith(c) for c in table) for code in codes)
