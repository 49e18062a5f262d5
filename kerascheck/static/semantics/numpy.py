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


@REGISTRY.function(*CONTINUOUS_SOURCES)
def random_floats(ctx: CallContext) -> Value:
    return Data(labels=kf.Labels(encoding=LabelEncoding.CONTINUOUS, anchor=ctx.anchor, source=ctx.qualname))


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
