"""Issue 10 at runtime: the label, range and metric rules on built models with real arrays."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import layers

from kerascheck.diagnostics import Diagnostic
from kerascheck.runtime.inspect import inspect

RNG = np.random.default_rng(10)


def model_of(output: layers.Layer, loss: Any, metrics: Any = None, width: int = 8) -> keras.Model:
    model = keras.Sequential([keras.Input((width,)), layers.Dense(16, activation="relu"), output], name="m")
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


def findings(model: keras.Model, x: Any, y: Any, code: str) -> list[Diagnostic]:
    return [d for d in inspect(model, x, y, select=["ALL"]) if d.code == code]


X = RNG.random((300, 8)).astype("float32")


def test_standardised_targets_on_a_relu_output() -> None:
    prices = RNG.normal(50.0, 10.0, 300)
    standardised = (prices - prices.mean()) / prices.std()
    (finding,) = findings(model_of(layers.Dense(1, activation="relu", name="price"), "mse"), X, standardised, "KC313")
    assert finding.layer == "price"
    assert finding.message.startswith("negative targets (y at runtime) for a relu output")
    assert findings(model_of(layers.Dense(1), "mse"), X, standardised, "KC313") == []


def test_raw_pixels_reconstructed_through_a_sigmoid() -> None:
    images = RNG.integers(0, 256, (64, 8)).astype("uint8")
    autoencoder = model_of(layers.Dense(8, activation="sigmoid"), "mse")
    assert [f.message.split(" (")[0] for f in findings(autoencoder, images, images, "KC313")] == ["targets above 1"]
    scaled = images / 255.0
    assert findings(autoencoder, scaled, scaled, "KC313") == []


def test_fractional_labels_with_a_sparse_loss() -> None:
    halved = RNG.integers(0, 3, 300) / 2.0
    softmax = model_of(layers.Dense(3, activation="softmax"), "sparse_categorical_crossentropy")
    (finding,) = findings(softmax, X, halved, "KC311")
    assert "casts them to integer class ids" in finding.message
    assert findings(softmax, X, RNG.integers(0, 3, 300), "KC311") == []


def test_one_hot_labels_on_one_unit_and_0_1_labels_on_two_sigmoids() -> None:
    one_hot = np.eye(3)[RNG.integers(0, 3, 300)]
    (kc309,) = findings(model_of(layers.Dense(1), "mse"), X, one_hot, "KC309")
    assert kc309.message.startswith("3-column one-hot labels from y reach a 1-unit output")
    binary = RNG.integers(0, 2, 300)
    (kc310,) = findings(model_of(layers.Dense(2, activation="sigmoid"), "binary_crossentropy"), X, binary, "KC310")
    assert kc310.message.startswith("1-D 0/1 labels from y train 2 sigmoid units")


def test_integer_targets_read_off_the_values_are_not_taken_for_classes() -> None:
    """Ages or counts look like class ids at runtime: KC111 needs labels known to be classes."""
    ages = RNG.integers(18, 90, 2000)
    x = RNG.random((2000, 8)).astype("float32")
    assert findings(model_of(layers.Dense(1), "mse"), x, ages, "KC111") == []
    one_hot = np.eye(4)[RNG.integers(0, 4, 2000)]
    assert len(findings(model_of(layers.Dense(4), "mse"), x, one_hot, "KC111")) == 1


def test_accuracy_on_a_linear_regression_unit() -> None:
    regression = model_of(layers.Dense(1), "mse", ["accuracy"])
    (unknown,) = findings(regression, None, None, "KC204")
    assert "binary accuracy at threshold 0.5" in unknown.message
    (continuous,) = findings(regression, X, RNG.normal(3.0, 1.0, 300), "KC204")
    assert "continuous targets" in continuous.message
    assert findings(regression, X, RNG.integers(0, 2, 300).astype("float32"), "KC204") == []


def test_exact_and_categorical_accuracy_on_probabilities() -> None:
    sigmoid = model_of(layers.Dense(1, activation="sigmoid"), "binary_crossentropy", [keras.metrics.Accuracy()])
    assert len(findings(sigmoid, None, None, "KC208")) == 1
    single = model_of(layers.Dense(1, activation="sigmoid"), "binary_crossentropy", ["categorical_accuracy"])
    assert "reports 1.0" in findings(single, None, None, "KC209")[0].message
