"""The human formats: ``concise`` (one finding per header line) and ``full`` (with the source line).

``concise`` is ``path:line:col: KC101 [error] message`` and a ``fix:`` line,
the form grep, editors' problem matchers and pre-commit logs read; ``full``
adds the source lines with a caret range under the finding, as ruff prints
it. Both mark a finding whose rule has a safe fix with ``[*]`` and close
with the counts: "Found N problems", what ``--fix`` (and ``--unsafe-fixes``)
would fix, or "All checks passed!".
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from kerascheck.diagnostics import Diagnostic
from kerascheck.report.fixability import Applicability, applicability
from kerascheck.report.style import PLAIN, Painter

Fixes = Callable[[Diagnostic | str], Applicability | None]  # a finding, or a rule code
SourceLines = Callable[[Diagnostic], list[str] | None]
SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "blue"}
MAX_SNIPPET_LINES = 6
ALL_PASSED = "All checks passed!"


def location(diagnostic: Diagnostic) -> str:
    cell = f"cell {diagnostic.cell}:" if diagnostic.cell is not None else ""
    return f"{diagnostic.filename}:{cell}{diagnostic.line}:{diagnostic.column}"


def header(diagnostic: Diagnostic, paint: Painter = PLAIN, fixes: Fixes = applicability) -> str:
    """``path:line:col: KC101 [*] [error] message``: ``[*]`` when ``--fix`` can fix it."""
    d = diagnostic
    where = f" (layer {d.layer!r})" if d.layer and d.span is None else ""
    mark = " " + paint("[*]", "cyan") if fixes(d) == "safe" else ""
    style = SEVERITY_STYLE[d.severity.value]
    severity = paint(f"[{d.severity.value}]", style)
    return f"{paint(location(d), 'bold')}: {paint(d.code, 'bold', style)}{mark} {severity} {d.message}{where}"


def render(
    diagnostics: Sequence[Diagnostic],
    *,
    paint: Painter = PLAIN,
    fixes: Fixes = applicability,
    summary: bool = True,
) -> str:
    """The concise format (``--output-format concise``, the default into a pipe)."""
    lines: list[str] = []
    for d in diagnostics:
        lines.append(header(d, paint, fixes))
        lines.append(f"  {paint('fix:', 'green')} {d.fix}")
        lines.extend(related_lines(d, paint))
    if summary:
        lines += summary_lines(diagnostics, paint, fixes)
    return "\n".join(lines) + ("\n" if lines else "")


def related_lines(diagnostic: Diagnostic, paint: Painter = PLAIN) -> list[str]:
    """``related: models.py:13:13: Dense(...) defined here``: where in another file the finding points."""
    return [f"  {paint('related:', 'blue')} {item.location()}: {item.message}" for item in diagnostic.related]


def render_full(
    diagnostics: Sequence[Diagnostic],
    *,
    sources: SourceLines,
    paint: Painter = PLAIN,
    fixes: Fixes = applicability,
    summary: bool = True,
) -> str:
    """The full format: each finding with its source lines and a caret range (the default on a terminal)."""
    blocks: list[str] = []
    for d in diagnostics:
        block = [header(d, paint, fixes)]
        lines = sources(d) if d.span is not None else None
        if lines is not None:
            block += snippet(d, lines, paint)
        block.append(f"  {paint('=', 'blue')} {paint('fix:', 'green')} {d.fix}")
        block += [f"  {paint('=', 'blue')} {line.strip()}" for line in related_lines(d, paint)]
        blocks.append("\n".join(block))
    tail = summary_lines(diagnostics, paint, fixes) if summary else []
    text = "\n\n".join(blocks)
    if tail:
        text += ("\n\n" if blocks else "") + "\n".join(tail)
    return text + ("\n" if text else "")


def width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two, combining marks none."""
    total = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def _pad(text: str) -> str:
    """Spaces as wide as ``text`` (tabs kept, so a caret lines up under tab-indented code)."""
    return "".join("\t" if char == "\t" else " " * width(char) for char in text)


def snippet(diagnostic: Diagnostic, lines: Sequence[str], paint: Painter = PLAIN) -> list[str]:
    """The reported lines (one line of context each side) with carets under the span."""
    span = diagnostic.span
    if span is None or not 1 <= span.line <= len(lines):
        return []
    last = min(span.end_line, len(lines), span.line + MAX_SNIPPET_LINES - 1)
    first_shown, last_shown = max(1, span.line - 1), min(len(lines), last + 1)
    gutter = len(str(last_shown))
    bar = paint("|", "blue")
    out = [f"{' ' * gutter} {bar}"]
    for number in range(first_shown, last_shown + 1):
        text = lines[number - 1].rstrip("\r\n")
        out.append(f"{paint(str(number).rjust(gutter), 'blue')} {bar} {text}")
        if span.line <= number <= last:
            start = span.column - 1 if number == span.line else len(text) - len(text.lstrip())
            end = span.end_column - 1 if number == span.end_line else len(text)
            end = max(end, start + 1)
            carets = "^" * max(1, width(text[start:end]))
            label = f" {diagnostic.code}" if number == last else ""
            marks = paint(carets + label, SEVERITY_STYLE[diagnostic.severity.value])
            out.append(f"{' ' * gutter} {bar} {_pad(text[:start])}{marks}")
    out.append(f"{' ' * gutter} {bar}")
    return out


def fix_counts(diagnostics: Sequence[Diagnostic], fixes: Fixes = applicability) -> tuple[int, int]:
    """(findings ``--fix`` fixes, findings only ``--unsafe-fixes`` fixes)."""
    kinds = Counter(fixes(d) for d in diagnostics)
    return kinds["safe"], kinds["unsafe"]


def summary_lines(diagnostics: Sequence[Diagnostic], paint: Painter = PLAIN, fixes: Fixes = applicability) -> list[str]:
    """ "Found N problems (...)." and what the fix options would fix; "All checks passed!" when clean."""
    if not diagnostics:
        return [paint(ALL_PASSED, "green")]
    counts = Counter(d.severity.value for d in diagnostics)
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s]]
    total = len(diagnostics)
    lines = [f"Found {total} problem{'s' if total != 1 else ''} ({', '.join(parts)})."]
    safe, unsafe = fix_counts(diagnostics, fixes)
    if safe:
        more = f" ({unsafe} more with `--unsafe-fixes`)" if unsafe else ""
        lines.append(f"{paint('[*]', 'cyan')} {safe} fixable with `--fix`{more}.")
    elif unsafe:
        lines.append(f"No fixes with `--fix` ({unsafe} with `--unsafe-fixes`).")
    return lines


def _fix_mark(kind: Applicability | None) -> str:
    return {"safe": "[*]", "unsafe": "[-]"}.get(kind or "", "[ ]")


def statistics(diagnostics: Sequence[Diagnostic], fixes: Fixes = applicability) -> str:
    """Counts per rule, most frequent first (``--statistics``): count, code, fix mark, name.

    The mark is ``[*]`` when ``--fix`` fixes some of them, ``[-]`` when only ``--unsafe-fixes`` does, ``[ ]`` for none.
    """
    return "".join(
        f"{row['count']:5d}\t{row['code']}\t{_fix_mark(row['fix'])}\t{row['name']}\n"  # type: ignore[arg-type]
        for row in statistics_rows(diagnostics, fixes)
    )


def statistics_rows(diagnostics: Sequence[Diagnostic], fixes: Fixes = applicability) -> list[dict[str, object]]:
    """One row per rule: ``fixable`` counts the findings ``--fix`` fixes, ``fix`` the best fix on offer."""
    counts = Counter((d.code, d.name) for d in diagnostics)
    kinds: dict[str, Counter[Applicability | None]] = {}
    for d in diagnostics:
        kinds.setdefault(d.code, Counter())[fixes(d)] += 1
    rows: list[dict[str, object]] = []
    for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        found = kinds[code]
        best = "safe" if found["safe"] else "unsafe" if found["unsafe"] else None
        rows.append({"code": code, "name": name, "count": count, "fixable": found["safe"], "fix": best})
    return rows


def statistics_json(diagnostics: Sequence[Diagnostic], fixes: Fixes = applicability) -> str:
    return json.dumps(statistics_rows(diagnostics, fixes), indent=2) + "\n"


def file_lines(raw_by_name: dict[str, bytes] | None = None) -> SourceLines:
    """Source lines for the full format: the file's (or notebook cell's) lines, read once per file."""
    from kerascheck.static.source import UnreadableSource, decode, load_notebook, load_program, notebook_cells

    cache: dict[str, tuple[list[str], dict[int, int], dict[int, list[str]]] | None] = {}

    def lines_for(diagnostic: Diagnostic) -> list[str] | None:
        name = diagnostic.filename
        if name not in cache:
            try:
                raw = (raw_by_name or {}).get(name)
                data = raw if raw is not None else Path(name).read_bytes()
                program = load_program(data, name)
                # A cell Python cannot parse is blank in the program: show the user's text for it.
                broken = {cell.cell for cell in program.broken}
                originals: dict[int, list[str]] = {}
                if broken:
                    document = load_notebook(decode(data, "notebook"))
                    originals = {n: src.split("\n") for n, src, _listed in notebook_cells(document) if n in broken}
                cache[name] = (program.text.split("\n"), dict(program.cell_starts), originals)
            except (OSError, UnreadableSource, ValueError):
                cache[name] = None
        found = cache[name]
        if found is None:
            return None
        lines, starts, originals = found
        if diagnostic.cell is None:
            return lines
        if diagnostic.cell in originals:
            return originals[diagnostic.cell]
        start = starts.get(diagnostic.cell)
        if start is None:
            return None
        later = [s for s in starts.values() if s > start]
        return lines[start - 1 : (min(later) - 1) if later else len(lines)]

    return lines_for
