"""The KC6xx checks at runtime: inspect(model, x, y) on arrays and datasets, and the callback in fit."""

from __future__ import annotations

import warnings
from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

import kerascheck
from kerascheck import facts as kf
from kerascheck.runtime.callback import KerasCheckError, KerasCheckWarning
from kerascheck.runtime.model import facts_from_model

RNG = np.random.default_rng(0)


def dense_model(width: int = 10, units: int = 1, activation: str = "sigmoid", loss: str = "binary_crossentropy") -> Any:
    model = keras.Sequential(
        [keras.Input(shape=(width,)), layers.Dense(8, activation="relu"), layers.Dense(units, activation=activation)]
    )
    model.compile(optimizer="adam", loss=loss)
    return model


def found(model: Any, **data: Any) -> dict[str, str]:
    return {d.code: d.message for d in kerascheck.inspect(model, select=["KC6"], **data)}


def test_facts_carry_the_model_shapes_and_the_data_shapes() -> None:
    model = dense_model(width=10, units=3, activation="softmax", loss="sparse_categorical_crossentropy")
    facts = facts_from_model(model, RNG.random((50, 20)), RNG.integers(0, 3, size=(50,)))
    fact = facts.models[0]
    assert [i.shape for i in fact.inputs] == [(10,)]
    assert fact.heads[0].output_shape == (3,)
    (call,) = fact.data_calls
    assert call.method == "inspect"
    assert call.inputs[0] is not None and call.inputs[0].sample == (20,) and call.inputs[0].count == 50
    assert call.targets[0] is not None and call.targets[0].sample == ()


def test_input_width_mismatch() -> None:
    messages = found(dense_model(width=10), x=RNG.random((100, 20)), y=RNG.integers(0, 2, size=(100,)))
    assert set(messages) == {"KC601"}
    assert "(None, 20)" in messages["KC601"] and "(None, 10)" in messages["KC601"]


def test_shapes_keras_accepts_stay_silent() -> None:
    assert found(dense_model(width=10), x=RNG.random((100, 10)), y=RNG.integers(0, 2, size=(100, 1))) == {}
    images = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(1)])
    images.compile(loss="mse")
    assert found(images, x=RNG.random((8, 28, 28)), y=RNG.random((8,))) == {}  # Keras adds the channel axis
    variable = keras.Sequential([keras.Input(shape=(None, 4)), layers.LSTM(3), layers.Dense(1)])
    assert found(variable, x=RNG.random((8, 17, 4))) == {}


def test_one_sample_without_batch_axis() -> None:
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
    x_test = RNG.random((100, 28, 28))
    messages = found(model, x=x_test[0])
    assert set(messages) == {"KC605"}
    assert "(28, 28)" in messages["KC605"]
    assert found(model, x=x_test[:1]) == {}


def test_broadcast_labels_with_a_regression_loss() -> None:
    model = dense_model(width=8, units=1, activation="linear", loss="mse")
    messages = found(model, x=RNG.random((64, 8)), y=RNG.random((64, 3)))
    assert set(messages) == {"KC602"}
    assert "broadcasts" in messages["KC602"] and "(None, 3)" in messages["KC602"] and "(None, 1)" in messages["KC602"]


def test_datasets_are_read_by_their_first_batches() -> None:
    model = dense_model(width=10)
    dataset = tf.data.Dataset.from_tensor_slices((RNG.random((64, 20)), RNG.integers(0, 2, size=(64,)))).batch(16)
    assert set(found(model, x=dataset)) == {"KC601"}
    good = tf.data.Dataset.from_tensor_slices((RNG.random((64, 10)), RNG.integers(0, 2, size=(64,)))).batch(16)
    assert found(model, x=good) == {}


def test_multiple_inputs_by_position_and_by_name() -> None:
    a, b = keras.Input(shape=(4,), name="a"), keras.Input(shape=(6,), name="b")
    model = keras.Model({"a": a, "b": b}, layers.Dense(1)(layers.Concatenate()([a, b])))
    model.compile(loss="mse")
    assert found(model, x={"a": RNG.random((8, 4)), "b": RNG.random((8, 6))}, y=RNG.random((8,))) == {}
    messages = found(model, x={"a": RNG.random((8, 4)), "b": RNG.random((8, 5))}, y=RNG.random((8,)))
    assert set(messages) == {"KC601"} and "x['b']" in messages["KC601"]
    listed = keras.Model([a, b], layers.Dense(1)(layers.Concatenate()([a, b])))
    assert set(found(listed, x=[RNG.random((8, 4)), RNG.random((8, 7))])) == {"KC601"}


def test_channels_first_input_at_runtime() -> None:
    model = keras.Sequential([keras.Input(shape=(3, 32, 32)), layers.Conv2D(8, 3), layers.Flatten(), layers.Dense(2)])
    assert set(found(model)) == {"KC603"}
    declared = keras.Sequential(
        [keras.Input(shape=(3, 32, 32)), layers.Conv2D(8, 3, data_format="channels_first"), layers.Flatten()]
    )
    assert found(declared) == {}


def test_the_callback_checks_the_first_batch_of_fit() -> None:
    from kerascheck.runtime.callback import KerasCheckCallback

    model = dense_model(width=8, units=1, activation="linear", loss="mse")
    callback = KerasCheckCallback()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(RNG.random((32, 8)), RNG.random((32, 3)), epochs=1, verbose=0, callbacks=[callback])
    codes = [
        w.message.diagnostic.code for w in caught if isinstance(w.message, KerasCheckWarning) and w.message.diagnostic
    ]
    assert "KC602" in codes  # Keras trained on it without a word
    assert any("fit()" in d.message for d in callback.findings if d.code == "KC602")


def test_the_callback_stops_fit_before_keras_fails_on_the_input() -> None:
    from kerascheck.runtime.callback import KerasCheckCallback

    model = dense_model(width=10)
    dataset = tf.data.Dataset.from_tensor_slices((RNG.random((32, 20)), RNG.integers(0, 2, size=(32,)))).batch(8)
    with pytest.raises(KerasCheckError) as raised:
        model.fit(dataset, epochs=1, verbose=0, callbacks=[KerasCheckCallback(on_error="raise")])
    assert [d.code for d in raised.value.diagnostics] == ["KC601"]


def test_facts_carry_the_dtypes_of_real_arrays_and_tensors() -> None:
    model = dense_model(width=10, units=3, activation="softmax", loss="sparse_categorical_crossentropy")
    x = RNG.random((50, 10)).astype("float32")
    y = RNG.integers(0, 3, size=(50,)).astype("uint8")
    fact = facts_from_model(model, x, y).models[0]
    (call,) = fact.data_calls
    assert call.inputs[0] is not None and call.inputs[0].dtype == kf.DType(kf.DTypeKind.FLOAT, "float32")
    assert call.targets[0] is not None and call.targets[0].dtype == kf.DType(kf.DTypeKind.INTEGER, "uint8")
    (fit,) = fact.fits
    assert fit.x is not None and fit.x.dtype == kf.DType(kf.DTypeKind.FLOAT, "float32")
    assert fit.y is not None and fit.y.dtype == kf.DType(kf.DTypeKind.INTEGER, "uint8")
    # A tensor has its own dtype; a list has none to read (numpy would pick the platform's int).
    tensor_fact = facts_from_model(model, tf.constant(x, dtype=tf.float16), [0, 1, 2] * 16 + [0, 1]).models[0]
    (call,) = tensor_fact.data_calls
    assert call.inputs[0] is not None and call.inputs[0].dtype == kf.DType(kf.DTypeKind.FLOAT, "float16")
    assert tensor_fact.fits[0].y is not None and tensor_fact.fits[0].y.dtype is None
