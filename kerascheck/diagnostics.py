"""Diagnostics: what a rule reports, and where, in a form every reporter shares."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

from kerascheck.facts import NOWHERE, Anchor

FixSafety = Literal["safe", "unsafe"]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Span:
    """A source range: 1-based lines, 1-based columns, end exclusive (as ruff prints)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Related:
    """Another place a finding is about (e.g. the layer in the module a factory was imported from)."""

    filename: str
    span: Span | None
    message: str

    def to_dict(self) -> dict[str, object]:
        span = self.span or Span(1, 1, 1, 1)
        return {
            "filename": self.filename,
            "line": span.line,
            "column": span.column,
            "end_line": span.end_line,
            "end_column": span.end_column,
            "message": self.message,
        }

    def location(self) -> str:
        span = self.span or Span(1, 1, 1, 1)
        return f"{self.filename}:{span.line}:{span.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One finding.

    ``span`` is filled in by the engine from ``anchor`` once a rule has fired;
    ``cell`` is the 1-based notebook cell for ``.ipynb`` input (then ``span``
    is relative to that cell). ``layer`` names the layer for runtime findings.
    ``related`` points into other files the finding is about (project-wide
    analysis: the layer of an imported factory).
    ``fix_safety`` says whether the rule's autofix applies to this finding (read
    it through :func:`kerascheck.fix.fix_safety`).
    """

    code: str
    name: str
    severity: Severity
    message: str
    fix: str
    filename: str = "<unknown>"
    span: Span | None = None
    cell: int | None = None
    anchor: Anchor = field(default=NOWHERE, compare=False, hash=False, repr=False)
    layer: str | None = None
    related: tuple[Related, ...] = ()
    fix_safety: FixSafety | None = field(default=None, compare=False)

    @property
    def line(self) -> int:
        return self.span.line if self.span else 1

    @property
    def column(self) -> int:
        return self.span.column if self.span else 1

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.filename, self.cell or 0, self.line, self.column, self.code)

    def to_dict(self) -> dict[str, object]:
        """The JSON form: the documented keys, stable for machines."""
        span = self.span or Span(1, 1, 1, 1)
        data: dict[str, object] = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
            "filename": self.filename,
            "line": span.line,
            "column": span.column,
            "end_line": span.end_line,
            "end_column": span.end_column,
        }
        if self.cell is not None:
            data["cell"] = self.cell
        if self.layer is not None:
            data["layer"] = self.layer
        if self.related:
            data["related"] = [item.to_dict() for item in self.related]
        return data
