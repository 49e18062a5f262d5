"""Shapes on the model side, for the Keras handlers: tensors through layers, inputs, data calls.

A symbolic tensor carries its per-sample shape (:attr:`Tensor.shape`); each
layer application computes the next one with :mod:`kerascheck.shapes.layers`
and records a :class:`~kerascheck.facts.ShapeConflict` when Keras could not
build the layer. A Sequential stack is propagated once, when its facts are
made. ``fit``/``evaluate``/``predict``/``model(x)`` record which array shapes
reached which model (:class:`~kerascheck.facts.DataCall`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import libcst as cst

from kerascheck import facts as kf
from kerascheck.shapes import describe
from kerascheck.shapes import layers as shape_layers
from kerascheck.shapes.geometry import SAME_SHAPE
from kerascheck.static.keras_api import Args
from kerascheck.static.semantics.shapes import shape_of
from kerascheck.static.semantics.state import ProgramState
from kerascheck.static.values import Data, Filled, Mapping, ModelObj, Seq, Tensor, Value

DATA_METHODS = frozenset({"fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch"})
_WITH_TARGETS = frozenset({"fit", "evaluate", "train_on_batch", "test_on_batch"})


def conflict(
    state: ProgramState,
    layer: kf.Layer,
    inputs: Sequence[kf.Shape | None],
    problem: shape_layers.Problem,
    anchor: kf.Anchor,
    previous: kf.Layer | None = None,
) -> None:
    """Record that Keras cannot build ``layer`` here (once per place; never inside a branch)."""
    if state.conditional:
        return  # in a branch or loop, the shapes may belong to paths that never run together
    key = id(anchor.node) if anchor.node is not None else id(layer)
    if key in state.conflict_places:
        return
    state.conflict_places.add(key)
    state.shape_conflicts.append(
        kf.ShapeConflict(
            kind=problem.kind,
            layer=layer,
            inputs=tuple(inputs),
            detail=problem.detail,
            anchor=anchor,
            previous=previous,
        )
    )


def input_tensor(layer: kf.Layer) -> Tensor:
    return Tensor((layer,), shape=shape_layers.apply(layer, []).shape)


def feeding(chain: Sequence[kf.Layer]) -> kf.Layer | None:
    """The last layer of a chain that changes shapes (Dropout, normalisation, activations pass through)."""
    for layer in reversed(chain):
        if layer.kind not in SAME_SHAPE:
            return layer
    return None


def applied(state: ProgramState, layer: kf.Layer, inputs: Value | None, anchor: kf.Anchor) -> kf.Shape | None:
    """The output shape of ``layer(inputs)`` in a functional graph (recording any conflict)."""
    if isinstance(inputs, Seq):
        shapes = [item.shape if isinstance(item, Tensor) else None for item in inputs.items]
    elif isinstance(inputs, Tensor):
        shapes = [inputs.shape]
    else:
        return None
    outcome = shape_layers.apply(layer, shapes)
    if outcome.problem is not None:
        previous = feeding(inputs.chain) if isinstance(inputs, Tensor) else None
        where = layer.anchor if layer.anchor.is_known else anchor
        conflict(state, layer, shapes, outcome.problem, where, previous)
        return None
    key = layer.key  # one key per constructor call; id() of a fact may be reused once it is freed
    if layer.kind == "Dense" and key and len(shapes) == 1 and shapes[0] and (width := shapes[0][-1]) is not None:
        first = state.dense_widths.get(key)
        if first is None:
            if not state.conditional:
                state.dense_widths[key] = width
        elif first != width:
            detail = (
                f"{layer.label} was first called on inputs of width {first}, "
                f"and is called again on {describe(shapes[0])}: a Dense layer's kernel has one input width"
            )
            conflict(state, layer, shapes, shape_layers.Problem(shape_layers.INCOMPATIBLE, detail), anchor)
    return outcome.shape


def declare_functional(model: ModelObj, inputs: Value | None, outputs: Value | None) -> None:
    """A functional model's declared inputs and its outputs' shapes (aligned with its heads)."""
    items: list[Value] = []
    if isinstance(inputs, Tensor):
        items = [inputs]
    elif isinstance(inputs, Seq):
        items = list(inputs.items)
    declared: list[kf.ModelInput] = []
    for item in items:
        if not isinstance(item, Tensor) or len(item.chain) != 1 or item.chain[0].kind != "InputLayer":
            declared = []
            break
        declared.append(model_input(item.chain[0]))
    model.declared_inputs = tuple(declared)
    if isinstance(outputs, Tensor):
        model.output_shapes = [outputs.shape]
    elif isinstance(outputs, Seq):
        model.output_shapes = [item.shape if isinstance(item, Tensor) else None for item in outputs.items]
    elif isinstance(outputs, Mapping):
        model.output_shapes = [item.shape if isinstance(item, Tensor) else None for _key, item in outputs.items]


def declare_built(model: ModelObj, batch_shape: kf.Shape | None) -> None:
    """``model.build(batch_shape)``: the input, if the model declares none itself."""
    if batch_shape is None or len(batch_shape) < 2 or model.declared_inputs:
        return
    declared = shape_layers.apply(kf.Layer(kind="InputLayer", input_shape=batch_shape[1:], geometry=kf.Geometry()), [])
    if declared.shape is not None:
        source = f"declared by build({describe(batch_shape[1:])})"
        model.declared_inputs = (kf.ModelInput(shape=declared.shape, source=source),)
        model.built_shape = declared.shape


def _sequential(state: ProgramState, model: ModelObj) -> None:
    """Propagate a Sequential stack from its declared input (once), recording the first conflict."""
    chain = model.layers
    # A first layer's input_shape/input_dim declares the input only for layers whose shape
    # rules are known (ReversibleEmbedding(input_dim=100) is a vocabulary size, not a width).
    # Embedding's input_length is ignored by Keras 3 (the data decides the length), so an
    # Embedding first declares nothing.
    first = chain[0] if chain else None
    declares = first is not None and first.input_shape and first.geometry is not None and first.kind != "Embedding"
    if first is not None and (first.kind == "InputLayer" or declares):
        model.declared_inputs = (model_input(first),)
        outcomes, final = shape_layers.propagate(chain)
    else:
        outcomes, final = shape_layers.propagate(chain, start=model.built_shape)
    for index, (layer, outcome) in enumerate(zip(chain, outcomes, strict=False)):
        if outcome.problem is not None:
            given = outcomes[index - 1].shape if index > 0 else None
            conflict(state, layer, [given], outcome.problem, layer.anchor, feeding(chain[:index]))
    model.output_shapes = [final] if chain else []


def heads_with_shapes(state: ProgramState, model: ModelObj, heads: tuple[kf.Head, ...]) -> tuple[kf.Head, ...]:
    """The heads with their output shapes; a Sequential model is propagated here."""
    if model.kind == "sequential" and not model.shapes_done:
        model.shapes_done = True
        _sequential(state, model)
    shapes = model.output_shapes
    if len(shapes) != len(heads):
        return heads
    return tuple(replace(head, output_shape=shape) for head, shape in zip(heads, shapes, strict=True))


def record_data_call(model: ModelObj, method: str, args: Args, anchor: kf.Anchor) -> None:
    """``model.fit(x, y)`` and friends: which shapes reached which model, in which compile phase."""
    if method not in DATA_METHODS and method != "__call__":
        return
    x = args.get("inputs", 0) if method == "__call__" else args.get("x", 0)
    y = args.get("y", 1) if method in _WITH_TARGETS else None
    x_node, y_node = args.node("x", 0), args.node("y", 1)
    inputs: tuple[kf.ArrayShape | None, ...] = ()
    targets: tuple[kf.ArrayShape | None, ...] = ()
    if isinstance(x, Data) and x.dataset:
        inputs = (_named(x.shape, x_node),)
        if y is None:
            targets = (_named(x.target_shape, x_node, "labels of "),)
    elif isinstance(x, (Data, Filled)):
        inputs = (_typed(_named(x.shape, x_node), x),)
    elif isinstance(x, Seq):
        inputs = tuple(_typed(shape_of(item), item) for item in x.items)
    if isinstance(y, (Data, Filled)) and not (isinstance(y, Data) and y.dataset):
        targets = (_typed(_named(y.shape, y_node), y),)
    elif isinstance(y, Seq):
        targets = tuple(_typed(shape_of(item), item) for item in y.items)
    if not any(inputs) and not any(targets):
        return
    encodings: tuple[kf.LabelEncoding | None, ...] = ()
    if isinstance(y, Data) and y.labels is not None:
        encodings = (y.labels.encoding,)
    elif y is None and isinstance(x, Data) and x.dataset and x.labels is not None:
        encodings = (x.labels.encoding,)
    elif isinstance(y, Seq):
        encodings = tuple(
            item.labels.encoding if isinstance(item, Data) and item.labels is not None else None for item in y.items
        )
    call = kf.DataCall(method=method, anchor=anchor, inputs=inputs, targets=targets, encodings=encodings)
    model.data_calls.append((len(model.earlier_phases), call))


def calls_in_phase(model: ModelObj, phase: int) -> tuple[kf.DataCall, ...]:
    return tuple(call for at, call in model.data_calls if at == phase)


def _typed(shape: kf.ArrayShape | None, value: Value) -> kf.ArrayShape | None:
    """The shape fact of an array handed to the model, with the array's dtype (kept apart until here)."""
    dtype = value.dtype if isinstance(value, (Data, Filled)) else None
    return replace(shape, dtype=dtype) if shape is not None and dtype is not None else shape


def _named(shape: kf.ArrayShape | None, node: cst.BaseExpression | None, prefix: str = "") -> kf.ArrayShape | None:
    """The shape with the argument's variable name in front of its source (``x_train, from ...``)."""
    if shape is None or node is None:
        return shape
    if isinstance(node, cst.Name):
        written = node.value
    elif isinstance(node, (cst.Subscript, cst.Attribute)):
        written = cst.Module(body=[]).code_for_node(node)  # x_test[0], data.x: short, worth quoting
        if len(written) > 40:
            return shape
    else:
        return shape
    origin = f", from {shape.source}" if shape.source else ""
    return replace(shape, source=f"{prefix}{written}{origin}")


def model_input(layer: kf.Layer) -> kf.ModelInput:
    """A declared input: an ``Input``/``InputLayer``, or the first layer's ``input_shape``."""
    shape = layer.input_shape
    if layer.kind == "InputLayer":
        source = f"declared by Input(shape={describe(shape, batch=False)})" if shape is not None else None
    else:
        source = f"declared on {layer.label}"
    declared = shape_layers.apply(kf.Layer(kind="InputLayer", input_shape=shape, geometry=kf.Geometry()), [])
    return kf.ModelInput(shape=declared.shape, anchor=layer.anchor, name=layer.name, source=source)
