"""What calls into the Keras API mean, as abstract values.

Given a canonical callee (``keras.layers.Dense``) and the abstract arguments
of a call, build the value the call produces: a layer, a loss, a metric, a
model. Only documented parameters are read, and only when they are known.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from kerascheck import vocabulary as kv
from kerascheck.facts import Anchor, Layer, Loss, LossSpec, Metric, MetricList, MetricSpec
from kerascheck.layer_facts import layer_fact
from kerascheck.shapes.geometry import MISSING, UNREADABLE
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


class _CallParams:
    """A constructor call's arguments as :class:`kerascheck.layer_facts.LayerParams`."""

    def __init__(self, args: Args) -> None:
        self.args = args

    def integer(self, name: str, position: int | None = None) -> int | None:
        return const_int(self.args.get(name, position))

    def string(self, name: str) -> str | None:
        return const_str(self.args.get(name))

    def flag(self, name: str, default: bool) -> bool | None:
        return const_bool(self.args.get(name), default)

    def activation(self, name: str, position: int | None, default: str | None) -> str | None:
        return activation_of(self.args.get(name, position), default=default)

    def shape(self, name: str, position: int | None = None) -> tuple[int | None, ...] | None:
        return shape_of(self.args.get(name, position))

    def batch_shape(self, name: str) -> tuple[int | None, ...] | None:
        shape = shape_of(self.args.get(name))
        return shape[1:] if shape else None

    def inner_layer(self) -> Layer | None:
        inner = self.args.get("layer", 0)
        return inner.layer if isinstance(inner, LayerObj) else None

    def has_default_axis(self) -> bool:
        return self.args.get("axis") in (None, Const(-1))

    def raw(self, name: str, position: int | None) -> object:
        value = self.args.get(name, position)
        return MISSING if value is None else plain(value)


def plain(value: Value) -> object:
    """An abstract value as a plain Python literal (tuples for sequences), or ``UNREADABLE``."""
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Seq):
        items = tuple(plain(item) for item in value.items)
        return UNREADABLE if any(item is UNREADABLE for item in items) else items
    return UNREADABLE


def make_layer(kind: str, args: Args, anchor: Anchor) -> Value:
    """A layer instance from a ``keras.layers.<kind>(...)`` call."""
    return LayerObj(layer_fact(kind, _CallParams(args), anchor))


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


def loss_spec_of(value: Value | None, anchor: Anchor) -> LossSpec:
    """The compile loss as facts.with_compile expects: one Loss, a list or a dict."""
    if value is None or (isinstance(value, Const) and value.value is None):
        return None
    if isinstance(value, Seq):
        return [loss_of(item, anchor) for item in value.items] if value.closed else Loss(kind=None, anchor=anchor)
    if isinstance(value, Mapping):
        return {k: loss_of(v, anchor) for k, v in value.items if isinstance(k, str)}
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


def metric_spec_of(value: Value | None, anchor: Anchor) -> MetricSpec:
    """The compile metrics: a tuple for every head, a list of tuples, or a dict."""
    if value is None or (isinstance(value, Const) and value.value is None):
        return ()
    if isinstance(value, Seq):
        if not value.closed:
            return None
        if value.items and all(isinstance(item, (Seq, Mapping)) for item in value.items):
            return [_metric_list(item, anchor) for item in value.items]
        return tuple(metric_of(item, anchor) for item in value.items)
    if isinstance(value, Mapping):
        return {
            k: _metric_list(v, anchor) if isinstance(v, (Seq, Mapping)) else (metric_of(v, anchor),)
            for k, v in value.items
            if isinstance(k, str)
        }
    return None


def _metric_list(value: Value, anchor: Anchor) -> MetricList | None:
    """One head's metrics inside a per-head list or dict (deeper nesting is unknown)."""
    if isinstance(value, Seq) and not any(isinstance(item, (Seq, Mapping)) for item in value.items):
        return tuple(metric_of(item, anchor) for item in value.items)
    return None
