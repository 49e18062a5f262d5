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
from kerascheck.static.semantics import arrays
from kerascheck.static.semantics.common import argmax, argmax_call, rounding_call, shuffled
from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.registry import REGISTRY
from kerascheck.static.values import UNKNOWN, Const, Data, Eye, Filled, Prediction, Seq, Value

ROUNDING = ("numpy.round", "numpy.rint", "numpy.around", "numpy.where")
# Calls that return their first argument's data unchanged in the ways we track.
PASS_THROUGH = (
    "numpy.array",
    "numpy.asarray",
    "numpy.expand_dims",
    "numpy.squeeze",
    "numpy.ravel",
    "numpy.copy",
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
    return Filled(fill.value) if isinstance(fill, Const) else UNKNOWN


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
    return continuous(ctx, CONTINUOUS_SOURCES[ctx.qualname])


@REGISTRY.function("numpy.random.normal")
def random_normal(ctx: CallContext) -> Value:
    """Normal samples reach below 0 if centred at or below 0, above 1 if centred at or above 1."""
    given = ctx.arg("loc", 0)
    loc = 0.0 if given is None else arrays.number(given)
    values = None
    if loc is not None:
        values = ValueRange(negative=True if loc <= 0 else None, above_one=True if loc >= 1 else None,
                            source="np.random.normal")  # fmt: skip
    return continuous(ctx, values)


@REGISTRY.function("numpy.random.uniform")
def random_uniform(ctx: CallContext) -> Value:
    low, high = ctx.arg("low", 0), ctx.arg("high", 1)
    bounds = (0.0 if low is None else arrays.number(low), 1.0 if high is None else arrays.number(high))
    return continuous(ctx, arrays.bounded(*bounds, source=ctx.qualname))


@REGISTRY.function("numpy.linspace")
def linspace(ctx: CallContext) -> Value:
    bounds = arrays.number(ctx.arg("start", 0)), arrays.number(ctx.arg("stop", 1))
    return continuous(ctx, arrays.bounded(*bounds, source="np.linspace"))


@REGISTRY.function("numpy.arange")
def arange(ctx: CallContext) -> Value:
    """A float anywhere makes a grid of continuous values; integer ranges are not labels."""
    given = [arrays.number(value) for value in ctx.args.positional[:3]]
    if not given or any(value is None for value in given) or ctx.args.keywords:
        return UNKNOWN
    start, stop = (0.0, given[0]) if len(given) == 1 else (given[0], given[1])
    values = arrays.bounded(start, stop, source="np.arange")
    if any(isinstance(v, Const) and isinstance(v.value, float) for v in ctx.args.positional[:3]):
        return continuous(ctx, values)
    return Data(values=values, origin=arrays.origin_at(ctx.qualname, ctx.anchor))


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
        return UNKNOWN  # ids not starting at 0, or a constant: not class labels we can name
    return _class_ids(ctx, int(top) - 1, _size(ctx.arg("size", 2)))


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
    return _class_ids(ctx, max(ids), _size(ctx.arg("size", 1)))


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
        if isinstance(part, Data) and part.labels is not None and part.labels.encoding is LabelEncoding.CONTINUOUS:
            return Data(labels=replace(part.labels, values=None))
        constant = arrays.number(part)
        if constant is not None and not constant.is_integer():
            return Data(labels=kf.Labels(encoding=LabelEncoding.CONTINUOUS, source="np.append(...)"))
    return concatenate(ctx) or UNKNOWN


# -- methods on arrays and predictions ------------------------------------


@REGISTRY.method(Data, *RESHAPES)
def reshape(ctx: CallContext) -> Value:
    owner = ctx.receiver
    assert isinstance(owner, Data)
    one_hot = owner.labels is not None and owner.labels.encoding is LabelEncoding.ONE_HOT
    return replace(owner, labels=None) if one_hot else owner


@REGISTRY.method(Data, "argmax")
@REGISTRY.method(Prediction, "argmax")
def argmax_method(ctx: CallContext) -> Value:
    return argmax(ctx.state, ctx.receiver, ctx.arg("axis", 0), ctx.anchor)


@REGISTRY.method(Prediction, "round", "astype")
def process_prediction(ctx: CallContext) -> Value:
    assert isinstance(ctx.receiver, Prediction)
    return Prediction(ctx.receiver.model, processed=True)


REGISTRY.keep(Prediction, (*RESHAPES, "copy", "numpy"))
