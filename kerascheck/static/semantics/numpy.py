"""numpy: array constructors and functions that keep, encode, order or shuffle data.

Tables are data: :data:`PASS_THROUGH` functions return their argument's
facts unchanged, :data:`CONCATENATE` stacks blocks, :data:`FILLED` builds a
block of one constant label. ``np.eye(n)[y]`` is in :mod:`.operators`
(subscripts), with the other Python operators.
"""

from __future__ import annotations

from dataclasses import replace

from kerascheck import facts as kf
from kerascheck.facts import LabelEncoding, ValueRange
from kerascheck.static.keras_api import const_int
from kerascheck.static.semantics import arrays, shapes
from kerascheck.static.semantics.common import argmax, argmax_call, rounding_call, shuffled
from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.registry import REGISTRY
from kerascheck.static.values import UNKNOWN, Const, Data, Eye, Filled, Prediction, Seq, Value

ROUNDING = ("numpy.round", "numpy.rint", "numpy.around", "numpy.where")
# Calls that return their first argument's data unchanged in the ways we track.
PASS_THROUGH = ("numpy.copy",)
# Calls that keep their argument's facts but change (or may change) its shape.
RESHAPING = (
    "numpy.array",
    "numpy.asarray",
    "numpy.expand_dims",
    "numpy.squeeze",
    "numpy.ravel",
    "numpy.reshape",
    "numpy.transpose",
)
# Constructors of arrays of a given shape (the shape is all we know of them).
SHAPED = (
    "numpy.empty",
    "numpy.zeros_like",
    "numpy.ones_like",
    "numpy.empty_like",
    "numpy.full_like",
    "numpy.random.binomial",
    "numpy.random.poisson",
    "numpy.random.exponential",
    "numpy.random.sample",
    "numpy.random.permutation",
    "numpy.stack",
    "numpy.column_stack",
)
CONCATENATE = ("numpy.concatenate", "numpy.vstack", "numpy.hstack", "numpy.r_")
FILLED = {"numpy.zeros": 0, "numpy.ones": 1}
# Random floats used as regression targets, and the range of their values.
_UNIT = ValueRange(low=0, high=1, source="np.random.rand")
_STANDARD = ValueRange(negative=True, above_one=True, source="standard normal values")
CONTINUOUS_SOURCES = {
    "numpy.random.rand": _UNIT,
    "numpy.random.random": _UNIT,
    "numpy.random.random_sample": _UNIT,
    "numpy.random.randn": _STANDARD,
    "numpy.random.standard_normal": _STANDARD,
}
# Element-wise functions: continuous in, continuous out (with the range they produce).
CONTINUOUS_MATH: dict[str, ValueRange | None] = {
    "numpy.sin": ValueRange(low=-1, high=1),
    "numpy.cos": ValueRange(low=-1, high=1),
    "numpy.tanh": ValueRange(low=-1, high=1),
    "numpy.exp": ValueRange(low=0),
    "numpy.sqrt": ValueRange(low=0),
    "numpy.abs": ValueRange(low=0),
    "numpy.square": ValueRange(low=0),
    "numpy.log": None,
    "numpy.log1p": None,
    "numpy.power": None,
}
# Methods that return the array's facts unchanged (and the same for tensors and frames).
DATA_METHODS_KEEP = ("astype", "to_numpy", "copy", "numpy")
RESHAPES = ("reshape", "ravel", "flatten", "squeeze")


@REGISTRY.function("numpy.array", "numpy.asarray", "numpy.empty", "numpy.zeros")
def empty_array(ctx: CallContext) -> Value | None:
    """``np.array([])`` / ``np.empty(0)``: an array that a loop then grows with ``np.append``."""
    first = ctx.first
    if (isinstance(first, Seq) and first.closed and not first.items) or first == Const(0):
        return Data(empty=True)
    return None  # declined: the pass-through / filled-block handlers below decide


REGISTRY.pass_through(PASS_THROUGH, kinds=(Data, Prediction))
REGISTRY.keep(Data, DATA_METHODS_KEEP)
REGISTRY.methods_on(Data, Prediction, Eye)


REGISTRY.function("numpy.argmax")(argmax_call)
REGISTRY.function(*ROUNDING)(rounding_call)


@REGISTRY.function("numpy.eye", "numpy.identity")
def eye(ctx: CallContext) -> Value:
    return Eye(const_int(ctx.arg("N", 0)))


@REGISTRY.function(*CONCATENATE)
def concatenate(ctx: CallContext) -> Value:
    """Per-class blocks stacked one after another are data in class order."""
    return shapes.with_shape(_concatenated(ctx), shapes.stacked_shape(ctx.qualname, ctx.first, ctx.args))


def _concatenated(ctx: CallContext) -> Value:
    value = ctx.first
    if not isinstance(value, Seq) or len(value.items) < 2:
        return UNKNOWN
    fills = [item.value if isinstance(item, Filled) else None for item in value.items]
    if all(fill is not None for fill in fills) and len(set(fills)) >= 2:
        binary = set(fills) <= {0, 1}
        labels = kf.Labels(
            encoding=LabelEncoding.BINARY if binary else LabelEncoding.INTEGER,
            num_classes=len(set(fills)),
            source="labels concatenated class by class",
        )
        return Data(labels=labels, ordered=True)
    if all(isinstance(item, Data) for item in value.items):
        return Data(raw_images=all(isinstance(i, Data) and i.raw_images for i in value.items))
    return UNKNOWN


@REGISTRY.function(*FILLED, "numpy.full")
def filled(ctx: CallContext) -> Value:
    fill = Const(FILLED[ctx.qualname]) if ctx.qualname in FILLED else ctx.arg("fill_value", 1)
    shape = shapes.array(shapes.dims_of(ctx.arg("shape", 0)), f"{shapes.short(ctx.qualname)}(...)", ctx.anchor)
    return Filled(fill.value, shape=shape) if isinstance(fill, Const) else shapes.with_shape(UNKNOWN, shape)


@REGISTRY.function("numpy.sort")
def sort(ctx: CallContext) -> Value:
    return replace(ctx.first, ordered=True).transformed("sorted") if isinstance(ctx.first, Data) else UNKNOWN


@REGISTRY.function("numpy.random.shuffle")
def shuffle_in_place(ctx: CallContext) -> Value:
    """``np.random.shuffle(x)`` shuffles ``x`` in place: rebind it, shuffled."""
    first = ctx.first
    if first is not None:
        ctx.rebind_argument(0, shuffled(first))
    return Const(None)


def continuous(ctx: CallContext, values: ValueRange | None) -> Data:
    """Random or computed floats: continuous targets if used as labels, with their range."""
    labels = kf.Labels(encoding=LabelEncoding.CONTINUOUS, anchor=ctx.anchor, source=ctx.qualname, values=values)
    return Data(labels=labels, values=values, origin=arrays.origin_at(ctx.qualname, ctx.anchor))


@REGISTRY.function(*CONTINUOUS_SOURCES)
def random_floats(ctx: CallContext) -> Value:
    return _shaped(ctx, continuous(ctx, CONTINUOUS_SOURCES[ctx.qualname]))


@REGISTRY.function("numpy.random.normal")
def random_normal(ctx: CallContext) -> Value:
    """Normal samples reach below 0 if centred at or below 0, above 1 if centred at or above 1."""
    given = ctx.arg("loc", 0)
    loc = 0.0 if given is None else arrays.number(given)
    values = None
    if loc is not None:
        values = ValueRange(negative=True if loc <= 0 else None, above_one=True if loc >= 1 else None,
                            source="np.random.normal")  # fmt: skip
    return _shaped(ctx, continuous(ctx, values))


@REGISTRY.function("numpy.random.uniform")
def random_uniform(ctx: CallContext) -> Value:
    low, high = ctx.arg("low", 0), ctx.arg("high", 1)
    bounds = (0.0 if low is None else arrays.number(low), 1.0 if high is None else arrays.number(high))
    return _shaped(ctx, continuous(ctx, arrays.bounded(*bounds, source=ctx.qualname)))


@REGISTRY.function("numpy.linspace")
def linspace(ctx: CallContext) -> Value:
    bounds = arrays.number(ctx.arg("start", 0)), arrays.number(ctx.arg("stop", 1))
    return _shaped(ctx, continuous(ctx, arrays.bounded(*bounds, source="np.linspace")))


@REGISTRY.function("numpy.arange")
def arange(ctx: CallContext) -> Value:
    """A float anywhere makes a grid of continuous values; integer ranges are not labels."""
    given = [arrays.number(value) for value in ctx.args.positional[:3]]
    if not given or any(value is None for value in given) or ctx.args.keywords:
        return UNKNOWN
    start, stop = (0.0, given[0]) if len(given) == 1 else (given[0], given[1])
    values = arrays.bounded(start, stop, source="np.arange")
    if any(isinstance(v, Const) and isinstance(v.value, float) for v in ctx.args.positional[:3]):
        return _shaped(ctx, continuous(ctx, values))
    return _shaped(ctx, Data(values=values, origin=arrays.origin_at(ctx.qualname, ctx.anchor)))


@REGISTRY.function(*CONTINUOUS_MATH)
def continuous_math(ctx: CallContext) -> Value | None:
    first = ctx.first
    if not isinstance(first, Data) or first.labels is None or first.labels.encoding is not LabelEncoding.CONTINUOUS:
        return None
    values = CONTINUOUS_MATH[ctx.qualname]
    return replace(first, labels=replace(first.labels, values=values), values=values, steps=None)


@REGISTRY.function("numpy.random.randint")
def randint(ctx: CallContext) -> Value:
    """Integers 0..high-1: class labels with a known class count if 1-D, features otherwise."""
    low, high = arrays.number(ctx.arg("low", 0)), ctx.arg("high", 1)
    top = arrays.number(high) if high is not None and high != Const(None) else None
    if high is None or high == Const(None):
        low, top = 0.0, low
    if low is None or top is None or low != 0 or top < 2:
        return _shaped(ctx, UNKNOWN)  # ids not starting at 0, or a constant: not class labels we can name
    return _shaped(ctx, _class_ids(ctx, int(top) - 1, _size(ctx.arg("size", 2))))


@REGISTRY.function("numpy.random.choice")
def choice(ctx: CallContext) -> Value:
    """Draws from ``range(k)`` or a list of class ids 0..k-1 (strings are left to encoders)."""
    pool = ctx.arg("a", 0)
    found: list[float | None]
    if isinstance(pool, Const) and isinstance(pool.value, int) and not isinstance(pool.value, bool):
        found = [float(v) for v in range(pool.value)]
    elif isinstance(pool, Seq) and pool.items:
        found = [arrays.number(item) for item in pool.items]
    else:
        return UNKNOWN
    if not all(v is not None and v.is_integer() and v >= 0 for v in found):
        return UNKNOWN
    ids = {int(v) for v in found if v is not None}
    if len(ids) < 2 or ids != set(range(max(ids) + 1)):
        return UNKNOWN
    return _shaped(ctx, _class_ids(ctx, max(ids), _size(ctx.arg("size", 1))))


def _size(value: Value | None) -> tuple[int | None, ...] | None:
    """An array shape from ``size=``: ``64`` -> (64,), ``(64, 1)`` -> (64, 1); None if absent."""
    if value is None or value == Const(None):
        return None
    if isinstance(value, Const) and isinstance(value.value, int):
        return (value.value,)
    if isinstance(value, Seq):
        return tuple(v.value if isinstance(v, Const) and isinstance(v.value, int) else None for v in value.items)
    return (None, None, None)  # unknown: treated as features, never as labels


def _class_ids(ctx: CallContext, top: int, shape: tuple[int | None, ...] | None) -> Value:
    source = f"{ctx.qualname.replace('numpy.', 'np.')}(...)"
    origin = arrays.origin_at(ctx.qualname, ctx.anchor)
    if shape is None:
        return UNKNOWN  # a scalar
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        encoding = LabelEncoding.BINARY if top == 1 else LabelEncoding.INTEGER
        labels = kf.Labels(encoding=encoding, num_classes=top + 1, anchor=ctx.anchor, source=source)
        return Data(labels=labels, origin=origin)
    values = ValueRange(low=0, high=top, above_one=True if top > 1 else None, source=source)
    return Data(values=values, origin=origin)


@REGISTRY.function("numpy.append")
def append(ctx: CallContext) -> Value:
    """``np.append(y, v)``: continuous if what is appended (or appended to) is continuous.

    ``y`` may be an empty array grown in a loop: the merge of the loop's branches keeps the
    grown array (:func:`.arrays.merge_grown`).
    """
    for part in (ctx.arg("arr", 0), ctx.arg("values", 1)):
        labels = arrays.continuous(part, "np.append(...)")
        if labels is not None:
            return Data(labels=labels)
    return concatenate(ctx) or UNKNOWN


@REGISTRY.function(*SHAPED)
def shaped_array(ctx: CallContext) -> Value:
    """An array we know only the shape of (``np.random.binomial(1, 0.5, size=(100,))``, ``np.empty((4, 4))``)."""
    return _shaped(ctx, UNKNOWN)


def _shaped(ctx: CallContext, value: Value) -> Value:
    """``value`` with the shape the constructor call gives it."""
    return shapes.with_shape(value, _created_shape(ctx))


def _created_shape(ctx: CallContext) -> kf.ArrayShape | None:
    """The shape of an array a numpy constructor makes, from its size arguments."""
    if ctx.args.has_star:
        return None
    qualname, first = ctx.qualname, ctx.first
    source = f"{shapes.short(qualname)}(...)"
    if qualname in ("numpy.random.rand", "numpy.random.randn"):
        dims = tuple(const_int(v) for v in ctx.args.positional)
        known = bool(dims) and all(d is not None and d >= 0 for d in dims)
        return shapes.array(dims if known else None, source, ctx.anchor)
    if qualname in shapes.RANDOM_SIZE_POSITION:
        size = ctx.arg("size", shapes.RANDOM_SIZE_POSITION[qualname])
        return shapes.array(shapes.dims_of(size), source, ctx.anchor) if size is not None else None
    if qualname.endswith("_like"):
        return shapes.shape_of(first)
    if qualname == "numpy.empty":
        return shapes.array(shapes.dims_of(ctx.arg("shape", 0)), source, ctx.anchor)
    if qualname == "numpy.random.permutation":
        count = const_int(first)
        return shapes.array((count,), source, ctx.anchor) if count is not None else shapes.shape_of(first)
    if qualname == "numpy.arange":
        numbers = [const_int(v) for v in ctx.args.positional]
        bounds = [n for n in numbers if n is not None]
        if ctx.args.keywords or not 1 <= len(numbers) <= 3 or len(bounds) != len(numbers):
            return None
        if len(bounds) == 3 and bounds[2] == 0:
            return None
        return shapes.array((len(range(*bounds)),), source, ctx.anchor)
    if qualname == "numpy.linspace":
        num = ctx.arg("num", 2)
        count = 50 if num is None else const_int(num)
        return shapes.array((count,), source, ctx.anchor) if count is not None else None
    if qualname in ("numpy.stack", "numpy.column_stack"):
        return shapes.stacked_shape(qualname, first, ctx.args)
    return None


@REGISTRY.function(*RESHAPING)
def reshaping(ctx: CallContext) -> Value:
    """``np.array(x)``, ``np.expand_dims(x, -1)``, ``np.reshape(x, ...)``: x's facts, with the new shape."""
    first = ctx.first
    kept: Value = first if isinstance(first, (Data, Prediction)) else UNKNOWN
    if isinstance(first, Seq) and ctx.qualname in ("numpy.array", "numpy.asarray"):
        # A list built in a loop of continuous values (``ys.append(price * 1.1)``): continuous targets.
        labels = arrays.continuous_items(first)
        kept = Data(labels=labels) if labels is not None else UNKNOWN
    if isinstance(first, Data) and ctx.qualname in ("numpy.ravel", "numpy.reshape", "numpy.squeeze"):
        kept = _without_one_hot(first)
    if ctx.args.has_star:
        return shapes.with_shape(kept, None)
    shape = shapes.shape_of(first)
    qualname = ctx.qualname
    if qualname in ("numpy.array", "numpy.asarray"):
        if isinstance(first, Seq):
            return shapes.with_shape(kept, shapes.array(shapes.literal_shape(first), "a literal array", ctx.anchor))
        return kept
    if qualname == "numpy.expand_dims":
        return shapes.with_shape(kept, shapes.expand_dims_shape(first, ctx.args))
    if shape is None or not shape.batched:
        return shapes.with_shape(kept, None)
    dims = shapes.whole(shape)
    if qualname == "numpy.reshape":
        target, minus_one = shapes.reshape_target([ctx.arg("newshape", 1) or ctx.arg("shape", 1) or UNKNOWN])
        return shapes.with_shape(kept, shapes.like(shape, shapes.reshape(dims, target, minus_one)))
    if qualname == "numpy.squeeze":
        axis = ctx.arg("axis", 1)
        return shapes.with_shape(kept, shapes.like(shape, shapes.squeeze(dims, const_int(axis), axis is not None)))
    if qualname == "numpy.ravel":
        return shapes.with_shape(kept, shapes.like(shape, (shapes.total(dims),)))
    if qualname == "numpy.transpose" and ctx.arg("axes", 1) is None:
        return shapes.with_shape(kept, shapes.like(shape, tuple(reversed(dims))))
    return shapes.with_shape(kept, None)


def _without_one_hot(data: Data) -> Data:
    one_hot = data.labels is not None and data.labels.encoding is LabelEncoding.ONE_HOT
    return replace(data, labels=None) if one_hot else data


# -- methods on arrays and predictions ------------------------------------


@REGISTRY.method(Filled, *RESHAPES, *DATA_METHODS_KEEP, "transpose")
def filled_method(ctx: CallContext) -> Value:
    """``np.zeros((n, 784)).reshape(...)``: an array of known shape (no longer a block of labels)."""
    owner = ctx.receiver
    assert isinstance(owner, Filled)
    as_array = Data(shape=owner.shape, dtype=owner.dtype)
    if ctx.method in DATA_METHODS_KEEP:
        return as_array
    return reshape(replace(ctx, receiver=as_array)) or UNKNOWN


@REGISTRY.method(Data, *RESHAPES, "transpose")
def reshape(ctx: CallContext) -> Value:
    owner = ctx.receiver
    assert isinstance(owner, Data)
    kept = _without_one_hot(owner)
    shape = owner.shape
    if shape is None or ctx.args.has_star:
        return shapes.with_shape(kept, None)
    dims = shapes.whole(shape)
    new: kf.ArrayShape | None = None
    if ctx.method == "reshape":
        target, minus_one = shapes.reshape_target(list(ctx.args.positional))
        full = shapes.reshape(dims, target, minus_one)
        # A sample reshaped with a leading 1 gets its batch axis back; any other reshape of one is unknown.
        if shape.batched or (full and full[0] == 1 and len(full) == len(dims) + 1):
            new = shapes.like(shape, full)
    elif shape.batched and ctx.method in ("flatten", "ravel"):
        new = shapes.like(shape, (shapes.total(dims),))
    elif shape.batched and ctx.method == "squeeze":
        axis = ctx.arg("axis", 0)
        new = shapes.like(shape, shapes.squeeze(dims, const_int(axis), axis is not None))
    elif shape.batched and ctx.method == "transpose" and not ctx.args.positional:
        new = shapes.like(shape, tuple(reversed(dims)))
    return shapes.with_shape(kept, new)


@REGISTRY.method(Data, "mean", "std", "min", "max", "sum", "var")
def reduction(ctx: CallContext) -> Value:
    """``x.mean(axis=0)``: per-feature statistics, an array of the other axes' shape (for broadcasting)."""
    owner = ctx.receiver
    assert isinstance(owner, Data)
    axis = const_int(ctx.arg("axis", 0))
    shape = owner.shape
    if shape is None or axis is None or ctx.arg("keepdims") is not None or not shape.batched:
        return UNKNOWN
    dims = shapes.whole(shape)
    if not -len(dims) <= axis < len(dims):
        return UNKNOWN
    position = axis % len(dims)
    return Data(shape=shapes.like(shape, dims[:position] + dims[position + 1 :]))


@REGISTRY.attribute(Data, "shape")
@REGISTRY.attribute(Filled, "shape")
def shape_attribute(owner: Value) -> Value | None:
    """``x.shape``: the known dimensions as numbers (``input_dim=x.shape[1]``)."""
    shape = shapes.shape_of(owner)
    if shape is None:
        return None
    return Seq(tuple(Const(d) if d is not None else UNKNOWN for d in shapes.whole(shape)))


@REGISTRY.attribute(Data, "ndim")
def ndim_attribute(owner: Value) -> Value | None:
    shape = shapes.shape_of(owner)
    return Const(len(shapes.whole(shape))) if shape is not None else None


@REGISTRY.attribute(Data, "T")
@REGISTRY.attribute(Filled, "T")
def transposed(owner: Value) -> Value | None:
    shape = shapes.shape_of(owner)
    if shape is None or not shape.batched:
        return None
    base = _without_one_hot(owner) if isinstance(owner, Data) else Data()
    return replace(base, shape=shapes.like(shape, tuple(reversed(shapes.whole(shape)))))


@REGISTRY.method(Data, "argmax")
@REGISTRY.method(Prediction, "argmax")
def argmax_method(ctx: CallContext) -> Value:
    return argmax(ctx.state, ctx.receiver, ctx.arg("axis", 0), ctx.anchor)


@REGISTRY.method(Prediction, "round", "astype")
def process_prediction(ctx: CallContext) -> Value:
    assert isinstance(ctx.receiver, Prediction)
    return Prediction(ctx.receiver.model, processed=True)


REGISTRY.keep(Prediction, (*RESHAPES, "copy", "numpy"))
