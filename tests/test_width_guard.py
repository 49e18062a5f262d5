"""The interpreter's "does this ``if`` read a width" test, against libcst's own child walk."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst
import pytest

from kerascheck.static.interpreter import _tests_width

WIDTH_ATTRIBUTES = ("output_shape", "shape", "units")


def attributes(node: cst.CSTNode) -> Iterator[cst.Attribute]:
    """The reference: every attribute access under ``node``, by libcst's ``children``."""
    if isinstance(node, cst.Attribute):
        yield node
    for child in node.children:
        yield from attributes(child)


@pytest.mark.parametrize(
    ("test", "reads_width"),
    [
        ("model.output_shape[-1] > 1", True),
        ("pred.shape[1] == 1", True),
        ("(layer).units", True),
        ("not (model.layers[-1].units == 1)", True),
        ("len([y.shape for y in batch]) > 2", True),
        ("f(*a.shape, **{k: v.units})", True),
        ("x if c else (d.output_shape)", True),
        ("lambda: m.shape", True),
        ("model.layers[-1].activation == 'softmax'", False),
        ("shape == (1,)", False),
        ("f(units=3)", False),
        ("'x.shape' in text", False),
    ],
)
def test_tests_width_agrees_with_the_child_walk(test: str, reads_width: bool) -> None:
    expression = cst.parse_expression(test)
    reference = any(node.attr.value in WIDTH_ATTRIBUTES for node in attributes(expression))
    assert reference is reads_width
    assert _tests_width(expression) == int(reads_width)
