"""Whether a finding has a fix, and how safe it is: the one place reporters ask.

The fix package decides which fixer belongs to which rule; reporters only
need "safe" (``--fix`` applies it: ``[*]``), "unsafe" (only with
``--unsafe-fixes``) or none. A fixer may still decline one occurrence it
cannot rewrite safely, so this is what the rule offers, as ruff's ``[*]``.
"""

from __future__ import annotations

from typing import Literal

Applicability = Literal["safe", "unsafe"]


def applicability(code: str) -> Applicability | None:
    """``"safe"``, ``"unsafe"`` or ``None`` (no fix) for the findings of rule ``code``."""
    from kerascheck.fix import fixer_for

    fixer = fixer_for(code)
    if fixer is None:
        return None
    return "safe" if fixer.safe else "unsafe"
