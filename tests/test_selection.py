"""select/ignore mean the same on every surface: API, inspect(), callback, config and CLI."""

from __future__ import annotations

import pytest

from kerascheck import check_source
from kerascheck.config import ConfigError, selection_from
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
    with pytest.raises(ConfigError, match=r"command line: '--ignore' names 'XY1'"):
        selection_from(ignore=["XY1"], where="command line", option="--")


def test_the_cli_layers_its_options_over_the_file() -> None:
    base = selection_from(select=["KC1"], ignore=["KC105"], where="pyproject.toml")
    layered = selection_from(None, "KC104", "KC201", base=base)
    assert layered == Selection(select=("KC1",), extend_select=("KC201",), ignore=("KC105", "KC104"))


def test_inspect_and_the_callback_use_the_same_parsing() -> None:
    from kerascheck.runtime.inspect import selection_from as runtime_selection

    assert runtime_selection("KC2", None) == selection_from(select="KC2")
    with pytest.raises(ValueError, match="KC0X"):
        runtime_selection(None, ["KC0X"])
