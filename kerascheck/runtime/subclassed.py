"""Subclassed models: no recorded graph, so trace ``call`` or fall back to layer order.

A subclassed model's layers are attributes, and Keras records no graph for
them when the model runs on data. If the model was built, its ``call`` is run
once on a symbolic input of the built shape, which records the graph the
same way a functional model does; the nodes that adds to the user's layers
are removed again. Otherwise (never built, or ``call`` needs real values)
the chain is the ``model.layers`` order with unknown layers in between.
"""

from __future__ import annotations

import inspect as pyinspect
import sys
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from kerascheck import facts as kf
from kerascheck.runtime import serialized as ks
from kerascheck.runtime.graph import (
    MAX_NESTING,
    chain_to,
    flatten,
    history_layer_name,
    is_keras_model,
    layer_fact,
    symbolic_outputs,
)


def is_sequential(model: Any) -> bool:
    """A Sequential model's layer order is its call order, built or not."""
    return any(cls.__name__ == "Sequential" and ks.is_keras_module(cls.__module__) for cls in type(model).__mro__)


def _sublayers(model: Any) -> list[Any]:
    try:
        layers = getattr(model, "layers", None)
    except Exception:
        return []
    return list(layers) if isinstance(layers, (list, tuple)) else []


def _flat_layers(model: Any, depth: int = 0) -> list[kf.Layer]:
    """Layer facts in ``model.layers`` order, nested models expanded in place."""
    result: list[kf.Layer] = []
    for layer in _sublayers(model):
        if is_keras_model(layer) and depth < MAX_NESTING:
            inner = symbolic_outputs(layer)
            chain = chain_to(inner[0][1], depth + 1) if inner else _flat_layers(layer, depth + 1)
            result.extend(chain[1:] if chain and chain[0].kind == "InputLayer" else chain)
        else:
            result.append(layer_fact(layer))
    return result


def layer_order_chain(model: Any) -> tuple[kf.Layer, ...]:
    """Best-effort chain when Keras recorded no graph.

    A Sequential model's layer order is its call order. A subclassed model's
    ``layers`` are in attribute-assignment order, which need not be the order
    ``call`` uses them: the last one assigned need not be the output. So
    unknown layers separate them (no rule sees a "consecutive" pair that may
    not be one) and the chain ends in an unknown layer (no rule judges an
    output it cannot be sure of).
    """
    layers = _flat_layers(model)
    if is_sequential(model) or len(layers) <= 1:
        return tuple(layers)
    separated: list[kf.Layer] = []
    for layer in layers:
        separated.append(layer)
        separated.append(ks.unknown_layer(None))
    return tuple(separated)


def _keras_module_of(model: Any) -> Any:
    """The Keras package the model's class comes from (already imported, by construction)."""
    for cls in type(model).__mro__:
        if cls.__name__ == "Model" and ks.is_keras_module(cls.__module__):
            root = cls.__module__.split(".", 1)[0]
            module = sys.modules.get(root)
            if root == "tensorflow" and module is not None:
                return getattr(module, "keras", None)
            return module
    return None


def _built_input_shape(model: Any) -> tuple[Any, ...] | None:
    shapes = getattr(model, "_build_shapes_dict", None)
    if isinstance(shapes, Mapping) and len(shapes) == 1:
        shape = next(iter(shapes.values()))
    else:
        shape = getattr(model, "_build_input_shape", None)
    try:
        shape = tuple(shape) if shape is not None else None
    except TypeError:
        return None
    if not shape or not all(d is None or isinstance(d, int) for d in shape):
        return None
    return shape


def _node_snapshot(model: Any) -> list[tuple[Any, list[Any], list[Any]]]:
    try:
        layers = list(model._flatten_layers(include_self=True))
    except Exception:
        layers = [model, *_sublayers(model)]
    snapshot = []
    for layer in layers:
        inbound, outbound = getattr(layer, "_inbound_nodes", None), getattr(layer, "_outbound_nodes", None)
        if isinstance(inbound, list) and isinstance(outbound, list):
            snapshot.append((layer, list(inbound), list(outbound)))
    return snapshot


def _restore(snapshot: Iterable[tuple[Any, list[Any], list[Any]]]) -> None:
    for layer, inbound, outbound in snapshot:
        layer._inbound_nodes[:] = inbound
        layer._outbound_nodes[:] = outbound


def trace_subclassed(model: Any) -> tuple[kf.Head, ...] | None:
    """Run a built subclassed model's ``call`` on a symbolic input to recover its graph.

    The model is live, so its code runs anyway; the trace uses no data and
    the graph nodes it adds to the model's layers are removed again. Any
    failure (call needs real values, several inputs, unknown shape) falls
    back to the layer order.
    """
    keras = _keras_module_of(model)
    shape = _built_input_shape(model)
    make_input = getattr(keras, "Input", None)
    if make_input is None or shape is None:
        return None
    snapshot = _node_snapshot(model)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symbolic = make_input(batch_shape=(None, *shape[1:]))
            if "training" in pyinspect.signature(model.call).parameters:
                result = model.call(symbolic, training=False)
            else:
                result = model.call(symbolic)
            pairs: list[tuple[str | None, Any]]
            if isinstance(result, Mapping):
                pairs = [(str(key), value) for key, value in sorted(result.items(), key=lambda item: str(item[0]))]
            else:
                pairs = [(history_layer_name(t), t) for t in flatten(result)]
            if not pairs or not all(getattr(t, "_keras_history", None) for _name, t in pairs):
                return None
            # Read the graph now: the nodes the trace added are removed below.
            return tuple(kf.make_head(tuple(chain_to(tensor)), name=name) for name, tensor in pairs)
    except Exception:
        return None
    finally:
        _restore(snapshot)
