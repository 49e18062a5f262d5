"""KC0xx: problems reading the input itself, reported by the front-ends."""

from __future__ import annotations

from collections.abc import Iterator

from kerascheck.diagnostics import Diagnostic, Severity, Span
from kerascheck.facts import ProgramFacts
from kerascheck.rules.base import Bad, Good, Rule


class SyntaxErrorRule(Rule):
    """
    ## What it does
    Reports a file that cannot be parsed as Python, at the position of the error.

    ## Why is this bad?
    Nothing in the file can be checked until it parses; the other files are
    still linted.

    ## Example
    ```python
    model.compile(loss="binary_crossentropy"
    ```

    ## Use instead
    ```python
    model.compile(loss="binary_crossentropy")
    ```
    """

    code = "KC001"
    name = "syntax-error"
    severity = Severity.ERROR
    fix = "fix the syntax error; nothing else in this file was checked"
    model_rule = False

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        return iter(())


class UnreadableFileRule(Rule):
    """
    ## What it does
    Reports input that cannot be read at all: not UTF-8, not a valid notebook,
    an unreadable or hostile `.keras` archive, permission denied.

    ## Why is this bad?
    The file is skipped; kerascheck says so in one line instead of failing
    the whole run.

    ## Example
    A `.ipynb` file whose JSON was truncated by a merge conflict.

    ## Use instead
    Repair or regenerate the file.
    """

    code = "KC002"
    name = "unreadable-file"
    severity = Severity.ERROR
    fix = "repair or regenerate the file; it was skipped"
    model_rule = False

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        return iter(())


class UnusedNoqaRule(Rule):
    """
    ## What it does
    Reports a code in a suppression comment that names no rule or suppresses nothing.

    It reads `# noqa: KC101`, `# kerascheck: ignore[KC1]` and the file-level
    `# kerascheck: noqa: KC2`. Opt-in (select `KC010`), like ruff's RUF100; a
    bare `# noqa` and other tools' codes are never reported, nor codes of rules
    that are not selected (they may fire under another selection).

    ## Why is this bad?
    A stale suppression hides the next real finding on that line, and a
    misspelt code suppresses nothing while looking as if it did.

    ## Example
    ```python
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])  # noqa: KC101
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    ```
    """

    code = "KC010"
    name = "unused-noqa"
    severity = Severity.INFO
    fix = "remove the code from the comment (or the comment)"
    model_rule = False
    BAD = (
        Bad(
            """
            import keras
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])  # noqa: KC101
            model.compile(loss="categorical_crossentropy")
            """,
            line=2,
            message="suppression comment for KC101 suppresses nothing",
        ),
        Bad(
            """
            import keras  # noqa: KC999
            """,
            line=1,
            message="suppression comment names KC999, which is no kerascheck rule",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])  # noqa: KC101
            model.compile(loss="categorical_crossentropy")
            """
        ),
        Good(
            """
            import keras  # noqa
            import os  # noqa: F401
            """
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        return iter(())


class UncheckedModelRule(Rule):
    """
    ## What it does
    Reports a model kerascheck could not see into, instead of calling it clean.

    A subclassed model that has not been built has no layers yet; a saved
    subclassed model keeps its layers in Python code, not in its config.

    ## Why is this bad?
    "No findings" would read as "checked and fine" when nothing was checked.

    ## Example
    ```python
    model = MyClassifier()           # a keras.Model subclass, never called
    kerascheck.inspect(model)
    ```

    ## Use instead
    ```python
    model = MyClassifier()
    model(x_train[:1])               # build it
    kerascheck.inspect(model, x_train, y_train)
    ```
    """

    code = "KC009"
    name = "unchecked-model"
    severity = Severity.WARNING
    fix = "build the model first (call it on a batch of data), then inspect the live model"
    model_rule = False

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        return iter(())


class OverBudgetRule(Rule):
    """
    ## What it does
    Reports input too large or too complex to check within the per-file budgets.

    The budgets (the README's *Reliability* section lists them): a file over
    `max-file-size`, an expression nested hundreds of levels deep (a
    3 000-term `1+1+...`, 8 000 `and` terms), an `elif` ladder hundreds of
    branches long, valid Python that libcst's parser gives up on (5 000
    adjacent string literals), or more interpreter steps than allowed.

    ## Why is this bad?
    Such input would make the parser crash or take minutes; kerascheck skips
    the file in one line instead, so one generated file never takes the run
    down. Nothing in the file was checked.

    ## Example
    A generated module with one expression of 10 000 terms.

    ## Use instead
    Exclude generated files (`exclude`), or split the expression (a loop or
    `sum()` over a list is flat).
    """

    code = "KC003"
    name = "over-budget"
    severity = Severity.WARNING
    fix = "exclude the file or split it; it was not checked"
    model_rule = False

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        return iter(())


_TOOL_RULES: dict[str, type[Rule]] = {
    rule.code: rule
    for rule in (SyntaxErrorRule, UnreadableFileRule, OverBudgetRule, UncheckedModelRule, UnusedNoqaRule)
}


def tool_diagnostic(
    code: str,
    message: str,
    filename: str,
    span: Span | None = None,
    cell: int | None = None,
    fix: str | None = None,
) -> Diagnostic:
    """A KC0xx finding made by a front-end, outside the fact-based rules."""
    rule = _TOOL_RULES.get(code, UnreadableFileRule)
    return Diagnostic(
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        message=message,
        fix=fix or rule.fix,
        filename=filename,
        span=span or Span(1, 1, 1, 1),
        cell=cell,
    )
