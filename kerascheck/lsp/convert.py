"""Between kerascheck and LSP: ranges, severities, diagnostics and ``# noqa`` edits.

kerascheck counts columns in code points (1-based, end exclusive); LSP in
the client's position encoding (UTF-16 unless negotiated otherwise), 0-based.
Every conversion goes through pygls's position codec and the line's text,
so a non-ASCII character before a finding does not shift its squiggle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from kerascheck.diagnostics import Diagnostic, Related, Severity, Span
from kerascheck.fix.edits import TextEdit
from kerascheck.noqa import noqa_insertion

SOURCE = "kerascheck"
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def position(codec: PositionCodec, lines: Sequence[str], line: int, column: int) -> types.Position:
    """0-based line and code-point column -> a client position (clamped to the document)."""
    if line >= len(lines):
        return types.Position(line=max(len(lines), 0), character=0)
    return codec.position_to_client_units(lines, types.Position(line=line, character=column))


def span_range(codec: PositionCodec, lines: Sequence[str], span: Span | None) -> types.Range:
    if span is None:
        return types.Range(start=types.Position(0, 0), end=types.Position(0, 0))
    start = position(codec, lines, span.line - 1, span.column - 1)
    end = position(codec, lines, span.end_line - 1, span.end_column - 1)
    return types.Range(start=start, end=end)


def text_edit(codec: PositionCodec, lines: Sequence[str], edit: TextEdit) -> types.TextEdit:
    """A program-coordinate text edit (lines 1-based, columns 0-based) as an LSP edit."""
    start = position(codec, lines, edit.start_line - 1, edit.start_column)
    end = position(codec, lines, edit.end_line - 1, edit.end_column)
    return types.TextEdit(range=types.Range(start=start, end=end), new_text=edit.text)


def lsp_diagnostic(
    codec: PositionCodec,
    lines: Sequence[str],
    diagnostic: Diagnostic,
    lines_of: Callable[[str], Sequence[str]] | None = None,
) -> types.Diagnostic:
    """``lines_of(filename)`` gives another file's lines for its related locations' positions."""
    related = None
    if diagnostic.related:
        related = [related_information(codec, item, lines_of) for item in diagnostic.related]
    return types.Diagnostic(
        range=span_range(codec, lines, diagnostic.span),
        message=f"{diagnostic.message}\nfix: {diagnostic.fix}",
        severity=SEVERITIES[diagnostic.severity],
        code=diagnostic.code,
        code_description=_code_description(diagnostic.code),
        source=SOURCE,
        data={"name": diagnostic.name},
        related_information=related,
    )


def related_information(
    codec: PositionCodec, related: Related, lines_of: Callable[[str], Sequence[str]] | None
) -> types.DiagnosticRelatedInformation:
    """A related location (another module's layer) as LSP ``relatedInformation``."""
    other = lines_of(related.filename) if lines_of is not None else []
    uri = Path(related.filename).resolve().as_uri()
    span = related.span
    if other or span is None:
        where = span_range(codec, other, span)
    else:  # the file is gone: code points are the best guess
        start = types.Position(span.line - 1, span.column - 1)
        where = types.Range(start=start, end=types.Position(span.end_line - 1, span.end_column - 1))
    location = types.Location(uri=uri, range=where)
    return types.DiagnosticRelatedInformation(location=location, message=related.message)


def _code_description(code: str) -> types.CodeDescription | None:
    """A link to the rule's page: editors make the code clickable."""
    from kerascheck.docs import rule_url
    from kerascheck.rules.base import get_rule

    rule = get_rule(code)
    return types.CodeDescription(href=rule_url(rule)) if rule is not None else None


def contains(outer: types.Range, point: types.Position) -> bool:
    start, end = outer.start, outer.end
    after_start = (point.line, point.character) >= (start.line, start.character)
    before_end = (point.line, point.character) <= (end.line, end.character)
    return after_start and before_end


def noqa_edit(codec: PositionCodec, lines: Sequence[str], line: int, code: str) -> types.TextEdit | None:
    """The edit that adds ``code`` to the ``# noqa`` comment of 0-based ``line`` (or adds one).

    ``None`` where a comment cannot go (see :func:`kerascheck.noqa.noqa_insertion`).
    """
    insertion = noqa_insertion(lines, line, [code])
    if insertion is None:
        return None
    at = position(codec, lines, line, insertion.column)
    return types.TextEdit(range=types.Range(start=at, end=at), new_text=insertion.text)
