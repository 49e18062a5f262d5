"""Whether a finding has a fix, and how safe it is: the one place reporters ask.

Each rule declares its autofix and its safety (``@fixer`` in
``kerascheck/rules/base.py``); reporters only need "safe" (``--fix`` applies
it: ``[*]``), "unsafe" (only with ``--unsafe-fixes``) or none. Asked about a
finding, the answer is the linter's, which asked the rule's fixer about that
very occurrence (a fixer may decline one it cannot rewrite safely); asked
about a rule code, it is what the rule offers at all.
"""

from __future__ import annotations

from kerascheck.diagnostics import Diagnostic, FixSafety

Applicability = FixSafety


def applicability(subject: Diagnostic | str) -> Applicability | None:
    """``"safe"``, ``"unsafe"`` or ``None`` (no fix) for this finding, or for the findings of rule ``code``."""
    if isinstance(subject, Diagnostic):
        from kerascheck.fix import fix_safety

        return fix_safety(subject)
    from kerascheck.fix import autofix_for

    fixer = autofix_for(subject)
    return fixer.safety if fixer is not None else None
