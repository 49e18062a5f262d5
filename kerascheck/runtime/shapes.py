"""Shapes of a live model and of the data given with it -> shape facts.

A built model knows its shapes: each input and output tensor has one
(``(None, 28, 28, 1)``), so no propagation is needed here; the data's shapes
are read from the arrays themselves (the first batches of a dataset or
generator, as :mod:`kerascheck.runtime.labels` reads them). The same rules
then compare them (KC601, KC602, KC605). Duck-typed: no Keras import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kerascheck import dtypes
from kerascheck import facts as kf
from kerascheck.runtime.graph import flatten, history_layer_name, symbolic_outputs

_MAX_RANK = 8


def _dims(shape: Any) -> tuple[int | None, ...] | None:
    """A shape (tuple, TensorShape, list) as ints and None; None if it is not one."""
    try:
        dims = tuple(shape)
    except TypeError:
        return None
    if len(dims) > _MAX_RANK:
        return None
    result: list[int | None] = []
    for dim in dims:
        value = getattr(dim, "value", dim)  # tf.compat.v1 Dimension
        if value is None:
            result.append(None)
        elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            result.append(value)
        else:
            try:
                result.append(int(value))
            except (TypeError, ValueError):
                return None
    return tuple(result)


def _tensor_shape(tensor: Any) -> tuple[int | None, ...] | None:
    try:
        return _dims(getattr(tensor, "shape", None))
    except Exception:
        return None


def _input_tensors(model: Any) -> list[Any]:
    try:
        tensors = getattr(model, "inputs", None)
    except Exception:  # unbuilt models raise
        return []
    return list(flatten(tensors)) if tensors is not None else []


def model_inputs(model: Any) -> tuple[kf.ModelInput, ...]:
    """The model's declared inputs, per sample; empty when the model has no symbolic inputs."""
    declared = []
    for tensor in _input_tensors(model):
        shape = _tensor_shape(tensor)
        if shape is None or not shape:
            return ()
        name = history_layer_name(tensor)
        declared.append(
            kf.ModelInput(shape=shape[1:], anchor=kf.Anchor(layer=name), name=name, source=f"input {name!r}")
        )
    return tuple(declared)


def output_shapes(model: Any, count: int) -> list[tuple[int | None, ...] | None]:
    """Each output's per-sample shape, aligned with the heads (``count`` of them)."""
    outputs = symbolic_outputs(model) or []
    shapes = [_tensor_shape(tensor) for _name, tensor in outputs]
    if len(shapes) != count:
        return [None] * count
    return [shape[1:] if shape else None for shape in shapes]


def array_shape(value: Any, source: str) -> kf.ArrayShape | None:
    """An array's (or tensor's) shape with the first axis as the batch."""
    if value is None or isinstance(value, (Mapping, list, tuple, str, bytes)):
        return None
    shape = _tensor_shape(value)
    if shape is None or not shape:
        return None
    dtype = dtypes.from_array(getattr(value, "dtype", None))
    return kf.ArrayShape(sample=shape[1:], count=shape[0], source=source, dtype=dtype)


def _aligned_inputs(model: Any, x: Any) -> tuple[kf.ArrayShape | None, ...]:
    tensors = _input_tensors(model)
    if isinstance(x, Mapping):
        struct = getattr(model, "_inputs_struct", None)
        names = [history_layer_name(t) for t in tensors]
        if isinstance(struct, Mapping):
            by_id = {id(tensor): key for key, tensor in struct.items()}
            names = [by_id.get(id(t), n) for t, n in zip(tensors, names, strict=True)]
        return tuple(array_shape(x.get(name), f"x[{name!r}]") if name else None for name in names)
    if isinstance(x, (list, tuple)):
        if len(x) != len(tensors):
            return ()
        return tuple(array_shape(item, f"x[{i}]") for i, item in enumerate(x))
    return (array_shape(x, "x"),)


def data_call(
    model: Any,
    heads: tuple[kf.Head, ...],
    x: Any,
    per_head: list[tuple[Any, str]] | None,
    fit: kf.Fit,
    *,
    method: str,
    first_batch: bool,
) -> kf.DataCall | None:
    """What reached the model: ``x`` aligned with its inputs, labels with its heads.

    ``first_batch``: ``x`` is one batch of a dataset, so its sample count says nothing.
    """
    inputs = _aligned_inputs(model, x) if x is not None else ()
    targets: tuple[kf.ArrayShape | None, ...] = ()
    if per_head is not None:
        targets = tuple(array_shape(values, source) for values, source in per_head)
    if first_batch:
        inputs = tuple(_uncounted(a) for a in inputs)
        targets = tuple(_uncounted(a) for a in targets)
    if not any(inputs) and not any(targets):
        return None
    encodings = tuple(labels.encoding if labels is not None else None for labels in fit.labels)
    return kf.DataCall(method=method, inputs=inputs, targets=targets, encodings=encodings)


def _uncounted(shape: kf.ArrayShape | None) -> kf.ArrayShape | None:
    if shape is None:
        return None
    return kf.ArrayShape(sample=shape.sample, count=None, source=shape.source, dtype=shape.dtype)
