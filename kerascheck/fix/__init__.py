"""Autofixes: each rule declares its own (``@fixer`` in ``kerascheck/rules/base.py``); this package applies them.

Rules' ``check`` reads facts and never touches syntax; a rule's fixer
receives the diagnostic (whose anchor holds the libcst node the rule pointed
at) and a :class:`~kerascheck.fix.edits.FixContext` (the parsed module and
its facts), and returns edits, or ``None`` when it cannot fix this occurrence
safely. ``apply`` plans and applies them for ``--fix``, ``--diff`` and the
language server; ``transforms`` holds the helpers fixers share.

Safety follows ruff: a *safe* fix keeps what the program computes for the
user's purpose and only removes the mistake; an *unsafe* fix changes what the
model or the script outputs, so it is applied only with ``--unsafe-fixes``
(or chosen by hand in the editor). Each fixer's docstring says why; the rule
pages and ``docs/editors.md`` are generated from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from kerascheck.diagnostics import Diagnostic, FixSafety
from kerascheck.rules.base import Autofix, Rule, all_rules

if TYPE_CHECKING:
    from kerascheck.fix.edits import FixContext

__all__ = ["FixSafety", "all_autofixes", "autofix_for", "fix_safety", "mark_fix_safety"]


def all_autofixes() -> dict[str, Autofix]:
    """Every rule's autofix, by rule code (rules without one are left out)."""
    return {code: rule.autofix for code, rule in all_rules().items() if rule.autofix is not None}


def autofix_for(code: str) -> Autofix | None:
    rule = all_rules().get(code)
    return rule.autofix if rule is not None else None


def fix_safety(diagnostic: Diagnostic) -> FixSafety | None:
    """Whether this finding can be fixed: ``"safe"`` (by ``--fix``), ``"unsafe"`` (``--unsafe-fixes``), or ``None``.

    The linter asks the rule's fixer about every finding it reports (a fixer
    may decline an occurrence it cannot rewrite safely), so a finding marked
    fixable is one that ``--fix`` (with ``--unsafe-fixes`` for unsafe ones)
    really changes. Findings from the runtime front-end have no source to fix.
    """
    return diagnostic.fix_safety


def mark_fix_safety(diagnostics: Sequence[Diagnostic], context: FixContext, rules: Sequence[Rule]) -> list[Diagnostic]:
    """``diagnostics`` with ``fix_safety`` set where the rule's fixer offers edits for that finding.

    Only the fixer itself runs (its node edits), not the conversion to text
    edits, so a lint pays for this only on findings whose rule has an autofix.
    """
    by_code = {rule.code: rule for rule in rules if rule.autofix is not None}
    marked = []
    for diagnostic in diagnostics:
        rule = by_code.get(diagnostic.code)
        if rule is not None and rule.autofix is not None and rule.autofix.edits(rule, diagnostic, context):
            diagnostic = replace(diagnostic, fix_safety=rule.autofix.safety)
        marked.append(diagnostic)
    return marked
