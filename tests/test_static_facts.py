"""The static front-end's facts, asserted directly: small programs in, extracted facts out.

Rules are tested on their findings elsewhere; here the question is only what
the interpreter and the semantics registry learn from a program (layers,
heads, losses, the arrays a fit receives and their origin, metric operands,
preprocessing fits), so that a change in what is learned is caught where it
happens. No rule runs and nothing is located: these run in well under a second.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace

import libcst as cst
import pytest

from kerascheck import facts as kf
from kerascheck.facts import LabelEncoding as E
from kerascheck.facts import Split
from kerascheck.static.lint import extract_facts

PRELUDE = """\
import functools
import numpy as np
import pandas as pd
import keras
from keras import layers
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
"""


def facts_of(body: str) -> kf.ProgramFacts:
    return extract_facts(cst.parse_module(PRELUDE + textwrap.dedent(body)))


def only_model(body: str) -> kf.Model:
    (model,) = facts_of(body).models
    return model


def chain(body: str) -> list[tuple[str | None, int | None, str | None]]:
    """(kind, units, activation) of the single head's layers."""
    head = only_model(body).single_head
    assert head is not None
    return [(layer.kind, layer.units, layer.activation) for layer in head.chain]


def head_of(body: str) -> kf.Head:
    head = only_model(body).single_head
    assert head is not None
    return head


def only_fit(body: str) -> kf.Fit:
    (fit,) = only_model(body).fits
    return fit


# -- building models ----------------------------------------------------------


def test_sequential_list_literal() -> None:
    assert chain("""
        model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    """) == [("InputLayer", None, None), ("Dense", 8, "relu"), ("Dense", 3, "linear")]


def test_model_add_one_layer_at_a_time() -> None:
    assert chain("""
        model = keras.Sequential()
        model.add(layers.Dense(16, activation="relu", input_shape=(4,)))
        model.add(layers.Dense(1, activation="sigmoid"))
    """) == [("Dense", 16, "relu"), ("Dense", 1, "sigmoid")]


def test_functional_model_heads_follow_the_graph() -> None:
    model = only_model("""
        inputs = keras.Input((8,))
        x = layers.Dense(32, activation="relu")(inputs)
        out = layers.Dense(5, activation="softmax", name="cls")(x)
        model = keras.Model(inputs, out)
    """)
    (head,) = model.heads
    assert (head.name, head.units, head.activation) == ("cls", 5, "softmax")
    assert [layer.kind for layer in head.chain] == ["InputLayer", "Dense", "Dense"]


def test_functional_model_with_two_named_outputs() -> None:
    model = only_model("""
        inputs = keras.Input((8,))
        a = layers.Dense(3, activation="softmax", name="a")(inputs)
        b = layers.Dense(1, name="b")(inputs)
        model = keras.Model(inputs=inputs, outputs={"a": a, "b": b})
        model.compile(loss={"a": "categorical_crossentropy", "b": "mse"})
    """)
    assert [(h.name, h.units, h.loss.kind if h.loss else None) for h in model.heads] == [
        ("a", 3, "categorical_crossentropy"),
        ("b", 1, "mean_squared_error"),
    ]


def test_subclassed_model_head_is_what_call_returns() -> None:
    head = head_of("""
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = layers.Dense(32, activation="relu")
                self.out = layers.Dense(10)

            def call(self, x):
                return self.out(self.hidden(x))

        model = Net()
    """)
    assert (head.units, head.activation) == (10, "linear")


def test_trailing_activation_layer_decides_the_activation() -> None:
    head = head_of("""
        model = keras.Sequential([layers.Dense(10), layers.Activation("softmax"), layers.Dropout(0.2)])
    """)
    assert (head.units, head.activation) == (10, "softmax")


def test_tf_nn_softmax_on_a_tensor_is_an_activation_step() -> None:
    head = head_of("""
        import tensorflow as tf
        inputs = keras.Input((4,))
        logits = layers.Dense(3)(inputs)
        model = keras.Model(inputs, tf.nn.softmax(logits))
    """)
    assert (head.units, head.activation) == (3, "softmax")


def test_model_built_in_a_function_called_with_a_constant() -> None:
    assert chain("""
        def build(num_classes, hidden=64):
            return keras.Sequential([layers.Dense(hidden, activation="relu"), layers.Dense(num_classes)])

        model = build(7)
    """) == [("Dense", 64, "relu"), ("Dense", 7, "linear")]


def test_function_parameter_without_a_caller_is_unknown() -> None:
    assert chain("""
        def build(num_classes):
            return keras.Sequential([layers.Dense(num_classes, activation="softmax")])
    """) == [("Dense", None, "softmax")]


def test_layer_added_in_a_branch_is_unknown() -> None:
    assert chain("""
        import sys
        model = keras.Sequential([layers.Dense(8)])
        if len(sys.argv) > 1:
            model.add(layers.Dense(1, activation="sigmoid"))
    """) == [("Dense", 8, "linear"), (None, None, None)]


def test_layers_get_distinct_keys_and_models_a_key() -> None:
    model = only_model("""
        model = keras.Sequential([layers.Dense(8), layers.Dense(8)])
    """)
    keys = [layer.key for layer in model.heads[0].chain]
    assert keys[0] is not None and len(set(keys)) == 2
    assert model.key == 0


def test_a_model_compiled_twice_gives_two_facts_with_one_key() -> None:
    facts = facts_of("""
        model = keras.Sequential([layers.Dense(3, activation="softmax")])
        model.compile(loss="mse")
        model.fit(x, y)
        model.compile(loss="categorical_crossentropy")
        pred = np.argmax(model.predict(x), axis=-1)
    """)
    assert [m.key for m in facts.models] == [0, 0]
    assert [m.heads[0].loss.kind for m in facts.models if m.heads[0].loss] == [
        "mean_squared_error",
        "categorical_crossentropy",
    ]
    (argmax,) = facts.argmaxes
    assert argmax.axis == -1 and facts.model_at(argmax.model) is facts.models[1]


# -- values real code uses (issue 8, item 4) ---------------------------------


def test_list_built_with_append_extend_insert_and_plus() -> None:
    assert chain("""
        stack = [layers.Dense(64, activation="relu")]
        stack.append(layers.Dense(32, activation="relu"))
        stack.extend([layers.Dropout(0.5)])
        stack.insert(0, keras.Input((20,)))
        stack = stack + [layers.Dense(4, activation="softmax")]
        model = keras.Sequential(stack)
    """) == [
        ("InputLayer", None, None),
        ("Dense", 64, "relu"),
        ("Dense", 32, "relu"),
        ("Dropout", None, None),
        ("Dense", 4, "softmax"),
    ]


def test_list_comprehension_over_a_literal_grid() -> None:
    assert chain("""
        hidden = [layers.Dense(width, activation="relu") for width in (128, 64)]
        model = keras.Sequential(hidden + [layers.Dense(1)])
    """) == [("Dense", 128, "relu"), ("Dense", 64, "relu"), ("Dense", 1, "linear")]


def test_loop_over_a_literal_list_adds_each_layer() -> None:
    assert chain("""
        model = keras.Sequential([keras.Input((10,))])
        for units in [256, 128]:
            model.add(layers.Dense(units, activation="relu"))
        model.add(layers.Dense(10))
    """) == [("InputLayer", None, None), ("Dense", 256, "relu"), ("Dense", 128, "relu"), ("Dense", 10, "linear")]


def test_loop_over_a_literal_range() -> None:
    assert chain("""
        model = keras.Sequential()
        for _ in range(2):
            model.add(layers.Dense(32, activation="relu"))
        model.add(layers.Dense(3, activation="softmax"))
    """) == [("Dense", 32, "relu"), ("Dense", 32, "relu"), ("Dense", 3, "softmax")]


def test_loop_with_break_stays_a_maybe() -> None:
    assert chain("""
        model = keras.Sequential()
        for units in [64, 32]:
            if units < 40:
                break
            model.add(layers.Dense(units))
    """) == [(None, None, None)]


def test_loop_over_an_unknown_range_adds_an_unknown_layer() -> None:
    assert chain("""
        import sys
        model = keras.Sequential()
        for _ in range(int(sys.argv[1])):
            model.add(layers.Dense(32, activation="relu"))
        model.add(layers.Dense(3, activation="softmax"))
    """) == [(None, None, None), ("Dense", 3, "softmax")]


def test_layers_appended_to_an_instance_attribute() -> None:
    head = head_of("""
        class Net(keras.Model):
            def __init__(self, classes):
                super().__init__()
                self.blocks = []
                for width in (64, 32):
                    self.blocks.append(layers.Dense(width, activation="relu"))
                self.head = layers.Dense(classes)

            def call(self, x):
                for block in self.blocks:
                    x = block(x)
                return self.head(x)

        model = Net(5)
    """)
    assert [(layer.kind, layer.units) for layer in head.chain] == [("Dense", 64), ("Dense", 32), ("Dense", 5)]


def test_layer_keyword_arguments_from_a_dict() -> None:
    head = head_of("""
        head_cfg = {"units": 10, "activation": "softmax"}
        model = keras.Sequential([layers.Dense(**head_cfg)])
    """)
    assert (head.units, head.activation) == (10, "softmax")


def test_dict_updated_before_use_is_read_as_updated() -> None:
    head = head_of("""
        head_cfg = dict(units=10, activation="softmax")
        head_cfg["activation"] = "sigmoid"
        head_cfg.update(units=4)
        model = keras.Sequential([layers.Dense(**head_cfg)])
    """)
    assert (head.units, head.activation) == (4, "sigmoid")


def test_dict_changed_by_a_function_becomes_unknown() -> None:
    head = head_of("""
        def add_activation(cfg):
            cfg["activation"] = "softmax"

        head_cfg = {"units": 10}
        add_activation(head_cfg)
        model = keras.Sequential([layers.Dense(**head_cfg)])
    """)
    assert (head.units, head.activation) == (None, None)


def test_unknown_kwargs_hide_the_activation() -> None:
    head = head_of("""
        import json
        model = keras.Sequential([layers.Dense(10, **json.load(open("cfg.json")))])
    """)
    assert (head.units, head.activation) == (10, None)


def test_compile_arguments_from_a_dict() -> None:
    head = head_of("""
        settings = {"optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["accuracy"]}
        model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
        model.compile(**settings)
    """)
    assert head.loss is not None and head.loss.kind == "binary_crossentropy"
    assert head.metrics is not None and [m.kind for m in head.metrics] == ["accuracy"]


def test_loss_object_arguments_from_a_dict() -> None:
    head = head_of("""
        loss_args = {"from_logits": True}
        model = keras.Sequential([layers.Dense(3)])
        model.compile(loss=keras.losses.CategoricalCrossentropy(**loss_args))
    """)
    assert head.loss is not None and head.loss.from_logits is True


def test_functools_partial_of_a_layer() -> None:
    assert chain("""
        Hidden = functools.partial(layers.Dense, activation="relu")
        Out = functools.partial(layers.Dense, 3)
        model = keras.Sequential([Hidden(64), Out(activation="softmax")])
    """) == [("Dense", 64, "relu"), ("Dense", 3, "softmax")]


def test_argparse_options_are_unknown_even_with_a_default() -> None:
    head = head_of("""
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--classes", type=int, default=10)
        args = parser.parse_args()
        model = keras.Sequential([layers.Dense(args.classes, activation="softmax")])
    """)
    assert (head.units, head.activation) == (None, "softmax")


def test_keras_1_spellings() -> None:
    assert chain("""
        from keras.layers.core import Dense, Activation
        from keras.layers.convolutional import Convolution2D
        model = keras.Sequential()
        model.add(Convolution2D(32, 3, 3, border_mode="same", init="he_normal", input_shape=(28, 28, 1)))
        model.add(Convolution2D(nb_filter=16, nb_row=3, nb_col=3))
        model.add(Dense(output_dim=10, init="uniform"))
        model.add(Activation("softmax"))
    """) == [
        ("Conv2D", 32, "linear"),
        ("Conv2D", 16, "linear"),
        ("Dense", 10, "linear"),
        ("Activation", None, "softmax"),
    ]


def test_keras_0_two_positional_dense_widths_are_not_guessed() -> None:
    assert chain("""
        model = keras.Sequential([layers.Dense(784, 10)])
    """) == [("Dense", None, None)]  # and the 10 is not an activation either


# -- fits: the arrays and where they came from (item 2) ----------------------


def test_fit_on_a_split_describes_both_sides() -> None:
    fit = only_fit("""
        X, y = np.load("x.npy"), np.load("y.npy")
        X_train, X_test, y_train, y_test = train_test_split(X, y)
        model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy")
        model.fit(X_test, y_test, validation_data=(X_train, y_train))
    """)
    # Both sides of the split share one origin; no value-changing step since the split.
    assert fit.validation_x is not None and fit.x is not None and fit.x.origin is not None
    assert fit.x.value_steps == () and fit.x.origin == fit.validation_x.origin  # two sides of one array
    assert replace(fit.x, origin=None, value_steps=None) == kf.ArrayInfo(
        name="X_test", split=Split.TEST, identity=0, ordered=False, raw_images=False, dataset=False
    )
    assert fit.validation_x is not None and fit.validation_x.split is Split.TRAIN
    assert fit.validation_x.name == "X_train" and fit.validation_split == 0.0


def test_fit_on_dataset_loader_images() -> None:
    fit = only_fit("""
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
        model.fit(x_train, y_train, validation_split=0.1)
    """)
    assert fit.x is not None and fit.x.raw_images is True and fit.x.split is Split.TRAIN
    assert fit.validation_split == pytest.approx(0.1) and fit.has_validation is True
    (labels,) = fit.labels
    assert labels is not None and (labels.encoding, labels.num_classes) == (E.INTEGER, 10)


def test_rescaling_is_a_recorded_transform() -> None:
    fit = only_fit("""
        (x_train, y_train), _ = keras.datasets.cifar10.load_data()
        x_train = x_train.astype("float32") / 255.0
        y_train = keras.utils.to_categorical(y_train, 10)
        model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
        model.fit(x_train, y_train)
    """)
    assert fit.x is not None and fit.x.raw_images is False and fit.x.transforms == ("arithmetic",)
    assert fit.y is not None and fit.y.transforms == ("one-hot",)
    (labels,) = fit.labels
    assert labels is not None and labels.encoding is E.ONE_HOT and labels.num_classes == 10


def test_the_same_array_as_input_and_target() -> None:
    fit = only_fit("""
        x = np.random.rand(100, 32)
        model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(32)])
        model.fit(x, x)
    """)
    assert fit.x is not None and fit.y is not None and fit.x.identity == fit.y.identity == 0


def test_validation_slice_of_the_training_array() -> None:
    fit = only_fit("""
        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        x_val, y_val = x_train[-5000:], y_train[-5000:]
        model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
        model.fit(x_train, y_train, validation_data=(x_val, y_val))
    """)
    assert fit.validation_x is not None and fit.validation_x.slice_of == "x_train"
    assert fit.validation_x.identity != (fit.x.identity if fit.x else None)


def test_labels_in_class_order_then_shuffled() -> None:
    ordered = only_fit("""
        y = np.concatenate([np.zeros(50), np.ones(50)])
        model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
        model.fit(X, y, validation_split=0.2)
    """)
    assert ordered.y is not None and ordered.y.ordered is True
    shuffled = only_fit("""
        from sklearn.utils import shuffle
        y = np.concatenate([np.zeros(50), np.ones(50)])
        X, y = shuffle(X, y)
        model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
        model.fit(X, y, validation_split=0.2)
    """)
    assert shuffled.y is not None and shuffled.y.ordered is False and shuffled.y.transforms == ("shuffled",)


def test_in_place_numpy_shuffle_rebinds_the_argument() -> None:
    fit = only_fit("""
        y = np.concatenate([np.zeros(50), np.ones(50)])
        np.random.shuffle(y)
        model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
        model.fit(X, y)
    """)
    assert fit.y is not None and fit.y.ordered is False


def test_unknown_validation_split_and_star_arguments() -> None:
    fit = only_fit("""
        model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
        model.fit(X, y, **fit_args)
    """)
    assert fit.validation_split is None and fit.has_validation is None


def test_tf_data_pipeline_carries_labels_and_split() -> None:
    fit = only_fit("""
        import tensorflow as tf
        (x_train, y_train), _ = keras.datasets.fashion_mnist.load_data()
        ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(1000).batch(32).prefetch(2)
        model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
        model.fit(ds)
    """)
    assert fit.x is not None and fit.x.dataset is True and fit.x.raw_images is True
    assert fit.labels[0] is not None and fit.labels[0].encoding is E.INTEGER


def test_dataset_map_forgets_what_it_may_change() -> None:
    fit = only_fit("""
        import tensorflow as tf
        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).map(lambda x, y: (x / 255, y))
        model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
        model.fit(ds)
    """)
    assert fit.x == kf.ArrayInfo(name="ds")


def test_class_weight_gives_the_minority_share() -> None:
    fit = only_fit("""
        model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
        model.fit(X, y, class_weight={0: 1.0, 1: 9.0})
    """)
    (labels,) = fit.labels
    assert labels is not None and labels.num_classes == 2 and labels.minority_fraction == pytest.approx(0.1)


def test_fit_of_a_two_head_model_aligns_labels_by_name() -> None:
    fit = only_fit("""
        inputs = keras.Input((8,))
        a = layers.Dense(3, activation="softmax", name="a")(inputs)
        b = layers.Dense(1, activation="sigmoid", name="b")(inputs)
        model = keras.Model(inputs, [a, b])
        model.fit(X, {"b": np.random.rand(10), "a": keras.utils.to_categorical(y, 3)})
    """)
    encodings = [labels.encoding if labels else None for labels in fit.labels]
    assert encodings == [E.ONE_HOT, E.CONTINUOUS]


# -- evaluation and preprocessing facts --------------------------------------


def test_every_sklearn_metric_call_is_described() -> None:
    facts = facts_of("""
        from sklearn.metrics import f1_score, mean_squared_error
        model = keras.Sequential([layers.Dense(3, activation="softmax")])
        model.fit(X, y)
        probs = model.predict(X)
        f1_score(y, probs, average="macro")
        f1_score(y, probs.argmax(axis=1), average="macro")
        mean_squared_error(y, probs)
    """)
    calls = [(c.function, c.y_pred.predictions_of if c.y_pred else None, c.y_pred.processed if c.y_pred else None)
             for c in facts.metric_calls]  # fmt: skip
    assert calls == [("f1_score", 0, False), ("f1_score", 0, True), ("mean_squared_error", 0, False)]


def test_metric_y_true_one_hot_is_described() -> None:
    facts = facts_of("""
        from sklearn.metrics import accuracy_score
        y_onehot = keras.utils.to_categorical(y, 3)
        accuracy_score(y_onehot, pred)
    """)
    (call,) = facts.metric_calls
    assert call.y_true is not None and call.y_true.labels is not None
    assert call.y_true.labels.encoding is E.ONE_HOT and call.y_pred == kf.Operand()


def _fit_targets(body: str) -> kf.Labels | None:
    (fit,) = only_model(body).fits
    (labels,) = fit.labels
    return labels


def test_list_of_continuous_values_built_in_a_loop_is_continuous_targets() -> None:
    labels = _fit_targets("""
        prices = np.random.rand(100)
        ys = []
        for i in range(100):
            ys.append(prices[i] * 1.1 + np.random.normal(0, 1))
        model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1)])
        model.fit(np.random.rand(100, 8), np.array(ys))
    """)
    assert labels is not None and labels.encoding is E.CONTINUOUS and labels.source == "numpy.random.rand"
    assert labels.num_classes is None


@pytest.mark.parametrize(
    "element",
    [
        "i % 7",  # integers: class ids or counts
        "row",  # unknown
        "prices[i] if i else row",  # one branch unknown
    ],
)
def test_list_with_an_element_of_unknown_nature_stays_unknown(element: str) -> None:
    labels = _fit_targets(f"""
        prices = np.random.rand(100)
        ys = []
        for i, row in enumerate(read_rows()):
            ys.append({element})
        model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1)])
        model.fit(np.random.rand(100, 8), np.array(ys))
    """)
    assert labels is None


def test_list_of_continuous_and_integer_items_stays_unknown() -> None:
    labels = _fit_targets("""
        ys = []
        for i in range(10):
            ys.append(np.random.rand() * 2)
            ys.append(i)
        model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1)])
        model.fit(x, np.array(ys))
    """)
    assert labels is None


def test_predict_side_metric_gives_its_class_count_to_the_predicting_model() -> None:
    model = only_model("""
        from sklearn.metrics import classification_report
        (_, _), (x_test, y_test) = keras.datasets.mnist.load_data()
        model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(5, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(load_batches())
        classification_report(y_test, np.argmax(model.predict(x_test), axis=1))
    """)
    (fit,) = model.fits
    assert fit.labels == (None,)
    predict, report = model.evaluations
    assert predict.method == "predict" and predict.labels == ()
    assert report.method == "classification_report" and report.anchor.is_known
    # The class count is the task's; the encoding is not what fit got (y_test stays integer).
    (labels,) = report.labels
    assert labels is not None and labels.encoding is None and labels.num_classes == 10
    assert labels.source == "mnist.load_data()"


def test_predict_side_regression_metric_keeps_continuous_targets() -> None:
    model = only_model("""
        from sklearn.metrics import mean_squared_error
        model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1)])
        model.fit(load_batches())
        mean_squared_error(np.random.rand(50) * 3, model.predict(x_test))
    """)
    (_, scored) = model.evaluations
    (labels,) = scored.labels
    assert labels is not None and labels.encoding is E.CONTINUOUS


@pytest.mark.parametrize(
    "call",
    [
        "confusion_matrix(y_test, np.argmax(preds, axis=1))",  # predictions of which model: unknown
        "confusion_matrix(y_test, labels_from_disk)",  # not predictions
        "confusion_matrix(np.load('y.npy'), np.argmax(a.predict(x), axis=1))",  # y_true unknown
        "confusion_matrix(y_test, np.argmax(two.predict(x), axis=1))",  # two heads: which one?
    ],
)
def test_predict_side_metric_labels_only_for_one_known_model_and_head(call: str) -> None:
    facts = facts_of(f"""
        from sklearn.metrics import confusion_matrix
        y_test = np.random.randint(0, 4, 200)
        a = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
        b = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(4, activation="softmax")])
        preds = a.predict(x) if fast else b.predict(x)
        inp = keras.Input(shape=(8,))
        two = keras.Model(inp, [layers.Dense(4, activation="softmax")(inp), layers.Dense(1)(inp)])
        {call}
    """)
    assert facts.metric_calls
    assert all(not evaluation.labels for model in facts.models for evaluation in model.evaluations)


def test_scaler_fitted_before_the_split() -> None:
    facts = facts_of("""
        X = StandardScaler().fit_transform(X)
        X_train, X_test, y_train, y_test = train_test_split(X, y)
    """)
    (fit,) = facts.preprocessing_fits
    assert fit.estimator == "StandardScaler" and fit.fitted_on == kf.ArrayInfo(name="X")
    (split,) = facts.splits
    assert split.preprocessed_by == (fit.key,)


def test_scaler_fitted_on_the_training_side() -> None:
    facts = facts_of("""
        X_train, X_test, y_train, y_test = train_test_split(X, y)
        scaler = StandardScaler()
        scaler.fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    """)
    (fit,) = facts.preprocessing_fits
    assert fit.fitted_on is not None and fit.fitted_on.split is Split.TRAIN and fit.fitted_on.name == "X_train"
    assert [s.preprocessed_by for s in facts.splits] == [()]


def test_removed_predict_classes_names_its_model() -> None:
    facts = facts_of("""
        model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy")
        classes = model.predict_classes(X)
    """)
    (call,) = facts.removed_calls
    assert call.method == "predict_classes" and facts.model_at(call.model) is facts.models[0]


def test_sorted_frame_column_is_in_label_order() -> None:
    fit = only_fit("""
        df = pd.read_csv("data.csv").sort_values("label")
        model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
        model.fit(df[["a", "b"]], df["label"], validation_split=0.2)
    """)
    assert fit.y is not None and fit.y.ordered is True


def test_image_generator_directory_labels() -> None:
    fit = only_fit("""
        from keras.preprocessing.image import ImageDataGenerator
        gen = ImageDataGenerator(rescale=1.0 / 255).flow_from_directory("data/", class_mode="binary")
        model = keras.Sequential([layers.Flatten(), layers.Dense(1, activation="sigmoid")])
        model.fit(gen)
    """)
    assert fit.x is not None and fit.x.raw_images is False and fit.x.dataset is True
    assert fit.labels[0] is not None and fit.labels[0].encoding is E.BINARY


def test_starred_known_list_is_spliced_and_an_unknown_one_hides_the_stack() -> None:
    assert chain("""
        hidden = [layers.Dense(32, activation="relu")]
        model = keras.Sequential([keras.Input((4,)), *hidden, layers.Dense(2, activation="softmax")])
    """) == [("InputLayer", None, None), ("Dense", 32, "relu"), ("Dense", 2, "softmax")]
    assert chain("""
        import json
        model = keras.Sequential([*json.load(open("layers.json")), layers.Dense(2, activation="softmax")])
    """) == [(None, None, None)]


@pytest.mark.parametrize(
    "mutation",
    [
        'alias = head_cfg\nalias["activation"] = "softmax"',
        'for cfg in [head_cfg]:\n    cfg["activation"] = "softmax"',
        'def configure():\n    head_cfg["activation"] = "softmax"\n\nconfigure()',
        'class Builder:\n    def set(self, cfg):\n        cfg.update(activation="softmax")\n\nBuilder().set(head_cfg)',
    ],
)
def test_a_dict_changed_under_another_name_is_not_read_stale(mutation: str) -> None:
    head = head_of(f"""
head_cfg = {{"units": 10}}
{mutation}
model = keras.Sequential([layers.Dense(**head_cfg)])
""")
    assert head.activation is None


def test_a_function_building_its_own_list_leaves_the_callers_alone() -> None:
    head = head_of("""
        def extra():
            stack = []
            stack.append(layers.Dense(4))
            return stack

        stack = [layers.Dense(3, activation="softmax")]
        extra()
        model = keras.Sequential(stack)
    """)
    assert (head.units, head.activation) == (3, "softmax")


def test_list_appended_an_unknown_number_of_times_keeps_its_known_ends() -> None:
    assert chain("""
        def build(num_dense, size):
            net = [keras.Input((28, 28, 1)), layers.Flatten()]
            for _ in range(num_dense):
                net.append(layers.Dense(size, activation="relu"))
            net.append(layers.Dense(10))
            return keras.Sequential(net)

        model = build(NUM_DENSE, 128)
    """) == [("InputLayer", None, None), ("Flatten", None, None), (None, None, None), ("Dense", 10, "linear")]


def test_a_maybe_longer_list_has_no_length_and_no_positions_past_the_unknown() -> None:
    facts = facts_of("""
        import sys
        outs = [layers.Dense(1)]
        if sys.argv[1:]:
            outs.append(layers.Dense(2))
        n = len(outs)
        last = outs[-1]
        first = outs[0]
        for layer in outs:
            pass
        model = keras.Sequential([first])
        model.compile(loss=["mse"] * n)
    """)
    (model,) = facts.models
    assert [(layer.kind, layer.units) for layer in model.heads[0].chain] == [("Dense", 1)]
    loss = model.heads[0].loss
    assert loss is not None and loss.kind is None  # ["mse"] * unknown length: compiled, loss unknown


def test_what_the_program_does_with_each_model() -> None:
    facts = facts_of("""
        encoder = keras.Sequential([layers.Dense(8, activation="relu")])
        encoder.compile(loss="mse")
        inputs = keras.Input((4,))
        model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(encoder(inputs)))
        model.compile(loss="binary_crossentropy")
        model.fit(X, y)
        loaded = keras.models.load_model("m.keras")
        loaded.predict(X)
    """)
    described = [(m.trained, m.nested, m.predicts, m.loss_in_use) for m in facts.models]
    assert described == [(False, True, False, False), (True, False, False, True), (False, False, True, True)]


@pytest.mark.parametrize("grow", ["stack = stack + stack", "stack.extend(stack)"])
def test_a_list_that_doubles_in_nested_loops_becomes_unknown(grow: str) -> None:
    program = f"stack = [layers.Dense(1)]\nfor _ in range(16):\n    for _ in range(16):\n        {grow}\n"
    assert chain(program + "model = keras.Sequential(stack)\n") == [(None, None, None)]


@pytest.mark.parametrize("call", ["range(0, 10, 0)", "range(10**12)", "range(n)"])
def test_ranges_that_cannot_be_listed_are_unknown(call: str) -> None:
    program = f"model = keras.Sequential()\nfor units in {call}:\n    model.add(layers.Dense(units))\n"
    assert chain(program) == [(None, None, None)]


def test_a_grid_of_widths_built_with_list_multiplication() -> None:
    assert chain("""
        model = keras.Sequential()
        for filters in [64] * 2 + [128]:
            model.add(layers.Conv2D(filters, 3, activation="relu"))
        model.add(layers.GlobalAveragePooling2D())
        model.add(layers.Dense(10, activation="softmax"))
    """) == [
        ("Conv2D", 64, "relu"),
        ("Conv2D", 64, "relu"),
        ("Conv2D", 128, "relu"),
        ("GlobalAveragePooling2D", None, None),
        ("Dense", 10, "softmax"),
    ]


def test_config_class_attributes() -> None:
    head = head_of("""
        class CFG:
            n_classes = 5
            head_activation = "sigmoid"
            img_size: int = 224

        model = keras.Sequential([
            keras.Input((CFG.img_size, CFG.img_size, 3)),
            layers.GlobalAveragePooling2D(),
            layers.Dense(CFG.n_classes, activation=CFG.head_activation),
        ])
    """)
    assert (head.units, head.activation) == (5, "sigmoid")


def test_config_attributes_changed_from_outside_or_set_by_a_dataclass_are_unknown() -> None:
    changed = head_of("""
        class CFG:
            n_classes = 5

        CFG.n_classes = compute()
        model = keras.Sequential([layers.Dense(CFG.n_classes, activation="softmax")])
    """)
    assert changed.units is None
    from_dataclass = head_of("""
        import dataclasses

        @dataclasses.dataclass
        class Config:
            n_classes: int = 5

        config = Config(n_classes=12)
        model = keras.Sequential([layers.Dense(config.n_classes, activation="softmax")])
    """)
    assert from_dataclass.units is None


def test_star_imports_from_keras_modules() -> None:
    model = only_model("""
        from keras.models import *
        from keras.layers import *
        from keras.utils import *

        model = Sequential()
        model.add(Dense(64, activation="relu", input_dim=20))
        model.add(Dense(3))
        model.compile(loss="categorical_crossentropy")
        model.fit(X, to_categorical(y, 3))
    """)
    head = model.single_head
    assert head is not None and (head.units, head.activation) == (3, "linear")
    labels = model.fits[0].labels[0]
    assert labels is not None and labels.encoding is E.ONE_HOT


def test_star_import_of_another_library_binds_nothing() -> None:
    assert (
        facts_of("""
        from mylib import *
        model = Sequential([Dense(3)])
    """).models
        == ()
    )


def test_validation_rows_sliced_off_an_unknown_training_array() -> None:
    fit = only_fit("""
        x_train, y_train = np.load("x.npy"), np.load("y.npy")
        model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
        model.fit(x_train[:-5000], y_train[:-5000], validation_data=(x_train[-5000:], y_train[-5000:]))
    """)
    assert fit.x is not None and (fit.x.slice_of, fit.x.slice_rows) == ("x_train", (None, -5000))
    assert fit.validation_x is not None
    assert (fit.validation_x.slice_of, fit.validation_x.slice_rows) == ("x_train", (-5000, None))
    overlapping = only_fit("""
        x_train, y_train = np.load("x.npy"), np.load("y.npy")
        start = compute()
        model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
        model.fit(x_train, y_train, validation_data=(x_train[start:], y_train[start:]))
    """)
    assert overlapping.x is not None and overlapping.x.name == "x_train" and overlapping.x.slice_of is None
    assert overlapping.validation_x is not None
    assert (overlapping.validation_x.slice_of, overlapping.validation_x.slice_rows) == ("x_train", None)


def test_loops_over_enumerate_zip_and_dict_items_of_literals() -> None:
    assert chain("""
        model = keras.Sequential()
        for index, (units, act) in enumerate(zip([64, 32], ["relu", "tanh"])):
            model.add(layers.Dense(units, activation=act, name=f"hidden_{index}"))
        heads = {"softmax": 3}
        for act, units in heads.items():
            model.add(layers.Dense(units, activation=act))
    """) == [("Dense", 64, "relu"), ("Dense", 32, "tanh"), ("Dense", 3, "softmax")]
