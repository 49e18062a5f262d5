"""Whether a finding has a fix, and how safe it is: the one place reporters ask.

Which fixer belongs to which rule is the fix contract's business; reporters
only need "safe" (``--fix`` applies it: ``[*]``), "unsafe" (only with
``--unsafe-fixes``) or none. A fixer may still decline one occurrence it
cannot rewrite safely, so this is what the rule offers, as ruff's ``[*]``.

When rules declare their own ``autofix`` the answer comes from the rule
class (cheap: no libcst import on a cached run); until then from the fix
package's registry.
"""

from __future__ import annotations

from typing import Literal

Applicability = Literal["safe", "unsafe"]


def applicability(code: str) -> Applicability | None:
    """``"safe"``, ``"unsafe"`` or ``None`` (no fix) for the findings of rule ``code``."""
    from kerascheck.rules.base import Rule, get_rule

    if hasattr(Rule, "autofix"):  # the rule declares its fix and safety itself
        rule = get_rule(code)
        autofix = getattr(rule, "autofix", None)
        return None if autofix is None else ("safe" if autofix.safe else "unsafe")
    from kerascheck.fix import fixer_for

    fixer = fixer_for(code)
    if fixer is None:
        return None
    return "safe" if fixer.safe else "unsafe"
