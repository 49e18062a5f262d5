"""Proof that kerascheck's shape rules are Keras 3's: each case is run through real Keras.

* labels: a model with the given output shape is compiled with the loss and
  trained for one step on labels of the given shape; Keras either raises or
  trains. Among the cases it trains with an element-wise loss (regression,
  hinge, cross-entropies check shapes themselves), the silent broadcasts are the ones whose
  labels, after Keras's own ``squeeze_or_expand_to_same_rank``, still differ
  in shape from the output (checked with that very function);
* inputs: data of a given per-sample shape is fed to a model declared with
  another; Keras raises or not;
* layers: ``kerascheck.shapes.layers.apply`` on the facts read from a live
  layer gives the shape ``compute_output_shape`` gives, and the sizes it calls
  non-positive or incompatible are the ones Keras refuses to build.

``kerascheck.shapes.keras_rules`` must agree with every case (the static rule
KC602/KC601 uses the same functions).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest
from keras import layers
from keras.src.losses.loss import squeeze_or_expand_to_same_rank

from kerascheck.runtime.graph import layer_fact
from kerascheck.shapes import keras_rules as kr
from kerascheck.shapes.layers import apply

BATCH = 4  # not equal to any width below, so no broadcast happens by coincidence

LABEL_CASES = [
    # (loss, per-sample label shape, per-sample output shape)
    ("sparse_categorical_crossentropy", (), (5,)),
    ("sparse_categorical_crossentropy", (1,), (5,)),
    ("sparse_categorical_crossentropy", (5,), (5,)),
    ("sparse_categorical_crossentropy", (3,), (5,)),
    ("sparse_categorical_crossentropy", (6,), (6, 5)),  # per-timestep outputs, sparse labels
    ("sparse_categorical_crossentropy", (6, 1), (6, 5)),
    ("sparse_categorical_crossentropy", (), (6, 5)),
    ("categorical_crossentropy", (5,), (5,)),
    ("categorical_crossentropy", (), (5,)),
    ("categorical_crossentropy", (1,), (5,)),
    ("categorical_crossentropy", (3,), (5,)),
    ("categorical_crossentropy", (6, 5), (6, 5)),
    ("binary_crossentropy", (), (1,)),
    ("binary_crossentropy", (1,), (1,)),
    ("binary_crossentropy", (3,), (1,)),
    ("binary_crossentropy", (1,), (3,)),
    ("binary_crossentropy", (), (3,)),
    ("binary_crossentropy", (3,), (3,)),
    ("binary_crossentropy", (6,), (6, 1)),
    ("mean_squared_error", (), (1,)),
    ("mean_squared_error", (1,), (1,)),
    ("mean_squared_error", (3,), (1,)),
    ("mean_squared_error", (1,), (3,)),
    ("mean_squared_error", (), (3,)),
    ("mean_squared_error", (3,), (5,)),
    ("mean_squared_error", (3,), (3,)),
    ("mean_absolute_error", (6,), (6, 1)),
    ("mean_absolute_error", (), (6, 1)),  # one label per window, one output per time step
    ("mean_squared_error", (), (6, 3)),
    ("mean_absolute_error", (2,), (1,)),
    ("huber", (2,), (1,)),
    ("hinge", (2,), (1,)),
]


def _model_with_output(shape: tuple[int, ...], activation: str) -> keras.Model:
    inputs = keras.Input(shape=(4,))
    x = layers.Dense(int(np.prod(shape)), activation=activation)(inputs)
    outputs = layers.Reshape(shape)(x) if len(shape) > 1 else x
    return keras.Model(inputs, outputs)


def _labels(loss: str, shape: tuple[int, ...], classes: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    if "sparse" in loss:
        return rng.integers(0, classes, size=(BATCH, *shape))
    return rng.integers(0, 2, size=(BATCH, *shape)).astype("float32")


def _keras_verdict(loss: str, label_shape: tuple[int, ...], output_shape: tuple[int, ...]) -> str:
    activation = "softmax" if "categorical" in loss else "sigmoid" if "binary" in loss else "linear"
    model = _model_with_output(output_shape, activation)
    model.compile(optimizer="sgd", loss=loss, run_eagerly=True)
    x = np.random.default_rng(1).random((BATCH, 4)).astype("float32")
    y = _labels(loss, label_shape, output_shape[-1])
    try:
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    except Exception:
        return kr.REJECTED
    if "sparse" in loss:
        return kr.ACCEPTED  # class ids against class scores: shapes differ by design
    y_true, y_pred = squeeze_or_expand_to_same_rank(
        keras.ops.convert_to_tensor(y), keras.ops.zeros((BATCH, *output_shape))
    )
    return kr.ACCEPTED if tuple(y_true.shape) == tuple(y_pred.shape) else kr.BROADCAST


@pytest.mark.parametrize(("loss", "labels", "output"), LABEL_CASES, ids=lambda v: str(v))
def test_label_rules_agree_with_keras(loss: str, labels: tuple[int, ...], output: tuple[int, ...]) -> None:
    keras_says = _keras_verdict(loss, labels, output)
    ours = kr.label_fit(loss, kr.batched(labels), kr.batched(output))
    assert ours == keras_says, f"{loss}: labels {labels} vs output {output}: Keras {keras_says}, kerascheck {ours}"


INPUT_CASES = [
    ((20,), (20,)),
    ((20,), (10,)),
    ((28, 28), (28, 28, 1)),
    ((28, 28, 1), (28, 28)),
    ((784,), (28, 28, 1)),
    ((16, 16, 3), (16, 16, 1)),
    ((12, 8), (None, 8)),
    ((12, 8), (None, 4)),
]


@pytest.mark.parametrize(("data", "declared"), INPUT_CASES, ids=lambda v: str(v))
def test_input_rules_agree_with_keras(data: tuple[int, ...], declared: tuple[int | None, ...]) -> None:
    inputs = keras.Input(shape=declared)
    x = layers.Flatten()(inputs) if len(declared) > 1 and None not in declared else inputs
    x = layers.GlobalAveragePooling1D()(x) if None in declared else x
    model = keras.Model(inputs, layers.Dense(1)(x))
    try:
        model.predict(np.zeros((2, *data), dtype="float32"), verbose=0)
        keras_says = kr.ACCEPTED
    except Exception:
        keras_says = kr.REJECTED
    assert kr.input_fit(data, declared) == keras_says


LAYERS = [
    (layers.Conv2D(4, 3), (28, 28, 1)),
    (layers.Conv2D(4, 3, strides=2, padding="same"), (27, 27, 1)),
    (layers.Conv2D(4, (3, 5), dilation_rate=(2, 1)), (20, 20, 2)),
    (layers.Conv2D(4, 3, data_format="channels_first"), (3, 32, 32)),
    (layers.Conv1D(8, 5, padding="causal", strides=3), (50, 4)),
    (layers.Conv3D(2, 3), (8, 9, 10, 1)),
    (layers.Conv2DTranspose(4, 3, strides=2), (7, 7, 8)),
    (layers.Conv1DTranspose(4, 4, strides=2, padding="same"), (9, 8)),
    (layers.SeparableConv2D(6, 3), (12, 12, 3)),
    (layers.DepthwiseConv2D(3, depth_multiplier=3), (12, 12, 3)),
    (layers.MaxPooling2D(3, strides=2), (9, 9, 3)),
    (layers.AveragePooling1D(4, padding="same"), (10, 3)),
    (layers.MaxPooling3D(), (5, 6, 7, 1)),
    (layers.GlobalAveragePooling2D(), (7, 7, 64)),
    (layers.GlobalMaxPooling1D(keepdims=True), (9, 2)),
    (layers.Flatten(), (7, 7, 64)),
    (layers.Reshape((-1, 4)), (6, 6)),
    (layers.Permute((2, 1)), (10, 3)),
    (layers.RepeatVector(5), (3,)),
    (layers.Embedding(100, 16), (20,)),
    (layers.LSTM(8), (10, 3)),
    (layers.GRU(8, return_sequences=True), (10, 3)),
    (layers.Bidirectional(layers.LSTM(8, return_sequences=True)), (10, 3)),
    (layers.Bidirectional(layers.SimpleRNN(8), merge_mode="ave"), (10, 3)),
    (layers.TimeDistributed(layers.Dense(5)), (10, 3)),
    (layers.UpSampling2D((2, 3)), (4, 4, 1)),
    (layers.UpSampling1D(4), (4, 2)),
    (layers.ZeroPadding2D(((1, 2), (3, 4))), (8, 8, 1)),
    (layers.ZeroPadding1D(3), (8, 2)),
    (layers.Cropping2D(((1, 2), (3, 0))), (8, 8, 1)),
    (layers.Cropping1D((2, 3)), (8, 2)),
    (layers.Dense(7), (5, 3)),
    (layers.BatchNormalization(), (5, 3)),
    (layers.Resizing(12, 10), (30, 20, 3)),
    (layers.CenterCrop(8, 6), (30, 20, 3)),
]


def _layer_id(value: Any) -> str:
    return "" if isinstance(value, tuple) else type(value).__name__


@pytest.mark.parametrize(("layer", "shape"), LAYERS, ids=_layer_id)
def test_layer_shapes_agree_with_keras(layer: Any, shape: tuple[int, ...]) -> None:
    expected = tuple(layer.compute_output_shape((None, *shape)))[1:]
    fact = layer_fact(layer)  # read from the live layer's config, as the runtime front-end does
    assert apply(fact, [shape]).shape == expected


REFUSED = [
    (layers.Conv2D(4, 5), (4, 4, 8)),
    (layers.MaxPooling2D(2), (1, 1, 8)),
    (layers.Conv1D(4, 7), (5, 3)),
    (layers.Cropping2D(((2, 2), (0, 0))), (4, 4, 1)),
    (layers.Reshape((30, 30)), (28, 28)),
    (layers.LSTM(4), (32,)),
    (layers.Conv2D(4, 3), (28, 28)),
]


@pytest.mark.parametrize(
    ("layer", "shape"), REFUSED, ids=lambda v: type(v).__name__ if not isinstance(v, tuple) else ""
)
def test_problems_are_what_keras_refuses_to_build(layer: Any, shape: tuple[int, ...]) -> None:
    fact = layer_fact(layer)
    assert apply(fact, [shape]).problem is not None
    with pytest.raises(Exception):  # noqa: B017  (Keras raises ValueError or a backend error)
        layer(keras.Input(shape=shape))


def test_merge_problems_are_what_keras_refuses_to_build() -> None:
    a, b = keras.Input(shape=(16,)), keras.Input(shape=(8, 4))
    concatenate = layers.Concatenate()
    assert apply(layer_fact(concatenate), [(16,), (8, 4)]).problem is not None
    with pytest.raises(ValueError):
        concatenate([a, b])
    add = layers.Add()
    assert apply(layer_fact(add), [(16,), (8,)]).problem is not None
    with pytest.raises(ValueError):
        add([keras.Input(shape=(16,)), keras.Input(shape=(8,))])
    assert apply(layer_fact(layers.Add()), [(16,), (1,)]).shape == (16,)
    layers.Add()([keras.Input(shape=(16,)), keras.Input(shape=(1,))])  # Keras broadcasts this one
