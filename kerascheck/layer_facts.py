"""One place that decides what a Keras layer's parameters mean as a :class:`Layer` fact.

The static front-end reads parameters from a constructor call
(``Dense(10, activation="softmax")``), the runtime front-ends from a layer's
config (``{"units": 10, "activation": "softmax"}``). Both hand this module a
small reader (:class:`LayerParams`) and get the same fact for the same layer:
which parameter holds the width, the default activation of each layer kind,
wrappers, input shapes and softmax axes are decided here only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from kerascheck import vocabulary as kv
from kerascheck.facts import Anchor, Geometry, Layer
from kerascheck.shapes.geometry import geometry_of

Shape = tuple[int | None, ...]

# Keyword and position of the width parameter, per kind (default: "units" at 0).
_WIDTH = {kind: ("filters", 0) for kind in kv.UNIT_LAYERS if "Conv" in kind}
# Keyword position of `activation` where it may be passed positionally.
_ACTIVATION_POSITION = {"Dense": 1, "SimpleRNN": 1, "LSTM": 1, "GRU": 1}
_DEFAULT_ACTIVATION = {"SimpleRNN": "tanh", "LSTM": "tanh", "GRU": "tanh"}
WRAPPERS = frozenset({"Bidirectional", "TimeDistributed"})


class LayerParams(Protocol):
    """Reads a layer's parameters from wherever a front-end finds them.

    Every method returns ``None`` for "absent or unknown" unless it says
    otherwise; ``position`` is the positional index in the constructor (a
    config has no positions and ignores it).
    """

    def integer(self, name: str, position: int | None = None) -> int | None: ...

    def string(self, name: str) -> str | None: ...

    def flag(self, name: str, default: bool) -> bool | None:
        """The default when absent, None when present but unknown."""
        ...

    def activation(self, name: str, position: int | None, default: str | None) -> str | None:
        """Canonical activation; ``default`` when absent."""
        ...

    def shape(self, name: str, position: int | None = None) -> Shape | None: ...

    def batch_shape(self, name: str) -> Shape | None:
        """A shape that includes the batch dimension, returned without it."""
        ...

    def inner_layer(self) -> Layer | None:
        """The layer a wrapper (Bidirectional, TimeDistributed) wraps."""
        ...

    def has_default_axis(self) -> bool:
        """Whether ``axis`` is absent or the last axis (-1)."""
        ...

    def raw(self, name: str, position: int | None) -> object:
        """A parameter as a plain Python literal (tuples for sequences), or
        :data:`kerascheck.shapes.geometry.MISSING` / ``UNREADABLE``."""
        ...


def layer_fact(kind: str, params: LayerParams, anchor: Anchor) -> Layer:
    """The fact for a layer of class ``kind`` with these parameters, with its shape geometry.

    A runtime layer's name (``anchor.layer``) is unique in its model and becomes
    its key; the static front-end sets its own keys.
    """
    fact = _layer_fact(kind, params, anchor)
    if anchor.layer is not None:
        fact = replace(fact, key=anchor.layer)
    if fact.kind == "InputLayer":
        return replace(fact, geometry=Geometry())
    inner = params.inner_layer() if kind in WRAPPERS else None
    geometry = geometry_of(kind, params.raw, inner)
    return replace(fact, geometry=geometry) if geometry is not None else fact


def _layer_fact(kind: str, params: LayerParams, anchor: Anchor) -> Layer:
    name = params.string("name")
    if kind in ("Input", "InputLayer"):
        shape = (
            params.shape("shape", 0 if kind == "Input" else None)
            or params.shape("input_shape")
            or params.batch_shape("batch_shape")
            or params.batch_shape("batch_input_shape")
        )
        return Layer(kind="InputLayer", anchor=anchor, name=name, input_shape=shape)
    input_shape = params.shape("input_shape") or params.batch_shape("batch_input_shape")
    if input_shape is None and (dim := params.integer("input_dim")) is not None and kind != "Embedding":
        input_shape = (dim,)
    if kind in WRAPPERS:
        inner = params.inner_layer()
        distributed = inner is not None and kind == "TimeDistributed"
        return Layer(
            kind=kind,
            anchor=anchor,
            units=inner.units if distributed and inner else None,
            activation=inner.activation if distributed and inner else None,
            name=name,
            return_sequences=inner.return_sequences if inner else None,
            input_shape=input_shape,
        )
    if kind == "Activation":
        return Layer(kind=kind, anchor=anchor, activation=params.activation("activation", 0, None), name=name)
    if kind == "Softmax" and not params.has_default_axis():
        # A softmax over another axis (attention pooling over time) is not the output distribution.
        return Layer(kind=kind, anchor=anchor, activation=None, name=name)
    if kind in kv.ACTIVATION_LAYER_DEFAULTS:
        return Layer(kind=kind, anchor=anchor, activation=kv.ACTIVATION_LAYER_DEFAULTS[kind], name=name)
    units: int | None = None
    activation: str | None = None
    if kind in kv.UNIT_LAYERS:
        width, position = _WIDTH.get(kind, ("units", 0))
        units = params.integer(width, position)
        keras1_width = params.integer("nb_filter" if width == "filters" else "output_dim")
        if keras1_width is not None:
            units = keras1_width  # Keras 1 spelling: Dense(output_dim=10), Convolution2D(nb_filter=32, ...)
        elif kind == "Dense" and params.integer("output_dim", 1) is not None:
            units = None  # Keras 0's Dense(input_dim, output_dim): the width is not the first number
        activation = params.activation(
            "activation", _ACTIVATION_POSITION.get(kind), _DEFAULT_ACTIVATION.get(kind, "linear")
        )
    return_sequences = params.flag("return_sequences", False) if kind in kv.RECURRENT_LAYERS else None
    if kind == "Embedding" and input_shape is None and (length := params.integer("input_length")):
        input_shape = (length,)
    return Layer(
        kind=kind,
        anchor=anchor,
        units=units,
        activation=activation,
        name=name,
        return_sequences=return_sequences,
        input_shape=input_shape,
    )
