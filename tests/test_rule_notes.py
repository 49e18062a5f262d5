"""Rule pages' *Known problems* and *Keras's own behaviour*: tied to real rules and true today."""

from __future__ import annotations

import pytest

from kerascheck import check_source
from kerascheck.docs import rule_page, rule_url
from kerascheck.rule_notes import KERAS_BEHAVIOUR, KNOWN_PROBLEMS
from kerascheck.rules.base import all_rules

PROBLEMS = [(code, problem) for code, problems in KNOWN_PROBLEMS.items() for problem in problems]


def test_notes_name_real_rules() -> None:
    assert set(KNOWN_PROBLEMS) <= set(all_rules())
    assert set(KERAS_BEHAVIOUR) <= set(all_rules())


@pytest.mark.parametrize(("code", "problem"), PROBLEMS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(PROBLEMS)])
def test_each_known_problem_is_still_a_miss(code: str, problem: object) -> None:
    """When a rule learns one of these cases this fails: then drop the note from rule_notes.py."""
    found = check_source(problem.missed, "m.py", select=["ALL"])  # type: ignore[attr-defined]
    assert not [d for d in found if d.code in ("KC001", code)], f"{code} now catches this: update its Known problems"


def test_pages_carry_the_sections() -> None:
    page = rule_page(all_rules()["KC107"])
    assert "## Known problems" in page and "custom loss function" in page
    assert "## Keras's own behaviour" in page and "Only the TensorFlow backend warns" in page
    assert "## Keras's own behaviour" in rule_page(all_rules()["KC101"])
    assert "Keras 3 trains without a warning" in rule_page(all_rules()["KC101"])
    assert "## Known problems" not in rule_page(all_rules()["KC503"])  # a runtime rule: no static limits


def test_hover_page_has_no_examples_and_links_point_at_headings() -> None:
    rule = all_rules()["KC203"]
    short = rule_page(rule, examples=False)
    assert "## Why is this bad?" in short and "## Known problems" in short
    assert "(from the rule's tests)" not in short and "(from the rule's tests)" in rule_page(rule)
    assert rule_url(rule).endswith("docs/rules.md#kc203-precision-recall-on-softmax-warning")
