"""Planning and applying fixes for one file: lint, fix, re-lint, until nothing more applies.

Each pass lints the current text, asks the fixers of the findings for
edits, keeps the edits that do not overlap (one fix is all-or-nothing), and
applies them; the next pass sees the result, so fixes that touch the same
code land one after the other. The result must parse after every pass, or
the file is left exactly as it was (a one-line error, never a half-fixed
file). Suppressed findings (``# noqa``) are never fixed, and a file with no
applicable fix comes back unchanged, byte for byte, so the caller writes
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import libcst as cst

from kerascheck import engine
from kerascheck.budget import OverBudget
from kerascheck.diagnostics import Diagnostic
from kerascheck.facts import NOWHERE
from kerascheck.fix.documents import Document, load_document
from kerascheck.fix.edits import FixContext, TextEdit
from kerascheck.rules.base import Autofix, Rule
from kerascheck.rules.tool import tool_diagnostic
from kerascheck.static.lint import analyse_program, parse
from kerascheck.static.source import Program, UnreadableSource

MAX_PASSES = 10


@dataclass(frozen=True)
class PlannedFix:
    """The edits that fix one finding."""

    diagnostic: Diagnostic
    fixer: Autofix
    edits: tuple[TextEdit, ...]


@dataclass
class Plan:
    """One lint of a program: its findings (with anchors) and the fixes on offer."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixes: list[PlannedFix] = field(default_factory=list)
    declined: list[Diagnostic] = field(default_factory=list)  # a fixer was asked and had no safe edit


def lint_with_context(
    program: Program, filename: str, selection: engine.Selection
) -> tuple[list[Diagnostic], FixContext | None]:
    """Located, unsuppressed findings and the parse they came from (``None`` if it does not parse)."""
    analysis = analyse_program(program, filename, selection)
    if analysis.module is None or analysis.facts is None:
        return analysis.diagnostics, None
    if any(d.code == "KC001" for d in analysis.diagnostics):
        return analysis.diagnostics, None  # a notebook with a broken cell: no fix could re-parse
    return analysis.diagnostics, FixContext(module=analysis.module, facts=analysis.facts, text=program.text)


def plan(
    program: Program,
    filename: str,
    selection: engine.Selection = engine.DEFAULT_SELECTION,
    *,
    unsafe: bool = False,
    wanted: Callable[[Diagnostic], bool] | None = None,
) -> Plan:
    """Lint ``program`` and collect the fixes allowed by ``unsafe`` (and ``wanted``, if given)."""
    diagnostics, context = lint_with_context(program, filename, selection)
    result = Plan(diagnostics=diagnostics)
    if context is None:
        return result
    rules: dict[str, Rule] = {rule.code: rule for rule in selection.rules() if rule.autofix is not None}
    for diagnostic in diagnostics:
        rule = rules.get(diagnostic.code)
        fixer = rule.autofix if rule is not None else None
        if rule is None or fixer is None or diagnostic.fix_safety is None or not (fixer.safe or unsafe):
            continue
        if wanted is not None and not wanted(diagnostic):
            continue
        node_edits = fixer.edits(rule, diagnostic, context)
        edits = [context.to_text_edit(edit) for edit in node_edits or ()]
        if node_edits and all(edit is not None for edit in edits):
            result.fixes.append(PlannedFix(diagnostic, fixer, tuple(e for e in edits if e is not None)))
        else:
            result.declined.append(diagnostic)
    return result


def choose(fixes: Sequence[PlannedFix]) -> list[PlannedFix]:
    """Fixes whose edits overlap no earlier fix's; an identical edit counts once."""
    chosen: list[PlannedFix] = []
    taken: list[TextEdit] = []
    for fix in fixes:
        new = [edit for edit in fix.edits if edit not in taken]
        if any(edit.overlaps(other) for edit in new for other in taken):
            continue
        chosen.append(fix)
        taken.extend(new)
    return chosen


@dataclass
class FixOutcome:
    """What fixing one file did: before/after, what was fixed, what remains."""

    filename: str
    before: Document | None
    after: Document | None
    fixed: list[Diagnostic] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)
    error: str | None = None
    declined: list[Diagnostic] = field(default_factory=list)  # fixable codes whose fixer had no edit here

    def notes(self) -> list[str]:
        """One line per declined fix, so a finding that stays is never a silent surprise."""
        return [
            f"{self.filename}:{d.line}:{d.column}: {d.code} has a fix, but it does not apply safely here;"
            " fix it by hand"
            for d in self.declined
        ]

    @property
    def changed(self) -> bool:
        return self.before is not None and self.after is not None and self.after != self.before

    def diff(self) -> str:
        if not self.changed:
            return ""
        return self.before.diff(self.after, self.filename)  # type: ignore[union-attr, arg-type]


def _clean(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    return [replace(d, anchor=NOWHERE) for d in diagnostics]


def fix_document(document: Document, filename: str, selection: engine.Selection, *, unsafe: bool = False) -> FixOutcome:
    """Apply fixes pass by pass; on any failure the outcome keeps the document as it was."""
    outcome = FixOutcome(filename=filename, before=document, after=document)
    current = document
    fixed: list[Diagnostic] = []
    for _ in range(MAX_PASSES):
        planned = plan(current.program(), filename, selection, unsafe=unsafe)
        chosen = choose(planned.fixes)
        if not chosen:
            outcome.remaining = _clean(planned.diagnostics)
            outcome.declined = _clean(planned.declined)
            break
        edits = [edit for fix in chosen for edit in fix.edits]
        updated = current.apply(list(dict.fromkeys(edits)))
        if updated == current:  # edits that change nothing: done, not an endless loop
            outcome.remaining = _clean(planned.diagnostics)
            break
        codes = ", ".join(sorted({fix.diagnostic.code for fix in chosen}))
        if updated is None:
            outcome.error = f"{filename}: cannot map the {codes} fix into the notebook's cells; not fixed"
            break
        try:
            parse(updated.program())
        except (cst.ParserSyntaxError, SyntaxError, RecursionError, OverBudget):
            outcome.error = f"{filename}: the {codes} fix would not parse (a kerascheck bug); not fixed"
            break
        fixed.extend(fix.diagnostic for fix in chosen)
        current = updated
    else:
        outcome.remaining = _clean(plan(current.program(), filename, selection).diagnostics)
    if outcome.error is not None:
        outcome.remaining = _clean(plan(document.program(), filename, selection).diagnostics)
        return outcome
    outcome.after = current
    outcome.fixed = _clean(fixed)
    return outcome


def fix_bytes(raw: bytes, filename: str, selection: engine.Selection, *, unsafe: bool = False) -> FixOutcome:
    """Fix a file's bytes; unreadable input is a KC002 finding and is never changed."""
    try:
        document = load_document(raw, filename)
    except UnreadableSource as error:
        return FixOutcome(filename, None, None, remaining=[tool_diagnostic("KC002", str(error), filename)])
    return fix_document(document, filename, selection, unsafe=unsafe)


def fix_source(
    source: str, filename: str = "<string>", *, unsafe: bool = False, selection: engine.Selection | None = None
) -> str:
    """The fixed text of ``source`` (for tests and library users); unchanged if nothing applies."""
    outcome = fix_bytes(source.encode("utf-8"), filename, selection or engine.DEFAULT_SELECTION, unsafe=unsafe)
    if not outcome.changed or outcome.after is None:
        return source
    return outcome.after.content().decode("utf-8")
