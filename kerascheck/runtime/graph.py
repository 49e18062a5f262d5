"""The symbolic graph of a live Keras model -> layer chains.

Keras records, on every symbolic tensor, which layer made it
(``_keras_history`` = layer, node index, tensor index) and, on every layer,
the nodes that called it with their input tensors. Walking that back from an
output, always through the *first* input (the main path of a branching
graph), gives the chain of layers a head is made of. Keras 3, tf.keras and
Keras 2 all keep these attributes, so this is duck-typed and imports neither
Keras nor TensorFlow.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from kerascheck import facts as kf
from kerascheck.runtime import serialized as ks

MAX_CHAIN = 10_000  # layers on one path: beyond this the graph is not one we can read
MAX_NESTING = 32  # models inside models


class NotAModelError(TypeError):
    """The object handed to the runtime front-end is not a Keras model."""


def is_keras_model(obj: object) -> bool:
    """True for Keras 3, tf.keras and Keras 2 models (checked by class, without importing Keras)."""
    return any(cls.__name__ == "Model" and ks.is_keras_module(cls.__module__) for cls in type(obj).__mro__)


def model_name(model: object) -> str:
    """The model's ``name`` (what diagnostics call it), or its class name."""
    name = getattr(model, "name", None)
    return name if isinstance(name, str) else type(model).__name__


def symbolic_outputs(model: Any) -> list[tuple[str | None, Any]] | None:
    """The model's symbolic outputs with their names (as ``compile(loss={...})`` keys them)."""
    try:
        tensors = getattr(model, "outputs", None)
    except Exception:  # Keras raises on unbuilt Sequential models and some subclasses
        return None
    tensors = list(flatten(tensors)) if tensors is not None else []
    if not tensors:
        return None
    return list(zip(_output_names(model, tensors), tensors, strict=True))


def _output_names(model: Any, tensors: list[Any]) -> list[str | None]:
    struct = getattr(model, "_outputs_struct", None)
    if isinstance(struct, Mapping):
        by_id = {id(value): str(key) for key, value in struct.items()}
        if all(id(t) in by_id for t in tensors):
            return [by_id[id(t)] for t in tensors]
    try:
        names = getattr(model, "output_names", None)
    except Exception:
        names = None
    if isinstance(names, (list, tuple)) and len(names) == len(tensors) and all(isinstance(n, str) for n in names):
        return list(names)
    return [history_layer_name(t) for t in tensors]


def history_layer_name(tensor: Any) -> str | None:
    history = getattr(tensor, "_keras_history", None)
    name = getattr(history[0], "name", None) if history else None
    return name if isinstance(name, str) else None


def flatten(value: Any) -> Iterator[Any]:
    """Tensors in a nested list/tuple/dict, in Keras's order (dicts by sorted key)."""
    if isinstance(value, Mapping):
        for key in sorted(value, key=str):
            yield from flatten(value[key])
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from flatten(item)
    elif value is not None:
        yield value


def chain_to(tensor: Any, depth: int = 0) -> list[kf.Layer]:
    """Layers from the model input to ``tensor``, following the first input of each layer."""
    backwards: list[kf.Layer] = []
    seen: set[tuple[int, int]] = set()
    current = tensor
    while current is not None and len(backwards) < MAX_CHAIN:
        history = getattr(current, "_keras_history", None)
        if not history:
            backwards.append(ks.unknown_layer(None))  # a tensor that no layer produced
            break
        operation, node_index, tensor_index = history[0], history[1], history[2]
        if (id(operation), node_index) in seen:
            break
        seen.add((id(operation), node_index))
        backwards.extend(reversed(_operation_layers(operation, tensor_index, depth)))
        inputs = _node_inputs(_node(operation, node_index))
        current = inputs[0] if inputs else None
    return list(reversed(backwards))


def _operation_layers(operation: Any, tensor_index: int, depth: int) -> list[kf.Layer]:
    """The layer facts one graph operation stands for: a nested model expands to its own chain."""
    if is_keras_model(operation):
        inner = symbolic_outputs(operation)
        if depth >= MAX_NESTING or not inner or tensor_index >= len(inner):
            return [ks.unknown_layer(getattr(operation, "name", None))]
        chain = chain_to(inner[tensor_index][1], depth + 1)
        return chain[1:] if chain and chain[0].kind == "InputLayer" else chain
    return [layer_fact(operation)]


def _node(operation: Any, node_index: Any) -> Any:
    nodes = getattr(operation, "_inbound_nodes", None)
    if not isinstance(nodes, (list, tuple)) or not nodes or not isinstance(node_index, int):
        return None
    return nodes[node_index] if 0 <= node_index < len(nodes) else None


def _node_inputs(node: Any) -> list[Any]:
    """A node's input tensors: ``input_tensors`` (Keras 3, tf.keras 2) or ``keras_inputs``."""
    if node is None:
        return []
    for attribute in ("input_tensors", "keras_inputs"):
        try:
            value = getattr(node, attribute, None)
        except Exception:
            value = None
        if value is not None:
            return [t for t in flatten(value) if getattr(t, "_keras_history", None)]
    return []


def layer_fact(layer: Any) -> kf.Layer:
    """One live layer (or Keras op) as a fact, keyed by its name (unique in its model)."""
    fact = _layer_fact(layer)
    return replace(fact, key=fact.name) if fact.key is None and fact.name else fact


def _layer_fact(layer: Any) -> kf.Layer:
    """One live layer (or Keras op) as a fact, through its serialized config."""
    cls = type(layer)
    name = getattr(layer, "name", None)
    name = name if isinstance(name, str) else None
    if cls.__module__.startswith(("keras.src.ops", "keras.ops")):
        return ks.op_layer(cls.__name__, name, getattr(layer, "axis", -1))
    if not ks.is_keras_module(cls.__module__):
        return ks.unknown_layer(name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. Keras warns when serializing a lambda activation
            config = layer.get_config()
    except Exception:
        return kf.Layer(kind=cls.__name__, anchor=kf.Anchor(layer=name), name=name)
    if not isinstance(config, Mapping):
        config = {}
    if name is not None:
        config = {**config, "name": name}
    return ks.layer_from_config(cls.__name__, config)
