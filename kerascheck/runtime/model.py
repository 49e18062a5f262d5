"""A live Keras model -> facts.

Works on Keras 3 (any backend) and on ``tf.keras`` / Keras 2 objects by duck
typing: it reads the symbolic graph Keras records on every tensor
(``_keras_history`` -> layer -> inbound node -> input tensors), the layers'
own ``get_config()`` (through :mod:`kerascheck.runtime.serialized`, shared with
the saved-model front-end) and the arguments given to ``compile``. Nothing
here imports Keras or TensorFlow; only a subclassed model is traced, with the
Keras that model already imported.

For each output the chain follows the *main path*: the first input of every
layer, back to the model input, through nested models.
"""

from __future__ import annotations

import inspect as pyinspect
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kerascheck import facts as kf
from kerascheck.runtime import serialized as ks

_MAX_CHAIN = 10_000  # layers on one path: beyond this the graph is not one we can read
_MAX_NESTING = 32  # models inside models


class NotAModelError(TypeError):
    """The object handed to the runtime front-end is not a Keras model."""


def is_keras_model(obj: object) -> bool:
    """True for Keras 3, tf.keras and Keras 2 models (checked by class, without importing Keras)."""
    return any(cls.__name__ == "Model" and ks.is_keras_module(cls.__module__) for cls in type(obj).__mro__)


def model_name(model: object) -> str:
    name = getattr(model, "name", None)
    return name if isinstance(name, str) else type(model).__name__


def facts_from_model(model: Any, x: Any = None, y: Any = None, *, partial: bool = False) -> kf.ProgramFacts:
    """Facts about a built (or buildable) Keras model and, optionally, its data.

    ``x``/``y`` may be arrays, tensors, a list/dict per input or output, a
    ``tf.data.Dataset`` or a generator of ``(x, y)`` batches (a bounded number
    of batches is read; a generator is consumed that far). ``partial`` says
    in-memory ``x``/``y`` are only a sample (the callback's first batch), so
    class counts are not taken from them.
    """
    if not is_keras_model(model):
        raise NotAModelError(f"expected a Keras model, got {type(model).__name__}")
    heads = heads_of(model)
    compiled, compile_config = compile_config_of(model)
    if compile_config is not None:
        loss, metrics = ks.compile_specs(compile_config)
        heads = ks.attach_compile(heads, loss, metrics)
    fits: tuple[kf.Fit, ...] = ()
    if x is not None or y is not None:
        from kerascheck.runtime import labels  # numpy: only when there is data

        fits = (labels.fit_from_data(heads, x, y, partial=partial),)
    name = model_name(model)
    return kf.ProgramFacts(
        models=(kf.Model(heads=heads, anchor=kf.Anchor(layer=name), name=name, compiled=compiled, fits=fits),)
    )


# -- the graph ----------------------------------------------------------------


def heads_of(model: Any) -> tuple[kf.Head, ...]:
    """One head per model output, each with the layer chain that produces it."""
    outputs = symbolic_outputs(model)
    if outputs:
        return tuple(kf.make_head(tuple(chain_to(tensor)), name=name) for name, tensor in outputs)
    if not _is_sequential(model) and (traced := _trace_subclassed(model)):
        return traced
    chain = _layer_order_chain(model)
    return (kf.make_head(chain, name=chain[-1].name if chain else None),) if chain else ()


def symbolic_outputs(model: Any) -> list[tuple[str | None, Any]] | None:
    """The model's symbolic outputs with their names (as ``compile(loss={...})`` keys them)."""
    try:
        tensors = getattr(model, "outputs", None)
    except Exception:  # Keras raises on unbuilt Sequential models and some subclasses
        return None
    tensors = list(_flatten(tensors)) if tensors is not None else []
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
    if (
        isinstance(names, (list, tuple))
        and len(names) == len(tensors)
        and all(isinstance(n, str) for n in names)
    ):
        return list(names)
    return [_history_layer_name(t) for t in tensors]


def _history_layer_name(tensor: Any) -> str | None:
    history = getattr(tensor, "_keras_history", None)
    name = getattr(history[0], "name", None) if history else None
    return name if isinstance(name, str) else None


def _flatten(value: Any) -> Iterator[Any]:
    """Tensors in a nested list/tuple/dict, in Keras's order (dicts by sorted key)."""
    if isinstance(value, Mapping):
        for key in sorted(value, key=str):
            yield from _flatten(value[key])
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _flatten(item)
    elif value is not None:
        yield value


def chain_to(tensor: Any, depth: int = 0) -> list[kf.Layer]:
    """Layers from the model input to ``tensor``, following the first input of each layer."""
    backwards: list[kf.Layer] = []
    seen: set[tuple[int, int]] = set()
    current = tensor
    while current is not None and len(backwards) < _MAX_CHAIN:
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
        if depth >= _MAX_NESTING or not inner or tensor_index >= len(inner):
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
            return [t for t in _flatten(value) if getattr(t, "_keras_history", None)]
    return []


def layer_fact(layer: Any) -> kf.Layer:
    """One live layer (or Keras op) as a fact, through its serialized config."""
    cls = type(layer)
    name = getattr(layer, "name", None)
    name = name if isinstance(name, str) else None
    if cls.__module__.startswith(("keras.src.ops", "keras.ops")):
        return ks.op_layer(cls.__name__, name)
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


# -- models without a symbolic graph ------------------------------------------


def _is_sequential(model: Any) -> bool:
    return any(
        cls.__name__ == "Sequential" and ks.is_keras_module(cls.__module__) for cls in type(model).__mro__
    )


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
        if is_keras_model(layer) and depth < _MAX_NESTING:
            inner = symbolic_outputs(layer)
            chain = chain_to(inner[0][1], depth + 1) if inner else _flat_layers(layer, depth + 1)
            result.extend(chain[1:] if chain and chain[0].kind == "InputLayer" else chain)
        else:
            result.append(layer_fact(layer))
    return result


def _layer_order_chain(model: Any) -> tuple[kf.Layer, ...]:
    """Best-effort chain when Keras recorded no graph.

    A Sequential model's layer order is its call order. A subclassed model's
    ``layers`` are in attribute-assignment order, which need not be the order
    ``call`` uses them, so unknown layers separate them: the last layer still
    gives the head, and no rule sees a "consecutive" pair that may not be one.
    """
    layers = _flat_layers(model)
    if _is_sequential(model) or len(layers) <= 1:
        return tuple(layers)
    separated: list[kf.Layer] = []
    for layer in layers:
        if separated:
            separated.append(ks.unknown_layer(None))
        separated.append(layer)
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


def _trace_subclassed(model: Any) -> tuple[kf.Head, ...] | None:
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
            if isinstance(result, Mapping):
                pairs = [
                    (str(key), value) for key, value in sorted(result.items(), key=lambda item: str(item[0]))
                ]
            else:
                pairs = [(_history_layer_name(t), t) for t in _flatten(result)]
            if not pairs or not all(getattr(t, "_keras_history", None) for _name, t in pairs):
                return None
            # Read the graph now: the nodes the trace added are removed below.
            return tuple(kf.make_head(tuple(chain_to(tensor)), name=name) for name, tensor in pairs)
    except Exception:
        return None
    finally:
        _restore(snapshot)


# -- compile ------------------------------------------------------------------


def compile_config_of(model: Any) -> tuple[bool, dict[str, Any] | None]:
    """(compiled?, the compile arguments in serialized form) without Keras's own serializer.

    Keras's ``get_compile_config()`` warns on lambdas and can fail on odd
    objects; describing the raw arguments ourselves keeps the real module of
    each function (so a user's ``my_loss`` is not mistaken for Keras's).
    """
    compiled = bool(getattr(model, "compiled", False) or getattr(model, "_is_compiled", False))
    raw = getattr(getattr(model, "_compile_config", None), "config", None)
    if not isinstance(raw, Mapping):
        if not compiled:
            return False, None
        metrics_container = getattr(model, "compiled_metrics", None)
        raw = {
            "loss": getattr(model, "loss", None),
            "metrics": getattr(metrics_container, "_user_metrics", None),
            "weighted_metrics": getattr(metrics_container, "_user_weighted_metrics", None),
        }
    described = {key: describe(raw.get(key)) for key in ("loss", "metrics", "weighted_metrics")}
    return True, described


def describe(value: Any, depth: int = 0) -> Any:
    """A live compile argument in Keras's serialized shape, read by :mod:`.serialized`."""
    if depth > 8 or value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {str(key): describe(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [describe(item, depth + 1) for item in value]
    cls = type(value)
    get_config = getattr(value, "get_config", None)
    if get_config is None and callable(value):
        return {
            "class_name": "function",
            "config": getattr(value, "__name__", None),
            "module": getattr(value, "__module__", None),
        }
    config: Any = {}
    if callable(get_config):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                config = get_config()
        except Exception:
            config = {}
    return {
        "class_name": cls.__name__,
        "module": cls.__module__,
        "config": config if isinstance(config, Mapping) else {},
    }
