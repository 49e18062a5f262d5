"""Meanings shared by several libraries: one-hot encoding, argmax, "was it given".

``to_categorical``, ``np.eye(n)[y]``, ``tf.one_hot`` and ``pd.get_dummies``
all one-hot encode; ``np.argmax``, ``tf.argmax`` and ``pred.argmax()`` all
turn scores into class indices. The meaning is written once, here.
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from kerascheck import facts as kf
from kerascheck.facts import LabelEncoding
from kerascheck.static.keras_api import const_int
from kerascheck.static.semantics import arrays, shapes
from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.state import ProgramState
from kerascheck.static.values import UNKNOWN, Const, Data, Filled, Prediction, Value


def one_hot(classes: int | None, source: Value | None, anchor: kf.Anchor | None, how: str) -> Data:
    """``source`` one-hot encoded (with ``classes`` columns, or as many as its integer classes)."""
    base = source if isinstance(source, Data) else Data()
    if classes is None and base.labels is not None and base.labels.encoding is LabelEncoding.INTEGER:
        classes = base.labels.num_classes
    labels = kf.Labels(encoding=LabelEncoding.ONE_HOT, num_classes=classes, anchor=anchor or kf.NOWHERE, source=how)
    # The encoded array has one column per class, not the shape of the ids it came from.
    shape = shapes.one_hot_shape(base, classes, how)
    return replace(base, labels=labels, raw_images=False, shape=shape).transformed("one-hot")


def argmax(state: ProgramState, value: Value | None, axis: Value | None, anchor: kf.Anchor) -> Value:
    """Argmax of predictions (recorded: KC206 reads it) or of one-hot labels (integer labels)."""
    if isinstance(value, Prediction) and not value.processed:
        axis_value = const_int(axis) if axis is not None else None
        guarded = state.width_guarded > 0
        state.argmaxes.append(kf.Argmax(anchor=anchor, model=value.model, axis=axis_value, width_guarded=guarded))
        return Prediction(value.model, processed=True)
    if isinstance(value, Data) and value.labels is not None and value.labels.encoding is LabelEncoding.ONE_HOT:
        labels = replace(value.labels, encoding=LabelEncoding.INTEGER, source="argmax of one-hot labels")
        return replace(value, labels=labels).transformed("argmax")
    return UNKNOWN


def argmax_call(ctx: CallContext) -> Value:
    """``np.argmax(a, axis)`` and its TensorFlow/Keras spellings."""
    return argmax(ctx.state, ctx.first, ctx.arg("axis", 1), ctx.anchor)


def rounding_call(ctx: CallContext) -> Value:
    """``np.round(pred)``, ``np.where(pred > .5, 1, 0)``: predictions turned into labels."""
    first = ctx.first
    return Prediction(first.model, processed=True) if isinstance(first, Prediction) else UNKNOWN


def describe(
    value: Value | None, node: cst.BaseExpression | None, identity: int | None = None, statement: object = None
) -> kf.ArrayInfo | None:
    """An argument as an :class:`~kerascheck.facts.ArrayInfo` (None when it was not passed).

    ``statement`` is the call's statement: with it the fact is anchored at the
    argument itself, so findings about the array point at it.
    """
    if value is None:
        return None
    name = node.value if isinstance(node, cst.Name) else None
    anchor = kf.Anchor(node=node, statement=statement) if node is not None and statement is not None else kf.NOWHERE
    if isinstance(value, Filled):
        return kf.ArrayInfo(name=name, anchor=anchor, dtype=value.dtype)
    if not isinstance(value, Data):
        return kf.ArrayInfo(name=name, anchor=anchor)
    return kf.ArrayInfo(
        name=name,
        anchor=anchor,
        split=value.split,
        identity=identity,
        slice_of=value.sliced_from,
        slice_rows=value.slice_rows,
        ordered=value.ordered,
        raw_images=value.raw_images,
        dataset=value.dataset,
        transforms=value.transforms,
        dtype=value.dtype,
        **arrays.value_facts(value),  # type: ignore[arg-type]
    )


def operand(value: Value | None) -> kf.Operand | None:
    """An evaluation call's argument as an :class:`~kerascheck.facts.Operand`."""
    if value is None:
        return None
    if isinstance(value, Prediction):
        return kf.Operand(predictions_of=value.model, processed=value.processed)
    if isinstance(value, Data):
        return kf.Operand(labels=value.labels)
    return kf.Operand()


def shuffled(value: Value) -> Value:
    """Rows shuffled: no longer in class order (other values unchanged)."""
    return replace(value, ordered=False).transformed("shuffled") if isinstance(value, Data) else value


def given(value: Value | None) -> bool:
    """A parameter that is present and not a falsy literal (``validation_split=0`` is not given)."""
    if value is None:
        return False
    if isinstance(value, Const):
        return value.value not in (None, 0, 0.0)
    return True


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
