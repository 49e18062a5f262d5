"""numpy: array constructors and functions that keep, encode, order or shuffle data.

Tables are data: :data:`PASS_THROUGH` functions return their argument's
facts unchanged, :data:`CONCATENATE` stacks blocks, :data:`FILLED` builds a
block of one constant label. ``np.eye(n)[y]`` is in :mod:`.operators`
(subscripts), with the other Python operators.
"""

from __future__ import annotations

from dataclasses import replace

from kerascheck import facts as kf
from kerascheck.facts import LabelEncoding
from kerascheck.static.keras_api import const_int
from kerascheck.static.semantics import shapes
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
    "numpy.random.randint",
    "numpy.random.binomial",
    "numpy.random.poisson",
    "numpy.random.choice",
    "numpy.random.exponential",
    "numpy.random.random_sample",
    "numpy.random.sample",
    "numpy.random.permutation",
    "numpy.arange",
    "numpy.linspace",
    "numpy.stack",
    "numpy.column_stack",
)
CONCATENATE = ("numpy.concatenate", "numpy.vstack", "numpy.hstack", "numpy.append", "numpy.r_")
FILLED = {"numpy.zeros": 0, "numpy.ones": 1}
# Random floats used as regression targets.
CONTINUOUS_SOURCES = (
    "numpy.random.rand",
    "numpy.random.randn",
    "numpy.random.normal",
    "numpy.random.uniform",
    "numpy.random.random",
)
# Methods that return the array's facts unchanged (and the same for tensors and frames).
DATA_METHODS_KEEP = ("astype", "to_numpy", "copy", "numpy")
RESHAPES = ("reshape", "ravel", "flatten", "squeeze")

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


@REGISTRY.function(*CONTINUOUS_SOURCES)
def random_floats(ctx: CallContext) -> Value:
    labels = kf.Labels(encoding=LabelEncoding.CONTINUOUS, anchor=ctx.anchor, source=ctx.qualname)
    return Data(labels=labels, shape=_created_shape(ctx))


@REGISTRY.function(*SHAPED)
def shaped_array(ctx: CallContext) -> Value:
    """An array we know only the shape of (``np.random.randint(0, 2, size=(100,))``, ``np.arange(10)``)."""
    return shapes.with_shape(UNKNOWN, _created_shape(ctx))


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
    as_array = Data(shape=owner.shape)
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
