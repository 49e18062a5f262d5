"""CONTRIBUTING.md stays true: its example rule works as a new rule module, its commands and paths exist."""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import run_cli
from test_rule_examples import (
    assert_docstring_examples,
    assert_fires_where_it_says,
    assert_fixed_as_it_says,
    assert_stays_silent,
)

import kerascheck.rules
from kerascheck import check_source
from kerascheck.rules import base
from kerascheck.rules.base import Rule, all_rules, option_infos

ROOT = Path(__file__).parent.parent
GUIDE = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
RULE_SNIPPET = re.findall(r"^~~~python\n(.*?)^~~~$", GUIDE, re.S | re.M)
COMMANDS = [
    line.strip()
    for block in re.findall(r"^```console\n(.*?)^```$", GUIDE, re.S | re.M)
    for line in block.splitlines()
    if line.strip()
]


@pytest.fixture
def new_rule_module(tmp_path: Path) -> Iterator[type[Rule]]:
    """The guide's rule saved as a module of ``kerascheck.rules``, as a contributor would add it."""
    (snippet,) = RULE_SNIPPET
    (tmp_path / "contributing_example.py").write_text(snippet, encoding="utf-8")
    kerascheck.rules.__path__.append(str(tmp_path))
    base._registry.cache_clear()
    try:
        yield all_rules()["KC499"]
    finally:
        kerascheck.rules.__path__.remove(str(tmp_path))
        sys.modules.pop("kerascheck.rules.contributing_example", None)
        base._registry.cache_clear()


def test_the_example_rule_is_a_working_rule_module(new_rule_module: type[Rule]) -> None:
    """Saving the module is all it takes: it is found, its examples and docstring hold, the docs render."""
    rule = new_rule_module
    assert rule.__module__ == "kerascheck.rules.contributing_example"
    for example in rule.BAD:
        assert_fires_where_it_says(rule, example)
        assert_fixed_as_it_says(rule, example)
    for good in rule.GOOD:
        assert_stays_silent(rule, good)
    assert_docstring_examples(rule)
    page = run_cli("rule", "KC499")
    assert page.code == 0 and page.out.startswith("# KC499 single-unit-bottleneck (warning)")


def test_the_example_rule_code_is_free() -> None:
    """The guide's hypothetical rule must not shadow a real one (and is gone once its module is)."""
    assert "KC499" not in all_rules()
    assert not any(d.code == "KC499" for d in check_source("import keras\n", select=["ALL"]))


def test_the_commands_name_what_exists() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    style = (ROOT / "tests" / "test_style.py").read_text(encoding="utf-8")
    assert COMMANDS, "CONTRIBUTING.md has no console blocks"
    for command in COMMANDS:
        for part in re.split(r"\s*&&\s*", command):
            words = shlex.split(part)
            program = words[0]
            assert program.startswith(("python3", ".venv/bin/")), command
            if "pytest" in words:
                after = words[words.index("pytest") + 1 :]
                if "-m" in after:
                    expression = after[after.index("-m") + 1]
                    for marker in set(re.findall(r"\w+", expression)) - {"not", "and", "or"}:
                        assert f'"{marker}:' in pyproject, f"marker {marker!r} is not registered"
                for path in (w for w in after if w.startswith("tests/")):
                    assert (ROOT / path).exists(), path
            if program.endswith("mypy"):
                flags = " ".join(words[1:])
                assert all(f'"{word}"' in style for word in flags.split()), "the style gate runs mypy differently"


def test_the_paths_and_names_exist() -> None:
    paths = set(re.findall(r"`((?:kerascheck|tests|docs|\.ci)/[\w/.\-<>]*|[\w\-]+\.(?:md|toml))`", GUIDE))
    assert len(paths) > 20
    for path in sorted(paths):
        if "<" in path:
            continue  # a pattern such as kerascheck/rules/<family>.py
        assert (ROOT / path).exists(), f"CONTRIBUTING.md names {path}, which does not exist"
    for helper in ("all_heads", "heads_with_loss", "trained_heads", "is_classifier", "unit_label"):
        assert callable(getattr(base, helper)), helper
    from kerascheck.rules.output_loss import DoubleActivationFromLogits, MissingSoftmax

    assert DoubleActivationFromLogits.autofix is not None and DoubleActivationFromLogits.autofix.safe
    assert MissingSoftmax.autofix is not None and not MissingSoftmax.autofix.safe
    assert "max-timesteps" in {info.name for info in option_infos(all_rules()["KC405"])}


def test_the_quoted_handler_is_the_real_one() -> None:
    """The guide quotes a front-end handler; it must be the code in ``kerascheck/static/semantics/numpy.py``."""
    quoted = re.search(r"^```python\n(@REGISTRY\.function.*?)^```$", GUIDE, re.S | re.M)
    assert quoted is not None
    source = (ROOT / "kerascheck" / "static" / "semantics" / "numpy.py").read_text(encoding="utf-8")
    assert quoted.group(1) in source
