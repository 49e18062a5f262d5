"""The human format: ``path:line:col: KC101 [error] message`` and a fix line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from kerascheck.diagnostics import Diagnostic


def location(diagnostic: Diagnostic) -> str:
    cell = f"cell {diagnostic.cell}:" if diagnostic.cell is not None else ""
    return f"{diagnostic.filename}:{cell}{diagnostic.line}:{diagnostic.column}"


def render(diagnostics: Sequence[Diagnostic]) -> str:
    lines: list[str] = []
    for d in diagnostics:
        where = f" (layer {d.layer!r})" if d.layer and d.span is None else ""
        lines.append(f"{location(d)}: {d.code} [{d.severity.value}] {d.message}{where}")
        lines.append(f"  fix: {d.fix}")
        lines.extend(f"  related: {item.location()}: {item.message}" for item in d.related)
    if diagnostics:
        counts = Counter(d.severity.value for d in diagnostics)
        parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s]]
        total = len(diagnostics)
        lines.append(f"Found {total} problem{'s' if total != 1 else ''} ({', '.join(parts)}).")
    return "\n".join(lines) + ("\n" if lines else "")


def statistics(diagnostics: Sequence[Diagnostic]) -> str:
    """Counts per rule, most frequent first (``--statistics``)."""
    counts = Counter((d.code, d.name) for d in diagnostics)
    return "".join(
        f"{count:5d}\t{code}\t{name}\n" for (code, name), count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    )
