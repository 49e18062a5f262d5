"""Element types of arrays: which dtype each library call gives its result.

Decided in one place, as a registry finisher that sees every call's result:
a call in :data:`_FUNCTIONS` (a constructor, ``np.random.*``, ``to_categorical``,
a dataset loader) or :data:`_METHODS` (``astype``) sets the dtype; a call in
:data:`_KEEPS_FUNCTIONS`/:data:`_KEEPS_METHODS` (reshaping, copying, splitting)
keeps the one its handler carried over; every other call clears it, since a
handler that copies its argument's facts (``replace(x, ...)``) says nothing
of the dtype. Unknown is ``None``. True division, the one operator that
decides a dtype, is :func:`arithmetic`, used by :mod:`.operators`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import libcst as cst

from kerascheck import dtypes
from kerascheck.facts import DType, DTypeKind
from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.registry import REGISTRY
from kerascheck.static.values import Const, Data, Filled, Ref, Seq, Value

# What a ``dtype=`` argument may be written as: a name, numpy's or Python's type.
_TYPE_PREFIXES = ("numpy.", "builtins.", "tensorflow.", "keras.")
_PYTHON_TYPES = frozenset({"int", "float", "bool", "str", "complex", "object"})


def _given(ctx: CallContext, position: int | None, default: Callable[[CallContext], DType | None]) -> DType | None:
    """The ``dtype=`` argument's dtype; ``default`` when certainly absent; None when not understood."""
    value = ctx.arg("dtype", position)
    if value is None or value == Const(None):  # ``dtype=None`` is the default
        return default(ctx)
    return _parse(ctx, value, _argument_node(ctx, position))


def _argument_node(ctx: CallContext, position: int | None) -> cst.BaseExpression | None:
    return ctx.args.node("dtype", position)


def _parse(ctx: CallContext, value: Value, node: cst.BaseExpression | None) -> DType | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return dtypes.from_name(value.value)
    if isinstance(value, Ref) and value.qualname.startswith(_TYPE_PREFIXES):
        return dtypes.from_name(value.qualname.rsplit(".", 1)[-1])
    # Python's own types (``astype(int)``), when no scope rebinds the name.
    if isinstance(node, cst.Name) and node.value in _PYTHON_TYPES and node.value not in ctx.env:
        return dtypes.from_name(node.value)
    return None


def _of(value: Value | None) -> DType | None:
    return value.dtype if isinstance(value, (Data, Filled)) else None


def _always(dtype: DType) -> Callable[[CallContext], DType | None]:
    return lambda ctx: dtype


def _like_first(ctx: CallContext) -> DType | None:
    return _of(ctx.first)


def _scalar(value: object) -> DType | None:
    """The dtype numpy gives a Python scalar (an int: the platform's default integer)."""
    if isinstance(value, bool):
        return dtypes.BOOL
    if isinstance(value, int):
        return dtypes.INTEGER
    if isinstance(value, float):
        return dtypes.FLOAT64
    return None


def _literal(value: Value | None, depth: int = 0) -> DType | None:
    """``np.array([[0, 1], [1, 0]])``: the dtype numpy infers from literal numbers (None if mixed)."""
    if isinstance(value, Const):
        return _scalar(value.value)
    if isinstance(value, (Data, Filled)):
        return value.dtype
    if not isinstance(value, Seq) or not value.closed or not value.items or depth > 3:
        return None
    found = {_literal(item, depth + 1) for item in value.items}
    if None in found:
        return None
    if len(found) == 1:
        return found.pop()
    if found <= {dtypes.INTEGER, dtypes.FLOAT64}:  # [1, 2.5]: ints and floats make floats
        return dtypes.FLOAT64
    return None


def _from_literal(ctx: CallContext) -> DType | None:
    return _literal(ctx.first)


def _full(ctx: CallContext) -> DType | None:
    fill = ctx.arg("fill_value", 1)
    return _scalar(fill.value) if isinstance(fill, Const) else None


def _arange(ctx: CallContext) -> DType | None:
    bounds = ctx.args.positional[:3]
    if ctx.args.has_star or not bounds or not all(isinstance(v, Const) for v in bounds):
        return None
    found = {_scalar(v.value) for v in bounds if isinstance(v, Const)}
    if found == {dtypes.INTEGER}:
        return dtypes.INTEGER
    return dtypes.FLOAT64 if dtypes.FLOAT64 in found and None not in found else None


def _concatenated(ctx: CallContext) -> DType | None:
    parts = ctx.first
    if not isinstance(parts, Seq) or not parts.closed or not parts.items:
        return None
    found = {_of(part) for part in parts.items}
    return found.pop() if len(found) == 1 else None


_FLOAT64 = _always(dtypes.FLOAT64)
# function: (position of its dtype parameter, None if it has none; the dtype without it)
_FUNCTIONS: dict[str, tuple[int | None, Callable[[CallContext], DType | None]]] = {
    "numpy.zeros": (1, _FLOAT64),
    "numpy.ones": (1, _FLOAT64),
    "numpy.empty": (1, _FLOAT64),
    "numpy.full": (2, _full),
    "numpy.zeros_like": (1, _like_first),
    "numpy.ones_like": (1, _like_first),
    "numpy.empty_like": (1, _like_first),
    "numpy.full_like": (2, _like_first),
    "numpy.array": (1, _from_literal),
    "numpy.asarray": (1, _from_literal),
    "numpy.arange": (None, _arange),  # arange(start, stop, step, dtype=): keyword only here
    "numpy.linspace": (5, _FLOAT64),
    "numpy.random.rand": (None, _FLOAT64),
    "numpy.random.randn": (None, _FLOAT64),
    "numpy.random.random": (None, _FLOAT64),
    "numpy.random.random_sample": (None, _FLOAT64),
    "numpy.random.sample": (None, _FLOAT64),
    "numpy.random.standard_normal": (None, _FLOAT64),
    "numpy.random.uniform": (None, _FLOAT64),
    "numpy.random.normal": (None, _FLOAT64),
    # randint(low, high=None, size=None, dtype=int): the platform's default integer.
    "numpy.random.randint": (3, _always(dtypes.INTEGER)),
    # Keras 3 returns float64 for arrays (float32 for tensors); tf.keras 2 float32 (its dtype=).
    "keras.utils.to_categorical": (2, _always(dtypes.FLOAT)),
    "numpy.concatenate": (None, _concatenated),
    "numpy.vstack": (None, _concatenated),
    "numpy.hstack": (None, _concatenated),
    "numpy.stack": (None, _concatenated),
}
# Functions whose result has its argument's dtype, as the handler carried it over.
_KEEPS_FUNCTIONS = frozenset(
    {
        "numpy.copy",
        "numpy.reshape",
        "numpy.expand_dims",
        "numpy.squeeze",
        "numpy.ravel",
        "numpy.transpose",
        "numpy.sort",
        "numpy.flip",
        "sklearn.model_selection.train_test_split",
        "sklearn.utils.shuffle",
    }
)
_KEEPS_METHODS = frozenset({"reshape", "ravel", "flatten", "squeeze", "transpose", "copy", "numpy"})
# keras.datasets.<name>.load_data(): (images, labels), as the loaders build them. cifar100's
# labels are a Python list reshaped by numpy: the platform's default integer.
_DATASETS: dict[str, tuple[DType, DType]] = {
    "mnist": (dtypes.UINT8, dtypes.UINT8),
    "fashion_mnist": (dtypes.UINT8, dtypes.UINT8),
    "cifar10": (dtypes.UINT8, dtypes.UINT8),
    "cifar100": (dtypes.UINT8, dtypes.INTEGER),
}


@REGISTRY.finisher
def element_type(ctx: CallContext, result: Value) -> Value:
    """The result of this call with its dtype decided (see the module docstring)."""
    if ctx.qualname:
        if ctx.qualname in _KEEPS_FUNCTIONS:
            return result
        if ctx.qualname in _FUNCTIONS and isinstance(result, (Data, Filled)):
            position, default = _FUNCTIONS[ctx.qualname]
            return replace(result, dtype=_given(ctx, position, default))
        name = ctx.qualname.split(".")
        if len(name) == 4 and name[:2] == ["keras", "datasets"] and name[3] == "load_data" and name[2] in _DATASETS:
            return _dataset(result, *_DATASETS[name[2]])
    elif isinstance(ctx.receiver, (Data, Filled)):
        if ctx.method in _KEEPS_METHODS:
            return result
        if ctx.method == "astype" and isinstance(result, (Data, Filled)):
            return replace(result, dtype=_given(ctx, 0, lambda ctx: None))
    return _cleared(result)


def _cleared(value: Value, depth: int = 0) -> Value:
    if isinstance(value, (Data, Filled)) and value.dtype is not None:
        return replace(value, dtype=None)
    if isinstance(value, Seq) and depth < 2 and any(_of(item) or isinstance(item, Seq) for item in value.items):
        return Seq(tuple(_cleared(item, depth + 1) for item in value.items))
    return value


def _dataset(result: Value, images: DType, labels: DType) -> Value:
    """``((x_train, y_train), (x_test, y_test))`` with the loader's dtypes."""
    if not isinstance(result, Seq):
        return result
    sides: list[Value] = []
    for side in result.items:
        if isinstance(side, Seq) and len(side.items) == 2 and all(isinstance(i, Data) for i in side.items):
            x, y = side.items
            assert isinstance(x, Data) and isinstance(y, Data)
            side = Seq((replace(x, dtype=images), replace(y, dtype=labels)))
        sides.append(side)
    return Seq(tuple(sides))


def arithmetic(left: Value, op: str, right: Value) -> DType | None:
    """The dtype of ``left op right`` for an array and a number; only true division decides one.

    Dividing makes floats: an integer or boolean array divided by a Python number
    is float64, a float array keeps its width; anything else is some float.
    Other operators keep or widen depending on values and numpy's version: unknown.
    """
    if op != "div":
        return None
    array, other = (left, right) if isinstance(left, (Data, Filled)) else (right, left)
    if isinstance(array, Data) and array.dataset:
        return None
    known = _of(array)
    number = isinstance(other, Const) and _scalar(other.value) is not None
    if known is not None and number:
        if known.kind is DTypeKind.FLOAT and known.name is not None:
            return known
        if known.kind in (DTypeKind.INTEGER, DTypeKind.BOOL):
            return dtypes.FLOAT64
    return dtypes.FLOAT


def without_dtype(a: Value, b: Value) -> Value | None:
    """Two arrays that differ only in their dtype (two branches): that array, dtype unknown; else None."""
    if type(a) is type(b) and isinstance(a, (Data, Filled)) and isinstance(b, (Data, Filled)):
        plain = replace(a, dtype=None)
        if plain == replace(b, dtype=None):
            return plain
    return None
