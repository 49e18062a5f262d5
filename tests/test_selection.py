"""select/ignore mean the same on every surface: API, inspect(), callback, config and CLI."""

from __future__ import annotations

import pytest

from kerascheck import check_source
from kerascheck.config import ConfigError, rule_patterns, selection_from
from kerascheck.engine import Selection

SOURCE = """\
import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, validation_split=0.2, shuffle=False)
"""


def _codes(**options: object) -> list[str]:
    return sorted({d.code for d in check_source(SOURCE, **options)})  # type: ignore[arg-type]


def test_a_string_selects_by_prefix_not_by_character() -> None:
    everything = _codes()
    assert any(code.startswith("KC1") for code in everything), everything
    assert _codes(select="KC1") == [code for code in everything if code.startswith("KC1")]
    assert _codes(select="kc1") == _codes(select=["KC1"])
    assert _codes(ignore="KC1") == [code for code in everything if not code.startswith("KC1")]
    assert _codes(select="KC1,KC3") == _codes(select=["KC1", "KC3"])


def test_unknown_codes_are_rejected_alike_everywhere() -> None:
    with pytest.raises(ValueError, match=r"'select' names 'KC999', which matches no kerascheck rule"):
        check_source(SOURCE, select="KC999")
    with pytest.raises(ConfigError, match=r"command line: '--ignore' names 'XY1', which matches no kerascheck rule"):
        rule_patterns(["XY1"], "--ignore", "command line")
    with pytest.raises(ConfigError, match=r"'select' must be a list of strings"):
        rule_patterns("KC1", "select", "pyproject.toml", lists_only=True)  # the file is strict, as ruff's


def test_library_values_match_the_command_lines() -> None:
    assert selection_from("kc1, KC304", "KC105") == Selection(select=("KC1", "KC304"), ignore=("KC105",))
    assert selection_from(["KC1", "KC304"], ["KC105"]) == selection_from("KC1,KC304", "KC105")


def test_inspect_and_the_callback_use_the_same_parsing() -> None:
    from kerascheck.runtime.inspect import selection_from as runtime_selection

    assert runtime_selection("KC2", None) == selection_from(select="KC2")
    with pytest.raises(ValueError, match="KC0X"):
        runtime_selection(None, ["KC0X"])
