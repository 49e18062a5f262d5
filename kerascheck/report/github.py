"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding.

GitHub turns these lines into annotations on the pull request's diff. The
escaping follows GitHub's toolkit (``@actions/core``): in the message ``%``,
``\\r`` and ``\\n`` are percent-encoded; in a property value ``:`` and ``,``
are too, because they delimit the properties.

A notebook finding's line is relative to its cell, not to the ``.ipynb``
JSON, so it is annotated on the file without a line and the cell is named in
the message instead of pointing at a wrong line.
"""

from __future__ import annotations

from collections.abc import Sequence

from kerascheck.diagnostics import Diagnostic, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diagnostic: Diagnostic) -> str:
    properties = [("file", diagnostic.filename)]
    span = diagnostic.span
    if span is not None and diagnostic.cell is None:
        properties += [
            ("line", str(span.line)),
            ("col", str(span.column)),
            ("endLine", str(span.end_line)),
            ("endColumn", str(span.end_column)),
        ]
    properties.append(("title", f"{diagnostic.code} {diagnostic.name}"))
    where = ""
    if diagnostic.cell is not None:
        where = f"cell {diagnostic.cell}, line {diagnostic.line}: "
    elif span is None and diagnostic.layer is not None:
        where = f"layer {diagnostic.layer!r}: "
    message = f"{where}{diagnostic.message}\nfix: {diagnostic.fix}"
    message += "".join(f"\nrelated: {item.location()}: {item.message}" for item in diagnostic.related)
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[diagnostic.severity]} {rendered}::{escape_data(message)}"


def render(diagnostics: Sequence[Diagnostic]) -> str:
    return "".join(annotation(d) + "\n" for d in diagnostics)
