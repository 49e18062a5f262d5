"""The machine format: a JSON array of diagnostics (keys documented in the README)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from kerascheck.diagnostics import Diagnostic


def render(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diagnostics], indent=2) + "\n"
