"""Reporters: diagnostics to text, JSON, SARIF or GitHub annotations."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from kerascheck.diagnostics import Diagnostic

# output-format name -> module with `render(diagnostics) -> str`
FORMATS = {
    "text": "kerascheck.report.text",
    "json": "kerascheck.report.json_format",
    "sarif": "kerascheck.report.sarif",
    "github": "kerascheck.report.github",
}


def renderer(name: str) -> Callable[[Sequence[Diagnostic]], str]:
    module = importlib.import_module(FORMATS[name])
    return module.render  # type: ignore[no-any-return]
