"""Every rule's own BAD examples fire and its GOOD examples stay silent (static front-end)."""

from __future__ import annotations

import pytest

from kerascheck import check_source
from kerascheck.rules.base import all_rules

CASES = [
    pytest.param(code, kind, index, example, id=f"{code}-{kind}-{index}")
    for code, rule in all_rules().items()
    for kind, examples in (("bad", rule.BAD), ("good", rule.GOOD))
    for index, example in enumerate(examples)
]


@pytest.mark.parametrize(("code", "kind", "index", "example"), CASES)
def test_rule_example(code: str, kind: str, index: int, example: str) -> None:
    found = [d.code for d in check_source(example, select=["ALL"])]
    if kind == "bad":
        assert code in found, f"{code} BAD example {index} did not fire:\n{example}"
    else:
        assert code not in found, f"{code} GOOD example {index} fired:\n{example}"


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
