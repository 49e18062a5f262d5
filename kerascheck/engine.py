"""The rule engine: facts -> selected rules -> located, suppressed, sorted diagnostics.

Front-ends differ only in how an anchor becomes a position (``locate``) and
which lines carry suppression comments; everything else happens here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from kerascheck.diagnostics import Diagnostic, Severity, Span
from kerascheck.facts import Anchor, ProgramFacts
from kerascheck.rules.base import Rule, all_rules

Locator = Callable[[Anchor], tuple[Span | None, int | None]]


def _matches(code: str, patterns: Iterable[str]) -> bool:
    return any(p == "ALL" or code.startswith(p) for p in patterns)


@dataclass(frozen=True)
class Selection:
    """Which rules run: ruff's select / extend-select / ignore, by code or prefix.

    With no ``select`` the default is every error and warning rule; ``info``
    rules (advice) run only when selected by code, prefix or ``ALL``.
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def enabled(self, rule: type[Rule]) -> bool:
        code = rule.code
        if _matches(code, self.ignore) and not self._more_specific_select(code):
            return False
        chosen = rule.severity is not Severity.INFO if self.select is None else _matches(code, self.select)
        return chosen or _matches(code, self.extend_select)

    def _more_specific_select(self, code: str) -> bool:
        """``select = ["KC101"]`` beats ``ignore = ["KC1"]``: the longer prefix wins."""
        ignored = max((len(p) for p in self.ignore if p == "ALL" or code.startswith(p)), default=-1)
        chosen = [p for p in (*(self.select or ()), *self.extend_select) if code.startswith(p)]
        return any(len(p) > ignored for p in chosen)

    def with_ignored(self, extra: Sequence[str]) -> Selection:
        return replace(self, ignore=(*self.ignore, *extra)) if extra else self

    def rules(self) -> list[Rule]:
        return [rule() for rule in all_rules().values() if self.enabled(rule)]


DEFAULT_SELECTION = Selection()


def run_rules(facts: ProgramFacts, selection: Selection = DEFAULT_SELECTION) -> list[Diagnostic]:
    """Every diagnostic the selected rules raise on these facts, unlocated."""
    found: list[Diagnostic] = []
    for rule in selection.rules():
        found.extend(rule.check(facts))
    return found


def finalize(
    diagnostics: Iterable[Diagnostic],
    *,
    filename: str,
    locate: Locator,
    is_suppressed: Callable[[Diagnostic], bool] = lambda _d: False,
) -> list[Diagnostic]:
    """Locate, name the file, drop suppressed and duplicate findings, sort."""
    seen: set[tuple[object, ...]] = set()
    result: list[Diagnostic] = []
    for diagnostic in diagnostics:
        span, cell = locate(diagnostic.anchor)
        located = replace(diagnostic, filename=filename, span=span, cell=cell)
        key = (located.code, located.cell, located.span, located.message)
        if key in seen or is_suppressed(located):
            continue
        seen.add(key)
        result.append(located)
    return sorted(result, key=Diagnostic.sort_key)
