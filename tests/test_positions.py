"""The fast per-statement positions agree with libcst's whole-module PositionProvider."""

from __future__ import annotations

from pathlib import Path

import pytest

from kerascheck import check_source
from kerascheck.static.positions import NodePositions

FIXTURES = Path(__file__).parent / "fixtures"
PROGRAMS = sorted([*FIXTURES.rglob("*.py"), *FIXTURES.rglob("*.ipynb")])


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_fast_positions_match_libcst(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    fast = [(d.code, d.cell, d.span) for d in check_source(text, filename=path.name, select=["ALL"])]
    monkeypatch.setattr(NodePositions, "_within_statement", lambda self, node, statement: None)
    full = [(d.code, d.cell, d.span) for d in check_source(text, filename=path.name, select=["ALL"])]
    assert fast == full


def test_positions_inside_nested_blocks_and_one_line_suites() -> None:
    source = (
        "import keras\n"
        "from keras import layers\n"
        "def build():\n"
        "    if True:\n"
        "        # a comment line\n"
        "        m = keras.Sequential([keras.Input(shape=(4,)),\n"
        "                              layers.Dense(3)]); m.compile(loss='categorical_crossentropy')\n"
        "        return m\n"
        "model = build()\n"
    )
    [diagnostic] = check_source(source)
    assert diagnostic.span is not None
    assert (diagnostic.line, diagnostic.column) == (7, 31)
    assert (diagnostic.span.end_line, diagnostic.span.end_column) == (7, 46)


def test_tabs_unicode_and_semicolons_agree_with_libcst(monkeypatch: pytest.MonkeyPatch) -> None:
    source = (
        "import keras\n"
        "from keras import layers\n"
        "if True:\n"
        "\tnote = 'café ☕'; model = keras.Sequential([keras.Input(shape=(4,)),\n"
        "\t\tlayers.Dense(3)])\f\n"
        "\tmodel.compile(loss='categorical_crossentropy')\n"
    )
    fast = [(d.code, d.span) for d in check_source(source)]
    monkeypatch.setattr(NodePositions, "_within_statement", lambda self, node, statement: None)
    assert fast == [(d.code, d.span) for d in check_source(source)]
    assert fast[0][1] is not None and fast[0][1].line == 5


def test_findings_point_at_what_the_fix_changes() -> None:
    """KC203 at the metric, KC307/KC303 at the fit argument, KC404 at the layer lacking an activation."""
    from kerascheck import check_source

    source = """\
import keras
from keras import layers

(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([
    keras.Input(shape=(28, 28)),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
model.compile(
    optimizer="adam",
    loss="categorical_crossentropy",
    metrics=["accuracy", keras.metrics.Precision()],
)
model.fit(
    x_train,
    keras.utils.to_categorical(y_train),
    epochs=1,
)
other = keras.Sequential([keras.Input(shape=(28, 28)), layers.Rescaling(1 / 255), layers.Flatten(),
                          layers.Dense(10, activation="softmax")])
other.compile(loss="categorical_crossentropy")
other.fit(x_train,
          y_train)
stack = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(16), layers.Dense(1)])
stack.compile(loss="mse")
"""
    found = {(d.code, d.line, d.column) for d in check_source(source, select=["KC2", "KC3", "KC4"])}
    assert ("KC203", 13, 26) in found  # keras.metrics.Precision()
    assert ("KC307", 16, 5) in found  # x_train
    assert ("KC303", 24, 11) in found  # y_train: integer labels with categorical cross-entropy
    assert ("KC404", 25, 52) in found  # Dense(16), the layer without an activation
