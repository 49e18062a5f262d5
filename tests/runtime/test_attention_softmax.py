"""A softmax op over another axis is attention pooling at runtime too; over a 1-wide last axis it is KC104."""

from __future__ import annotations

import pytest


@pytest.mark.filterwarnings("ignore:You are using a softmax over axis -1")
@pytest.mark.parametrize(("axis", "codes"), [(1, []), (-1, ["KC104"])])
def test_softmax_op_axis(axis: int, codes: list[str]) -> None:
    import keras
    from keras import layers

    import kerascheck

    inputs = keras.Input((16, 8))
    weights = keras.ops.softmax(layers.Dense(1)(inputs), axis=axis)
    pooled = keras.ops.sum(weights * inputs, axis=1)
    model = keras.Model(inputs, layers.Dense(2, activation="softmax")(pooled))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert [d.code for d in kerascheck.inspect(model)] == codes
