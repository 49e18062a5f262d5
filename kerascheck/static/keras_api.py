"""What calls into the Keras API mean, as abstract values.

Given a canonical callee (``keras.layers.Dense``) and the abstract arguments
of a call, build the value the call produces: a layer, a loss, a metric, a
model. Only documented parameters are read, and only when they are known.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from kerascheck import vocabulary as kv
from kerascheck.facts import Anchor, Layer, Loss, Metric
from kerascheck.static.values import (
    UNKNOWN,
    Const,
    LayerObj,
    LossObj,
    Mapping,
    MetricObj,
    Ref,
    Seq,
    Value,
)


class Args:
    """A call's evaluated arguments, with Keras's positional order applied on demand."""

    def __init__(
        self,
        positional: Sequence[Value],
        keywords: dict[str, Value],
        has_star: bool,
        nodes: cst.Call | None = None,
    ) -> None:
        self.positional = list(positional)
        self.keywords = keywords
        self.has_star = has_star  # *args / **kwargs make absent parameters unknown
        self.call = nodes

    def node(self, name: str, position: int | None) -> cst.BaseExpression | None:
        """The source expression of a parameter (to read variable names), if present."""
        if self.call is None:
            return None
        index = 0
        for arg in self.call.args:
            if arg.star:
                return None
            if arg.keyword is not None:
                if arg.keyword.value == name:
                    return arg.value
            else:
                if index == position:
                    return arg.value
                index += 1
        return None

    def get(self, name: str, position: int | None = None) -> Value | None:
        """The value of a parameter, ``None`` if certainly absent, ``UNKNOWN`` if maybe."""
        if name in self.keywords:
            return self.keywords[name]
        if position is not None and position < len(self.positional):
            return self.positional[position]
        return UNKNOWN if self.has_star else None


def const_int(value: Value | None) -> int | None:
    if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return value.value
    return None


def const_str(value: Value | None) -> str | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value
    return None


def const_bool(value: Value | None, default: bool) -> bool | None:
    """A bool parameter: its literal, the default when absent, None when unknown."""
    if value is None:
        return default
    if isinstance(value, Const) and isinstance(value.value, bool):
        return value.value
    return None


def shape_of(value: Value | None) -> tuple[int | None, ...] | None:
    """A literal shape tuple such as ``(28, 28, 1)`` or ``(None, 8)``."""
    if isinstance(value, Seq):
        dims: list[int | None] = []
        for item in value.items:
            if isinstance(item, Const) and (item.value is None or isinstance(item.value, int)):
                dims.append(item.value)
            else:
                dims.append(None)
        return tuple(dims)
    if isinstance(value, Const) and isinstance(value.value, int):
        return (value.value,)
    return None


def activation_of(value: Value | None, default: str | None = "linear") -> str | None:
    """Canonical activation of an ``activation=`` argument (string, callable, None)."""
    if value is None:
        return default
    if isinstance(value, Const):
        if value.value is None:
            return "linear"
        return kv.activation_from_string(value.value) if isinstance(value.value, str) else None
    if isinstance(value, Ref):
        return kv.activation_from_callable(value.qualname)
    if isinstance(value, LayerObj) and value.layer.kind in kv.ACTIVATION_LAYERS:
        return value.layer.activation
    return None


# Positional index of `activation` for layers that take it positionally.
_ACTIVATION_POSITION = {"Dense": 1, "SimpleRNN": 1, "LSTM": 1, "GRU": 1}
_DEFAULT_ACTIVATION = {"SimpleRNN": "tanh", "LSTM": "tanh", "GRU": "tanh"}
_UNITS_PARAMETER = {
    "Conv1D": "filters",
    "Conv2D": "filters",
    "Conv3D": "filters",
    "Conv1DTranspose": "filters",
    "Conv2DTranspose": "filters",
    "Conv3DTranspose": "filters",
    "SeparableConv1D": "filters",
    "SeparableConv2D": "filters",
}


def make_layer(kind: str, args: Args, anchor: Anchor) -> Value:
    """A layer instance from a ``keras.layers.<kind>(...)`` call."""
    name = const_str(args.get("name"))
    input_shape = shape_of(args.get("input_shape")) or _batch_shape(args.get("batch_input_shape"))
    if input_shape is None and (dim := const_int(args.get("input_dim"))) is not None:
        input_shape = (dim,)
    if kind in ("Bidirectional", "TimeDistributed"):
        inner_value = args.get("layer", 0)
        inner = inner_value.layer if isinstance(inner_value, LayerObj) else None
        layer = Layer(
            kind=kind,
            anchor=anchor,
            units=inner.units if inner and kind == "TimeDistributed" else None,
            activation=inner.activation if inner and kind == "TimeDistributed" else None,
            name=name,
            return_sequences=inner.return_sequences if inner else None,
            input_shape=input_shape,
        )
        return LayerObj(layer, inner=inner)
    if kind in ("Input", "InputLayer"):
        shape = shape_of(args.get("shape", 0 if kind == "Input" else None))
        if shape is None:
            shape = shape_of(args.get("input_shape")) or _batch_shape(args.get("batch_shape"))
        return LayerObj(Layer(kind="InputLayer", anchor=anchor, name=name, input_shape=shape))
    if kind == "Activation":
        activation = activation_of(args.get("activation", 0), default=None)
        return LayerObj(Layer(kind=kind, anchor=anchor, activation=activation, name=name))
    if kind == "Softmax" and args.get("axis") not in (None, Const(-1)):
        # A softmax over another axis (attention pooling over time) is not the output distribution.
        return LayerObj(Layer(kind=kind, anchor=anchor, activation=None, name=name))
    if kind in kv.ACTIVATION_LAYER_DEFAULTS:
        return LayerObj(Layer(kind=kind, anchor=anchor, activation=kv.ACTIVATION_LAYER_DEFAULTS[kind], name=name))
    units: int | None = None
    if kind in _UNITS_PARAMETER:
        units = const_int(args.get(_UNITS_PARAMETER[kind], 0))
    elif kind in kv.UNIT_LAYERS:
        units = const_int(args.get("units", 0))
    activation: str | None = None
    if kind in kv.UNIT_LAYERS:
        activation = activation_of(
            args.get("activation", _ACTIVATION_POSITION.get(kind)),
            default=_DEFAULT_ACTIVATION.get(kind, "linear"),
        )
    return_sequences = const_bool(args.get("return_sequences"), False) if kind in kv.RECURRENT_LAYERS else None
    if kind == "Embedding" and input_shape is None and (length := const_int(args.get("input_length"))):
        input_shape = (length,)
    return LayerObj(
        Layer(
            kind=kind,
            anchor=anchor,
            units=units,
            activation=activation,
            name=name,
            return_sequences=return_sequences,
            input_shape=input_shape,
        )
    )


def _batch_shape(value: Value | None) -> tuple[int | None, ...] | None:
    shape = shape_of(value)
    return shape[1:] if shape else None


def make_loss(class_name: str, args: Args, anchor: Anchor) -> Value:
    """A ``keras.losses.<Class>(...)`` instance."""
    kind = kv.loss_class(class_name)
    if kind is None:
        return UNKNOWN
    from_logits = const_bool(args.get("from_logits"), False)
    return LossObj(Loss(kind=kind, anchor=anchor, from_logits=from_logits))


def make_metric(class_name: str, args: Args, anchor: Anchor) -> Value:
    """A ``keras.metrics.<Class>(...)`` instance."""
    kind = kv.metric_class(class_name)
    class_id = args.get("class_id")
    has_class_id = None if class_id is UNKNOWN else class_id is not None and class_id != Const(None)
    return MetricObj(Metric(kind=kind, anchor=anchor, has_class_id=has_class_id))


def loss_of(value: Value, anchor: Anchor) -> Loss | None:
    """A ``compile(loss=...)`` element as a Loss fact (kind None when unknown)."""
    if isinstance(value, LossObj):
        return value.loss
    if isinstance(value, Const) and isinstance(value.value, str):
        return Loss(kind=kv.loss_from_string(value.value), anchor=anchor)
    if isinstance(value, Ref) and value.qualname.startswith("keras.losses."):
        return Loss(kind=kv.loss_function(value.qualname.rsplit(".", 1)[1]), anchor=anchor)
    return Loss(kind=None, anchor=anchor)


def loss_spec_of(value: Value | None, anchor: Anchor) -> object:
    """The compile loss as facts.with_compile expects: one Loss, a list or a dict."""
    if value is None or (isinstance(value, Const) and value.value is None):
        return None
    if isinstance(value, Seq):
        return [loss_of(item, anchor) for item in value.items]
    if isinstance(value, Mapping):
        return {k: loss_of(v, anchor) for k, v in value.items}
    if value is UNKNOWN:
        return Loss(kind=None, anchor=anchor)
    return loss_of(value, anchor)


def metric_of(value: Value, anchor: Anchor) -> Metric:
    if isinstance(value, MetricObj):
        return value.metric
    if isinstance(value, Const) and isinstance(value.value, str):
        return Metric(kind=kv.metric_from_string(value.value), anchor=anchor)
    if isinstance(value, Ref) and value.qualname.startswith("keras.metrics."):
        name = value.qualname.rsplit(".", 1)[1]
        return Metric(kind=kv.metric_from_string(name), anchor=anchor)
    return Metric(kind=None, anchor=anchor)


def metric_spec_of(value: Value | None, anchor: Anchor) -> object:
    """The compile metrics: a tuple for every head, a list of tuples, or a dict."""
    if value is None or (isinstance(value, Const) and value.value is None):
        return ()
    if isinstance(value, Seq):
        if value.items and all(isinstance(item, (Seq, Mapping)) for item in value.items):
            return [metric_spec_of(item, anchor) for item in value.items]
        return tuple(metric_of(item, anchor) for item in value.items)
    if isinstance(value, Mapping):
        return {
            k: metric_spec_of(v, anchor) if isinstance(v, (Seq, Mapping)) else (metric_of(v, anchor),)
            for k, v in value.items
        }
    return None
