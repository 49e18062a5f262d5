"""SARIF 2.1.0: the format GitHub code scanning and other CI dashboards ingest.

Every registered rule is listed in ``tool.driver.rules`` (with its summary,
its full documentation as help text and Markdown, and its default level), so
a dashboard can explain a finding without knowing kerascheck. Columns are
Unicode code points (``run.columnKind``), 1-based with an exclusive end, the
same numbers the text and JSON formats print.

Notebook findings are relative to a code cell, and a SARIF region can only
address the ``.ipynb`` file's JSON text; the cell number goes in the region's
property bag (``properties.cell``) and into the message, so no reader is
pointed at a wrong line of JSON without being told.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import PurePath
from urllib.parse import quote

from kerascheck.diagnostics import Diagnostic, Related, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/kerascheck/"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FAMILIES = {
    "KC0": "tool",
    "KC1": "output-loss",
    "KC2": "metrics",
    "KC3": "data",
    "KC4": "architecture",
    "KC5": "training",
}


def artifact_uri(filename: str) -> str:
    """A relative path stays relative (GitHub resolves it against the checkout); absolute -> file URI."""
    path = PurePath(filename)
    # Percent-encode the name's bytes as the file system holds them: a name that is not
    # UTF-8 (decoded with surrogate escapes) still gets a valid URI naming that file.
    quoted = quote(os.fsencode(path.as_posix()))
    return f"file://{quoted}" if path.is_absolute() else quoted


def full_description(documentation: str) -> str:
    """*What it does* and *Why is this bad?* as plain paragraphs (the examples live in ``help``)."""
    keep: list[str] = []
    for section in re.split(r"^## ", documentation, flags=re.M):
        heading, _, body = section.partition("\n")
        if heading.strip() in ("What it does", "Why is this bad?") and body.strip():
            keep.append(" ".join(body.split()))
    return "\n\n".join(keep)


def rule_descriptors() -> tuple[list[dict[str, object]], dict[str, int]]:
    """``reportingDescriptor`` objects for every rule, and each code's index."""
    from kerascheck.docs import rule_page
    from kerascheck.rules.base import all_rules

    descriptors: list[dict[str, object]] = []
    index: dict[str, int] = {}
    for code, rule in all_rules().items():
        index[code] = len(descriptors)
        descriptors.append(
            {
                "id": code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary()},
                "fullDescription": {"text": full_description(rule.documentation()) or rule.summary()},
                "help": {"text": f"{rule.documentation()}\n\nFix: {rule.fix}.", "markdown": rule_page(rule)},
                "defaultConfiguration": {"level": LEVELS[rule.severity]},
                "properties": {"tags": ["keras", FAMILIES.get(code[:3], "other")]},
            }
        )
    return descriptors, index


def result(diagnostic: Diagnostic, index: dict[str, int]) -> dict[str, object]:
    """One ``result``: rule, level, message and (when known) a 1-based region."""
    text = diagnostic.message
    if diagnostic.cell is not None:
        text = f"cell {diagnostic.cell}: {text}"
    physical: dict[str, object] = {"artifactLocation": {"uri": artifact_uri(diagnostic.filename)}}
    span = diagnostic.span
    if span is not None:
        region: dict[str, object] = {
            "startLine": span.line,
            "startColumn": span.column,
            "endLine": max(span.end_line, span.line),
            "endColumn": max(span.end_column, 1),
        }
        if diagnostic.cell is not None:
            region["properties"] = {"cell": diagnostic.cell}
        physical["region"] = region
    location: dict[str, object] = {"physicalLocation": physical}
    if diagnostic.layer is not None:
        location["logicalLocations"] = [{"name": diagnostic.layer, "kind": "member"}]
    found: dict[str, object] = {
        "ruleId": diagnostic.code,
        "level": LEVELS[diagnostic.severity],
        "message": {"text": f"{text} (fix: {diagnostic.fix})"},
        "locations": [location],
    }
    if diagnostic.related:
        found["relatedLocations"] = [related_location(i, item) for i, item in enumerate(diagnostic.related)]
    if diagnostic.code in index:
        found["ruleIndex"] = index[diagnostic.code]
    return found


def related_location(index: int, related: Related) -> dict[str, object]:
    """Another file's place the finding is about (an imported factory's layer)."""
    physical: dict[str, object] = {"artifactLocation": {"uri": artifact_uri(related.filename)}}
    if related.span is not None:
        span = related.span
        physical["region"] = {
            "startLine": span.line,
            "startColumn": span.column,
            "endLine": max(span.end_line, span.line),
            "endColumn": max(span.end_column, 1),
        }
    return {"id": index, "physicalLocation": physical, "message": {"text": related.message}}


def sarif_log(diagnostics: Sequence[Diagnostic]) -> dict[str, object]:
    from kerascheck import __version__

    descriptors, index = rule_descriptors()
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kerascheck",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [result(d, index) for d in diagnostics],
            }
        ],
    }


def render(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps(sarif_log(diagnostics), indent=2) + "\n"
