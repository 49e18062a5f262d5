"""``kerascheck.inspect``: the public runtime API, end to end through the rules."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

import kerascheck
from kerascheck.diagnostics import Severity
from kerascheck.runtime.inspect import inspect

RNG = np.random.default_rng(0)


def codes(model: keras.Model, x: Any = None, y: Any = None, **options: Any) -> list[str]:
    return sorted({d.code for d in inspect(model, x, y, **options)})


def classifier(output: layers.Layer, loss: Any, metrics: Any = None, shape: tuple[int, ...] = (8,)) -> keras.Model:
    model = keras.Sequential(
        [keras.Input(shape), layers.Flatten(), layers.Dense(16, activation="relu"), output], name="clf"
    )
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


def test_the_package_exports_inspect() -> None:
    assert kerascheck.inspect is inspect


def test_diagnostics_name_the_model_and_the_layer() -> None:
    (finding,) = inspect(classifier(layers.Dense(10, name="logits"), "categorical_crossentropy"))
    assert (finding.code, finding.severity) == ("KC101", Severity.ERROR)
    assert (finding.filename, finding.layer, finding.span) == ("<model clf>", "logits", None)
    assert finding.to_dict()["layer"] == "logits"


def test_select_and_ignore_by_code_and_prefix() -> None:
    model = classifier(layers.Dense(1, activation="sigmoid"), "binary_crossentropy", ["accuracy"])
    assert codes(model) == []  # KC201 is advice (info): not in the default selection
    assert codes(model, select=["KC2"]) == ["KC201"]
    assert codes(model, select="KC201") == ["KC201"]  # a lone string is one code
    assert codes(model, select=["ALL"], ignore=["KC201"]) == []
    assert codes(model, select=["kc201"]) == ["KC201"]


def test_multi_output_is_checked_head_by_head() -> None:
    inputs = keras.Input((8,))
    trunk = layers.Dense(16, activation="relu")(inputs)
    good = layers.Dense(3, activation="softmax", name="good")(trunk)
    bad = layers.Dense(1, name="bad")(trunk)
    model = keras.Model(inputs, [good, bad])
    model.compile(loss={"good": "categorical_crossentropy", "bad": "binary_crossentropy"})
    (finding,) = inspect(model)
    assert (finding.code, finding.layer) == ("KC102", "bad")


def test_silent_on_correct_models() -> None:
    assert codes(classifier(layers.Dense(10), keras.losses.SparseCategoricalCrossentropy(from_logits=True))) == []
    assert codes(classifier(layers.Dense(2, activation="softmax"), "sparse_categorical_crossentropy")) == []
    model = classifier(layers.Dense(5, activation="sigmoid"), "binary_crossentropy")
    assert codes(model, y=(RNG.random((40, 5)) > 0.5).astype("float32")) == []  # multi-label


# -- with data ------------------------------------------------------------------


def test_integer_labels_with_categorical_loss() -> None:
    model = classifier(layers.Dense(10, activation="softmax"), "categorical_crossentropy")
    assert "KC303" in codes(model, y=np.arange(100) % 10)


def test_one_hot_labels_with_sparse_loss_from_a_dataset() -> None:
    model = classifier(layers.Dense(4, activation="softmax"), "sparse_categorical_crossentropy")
    dataset = tf.data.Dataset.from_tensor_slices((RNG.random((64, 8)), np.eye(4)[np.arange(64) % 4])).batch(16)
    assert codes(model, dataset) == ["KC302"]


def test_one_hot_labels_with_a_sigmoid_output() -> None:
    model = classifier(layers.Dense(3, activation="sigmoid"), "binary_crossentropy")
    assert codes(model, y=np.eye(3)[np.arange(60) % 3]) == ["KC301"]


def test_units_classes_mismatch_from_labels() -> None:
    model = classifier(layers.Dense(10, activation="softmax"), "sparse_categorical_crossentropy")
    assert codes(model, y=np.arange(1200) % 4) == ["KC304"]
    assert codes(model, y=np.arange(100) % 12) == ["KC304"]  # ids beyond the width: certain
    assert codes(model, y=np.arange(100) % 4) == []  # a few rows may just miss classes
    assert codes(model, y=np.arange(100) % 10) == []


def test_imbalanced_labels_with_accuracy_only() -> None:
    model = classifier(layers.Dense(1, activation="sigmoid"), "binary_crossentropy", ["accuracy"])
    y = (np.arange(200) < 6).astype("float32")
    assert "KC202" in codes(model, y=y)
    assert "KC202" not in codes(model, y=np.arange(200) % 2)


def test_unscaled_images() -> None:
    model = classifier(layers.Dense(10, activation="softmax"), "sparse_categorical_crossentropy", shape=(28, 28))
    images = RNG.integers(0, 256, (32, 28, 28), dtype=np.uint8)
    assert codes(model, images, np.arange(32) % 10) == ["KC307"]
    assert codes(model, images / 255.0, np.arange(32) % 10) == []


@pytest.mark.parametrize("first", [layers.Rescaling(1 / 255), layers.Normalization(), layers.BatchNormalization()])
def test_raw_images_into_a_model_that_rescales_them(first: layers.Layer) -> None:
    model = keras.Sequential(
        [keras.Input((28, 28, 1)), first, layers.Flatten(), layers.Dense(10, activation="softmax")], name="clf"
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    images = RNG.integers(0, 256, (32, 28, 28, 1), dtype=np.uint8)
    assert codes(model, images, np.arange(32) % 10) == []


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="expected a Keras model"):
        inspect(object())


def test_a_shared_trunk_is_reported_once_by_both_front_ends() -> None:
    """Two heads on one softmax trunk: one KC401 on the trunk, statically and at runtime."""
    import keras as real_keras

    import kerascheck

    source = """
import keras
from keras import layers
inputs = keras.Input((16,))
trunk = layers.Dense(32, activation="softmax", name="trunk")(inputs)
topic = layers.Dense(3, activation="softmax", name="topic")(trunk)
spam = layers.Dense(1, activation="sigmoid", name="spam")(trunk)
model = keras.Model(inputs, [topic, spam])
model.compile(optimizer="adam", loss=["categorical_crossentropy", "binary_crossentropy"])
"""
    static = [(d.code, d.line) for d in kerascheck.check_source(source) if d.code == "KC401"]
    namespace: dict[str, object] = {}
    exec(compile(source, "<shared trunk>", "exec"), namespace)
    runtime = [(d.code, d.layer) for d in kerascheck.inspect(namespace["model"]) if d.code == "KC401"]
    assert static == [("KC401", 5)]
    assert runtime == [("KC401", "trunk")]
    real_keras.utils.clear_session()


class _Classifier(keras.Model):
    """A subclassed classifier whose output misses its softmax (KC101 once it is built)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = layers.Dense(16, activation="relu")
        self.out = layers.Dense(3)

    def call(self, x: Any) -> Any:
        return self.out(self.hidden(x))


def test_an_unbuilt_subclassed_model_is_not_called_clean(tmp_path: Any) -> None:
    import kerascheck
    from kerascheck.runtime.saved import check_saved_model

    model = _Classifier()
    model.compile(loss="categorical_crossentropy")
    (finding,) = kerascheck.inspect(model)
    assert (finding.code, finding.severity.value) == ("KC009", "warning")
    assert "not been built" in finding.message
    assert kerascheck.inspect(model, ignore=["KC009"]) == []  # selectable like any rule
    model(np.zeros((2, 4), dtype="float32"))
    assert [d.code for d in kerascheck.inspect(model)] == ["KC101"]
    path = tmp_path / "classifier.keras"
    model.save(path)
    (saved,) = check_saved_model(str(path))
    assert saved.code == "KC009" and "layers are not in its config" in saved.message


def test_rule_options_are_taken_and_checked() -> None:
    """``inspect(..., options=...)`` sets a rule's threshold as the configuration does, and refuses typos."""
    model = keras.Sequential([keras.Input((150, 4)), layers.SimpleRNN(8), layers.Dense(1, activation="sigmoid")])
    (finding,) = [d for d in inspect(model) if d.code == "KC405"]
    assert "over 150 timesteps" in finding.message
    assert "KC405" not in codes(model, options={"KC405": {"max_timesteps": 150}})
    with pytest.raises(ValueError, match="KC405 has no option 'max_steps'"):
        inspect(model, options={"KC405": {"max_steps": 150}})
