"""pandas: frames and columns, ``get_dummies``, sorting (rows in label order).

A frame is a :class:`Data`; ``frame.sort_values(by)`` remembers the column
so that ``frame[by]`` is known to be in label order. Methods that keep rows
and the facts we track are a table.
"""

from __future__ import annotations

from dataclasses import replace

from kerascheck.static.keras_api import const_str
from kerascheck.static.semantics.common import given, one_hot
from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.registry import REGISTRY
from kerascheck.static.values import UNKNOWN, Data, Prediction, Value

FRAME_METHODS_KEEP = ("drop", "reset_index", "dropna", "fillna", "to_frame")

REGISTRY.pass_through(("pandas.DataFrame",), kinds=(Data, Prediction))
REGISTRY.keep(Data, FRAME_METHODS_KEEP)


@REGISTRY.function("pandas.get_dummies")
def get_dummies(ctx: CallContext) -> Value:
    if ctx.arg("columns") is not None or ctx.args.has_star or given(ctx.arg("drop_first")):
        return UNKNOWN  # feature columns of a frame, or one column fewer than classes
    return one_hot(None, ctx.first, ctx.anchor, "pd.get_dummies(...)")


@REGISTRY.method(Data, "sort_values")
@REGISTRY.method(type(UNKNOWN), "sort_values")
def sort_values(ctx: CallContext) -> Value:
    """Followed even on a frame we know nothing about: ``read_csv(...).sort_values("label")``."""
    by = const_str(ctx.arg("by", 0))
    base = ctx.receiver if isinstance(ctx.receiver, Data) else Data()
    return replace(base, sorted_by=by) if by is not None else UNKNOWN


@REGISTRY.attribute(Data, "values")
def values(owner: Value) -> Value:
    return owner


@REGISTRY.attribute(Data, "iloc", "loc")
def indexer(owner: Value) -> Value | None:
    """``frame.iloc``/``.loc`` select rows or columns: the labels we knew may not hold."""
    return replace(owner, labels=None) if isinstance(owner, Data) else None
