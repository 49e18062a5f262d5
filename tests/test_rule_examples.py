"""Every rule's own examples, as written in the rule: BAD ones fire where and how they say, GOOD ones stay silent.

The examples run through the static front-end; the runtime tests build the
model-level ones with Keras. See ``kerascheck/rules/base.py`` for the format.
"""

from __future__ import annotations

import importlib
import re

import pytest

from kerascheck import check_source
from kerascheck.diagnostics import Severity
from kerascheck.engine import Selection
from kerascheck.fix.apply import fix_source
from kerascheck.rules.base import Bad, Good, Rule, all_rules, fixer, rule_modules, rules_of

BAD_CASES = [
    pytest.param(code, example, id=f"{code}-bad-{index}")
    for code, rule in all_rules().items()
    for index, example in enumerate(rule.BAD)
]
GOOD_CASES = [
    pytest.param(code, example, id=f"{code}-good-{index}")
    for code, rule in all_rules().items()
    for index, example in enumerate(rule.GOOD)
]


def assert_fires_where_it_says(rule: type[Rule], example: Bad) -> None:
    found = [d for d in check_source(example.source, select=["ALL"]) if d.code == rule.code]
    assert len(found) == 1, f"{rule.code} fired {len(found)} times, not once:\n{example.source}"
    (finding,) = found
    assert finding.span is not None
    where = f"{rule.code} at line {finding.span.line}, columns {finding.span.column}-{finding.span.end_column}"
    assert finding.span.line == example.line, f"{where}, not line {example.line}:\n{example.source}"
    if example.columns is not None:
        assert (finding.span.column, finding.span.end_column) == example.columns, where
    assert example.message in finding.message, f"{rule.code} said {finding.message!r}"


def assert_fixed_as_it_says(rule: type[Rule], example: Bad) -> None:
    if rule.autofix is None:
        assert example.fixed is None, f"{rule.code} has no autofix, but its example gives a fixed source"
        return
    fixed = fix_source(example.source, unsafe=True, selection=Selection(select=(rule.code,)))
    assert fixed == (example.fixed or example.source)
    if example.fixed is not None:
        found = {d.code for d in check_source(fixed, select=["ALL"])}
        assert rule.code not in found, f"{rule.code} still fires once fixed"


def assert_stays_silent(rule: type[Rule], example: Good) -> None:
    found = [d for d in check_source(example.source, select=["ALL"]) if d.code == rule.code]
    assert not found, f"{rule.code} GOOD example fired: {found[0].message}\n{example.source}"


@pytest.mark.parametrize(("code", "example"), BAD_CASES)
def test_bad_example_fires_where_it_says(code: str, example: Bad) -> None:
    assert_fires_where_it_says(all_rules()[code], example)


@pytest.mark.parametrize(("code", "example"), BAD_CASES)
def test_bad_example_is_fixed_as_it_says(code: str, example: Bad) -> None:
    assert_fixed_as_it_says(all_rules()[code], example)


@pytest.mark.parametrize(("code", "example"), GOOD_CASES)
def test_good_example_stays_silent(code: str, example: Good) -> None:
    assert_stays_silent(all_rules()[code], example)


def test_rules_are_found_by_scanning_the_package() -> None:
    """Each rule module contributes a rule, and every rule found comes from a rule module."""
    modules = rule_modules()
    assert "kerascheck.rules.output_loss" in modules and "kerascheck.rules.base" not in modules
    for name in modules:
        assert rules_of(importlib.import_module(name)), f"{name} defines no rule: is it a rule module?"
    assert {rule.__module__ for rule in all_rules().values()} == set(modules)


def test_a_rule_defined_elsewhere_does_not_join_the_registry() -> None:
    class ElsewhereRule(Rule):
        """A rule defined in a test."""

        code = "KC999"
        name = "defined-in-a-test"
        severity = Severity.ERROR
        fix = "nothing"

    assert "KC999" not in all_rules()
    assert all(d.code != "KC999" for d in check_source("import keras\n", select=["ALL"]))


def test_old_style_string_examples_are_refused() -> None:
    with pytest.raises(TypeError, match="BAD examples are Bad"):

        class StringExamples(Rule):
            code = "KC998"
            name = "string-examples"
            BAD = ("import keras\n",)  # type: ignore[assignment]


def test_every_fact_rule_has_examples() -> None:
    for code, rule in all_rules().items():
        if code.startswith("KC0") or code.startswith("KC5"):
            continue
        assert rule.BAD, f"{code} has no BAD examples"
        assert rule.GOOD, f"{code} has no GOOD examples"


def test_docstrings_have_the_headings() -> None:
    for code, rule in all_rules().items():
        doc = rule.documentation()
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert heading in doc, f"{code} docstring lacks {heading!r}"


def test_codes_and_names_match_the_catalogue() -> None:
    expected = {
        "KC001": "syntax-error", "KC002": "unreadable-file",
        "KC101": "missing-softmax", "KC102": "missing-sigmoid", "KC103": "single-unit-categorical",
        "KC104": "single-unit-softmax", "KC105": "softmax-binary-crossentropy",
        "KC106": "non-probability-output", "KC107": "double-activation-from-logits",
        "KC108": "sigmoid-categorical-crossentropy", "KC109": "regression-loss-on-classifier",
        "KC110": "hinge-with-probabilities",
        "KC401": "softmax-in-hidden-layer", "KC402": "redundant-activation",
        "KC403": "layer-after-output-activation", "KC404": "linear-layer-stack",
        "KC405": "simple-rnn-long-sequence", "KC406": "rnn-stack-missing-return-sequences",
        "KC407": "dense-on-feature-maps",
    }  # fmt: skip
    rules = all_rules()
    for code, name in expected.items():
        assert code in rules, f"{code} is not implemented"
        assert rules[code].name == name


DOC_PRELUDE = "import numpy as np\nimport keras\nfrom keras import layers\n"


def _doc_blocks(rule: type[Rule], heading: str) -> list[str]:
    """The ```python blocks of one docstring section."""
    doc = rule.documentation()
    match = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
    return re.findall(r"```python\n(.*?)```", match.group(1), re.S) if match else []


DOC_RULES = [pytest.param(code, id=code) for code, rule in all_rules().items() if rule.BAD]


@pytest.mark.parametrize("code", DOC_RULES)
def test_docstring_example_fires_and_use_instead_does_not(code: str) -> None:
    """The documented *Example* is flagged and the *Use instead* is not (both run after the usual imports)."""
    assert_docstring_examples(all_rules()[code])


def assert_docstring_examples(rule: type[Rule]) -> None:
    code = rule.code
    examples, fixes = _doc_blocks(rule, "Example"), _doc_blocks(rule, "Use instead")
    assert examples and fixes, f"{code}: the docstring's Example and Use instead need a ```python block"
    for block in examples:
        found = {d.code for d in check_source(DOC_PRELUDE + block, select=["ALL"])}
        assert code in found, f"{code}'s docstring Example is not flagged:\n{block}"
    for block in fixes:
        found = {d.code for d in check_source(DOC_PRELUDE + block, select=["ALL"])}
        assert code not in found, f"{code}'s docstring Use instead is flagged:\n{block}"


def test_a_fixer_must_say_why_it_is_safe_or_not() -> None:
    with pytest.raises(ValueError, match="docstring says why"):

        class SilentFixer(Rule):
            code = "KC997"
            name = "silent-fixer"

            @fixer(safe=True, title="do something")
            def fix_edits(self, diagnostic: object, context: object) -> None:
                return None


def test_the_autofix_is_declared_by_its_rule() -> None:
    """--fix, the editor, the rule page and the docs table all read ``Rule.autofix``."""
    from kerascheck.rules.output_loss import DoubleActivationFromLogits

    fix = DoubleActivationFromLogits.autofix
    assert fix is not None and fix.safe and fix.title == "set from_logits=False on the loss"
    assert fix.why.startswith("Safe:")
    assert all_rules()["KC404"].autofix is None
