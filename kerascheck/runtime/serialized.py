"""Keras's serialized form (layer, loss and metric configs) -> facts.

Both runtime front-ends meet Keras objects in the same shape: a saved model's
``config.json`` *is* the serialized form, and a live model gives it per layer
through ``get_config()``. Reading that one shape here keeps the two front-ends
from drifting apart, and it needs neither Keras nor TensorFlow (the
saved-model path must never import them).

Custom classes (``module`` outside Keras) become ``kind=None``: the rules stay
silent on what they cannot know rather than guess from a name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from kerascheck import facts as kf
from kerascheck import vocabulary as kv
from kerascheck.layer_facts import layer_fact
from kerascheck.shapes.geometry import MISSING, UNREADABLE

# Top-level packages whose classes are Keras's own (tf.keras lives under tensorflow or keras).
KERAS_ROOTS = frozenset({"keras", "tf_keras", "tensorflow"})
# Class names that hold a sub-graph of layers.
MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})
# Keras 3 stores functions (losses, metrics, activations) under this module, custom or not.
_FUNCTION_MODULES = frozenset({"builtins", None})
_OP_LAMBDAS = frozenset({"TFOpLambda", "SlicingOpLambda"})


def is_keras_module(module: str | None) -> bool:
    """True when ``module`` belongs to Keras or TensorFlow (not user code)."""
    return isinstance(module, str) and module.split(".", 1)[0] in KERAS_ROOTS


def entry_is_keras(entry: Mapping[str, Any]) -> bool:
    """Whether a serialized ``{"class_name", "config", ...}`` entry is a built-in Keras class.

    Keras 3 writes ``module`` (``None`` or the user's module for custom classes);
    Keras 2 writes no module at all and marks registered custom classes
    ``"package>Name"``.
    """
    if "module" in entry:
        return is_keras_module(entry.get("module"))
    return ">" not in str(entry.get("class_name", ""))


def _shape(value: Any) -> tuple[int | None, ...] | None:
    if not isinstance(value, (list, tuple)):
        return None
    return tuple(d if isinstance(d, int) and not isinstance(d, bool) else None for d in value)


def _batch_shape(value: Any) -> tuple[int | None, ...] | None:
    shape = _shape(value)
    return shape[1:] if shape else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def activation_from_config(value: Any) -> str | None:
    """Canonical activation of a serialized ``activation`` value.

    A string is Keras's own name; a function entry names the function (custom
    functions stay unknown unless they share a Keras name, which Keras 3
    cannot tell apart either); a layer entry (``LeakyReLU()``) maps to its
    activation.
    """
    if value is None or isinstance(value, str):
        return kv.activation_from_string(value)
    if not isinstance(value, Mapping):
        return None
    class_name = value.get("class_name")
    config = value.get("config")
    if class_name == "function" and isinstance(config, str):
        if value.get("module") in _FUNCTION_MODULES or is_keras_module(value.get("module")):
            return kv.activation_from_string(config.removesuffix("_v2"))
        return None
    if not entry_is_keras(value):
        return None
    if class_name == "Activation" and isinstance(config, Mapping):
        return activation_from_config(config.get("activation"))
    if isinstance(class_name, str):
        return kv.ACTIVATION_LAYER_DEFAULTS.get(class_name)
    return None


def unknown_layer(name: str | None) -> kf.Layer:
    """A layer we cannot see into (custom class, unreadable config)."""
    return kf.Layer(kind=None, anchor=kf.Anchor(layer=name), name=name, key=name)


def op_layer(class_name: str, name: str | None, axis: Any = -1) -> kf.Layer:
    """A Keras op applied in a functional graph (``keras.ops.sigmoid(x)``).

    Activation ops act like an ``Activation`` layer; any other op is unknown,
    and so is a softmax over another axis than the last (attention pooling).
    """
    activation = kv.activation_from_string(class_name.lower()) if class_name else None
    if activation is None or activation == "linear" or axis not in (-1, [-1], None):
        return unknown_layer(name)
    return kf.Layer(kind="Activation", anchor=kf.Anchor(layer=name), activation=activation, name=name, key=name)


def _op_lambda(config: Mapping[str, Any], name: str | None) -> kf.Layer:
    """tf.keras 2 wraps ``tf.nn.softmax(x)`` in a TFOpLambda layer naming the function."""
    function = _str(config.get("function")) or ""
    axis = config.get("axis", -1)  # tf.keras 2 stores the op's call kwargs separately: unknown here
    return op_layer(function.rsplit(".", 1)[-1].removesuffix("_v2"), name, axis)


class _ConfigParams:
    """A serialized layer config as :class:`kerascheck.layer_facts.LayerParams`."""

    def __init__(self, class_name: str, config: Mapping[str, Any]) -> None:
        self.class_name = class_name
        self.config = config

    def integer(self, name: str, position: int | None = None) -> int | None:
        value = _int(self.config.get(name))
        if value is None and name == "units" and self.class_name == "EinsumDense":
            output_shape = self.config.get("output_shape")
            value = _int(output_shape[-1]) if isinstance(output_shape, list) and output_shape else None
        return value

    def string(self, name: str) -> str | None:
        return _str(self.config.get(name))

    def flag(self, name: str, default: bool) -> bool | None:
        value = self.config.get(name, default)
        return value if isinstance(value, bool) else None

    def activation(self, name: str, position: int | None, default: str | None) -> str | None:
        if name not in self.config:
            return default
        return activation_from_config(self.config.get(name))

    def shape(self, name: str, position: int | None = None) -> tuple[int | None, ...] | None:
        return _shape(self.config.get(name))

    def batch_shape(self, name: str) -> tuple[int | None, ...] | None:
        return _batch_shape(self.config.get(name))

    def inner_layer(self) -> kf.Layer | None:
        inner = self.config.get("layer")
        return layer_from_entry(inner) if isinstance(inner, Mapping) else None

    def has_default_axis(self) -> bool:
        return self.config.get("axis", -1) in (-1, [-1])

    def raw(self, name: str, position: int | None) -> object:
        return _plain(self.config[name]) if name in self.config else MISSING


def _plain(value: Any) -> object:
    """A config value with lists turned into tuples (configs come from JSON)."""
    if isinstance(value, (list, tuple)):
        return tuple(_plain(item) for item in value)
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return UNREADABLE


def layer_from_config(class_name: str, config: Mapping[str, Any], *, known: bool = True) -> kf.Layer:
    """One :class:`~kerascheck.facts.Layer` from a layer's class name and config.

    The meaning of the parameters is decided in :mod:`kerascheck.layer_facts`,
    shared with the static front-end, so the same layer gives the same fact.
    """
    name = _str(config.get("name"))
    if not known:
        return unknown_layer(name)
    if class_name in _OP_LAMBDAS:
        return _op_lambda(config, name)
    fact = layer_fact(class_name, _ConfigParams(class_name, config), kf.Anchor(layer=name))
    return replace(fact, key=name) if name else fact  # a layer name is unique in its model


def layer_from_entry(entry: Mapping[str, Any]) -> kf.Layer:
    """A layer fact from a whole serialized entry (``class_name`` + ``config`` + ``module``)."""
    class_name = entry.get("class_name")
    config = entry.get("config")
    if not isinstance(config, Mapping):
        config = {}
    name = _str(config.get("name")) or _str(entry.get("name"))
    if name is not None and config.get("name") != name:
        config = {**config, "name": name}
    if not isinstance(class_name, str):
        return unknown_layer(name)
    if str(entry.get("module") or "").startswith(("keras.src.ops", "keras.ops")):
        return op_layer(class_name, name, config.get("axis", -1))
    return layer_from_config(class_name, config, known=entry_is_keras(entry))


# -- losses and metrics -------------------------------------------------------


def _is_object_entry(value: Any) -> bool:
    """A serialized object (``{"class_name": ..., "config": ...}``), not a dict by output name."""
    return isinstance(value, Mapping) and "class_name" in value and "config" in value


def _function_name(entry: Mapping[str, Any]) -> str | None:
    """The name of a serialized function, if it may be Keras's own.

    Keras 3 writes every function, custom or not, as module ``builtins``; a
    live model tells us the real module, so user code is recognised there.
    """
    name = entry.get("config")
    if not isinstance(name, str):
        return None
    module = entry.get("module")
    return name if module in _FUNCTION_MODULES or is_keras_module(module) else None


def loss_from_serialized(value: Any) -> kf.Loss | None:
    """A Loss fact from one serialized loss (a string, a function or a Loss object entry)."""
    if value is None:
        return None
    if isinstance(value, str):
        return kf.Loss(kind=kv.loss_from_string(value))
    if not _is_object_entry(value):
        return kf.Loss(kind=None, from_logits=None)
    class_name = value.get("class_name")
    config = value.get("config")
    if class_name == "function":
        name = _function_name(value)
        return kf.Loss(kind=kv.loss_function(name) if name else None)
    if not isinstance(config, Mapping) or not entry_is_keras(value):
        return kf.Loss(kind=None, from_logits=None)
    from_logits = config.get("from_logits", False)
    from_logits = from_logits if isinstance(from_logits, bool) else None
    if class_name == "LossFunctionWrapper":
        inner = config.get("fn")
        wrapped = loss_from_serialized(inner) if inner is not None else None
        kind = wrapped.kind if wrapped is not None else None
        return kf.Loss(kind=kind, from_logits=from_logits if kind else None)
    kind = kv.loss_class(class_name) if isinstance(class_name, str) else None
    return kf.Loss(kind=kind, from_logits=from_logits if kind else None)


def loss_spec(value: Any) -> Any:
    """A compile ``loss`` (one loss, a list by position or a dict by output name) as facts."""
    if value is None or isinstance(value, str) or _is_object_entry(value):
        return loss_from_serialized(value)
    if isinstance(value, Mapping):
        return {str(key): _single_loss(item) for key, item in value.items()}
    if isinstance(value, Sequence):
        return [_single_loss(item) for item in value]
    return kf.Loss(kind=None, from_logits=None)


def _single_loss(value: Any) -> kf.Loss | None:
    if value is None or isinstance(value, str) or _is_object_entry(value):
        return loss_from_serialized(value)
    return kf.Loss(kind=None, from_logits=None)


def metric_from_serialized(value: Any) -> kf.Metric:
    """A Metric fact from one serialized metric (a string, a function or a Metric object entry)."""
    if isinstance(value, str):
        return kf.Metric(kind=kv.metric_from_string(value))
    if not _is_object_entry(value):
        return kf.Metric(kind=None, has_class_id=None)
    class_name = value.get("class_name")
    config = value.get("config")
    if class_name == "function":
        name = _function_name(value)
        return kf.Metric(kind=kv.metric_from_string(name) if name else None)
    has_class_id = config.get("class_id") is not None if isinstance(config, Mapping) else None
    if not entry_is_keras(value) or not isinstance(class_name, str):
        return kf.Metric(kind=None, has_class_id=has_class_id)
    return kf.Metric(kind=kv.metric_class(class_name), has_class_id=has_class_id)


def _metric_list(value: Any) -> tuple[kf.Metric, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or _is_object_entry(value):
        return (metric_from_serialized(value),)
    if isinstance(value, Sequence):
        return tuple(metric_from_serialized(item) for item in value if item is not None)
    return None


def metric_spec(value: Any) -> Any:
    """A compile ``metrics``: one list for every head, a list of lists, or a dict by output name."""
    if value is None:
        return None
    if isinstance(value, Mapping) and not _is_object_entry(value):
        return {str(key): _metric_list(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        if value and all(isinstance(item, (list, tuple)) or item is None for item in value):
            return [_metric_list(item) for item in value]
        return list(_metric_list(value) or ())
    return list(_metric_list(value) or ())


def _merge_metric_specs(first: Any, second: Any) -> Any:
    """``metrics`` plus ``weighted_metrics`` when both apply to every head; else the first known."""
    if first is None:
        return second
    if (
        isinstance(first, list)
        and isinstance(second, list)
        and all(isinstance(m, kf.Metric) for m in (*first, *second))
    ):
        return [*first, *second]
    return first


def compile_specs(compile_config: Mapping[str, Any]) -> tuple[Any, Any]:
    """(loss spec, metric spec) from a serialized compile config (Keras 3 or Keras 2 form)."""
    loss = loss_spec(compile_config.get("loss"))
    metrics = _merge_metric_specs(
        metric_spec(compile_config.get("metrics")), metric_spec(compile_config.get("weighted_metrics"))
    )
    if metrics is None:
        metrics = []  # compiled without metrics: known to have none
    return loss, metrics


def attach_compile(heads: tuple[kf.Head, ...], loss: Any, metrics: Any) -> tuple[kf.Head, ...]:
    """Heads with their loss and metrics, each anchored at the head's output layer."""
    compiled = kf.with_compile(heads, loss, metrics)
    result = []
    for head in compiled:
        anchor = head.anchor if head.anchor.is_known else kf.Anchor(layer=head.name)
        new_loss = replace(head.loss, anchor=anchor) if head.loss is not None else None
        new_metrics = (
            tuple(replace(m, anchor=anchor) for m in head.metrics if isinstance(m, kf.Metric))
            if head.metrics is not None
            else None
        )
        result.append(replace(head, loss=new_loss, metrics=new_metrics))
    return tuple(result)
