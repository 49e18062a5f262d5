"""Python operators on abstract values: arithmetic, subscripts, comparisons, item assignment.

The interpreter evaluates the operands and hands them here; the meaning of
``x / 255.0``, ``np.eye(n)[y]``, ``y[:, 1]``, ``pred > 0.5`` or
``frame["col"] = scaled`` for the values we track is decided in this module.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import libcst as cst

from kerascheck import budget
from kerascheck.facts import LabelEncoding
from kerascheck.static.semantics import arrays, dtypes, shapes
from kerascheck.static.semantics.common import is_number, one_hot
from kerascheck.static.semantics.shapes import shape_of
from kerascheck.static.values import MAYBE_MORE, UNKNOWN, Const, Data, Eye, Filled, Mapping, Prediction, Seq, Value

_ARITHMETIC: dict[type[cst.CSTNode], Callable[[object, object], object]] = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.FloorDivide: operator.floordiv,
    cst.Divide: operator.truediv,
    cst.AddAssign: operator.add,
    cst.SubtractAssign: operator.sub,
    cst.MultiplyAssign: operator.mul,
    cst.FloorDivideAssign: operator.floordiv,
    cst.DivideAssign: operator.truediv,
}


MAX_LIST_ITEMS = 512  # a list longer than this (built by code) is followed as unknown
_OPERATION_NAMES: dict[type[cst.CSTNode], str] = {
    cst.Add: "add", cst.AddAssign: "add", cst.Subtract: "sub", cst.SubtractAssign: "sub",
    cst.Multiply: "mul", cst.MultiplyAssign: "mul", cst.Divide: "div", cst.DivideAssign: "div",
}  # fmt: skip


@dataclass(frozen=True)
class Index:
    """One subscript element that is an expression: ``y[0]``, ``frame["label"]``, ``x[mask]``, ``...``."""

    value: Value
    ellipsis: bool = False


@dataclass(frozen=True)
class Slice:
    """One subscript element that is a slice; ``whole`` for a bare ``:``.

    ``bounds`` are the literal (lower, upper) ints when there is no step and
    each bound is absent or a literal (``x[-5000:]`` is ``(-5000, None)``).
    """

    whole: bool
    bounds: tuple[int | None, int | None] | None = None


Subscript = Sequence[Index | Slice]


def binary_operation(left: Value, op: cst.CSTNode, right: Value) -> Value:
    """``left op right``; arithmetic with a number keeps an array's shape, so does one of two equal shapes."""
    result = _shaped_operation(left, op, right)
    if isinstance(result, Data):  # a copy of an operand's facts: its dtype is decided here
        return replace(result, dtype=dtypes.arithmetic(left, _OPERATION_NAMES.get(type(op), ""), right))
    return result


def _shaped_operation(left: Value, op: cst.CSTNode, right: Value) -> Value:
    result = _binary_operation(left, op, right)
    if (
        result is UNKNOWN
        and _ARITHMETIC.get(type(op)) is not None
        and any(isinstance(s, Filled) for s in (left, right))
    ):
        result = Data(transforms=("arithmetic",))  # np.zeros((n, 4)) + 1: an array, its labels unknown
    if isinstance(result, Data):
        left_shape, right_shape = shape_of(left), shape_of(right)
        if left_shape is not None and (
            _is_scalar(right)
            or right_shape == left_shape
            or (right_shape and shapes.broadcast_keeps(left_shape, right_shape))
        ):
            return replace(result, shape=left_shape)
        if right_shape is not None and _is_scalar(left):
            return replace(result, shape=right_shape)
    return result


def _is_scalar(value: Value) -> bool:
    return isinstance(value, Const) and is_number(value.value)


def _binary_operation(left: Value, op: cst.CSTNode, right: Value) -> Value:
    function = _ARITHMETIC.get(type(op))
    if isinstance(left, Seq) and isinstance(right, Seq) and isinstance(op, (cst.Add, cst.AddAssign)):
        if len(left.items) + len(right.items) > MAX_LIST_ITEMS:
            return UNKNOWN  # s = s + s in a loop: not worth following (and it doubles)
        return Seq((*left.items, *right.items))  # layers + [Dense(10)]
    if isinstance(op, cst.Multiply) and isinstance(left, Seq) != isinstance(right, Seq):
        # [64] * 3 + [128] * 4: a literal grid of widths
        seq, count = (left, right) if isinstance(left, Seq) else (right, left)
        assert isinstance(seq, Seq)
        times = count.value if isinstance(count, Const) and type(count.value) is int else None
        if times is None or not seq.closed or len(seq.items) * max(times, 0) > MAX_LIST_ITEMS:
            return UNKNOWN
        return Seq(seq.items * max(times, 0))
    if function is not None and isinstance(left, Const) and isinstance(right, Const):
        if is_number(left.value) and is_number(right.value):
            try:
                result = function(left.value, right.value)
            except (ArithmeticError, ValueError, OverflowError):
                return UNKNOWN
            return Const(result) if budget.fits(result) else UNKNOWN  # operands fit, so this was cheap
        return UNKNOWN
    if type(op) in _OPERATION_NAMES:
        # Any arithmetic rescales pixels; label arithmetic changes what they mean (arrays.py).
        found = arrays.arithmetic(left, _OPERATION_NAMES[type(op)], right)
        if found is not None:
            return found
    for side in (left, right):
        if isinstance(side, Data) and function is not None:
            return Data(
                steps=None,
                split=side.split,
                ordered=side.ordered,
                dataset=side.dataset,
                transforms=(*side.transforms, "arithmetic"),
            )
        if isinstance(side, Prediction):
            return side
    return UNKNOWN


def unpack(value: Value, count: int) -> list[Value] | None:
    """The items of ``a, b = value``, if ``value`` is a sequence of that length."""
    if isinstance(value, Seq) and value.closed and len(value.items) == count:
        return list(value.items)
    return None


def subscript(value: Value, elements: Subscript, of: str | None = None) -> Value:
    """``value[elements]``; ``of`` names the variable subscripted, if it is a plain name."""
    result = _subscript(value, elements, of)
    shape = shape_of(value)
    if shape is not None and isinstance(value, (Data, Filled)):
        parts: list[shapes.Element] = []
        for element in elements:
            if isinstance(element, Slice):
                parts.append(("slice", element.bounds))
            else:
                parts.append(("ellipsis", UNKNOWN) if element.ellipsis else ("index", element.value))
        return shapes.with_shape(result, shapes.index_shape(shape, parts))
    if isinstance(value, Eye) and value.size is not None and len(elements) == 1 and isinstance(elements[0], Index):
        labels = shape_of(elements[0].value)
        if labels is not None and labels.batched and not labels.sample:
            return shapes.with_shape(result, shapes.like(labels, (labels.count, value.size)))
    return result


def _subscript(value: Value, elements: Subscript, of: str | None = None) -> Value:
    single = elements[0] if len(elements) == 1 and isinstance(elements[0], Index) else None
    if isinstance(value, Eye) and isinstance(single, Index):
        return one_hot(value.size, single.value, None, "np.eye(n)[y]")
    if isinstance(value, Prediction):
        return value
    if isinstance(value, Data):
        return _data_subscript(value, elements, single, of)
    first = elements[0] if elements else None
    if value is UNKNOWN and of is not None and isinstance(first, Slice) and all(isinstance(e, Slice) for e in elements):
        return Data(sliced_from=of, slice_rows=first.bounds)  # x_train[-5000:] of an unknown x_train
    if single is None or not isinstance(single.value, Const):
        return UNKNOWN
    key = single.value.value
    if isinstance(value, Mapping):
        return value.get(key)
    if isinstance(value, Seq) and isinstance(key, int) and -len(value.items) <= key < len(value.items):
        known = value.items.index(MAYBE_MORE) if not value.closed else len(value.items)
        return value.items[key] if 0 <= key < known else UNKNOWN  # past a MAYBE_MORE, positions shift
    return UNKNOWN


def _data_subscript(value: Data, elements: Subscript, single: Index | None, of: str | None) -> Value:
    if all(isinstance(element, Slice) for element in elements):
        # A new object: two slices of one array are different data. Cutting columns
        # (y[:, 1:]) leaves pixels raw but the labels are no longer the ones we knew.
        first = elements[0]
        rows = first.bounds if isinstance(first, Slice) and of is not None else None
        sliced = replace(
            value, sliced_from=of or value.sliced_from, slice_rows=rows if of else value.slice_rows, parent=value
        )
        if all(isinstance(element, Slice) and element.whole for element in elements[1:]):
            return sliced
        return replace(sliced, labels=None)
    if single is None:
        return replace(value, labels=None, ordered=False)  # y[:, 1] picks a column
    if isinstance(single.value, Const):
        return column(value, single.value.value)
    # Fancy or boolean indexing: a permutation, or a mask that may drop whole classes
    # (one-hot rows keep their width, so their class count still holds).
    known = value.labels
    if known is not None:
        one_hot_rows = known.encoding in (LabelEncoding.ONE_HOT, LabelEncoding.MULTI_HOT)
        known = replace(known, num_classes=known.num_classes if one_hot_rows else None, minority_fraction=None)
    return replace(value, labels=known, ordered=False, parent=value)


def column(frame: Data, key: object) -> Value:
    """``frame["col"]``: in label order if the frame was sorted by it; leaks stay attached."""
    if frame.sorted_by is not None and frame.sorted_by == key:
        return Data(ordered=True)
    if frame.fitted_by:
        return Data(fitted_by=frame.fitted_by)
    return UNKNOWN


def assign_item(container: Value, key: Value, value: Value) -> Value | None:
    """``container[key] = value``: the container's new value, None to leave it as it is.

    ``frame["col"] = scaled`` carries the scaler's fit; ``pred[pred > .5] = 1``
    thresholds; ``cfg["units"] = 10`` updates a dict; a list item assignment
    makes the list unknown.
    """
    if isinstance(container, Mapping):
        if isinstance(key, Const):
            kept = tuple((k, v) for k, v in container.items if k != key.value)
            return Mapping((*kept, (key.value, value)))
        return UNKNOWN
    if isinstance(container, Seq):
        return UNKNOWN
    if isinstance(container, Prediction):
        return Prediction(container.model, processed=True)
    if isinstance(value, Data) and value.fitted_by:
        base = container if isinstance(container, Data) else Data()
        return replace(base, fitted_by=(*base.fitted_by, *value.fitted_by))
    if isinstance(container, Data):
        # x[..., 0] = x[..., 0] - 123.7 or y[y == 5] = 0: changed in place, so neither
        # "raw pixels" nor the labels we knew any more.
        return replace(container, raw_images=False, labels=None, steps=None, values=None)
    return None


def comparison(left: Value) -> Value:
    """``pred > 0.5`` thresholds predictions; other comparisons are unknown."""
    if isinstance(left, Prediction):
        return Prediction(left.model, processed=True)
    return UNKNOWN
