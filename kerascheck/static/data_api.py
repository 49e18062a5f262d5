"""Data flow around a model: labels, splits, predictions and what happens to them.

The interpreter delegates to this module every operation that is not about
building a model: arithmetic on constants, indexing, tuple unpacking, calls
into numpy / scikit-learn / keras.utils / keras.datasets, and the model
methods that consume or produce data (``fit``, ``predict``, ``evaluate``).
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING

import libcst as cst

from kerascheck import facts as kf
from kerascheck.static.keras_api import Args
from kerascheck.static.values import UNKNOWN, Const, Mapping, ModelObj, Seq, Value

if TYPE_CHECKING:
    from kerascheck.static.interpreter import Env, Interpreter

_ARITHMETIC = {
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


class DataFlow:
    """Everything the interpreter knows about data, in one place."""

    def __init__(self, interpreter: Interpreter) -> None:
        self.interpreter = interpreter

    # -- plain Python values ----------------------------------------------

    def binary_operation(self, left: Value, op: cst.CSTNode, right: Value) -> Value:
        function = _ARITHMETIC.get(type(op))
        if function is not None and isinstance(left, Const) and isinstance(right, Const):
            if _is_number(left.value) and _is_number(right.value):
                try:
                    return Const(function(left.value, right.value))
                except (ArithmeticError, ValueError):
                    return UNKNOWN
        return UNKNOWN

    def unpack(self, value: Value, count: int) -> list[Value] | None:
        if isinstance(value, Seq) and len(value.items) == count:
            return list(value.items)
        return None

    def subscript(self, value: Value, node: cst.Subscript, env: Env) -> Value:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return UNKNOWN
        key = self.interpreter.eval(node.slice[0].slice.value, env)
        if not isinstance(key, Const):
            return UNKNOWN
        if isinstance(value, Mapping):
            return value.get(key.value)
        if (
            isinstance(value, Seq)
            and isinstance(key.value, int)
            and -len(value.items) <= key.value < len(value.items)
        ):
            return value.items[key.value]
        return UNKNOWN

    def comparison(self, node: cst.Comparison, env: Env) -> Value:
        return UNKNOWN

    def attribute(self, owner: Value, name: str) -> Value:
        return UNKNOWN

    # -- calls ------------------------------------------------------------

    def call_ref(self, qualname: str, args: Args, anchor: kf.Anchor) -> Value:
        return UNKNOWN

    def call_method(self, owner: Value, name: str, args: Args, anchor: kf.Anchor) -> Value:
        return UNKNOWN

    def model_method(self, model: ModelObj, name: str, args: Args, anchor: kf.Anchor) -> Value:
        if name == "fit":
            model.fits.append(kf.Fit(anchor=anchor))
        return UNKNOWN

    def fit_fact(self, fit: kf.Fit, heads: tuple[kf.Head, ...]) -> kf.Fit:
        return fit


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
