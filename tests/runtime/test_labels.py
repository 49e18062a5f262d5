"""Data -> label facts and raw-image detection (numpy, tensors, tf.data, generators)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from kerascheck import facts as kf
from kerascheck.facts import LabelEncoding as E
from kerascheck.runtime.labels import labels_of
from kerascheck.runtime.model import facts_from_model

RNG = np.random.default_rng(0)


def head(units: int = 3, activation: str = "softmax") -> kf.Head:
    return kf.make_head((kf.Layer(kind="Dense", units=units, activation=activation, name="out"),))


def fit_of(model: keras.Model, x: Any = None, y: Any = None) -> kf.Fit:
    (fit,) = facts_from_model(model, x, y).models[0].fits
    return fit


def mlp(
    units: int = 3, activation: str = "softmax", *front: layers.Layer, shape: tuple[int, ...] = (8,)
) -> keras.Model:
    return keras.Sequential([keras.Input(shape), *front, layers.Flatten(), layers.Dense(units, activation=activation)])


# -- encodings ----------------------------------------------------------------


def test_one_hot() -> None:
    y = keras.utils.to_categorical(np.arange(400) % 4, num_classes=4)
    labels = labels_of(y, head(4), complete=True)
    assert labels is not None
    assert (labels.encoding, labels.num_classes, labels.minority_fraction) == (E.ONE_HOT, 4, 0.25)


def test_multi_hot() -> None:
    y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
    labels = labels_of(y, head(3, "sigmoid"), complete=True)
    assert labels is not None and (labels.encoding, labels.num_classes) == (E.MULTI_HOT, 3)


@pytest.mark.parametrize("shape", [(1200,), (1200, 1)])
def test_integer_labels(shape: tuple[int, ...]) -> None:
    y = (np.arange(1200) % 3).reshape(shape).astype("uint8")
    labels = labels_of(y, head(3), complete=True)
    assert labels is not None
    assert (labels.encoding, labels.num_classes) == (E.INTEGER, 3)
    assert labels.minority_fraction == pytest.approx(1 / 3)


def test_zero_one_labels_are_binary_unless_a_softmax_head_takes_them() -> None:
    y = np.array([0, 1, 1, 0, 1] * 200)
    binary = labels_of(y, head(1, "sigmoid"), complete=True)
    assert binary is not None and (binary.encoding, binary.num_classes) == (E.BINARY, 2)
    assert binary.minority_fraction == pytest.approx(0.4)
    integer = labels_of(y, head(2, "softmax"), complete=True)
    assert integer is not None and (integer.encoding, integer.num_classes) == (E.INTEGER, 2)


def test_continuous_and_unreadable_labels() -> None:
    continuous = labels_of(RNG.random(20), head(1, "linear"), complete=True)
    assert continuous is not None and continuous.encoding is E.CONTINUOUS
    assert labels_of(np.array(["cat", "dog"]), head(), complete=True) is None
    assert labels_of(np.array([0.0, np.nan]), head(), complete=True) is None


def test_targets_no_encoding_fits_keep_their_value_range() -> None:
    """Hinge labels (-1/1) and images reconstructed by an autoencoder: no encoding, but a range."""
    hinge = labels_of(np.array([-1, 1, 1, -1]), head(1, "linear"), complete=True)
    assert hinge is not None and hinge.encoding is None and hinge.from_values
    assert hinge.values == kf.ValueRange(low=-1.0, high=1.0, negative=True, above_one=False, source="y at runtime")
    images = labels_of(RNG.integers(0, 256, (4, 6, 6)), head(), complete=False)
    assert images is not None and images.encoding is None
    assert images.values is not None and images.values.above_one and images.values.high is None  # a sample


def test_integer_valued_floats_and_booleans() -> None:
    labels = labels_of(np.array([0.0, 2.0, 1.0, 2.0]), head(), complete=True)
    assert labels is not None and labels.encoding is E.INTEGER
    labels = labels_of(np.array([True, False, True]), head(1, "sigmoid"), complete=True)
    assert labels is not None and labels.encoding is E.BINARY


def test_a_partial_sample_does_not_claim_a_class_count() -> None:
    """Sixty labels of ten classes that happen to miss class 9 must not read as 9 classes.

    Not even when they are all the labels given: ``inspect(model, x[:60], y[:60])`` is a slice.
    """
    y = np.arange(60) % 9
    partial = labels_of(y, head(10), complete=False)
    assert partial is not None and partial.encoding is E.INTEGER and partial.num_classes is None
    complete = labels_of(y, head(10), complete=True)
    assert complete is not None and complete.num_classes is None
    large = labels_of(np.arange(2000) % 10, head(10), complete=False)
    assert large is not None and large.num_classes == 10


def test_imbalance() -> None:
    y = (np.arange(200) < 10).astype("float32")
    labels = labels_of(y, head(1, "sigmoid"), complete=True)
    assert labels is not None and labels.minority_fraction == pytest.approx(0.05)


# -- sources ------------------------------------------------------------------


def test_numpy_and_tensor_labels_through_the_model() -> None:
    model = mlp(3)
    for y in (np.arange(1200) % 3, tf.constant(np.arange(1200) % 3), list(np.arange(1200) % 3)):
        (labels,) = fit_of(model, y=y).labels
        assert labels is not None and (labels.encoding, labels.num_classes) == (E.INTEGER, 3)


def test_labels_per_head_by_list_and_by_dict() -> None:
    inputs = keras.Input((8,))
    a = layers.Dense(3, activation="softmax", name="a")(inputs)
    b = layers.Dense(1, activation="sigmoid", name="b")(inputs)
    model = keras.Model(inputs, [a, b])
    one_hot = np.eye(3)[np.arange(30) % 3]
    binary = np.arange(30) % 2
    for y in ([one_hot, binary], {"b": binary, "a": one_hot}):
        first, second = fit_of(model, y=y).labels
        assert first is not None and first.encoding is E.ONE_HOT
        assert second is not None and second.encoding is E.BINARY
    assert fit_of(model, y=one_hot).labels == (None, None)  # one array for two heads: unknown


def test_tf_data_batched_dataset() -> None:
    x = RNG.random((96, 8)).astype("float32")
    y = np.eye(4)[np.arange(96) % 4]
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    (labels,) = fit_of(mlp(4), x=dataset).labels
    assert labels is not None and (labels.encoding, labels.num_classes) == (E.ONE_HOT, 4)


def test_tf_data_unbatched_dataset_of_scalars() -> None:
    dataset = tf.data.Dataset.from_tensor_slices((RNG.random((50, 8)), np.arange(50) % 5))
    (labels,) = fit_of(mlp(5), x=dataset).labels
    assert labels is not None and labels.encoding is E.INTEGER


def test_dataset_is_read_only_so_far() -> None:
    """At most 20 batches: a huge (here infinite) pipeline is not read to the end."""
    dataset = tf.data.Dataset.from_tensor_slices((RNG.random((8, 8)), np.arange(8) % 2)).batch(4).repeat()
    (labels,) = fit_of(mlp(1, "sigmoid"), x=dataset).labels
    assert labels is not None and labels.encoding is E.BINARY


def test_generator_of_batches() -> None:
    def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(0, 64, 16):
            yield RNG.random((16, 8)), (np.arange(start, start + 16) % 2)[:, None]

    (labels,) = fit_of(mlp(1, "sigmoid"), x=batches()).labels
    assert labels is not None and labels.encoding is E.BINARY


class Batches(keras.utils.PyDataset):
    def __len__(self) -> int:
        return 3

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return RNG.random((8, 8)), np.eye(3)[np.arange(8) % 3]


def test_keras_py_dataset() -> None:
    (labels,) = fit_of(mlp(3), x=Batches()).labels
    assert labels is not None and labels.encoding is E.ONE_HOT


def test_a_failing_pipeline_gives_no_labels_not_an_error() -> None:
    def broken() -> Iterator[Any]:
        raise RuntimeError("disk gone")
        yield

    assert fit_of(mlp(3), x=broken()).labels == ()


# -- raw images ---------------------------------------------------------------


def test_raw_uint8_images_are_described_as_raw() -> None:
    images = RNG.integers(0, 256, (16, 28, 28), dtype=np.uint8)
    fit = fit_of(mlp(10, shape=(28, 28)), x=images)
    assert fit.x is not None and fit.x.raw_images is True
    as_float = images.astype("float32")
    assert fit_of(mlp(10, shape=(28, 28)), x=as_float).x == kf.ArrayInfo(identity=0, raw_images=True)


def test_scaled_or_non_image_inputs_are_not_raw_images() -> None:
    images = RNG.integers(0, 256, (16, 28, 28, 1), dtype=np.uint8)
    scaled = fit_of(mlp(10, shape=(28, 28, 1)), x=images / 255.0)
    assert scaled.x is not None and scaled.x.raw_images is False
    not_images = fit_of(mlp(10), x=RNG.integers(0, 256, (16, 8)))
    assert not_images.x is not None and not_images.x.raw_images is False
    # The data is described whatever the model does with it: rescaling layers are the rule's business.
    rescaled = mlp(10, "softmax", layers.Rescaling(1 / 255), shape=(28, 28, 1))
    described = fit_of(rescaled, x=images)
    assert described.x is not None and described.x.raw_images is True


def test_the_same_array_as_input_and_target_shares_an_identity() -> None:
    x = RNG.random((16, 8))
    fit = fit_of(mlp(8, "sigmoid"), x=x, y=x)
    assert fit.x is not None and fit.y is not None and fit.x.identity == fit.y.identity == 0
    other = fit_of(mlp(8, "sigmoid"), x=x, y=x.copy())
    assert other.y is not None and other.y.identity == 1


def test_images_from_a_dataset() -> None:
    images = RNG.integers(0, 256, (32, 32, 32, 3), dtype=np.uint8)
    dataset = tf.data.Dataset.from_tensor_slices((images, np.arange(32) % 10)).batch(8)
    fit = fit_of(mlp(10, shape=(32, 32, 3)), x=dataset)
    assert fit.x is not None and fit.x.raw_images is True
    scaled = dataset.map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y))
    scaled_fit = fit_of(mlp(10, shape=(32, 32, 3)), x=scaled)
    assert scaled_fit.x is not None and scaled_fit.x.raw_images is False


def test_a_few_rows_say_nothing_about_balance_and_missing_classes_are_not_rare() -> None:
    few = labels_of(np.array([8, 6, 5, 2, 3, 0, 0, 0]), head(10), complete=True)
    assert few is not None and (few.num_classes, few.minority_fraction) == (None, None)
    one_hot_slice = labels_of(keras.utils.to_categorical(np.arange(300) % 9, 10), head(10), complete=True)
    assert one_hot_slice is not None and one_hot_slice.minority_fraction == pytest.approx(33 / 300)


def test_runtime_layers_and_models_have_stable_keys() -> None:
    model = keras.Sequential([keras.Input((8,)), layers.Dense(4, name="hidden"), layers.Dense(2, name="out")])
    (fact,) = facts_from_model(model).models
    assert fact.key == 0
    assert [layer.key for layer in fact.heads[0].chain if layer.kind == "Dense"] == ["hidden", "out"]


def test_labels_in_class_order_are_described_from_a_whole_array() -> None:
    ordered = np.repeat(np.arange(3), 20)
    fit = fit_of(mlp(3), x=RNG.random((60, 8)), y=ordered)
    assert fit.y is not None and fit.y.ordered is True
    shuffled = RNG.permutation(ordered)
    fit = fit_of(mlp(3), x=RNG.random((60, 8)), y=shuffled)
    assert fit.y is not None and fit.y.ordered is False
    one_hot = np.eye(3)[ordered]
    fit = fit_of(mlp(3), x=RNG.random((60, 8)), y=one_hot)
    assert fit.y is not None and fit.y.ordered is True


def test_validation_data_that_is_the_training_input() -> None:
    x, y = RNG.random((32, 8)), np.arange(32) % 3
    (model,) = facts_from_model(mlp(3), x, y, validation_data=(x, y), validation_split=0.0).models
    (fit,) = model.fits
    assert fit.validation_x == kf.ArrayInfo(identity=0) and fit.validation_split == 0.0
    (model,) = facts_from_model(mlp(3), x, y, validation_data=(x.copy(), y)).models
    assert model.fits[0].validation_x == kf.ArrayInfo(identity=2)
