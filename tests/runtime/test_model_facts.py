"""A live model -> facts: graphs, effective activations, losses and metrics."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from kerascheck import facts as kf
from kerascheck.runtime.model import NotAModelError, facts_from_model, heads_of


def only_model(model: keras.Model, **data: Any) -> kf.Model:
    facts = facts_from_model(model, **data)
    assert len(facts.models) == 1
    return facts.models[0]


def kinds(head: kf.Head) -> list[str | None]:
    return [layer.kind for layer in head.chain]


def classifier(output: layers.Layer, *extra: layers.Layer) -> keras.Sequential:
    return keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu"), output, *extra])


# -- graphs -------------------------------------------------------------------


def test_sequential_chain_starts_with_the_input_layer() -> None:
    (head,) = only_model(classifier(layers.Dense(10, activation="softmax", name="out"))).heads
    assert kinds(head) == ["InputLayer", "Dense", "Dense"]
    assert head.chain[0].input_shape == (8,)
    assert (head.name, head.units, head.activation) == ("out", 10, "softmax")
    assert head.chain[-1].anchor == kf.Anchor(layer="out")


def test_trailing_activation_layers_decide_the_effective_activation() -> None:
    model = classifier(layers.Dense(3), layers.Activation("softmax"), layers.Dropout(0.2))
    (head,) = only_model(model).heads
    assert (head.units, head.activation) == (3, "softmax")
    (head,) = only_model(classifier(layers.Dense(4), layers.Softmax())).heads
    assert (head.units, head.activation) == (4, "softmax")


def test_unbuilt_sequential_uses_its_layer_order() -> None:
    model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1)])
    (head,) = only_model(model).heads
    assert kinds(head) == ["Dense", "Dense"]
    assert (head.units, head.activation) == (1, "linear")


def test_functional_multi_output_follows_each_branch() -> None:
    inputs = keras.Input((8,), name="features")
    trunk = layers.Dense(16, activation="relu", name="trunk")(inputs)
    kind = layers.Dense(3, name="kind_logits")(trunk)
    kind = layers.Activation("softmax", name="kind")(kind)
    score = layers.Dense(1, activation="sigmoid", name="score")(trunk)
    model = keras.Model(inputs, [kind, score])
    first, second = only_model(model).heads
    assert (first.name, first.units, first.activation) == ("kind", 3, "softmax")
    assert [layer.name for layer in first.chain] == ["features", "trunk", "kind_logits", "kind"]
    assert (second.name, second.units, second.activation) == ("score", 1, "sigmoid")


def test_branching_graph_follows_the_first_input() -> None:
    inputs = keras.Input((8,))
    left = layers.Dense(4, activation="relu", name="left")(inputs)
    right = layers.Dense(4, activation="tanh", name="right")(inputs)
    merged = layers.Concatenate(name="merge")([left, right])
    outputs = layers.Dense(2, activation="softmax", name="out")(merged)
    (head,) = only_model(keras.Model(inputs, outputs)).heads
    assert [layer.name for layer in head.chain][1:] == ["left", "merge", "out"]


def test_dict_outputs_are_named_by_their_keys() -> None:
    inputs = keras.Input((8,))
    outputs = {"label": layers.Dense(3, activation="softmax", name="dense_out")(inputs)}
    model = keras.Model(inputs, outputs)
    model.compile(loss={"label": "sparse_categorical_crossentropy"})
    (head,) = only_model(model).heads
    assert head.name == "label"
    assert head.loss is not None and head.loss.kind == "sparse_categorical_crossentropy"


def test_nested_models_expand_into_the_chain() -> None:
    backbone = keras.Sequential(
        [keras.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(5)], name="backbone"
    )
    inputs = keras.Input((8,))
    outputs = layers.Activation("sigmoid", name="probabilities")(backbone(inputs))
    model = keras.Model(inputs, outputs)
    (head,) = only_model(model).heads
    assert kinds(head) == ["InputLayer", "Dense", "Dense", "Activation"]
    assert (head.units, head.activation) == (5, "sigmoid")
    outer = keras.Sequential([keras.Input((8,)), backbone, layers.Softmax()])
    (head,) = only_model(outer).heads
    assert kinds(head) == ["InputLayer", "Dense", "Dense", "Softmax"]


def test_nested_model_as_the_output_uses_its_own_output_layer() -> None:
    inner = keras.Sequential([keras.Input((8,)), layers.Dense(10)], name="inner")
    inputs = keras.Input((8,))
    (head,) = only_model(keras.Model(inputs, inner(inputs))).heads
    assert (head.units, head.activation) == (10, "linear")


def test_keras_ops_in_a_functional_graph_act_as_activations() -> None:
    inputs = keras.Input((8,))
    outputs = keras.ops.sigmoid(layers.Dense(1)(inputs))
    (head,) = only_model(keras.Model(inputs, outputs)).heads
    assert kinds(head)[-1] == "Activation"
    assert head.activation == "sigmoid"
    other = keras.ops.add(layers.Dense(1)(inputs), 1.0)
    (head,) = only_model(keras.Model(inputs, other)).heads
    assert head.chain[-1].kind is None and head.activation is None


class Scaled(layers.Layer):
    def call(self, inputs: Any) -> Any:
        return inputs * 2.0


class MyDense(layers.Dense):
    pass


def test_custom_layers_are_unknown_not_guessed() -> None:
    (head,) = only_model(classifier(MyDense(3, activation="softmax"))).heads
    assert head.chain[-1].kind is None
    assert head.units is None and head.activation is None
    (head,) = only_model(classifier(layers.Dense(3), Scaled())).heads
    assert head.activation is None


def test_rnn_and_wrapper_layers() -> None:
    model = keras.Sequential(
        [
            keras.Input((20, 4)),
            layers.LSTM(8, return_sequences=True),
            layers.Bidirectional(layers.GRU(4)),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    chain = only_model(model).heads[0].chain
    assert (chain[1].kind, chain[1].activation, chain[1].return_sequences) == ("LSTM", "tanh", True)
    assert (chain[2].kind, chain[2].return_sequences) == ("Bidirectional", False)
    timed = keras.Sequential([keras.Input((5, 4)), layers.TimeDistributed(layers.Dense(3, activation="softmax"))])
    (head,) = only_model(timed).heads
    assert (head.units, head.activation) == (3, "softmax")


def test_softmax_over_another_axis_is_not_an_output_activation() -> None:
    model = keras.Sequential([keras.Input((5, 4)), layers.Dense(4), layers.Softmax(axis=1)])
    assert only_model(model).heads[0].activation is None


# -- subclassed models --------------------------------------------------------


class Classifier(keras.Model):
    """Layers assigned in a different order than ``call`` uses them."""

    def __init__(self) -> None:
        super().__init__()
        self.head = layers.Dense(3, activation="softmax", name="head")
        self.hidden = layers.Dense(16, activation="relu", name="hidden")

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        return self.head(self.hidden(inputs))


def test_built_subclassed_model_is_traced_in_call_order() -> None:
    model = Classifier()
    model(np.zeros((2, 8), "float32"))
    model.compile(loss="categorical_crossentropy")
    (head,) = only_model(model).heads
    assert [layer.name for layer in head.chain][1:] == ["hidden", "head"]
    assert (head.units, head.activation) == (3, "softmax")
    assert head.loss is not None and head.loss.kind == "categorical_crossentropy"
    # the trace leaves no graph nodes behind on the user's layers
    assert model.head._inbound_nodes == [] and model.hidden._outbound_nodes == []


def test_unbuilt_subclassed_model_is_a_best_effort_layer_order() -> None:
    (head,) = heads_of(Classifier())
    assert [layer.name for layer in head.chain] == ["head", None, "hidden", None]
    assert head.chain[1].kind is None  # unsure what comes between: unknown
    # ...and unsure which layer is the output (attribute order is not call order)
    assert (head.units, head.activation) == (None, None)


class Untraceable(keras.Model):
    def __init__(self) -> None:
        super().__init__()
        self.out = layers.Dense(2, activation="softmax")

    def call(self, inputs: Any) -> Any:
        if float(keras.ops.convert_to_numpy(keras.ops.sum(inputs))) > 0:  # needs real values
            return self.out(inputs)
        return self.out(-inputs)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TensorFlow's own, from the eager call
def test_subclassed_model_that_cannot_be_traced_falls_back_to_layer_order() -> None:
    model = Untraceable()
    model(np.ones((2, 3), "float32"))
    (head,) = only_model(model).heads
    assert (head.units, head.activation) == (2, "softmax")


# -- tf.keras and Keras 2 style objects ---------------------------------------


def test_tf_keras_namespace_models() -> None:
    model = tf.keras.Sequential([tf.keras.Input((8,)), tf.keras.layers.Dense(4, activation=tf.nn.softmax, name="out")])
    model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    (head,) = only_model(model).heads
    assert (head.units, head.activation) == (4, "softmax")
    assert head.loss == kf.Loss(kind="sparse_categorical_crossentropy", anchor=kf.Anchor(layer="out"), from_logits=True)


def _keras2_tensor(layer: Any, node_index: int = 0) -> Any:
    return SimpleNamespace(_keras_history=(layer, node_index, 0))


def test_keras2_style_graph_is_read_by_duck_typing() -> None:
    """tf.keras 2 (tf_keras) tensors carry ``_keras_history`` = (layer, node, tensor) and nodes ``keras_inputs``."""
    Model = type("Model", (), {"__module__": "tf_keras.src.engine.training"})
    Dense = type(
        "Dense",
        (),
        {"__module__": "tf_keras.src.layers.core.dense", "get_config": lambda self: self.config},
    )
    InputLayer = type(
        "InputLayer",
        (),
        {"__module__": "tf_keras.src.engine.input_layer", "get_config": lambda self: self.config},
    )
    source = InputLayer()
    source.name, source.config, source._inbound_nodes = "x", {"batch_input_shape": [None, 8]}, [SimpleNamespace()]
    dense = Dense()
    dense.name, dense.config = "out", {"units": 3, "activation": "linear"}
    dense._inbound_nodes = [SimpleNamespace(keras_inputs=[_keras2_tensor(source)])]
    model = Model()
    model.name, model.outputs, model.output_names = "legacy", [_keras2_tensor(dense)], ["out"]
    model._is_compiled = True
    model.loss = "categorical_crossentropy"
    model.compiled_metrics = SimpleNamespace(_user_metrics=["accuracy"], _user_weighted_metrics=None)
    facts = only_model(model)
    (head,) = facts.heads
    assert kinds(head) == ["InputLayer", "Dense"]
    assert head.chain[0].input_shape == (8,)
    assert (head.units, head.activation) == (3, "linear")
    assert head.loss is not None and head.loss.kind == "categorical_crossentropy"
    assert head.metrics is not None and [m.kind for m in head.metrics] == ["accuracy"]
    assert facts.compiled


def test_not_a_model_is_a_type_error() -> None:
    with pytest.raises(NotAModelError):
        facts_from_model(layers.Dense(3))
    with pytest.raises(TypeError):
        facts_from_model("model.keras")


# -- compile ------------------------------------------------------------------


def compiled_head(loss: Any, metrics: Any = None, output: layers.Layer | None = None) -> kf.Head:
    model = classifier(output or layers.Dense(3, activation="softmax"))
    model.compile(loss=loss, metrics=metrics)
    return only_model(model).heads[0]


def custom_loss(y_true: Any, y_pred: Any) -> Any:
    return keras.ops.mean(y_pred - y_true)


class CustomLoss(keras.losses.Loss):
    def call(self, y_true: Any, y_pred: Any) -> Any:
        return keras.ops.mean(y_pred - y_true)


@pytest.mark.parametrize(
    ("loss", "kind", "from_logits"),
    [
        ("categorical_crossentropy", "categorical_crossentropy", False),
        ("bce", "binary_crossentropy", False),
        ("mse", "mean_squared_error", False),
        (keras.losses.CategoricalCrossentropy(from_logits=True), "categorical_crossentropy", True),
        (keras.losses.BinaryFocalCrossentropy(), "binary_focal_crossentropy", False),
        (keras.losses.sparse_categorical_crossentropy, "sparse_categorical_crossentropy", False),
        (tf.keras.losses.Huber(), "huber", False),
        (custom_loss, None, False),
        (CustomLoss(), None, None),
    ],
)
def test_loss_forms(loss: Any, kind: str | None, from_logits: bool | None) -> None:
    head = compiled_head(loss)
    assert head.loss is not None
    assert (head.loss.kind, head.loss.from_logits) == (kind, from_logits)


def test_user_function_named_like_a_keras_loss_is_not_keras() -> None:
    def binary_crossentropy(y_true: Any, y_pred: Any) -> Any:
        return keras.ops.mean(y_pred)

    assert compiled_head(binary_crossentropy).loss.kind is None  # type: ignore[union-attr]


def test_loss_list_and_dict_per_output() -> None:
    inputs = keras.Input((8,))
    a = layers.Dense(3, activation="softmax", name="a")(inputs)
    b = layers.Dense(1, name="b")(inputs)
    model = keras.Model(inputs, [a, b])
    model.compile(loss=["categorical_crossentropy", keras.losses.BinaryCrossentropy(from_logits=True)])
    first, second = only_model(model).heads
    assert first.loss.kind == "categorical_crossentropy"  # type: ignore[union-attr]
    assert (second.loss.kind, second.loss.from_logits) == ("binary_crossentropy", True)  # type: ignore[union-attr]
    model.compile(loss={"b": "mse", "a": "sparse_categorical_crossentropy"}, metrics={"a": ["accuracy"]})
    first, second = only_model(model).heads
    assert first.loss.kind == "sparse_categorical_crossentropy"  # type: ignore[union-attr]
    assert second.loss.kind == "mean_squared_error"  # type: ignore[union-attr]
    assert [m.kind for m in first.metrics or ()] == ["accuracy"]


def test_metrics_with_and_without_class_id() -> None:
    head = compiled_head(
        "categorical_crossentropy",
        ["acc", keras.metrics.Precision(), keras.metrics.Recall(class_id=1), keras.metrics.AUC(), "mae"],
    )
    assert [(m.kind, m.has_class_id) for m in head.metrics or ()] == [
        ("accuracy", False),
        ("precision", False),
        ("recall", True),
        ("auc", False),
        ("mean_absolute_error", False),
    ]
    assert all(m.anchor.layer == head.name for m in head.metrics or ())


def test_compiled_without_metrics_has_none_and_uncompiled_is_unknown() -> None:
    head = compiled_head("categorical_crossentropy")
    assert head.metrics == ()
    model = classifier(layers.Dense(3, activation="softmax"))
    facts = only_model(model)
    assert not facts.compiled
    assert facts.heads[0].loss is None and facts.heads[0].metrics is None
