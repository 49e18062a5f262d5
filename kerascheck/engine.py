"""The rule engine: facts -> selected rules -> located, suppressed, sorted diagnostics.

Front-ends differ only in how an anchor becomes a position (``locate``) and
which lines carry suppression comments; everything else happens here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from kerascheck.diagnostics import Diagnostic, Severity, Span
from kerascheck.facts import Anchor, ProgramFacts
from kerascheck.rules.base import OptionError, Rule, all_rules, parse_options

Locator = Callable[[Anchor], tuple[Span | None, int | None]]
RuleOptions = Mapping[str, Mapping[str, object]]  # rule code -> option name -> value


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
    # Rule options by code, as sorted pairs (hashable; part of the cache key). See ``with_options``.
    options: tuple[tuple[str, tuple[tuple[str, object], ...]], ...] = ()

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

    def with_options(self, options: RuleOptions | None) -> Selection:
        """This selection with rule options (``{"KC501": {"patience": 5}}``) merged in, validated.

        Raises ``OptionError`` (a ``ValueError``) naming the rule and option for an
        unknown rule code, an unknown option or a value of the wrong type.
        """
        if not options:
            return self
        merged = {code: dict(values) for code, values in self.options}
        rules = all_rules()
        for code, values in options.items():
            rule = rules.get(str(code).upper())
            if rule is None:
                raise OptionError(f"options for {code!r}: there is no such rule")
            if not isinstance(values, Mapping):
                raise OptionError(f"options for {rule.code} must be a table of name = value")
            parse_options(rule, values)  # errors name the option as the user spelt it
            merged.setdefault(rule.code, {}).update({str(k).replace("-", "_"): v for k, v in values.items()})
        packed = tuple(sorted((code, tuple(sorted(values.items()))) for code, values in merged.items()))
        return replace(self, options=packed)

    def options_for(self, code: str) -> dict[str, object]:
        return next((dict(values) for rule_code, values in self.options if rule_code == code), {})

    def rules(self) -> list[Rule]:
        """The selected rules, built once per selection (every file of a run asks again)."""
        registry = all_rules()
        key = (self, tuple(registry.values()))
        try:
            built = _BUILT_RULES.get(key)
        except TypeError:  # an option value that cannot be hashed: build, do not keep
            return [rule(self.options_for(code)) for code, rule in registry.items() if self.enabled(rule)]
        if built is None:
            if len(_BUILT_RULES) >= _MAX_BUILT_SELECTIONS:
                _BUILT_RULES.clear()
            built = tuple(rule(self.options_for(code)) for code, rule in registry.items() if self.enabled(rule))
            _BUILT_RULES[key] = built
        return list(built)


# Rules hold no state but their options, so one instance per (selection, registry) serves every
# file; bounded, for a long-lived language server whose configuration changes.
_BUILT_RULES: dict[tuple[Selection, tuple[type[Rule], ...]], tuple[Rule, ...]] = {}
_MAX_BUILT_SELECTIONS = 64


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
