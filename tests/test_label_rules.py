"""Issue 10 through the static front-end: the facts it learns, and the messages, positions and severities.

Each rule's own BAD/GOOD examples run in ``test_rule_examples``; here the facts
behind them are asserted (value ranges, rescaled labels, origins and steps,
evaluate calls), and each message is checked to say what the number does.
"""

from __future__ import annotations

import libcst as cst
import pytest

from kerascheck import check_source
from kerascheck import facts as kf
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.static.lint import extract_facts

HEADER = """import numpy as np
import keras
from keras import layers
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler, MinMaxScaler
"""


def facts_of(body: str) -> kf.ProgramFacts:
    return extract_facts(cst.parse_module(HEADER + body))


def found(body: str, code: str) -> list[Diagnostic]:
    return [d for d in check_source(HEADER + body, select=["ALL"]) if d.code == code]


def model(output: str, loss: str, metrics: str = "[]") -> str:
    return (
        f"model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(16, activation='relu'), {output}])\n"
        f"model.compile(optimizer='adam', loss={loss}, metrics={metrics})\n"
    )


LINE_OFFSET = HEADER.count("\n")


# -- facts ----------------------------------------------------------------------


def test_randint_gives_class_labels_with_a_known_count() -> None:
    facts = facts_of("x = np.random.rand(64, 8)\ny = np.random.randint(0, 4, 64)\n" + model("layers.Dense(4)", "'mse'")
                     + "model.fit(x, y)\n")  # fmt: skip
    labels = facts.models[0].fits[0].labels[0]
    assert labels is not None
    assert (labels.encoding, labels.num_classes, labels.source) == (
        kf.LabelEncoding.INTEGER,
        4,
        "np.random.randint(...)",
    )


def test_randint_features_are_not_labels() -> None:
    facts = facts_of(
        "x = np.random.randint(0, 255, (64, 8))\n" + model("layers.Dense(1)", "'mse'") + "model.fit(x, x)\n"
    )
    labels = facts.models[0].fits[0].labels[0]
    assert labels is not None and labels.encoding is None
    assert labels.values == kf.ValueRange(low=0, high=254, above_one=True, source="np.random.randint(...)")


def test_divided_class_labels_are_scaled_not_integer() -> None:
    facts = facts_of(
        "x = np.random.rand(64, 8)\ny = np.random.randint(0, 3, 64) / 255.0\n"
        + model("layers.Dense(3, activation='softmax')", "'sparse_categorical_crossentropy'")
        + "model.fit(x, y)\n"
    )
    labels = facts.models[0].fits[0].labels[0]
    assert labels is not None
    assert (labels.encoding, labels.scaled_from, labels.scaled_by) == (
        None,
        kf.LabelEncoding.INTEGER,
        "divided by 255",
    )


def test_continuous_targets_stay_continuous_through_arithmetic_and_carry_their_range() -> None:
    facts = facts_of(
        "x = np.linspace(0, 10, 64)\ny = 3 * x + 2\n" + model("layers.Dense(1)", "'mse'") + "model.fit(x, y)\n"
    )
    labels = facts.models[0].fits[0].labels[0]
    assert labels is not None and labels.encoding is kf.LabelEncoding.CONTINUOUS
    assert labels.values is not None and (labels.values.low, labels.values.high) == (2.0, 32.0)


def test_standardised_targets_reach_negative_values() -> None:
    facts = facts_of(
        "x = np.random.rand(64, 8)\ny = StandardScaler().fit_transform(np.random.normal(50, 10, (64, 1)))\n"
        + model("layers.Dense(1)", "'mse'")
        + "model.fit(x, y)\n"
    )
    labels = facts.models[0].fits[0].labels[0]
    assert labels is not None and labels.values is not None and labels.values.reaches_negative


def test_steps_fold_so_equal_maths_compare_equal() -> None:
    """``(x - 127.5) / 127.5`` and ``x / 127.5 - 1`` are one affine step; so are ``/ 255`` and ``rescale``."""
    facts = facts_of(
        "(a, ya), (b, yb) = keras.datasets.mnist.load_data()\n"
        "a = (a - 127.5) / 127.5\nb = b / 127.5 - 1\n"
        + model("layers.Dense(10, activation='softmax')", "'sparse_categorical_crossentropy'")
        + "model.fit(a, ya)\nmodel.evaluate(b, yb)\n"
    )
    fit, evaluation = facts.models[0].fits[0], facts.models[0].evaluations[0]
    assert fit.x is not None and evaluation.x is not None
    assert fit.x.origin == evaluation.x.origin
    assert fit.x.value_steps == evaluation.x.value_steps == ("* 0.00784314 - 1",)
    assert fit.x.values is not None and (fit.x.values.low, fit.x.values.high) == (-1.0, 1.0)
    assert evaluation.method == "evaluate"


def test_validation_slice_of_the_training_array_is_described() -> None:
    body = "x = np.random.rand(100, 8)\ny = np.random.randint(0, 2, 100)\n" + model("layers.Dense(1)", "'mse'")
    inline = facts_of(body + "model.fit(x, y, validation_data=(x[-20:], y[-20:]))\n")
    cut = facts_of(body + "x_val = x[-20:]\nx = x[:-20]\nmodel.fit(x, y, validation_data=(x_val, y[-20:]))\n")
    inline_x, cut_x = inline.models[0].fits[0].validation_x, cut.models[0].fits[0].validation_x
    assert inline_x is not None and inline_x.cut_from == "x"
    assert cut_x is not None and cut_x.cut_from is None


def test_evaluate_labels_are_kept_apart_from_fits() -> None:
    facts = facts_of(
        "x = np.random.rand(64, 8)\n"
        + model("layers.Dense(3, activation='softmax')", "'sparse_categorical_crossentropy'")
        + "model.evaluate(x, keras.utils.to_categorical(np.random.randint(0, 3, 64), 3))\n"
    )
    (evaluated,) = facts.models[0].evaluations
    assert facts.models[0].fits == ()
    assert evaluated.labels[0] is not None and evaluated.labels[0].encoding is kf.LabelEncoding.ONE_HOT


# -- messages, positions, severities ----------------------------------------------


def test_kc204_names_binary_accuracy_and_both_readings_when_targets_are_unknown() -> None:
    (diagnostic,) = found("x = np.load('x.npy')\n" + model("layers.Dense(1)", "'mse'", "['accuracy']"), "KC204")
    assert "binary accuracy at threshold 0.5" in diagnostic.message
    assert "if the targets are 0/1 this is a classifier trained with a regression loss" in diagnostic.message
    assert diagnostic.line == LINE_OFFSET + 3  # the compile call


@pytest.mark.parametrize(
    ("output", "metric", "says"),
    [
        ("layers.Dense(1)", "['accuracy']", "binary accuracy (outputs thresholded at 0.5"),
        ("layers.Dense(3)", "['accuracy']", "categorical accuracy (the argmax of the outputs"),
        ("layers.Dense(1)", "[keras.metrics.Accuracy()]", "Accuracy() (outputs counted only when exactly equal"),
        ("layers.Dense(1, activation='sigmoid')", "['binary_accuracy']", "binary accuracy"),
    ],
)
def test_kc204_says_what_the_chosen_accuracy_computes_on_continuous_targets(
    output: str, metric: str, says: str
) -> None:
    body = "x = np.random.rand(64, 8)\ny = np.random.normal(0.5, 0.1, 64)\n" + model(output, "'mse'", metric)
    (diagnostic,) = found(body + "model.fit(x, y)\n", "KC204")
    assert says in diagnostic.message and "continuous targets" in diagnostic.message


def test_kc209_says_what_each_metric_reports() -> None:
    output = "layers.Dense(1, activation='sigmoid')"
    (categorical,) = found(model(output, "'binary_crossentropy'", "['categorical_accuracy']"), "KC209")
    (sparse,) = found(model(output, "'binary_crossentropy'", "['sparse_categorical_accuracy']"), "KC209")
    assert "reports 1.0" in categorical.message
    assert "share of class 0" in sparse.message


def test_kc301_two_classes_on_two_sigmoid_units_is_a_warning() -> None:
    fit = "x = np.random.rand(64, 8)\nmodel.fit(x, y)\n"
    two = "y = keras.utils.to_categorical(np.random.randint(0, 2, 64), 2)\n"
    three = "y = keras.utils.to_categorical(np.random.randint(0, 3, 64), 3)\n"
    (warning,) = found(two + model("layers.Dense(2, activation='sigmoid')", "'binary_crossentropy'") + fit, "KC301")
    (error,) = found(three + model("layers.Dense(3, activation='sigmoid')", "'binary_crossentropy'") + fit, "KC301")
    assert (warning.severity, error.severity) == (Severity.WARNING, Severity.ERROR)


def test_kc301_two_sigmoid_units_on_one_hot_labels_of_unknown_width_is_a_warning() -> None:
    """flow_from_directory(class_mode="categorical") on two sigmoid units: only two classes can train."""
    generator = (
        "from keras.preprocessing.image import ImageDataGenerator\n"
        "train = ImageDataGenerator(rescale=1 / 255).flow_from_directory('d', class_mode='categorical')\n"
    )
    (diagnostic,) = found(
        generator + model("layers.Dense(2, activation='sigmoid')", "'binary_crossentropy'") + "model.fit(train)\n",
        "KC301",
    )
    assert diagnostic.severity is Severity.WARNING
    assert "flow_from_directory(class_mode='categorical')" in diagnostic.message


def test_kc312_names_both_preprocessings_at_the_evaluate_call() -> None:
    body = (
        "(a, ya), (b, yb) = keras.datasets.mnist.load_data()\na = a / 255.0\n"
        + model("layers.Dense(10, activation='softmax')", "'sparse_categorical_crossentropy'")
        + "model.fit(a, ya)\nmodel.evaluate(b, yb)\n"
    )
    (diagnostic,) = found(body, "KC312")
    assert diagnostic.line == LINE_OFFSET + 6
    assert "evaluate() gets inputs with no preprocessing" in diagnostic.message
    assert "trained on inputs preprocessed as `/ 255`" in diagnostic.message


def test_kc312_stays_silent_on_data_of_another_origin_or_unknown_steps() -> None:
    other = (
        "(a, ya), _ = keras.datasets.mnist.load_data()\na = a / 255.0\nb = np.load('b.npy')\n"
        + model("layers.Dense(10, activation='softmax')", "'sparse_categorical_crossentropy'")
        + "model.fit(a, ya)\nmodel.predict(b)\n"
    )
    unknown = (
        "(a, ya), (b, yb) = keras.datasets.mnist.load_data()\na = a / 255.0\nb = my_prep(b)\n"
        + model("layers.Dense(10, activation='softmax')", "'sparse_categorical_crossentropy'")
        + "model.fit(a, ya)\nmodel.predict(b)\n"
    )
    assert found(other, "KC312") == [] and found(unknown, "KC312") == []


def test_kc311_kc313_and_kc111_messages_say_what_breaks() -> None:
    fit = "x = np.random.rand(64, 8)\nmodel.fit(x, y)\n"
    scaled = "y = np.random.randint(0, 3, 64) / 2.0\n" + model(
        "layers.Dense(3, activation='softmax')", "'sparse_categorical_crossentropy'"
    )
    (kc311,) = found(scaled + fit, "KC311")
    assert "were divided by 2 before sparse_categorical_crossentropy" in kc311.message
    assert "most become class 0" in kc311.message
    prices = "y = np.random.normal(50.0, 10.0, 64)\n" + model("layers.Dense(1, activation='sigmoid')", "'mse'")
    (kc313,) = found(prices + fit, "KC313")
    assert kc313.message.startswith("targets above 1") and "sigmoid output" in kc313.message
    ids = "y = keras.utils.to_categorical(np.random.randint(0, 3, 64), 3)\n" + model("layers.Dense(3)", "'mse'")
    (kc111,) = found(ids + fit, "KC111")
    assert "on one-hot labels from to_categorical(...)" in kc111.message


def test_kc408_points_at_the_first_convolution() -> None:
    body = """model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(8, 3),
    layers.Conv2D(8, 3),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
"""
    (diagnostic,) = found(body, "KC408")
    assert diagnostic.line == LINE_OFFSET + 3
    assert diagnostic.message.startswith("2 convolutional layers (Conv2D, Conv2D)")


def test_kc312_compares_validation_data_too() -> None:
    body = (
        "(a, ya), (b, yb) = keras.datasets.mnist.load_data()\na = a / 255.0\n"
        + model("layers.Dense(10, activation='softmax')", "'sparse_categorical_crossentropy'")
        + "model.fit(a, ya, validation_data=(b, yb))\n"
    )
    (diagnostic,) = found(body, "KC312")
    assert diagnostic.message.startswith("validation_data gets inputs with no preprocessing")
    assert found(body.replace("a = a / 255.0", "a, b = a / 255.0, b / 255.0"), "KC312") == []


def test_targets_appended_in_a_loop_to_an_empty_array_are_continuous() -> None:
    facts = facts_of(
        "import random\nX = np.array([])\nY = np.array([])\nfor _ in range(1000):\n"
        "    x = random.uniform(0, 10)\n    X = np.append(X, x)\n    Y = np.append(Y, 2 * x + 1)\n"
        + model("layers.Dense(1)", "'mse'")
        + "model.fit(X, Y)\n"
    )
    labels = facts.models[0].fits[0].labels[0]
    assert labels is not None and labels.encoding is kf.LabelEncoding.CONTINUOUS
    grown_from_labels = facts_of(
        "Y = np.random.randint(0, 3, 10)\nfor _ in range(1000):\n    Y = np.append(Y, 0.5)\n"
        + model("layers.Dense(1)", "'mse'")
        + "model.fit(np.random.rand(10, 8), Y)\n"
    )
    assert grown_from_labels.models[0].fits[0].labels[0] is None  # not an empty start: unknown


def test_label_smoothing_by_hand_is_not_scaled_labels() -> None:
    body = (
        "x = np.random.rand(64, 8)\ny = keras.utils.to_categorical(np.random.randint(0, 3, 64), 3)\n"
        "y = y * 0.9 + 0.1 / 3\n"
        + model("layers.Dense(3, activation='softmax')", "'categorical_crossentropy'")
        + "model.fit(x, y)\n"
    )
    assert found(body, "KC311") == []
    assert len(found(body.replace("y = y * 0.9 + 0.1 / 3", "y = y / 255.0"), "KC311")) == 1


def test_kc312_takes_a_hand_written_standardisation_for_a_scaler() -> None:
    body = (
        "X = np.random.rand(100, 8)\ny = np.random.randint(0, 2, 100)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y)\n"
        "X_train = StandardScaler().fit_transform(X_train)\n"
        "X_test = (X_test - X_test.mean(axis=0)) / X_test.std(axis=0)\n"
        + model("layers.Dense(1, activation='sigmoid')", "'binary_crossentropy'")
        + "model.fit(X_train, y_train)\nmodel.evaluate(X_test, y_test)\n"
    )
    assert found(body, "KC312") == []
    unscaled = body.replace("X_test = (X_test - X_test.mean(axis=0)) / X_test.std(axis=0)\n", "")
    assert len(found(unscaled, "KC312")) == 1
