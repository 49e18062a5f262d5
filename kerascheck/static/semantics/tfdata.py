"""TensorFlow: ``tf.data`` datasets and the ``tf`` functions that touch labels or predictions.

A ``tf.data`` pipeline is a :class:`Data` with ``dataset=True``: it yields
(x, y), so its ``labels`` apply to ``fit(ds)`` with no ``y``. Pipeline steps
that keep elements as they are (batching, caching, shuffling) are a table;
``map`` may rescale pixels or re-encode labels, so it forgets them.
"""

from __future__ import annotations

from dataclasses import replace

from kerascheck import facts as kf
from kerascheck.static.keras_api import const_int
from kerascheck.static.semantics import arrays, shapes
from kerascheck.static.semantics.common import argmax_call, one_hot, rounding_call, shuffled
from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.registry import REGISTRY
from kerascheck.static.values import UNKNOWN, Data, Prediction, Seq, Value

PIPELINE_KEEP = ("cache", "prefetch", "shuffle", "repeat", "take")

REGISTRY.pass_through(
    ("tensorflow.convert_to_tensor", "tensorflow.cast", "tensorflow.constant"),
    kinds=(Data, Prediction),
)
REGISTRY.function("tensorflow.argmax", "tensorflow.math.argmax")(argmax_call)
REGISTRY.function("tensorflow.round", "tensorflow.math.round")(rounding_call)
REGISTRY.keep(Data, PIPELINE_KEEP)


@REGISTRY.function("tensorflow.one_hot")
def tf_one_hot(ctx: CallContext) -> Value:
    return one_hot(const_int(ctx.arg("depth", 1)), ctx.first, ctx.anchor, "tensorflow one_hot(...)")


@REGISTRY.function("tensorflow.expand_dims", "keras.ops.expand_dims")
def expand_dims(ctx: CallContext) -> Value:
    first = ctx.first
    kept = first if isinstance(first, (Data, Prediction)) else UNKNOWN
    return shapes.with_shape(kept, shapes.expand_dims_shape(first, ctx.args))


@REGISTRY.function("tensorflow.reshape", "keras.ops.reshape")
def reshape(ctx: CallContext) -> Value:
    first = ctx.first
    kept = first if isinstance(first, (Data, Prediction)) else UNKNOWN
    shape = shapes.shape_of(first)
    if shape is None or not shape.batched:
        return shapes.with_shape(kept, None)
    target, minus_one = shapes.reshape_target([ctx.arg("shape", 1) or UNKNOWN])
    return shapes.with_shape(kept, shapes.like(shape, shapes.reshape(shapes.whole(shape), target, minus_one)))


@REGISTRY.function("tensorflow.data.Dataset.from_tensor_slices")
def from_tensor_slices(ctx: CallContext) -> Value:
    """A dataset of the arrays' rows: single samples (no batch axis) until ``.batch()``."""
    value = ctx.first
    if isinstance(value, Seq) and len(value.items) == 2:
        x, y = value.items
        labels = y.labels if isinstance(y, Data) else None
        raw = isinstance(x, Data) and x.raw_images
        split = x.split if isinstance(x, Data) else None
        return shapes.slices_shapes(value, Data(labels=labels, raw_images=raw, dataset=True, split=split))
    if isinstance(value, Data) and value.shape is not None:
        return shapes.slices_shapes(value, Data(dataset=True, split=value.split))
    return UNKNOWN


@REGISTRY.method(Data, "batch", "padded_batch", "unbatch")
def batch(ctx: CallContext) -> Value:
    """Batching keeps what a pipeline yields and gives its elements a batch axis."""
    owner = ctx.receiver
    assert isinstance(owner, Data)
    if not owner.dataset or ctx.method == "unbatch":
        return replace(owner, shape=None, target_shape=None)
    x, y = owner.shape, owner.target_shape
    return replace(
        owner,
        shape=replace(x, batched=True, count=None) if x is not None else None,
        target_shape=replace(y, batched=True, count=None) if y is not None else None,
    )


@REGISTRY.function("tensorflow.random.shuffle")
def tf_shuffle(ctx: CallContext) -> Value:
    first = ctx.first
    if first is None:
        return UNKNOWN
    return shuffled(first)


@REGISTRY.method(Data, "map")
def dataset_map(ctx: CallContext) -> Value:
    """``ds.map(f)`` may rescale pixels or re-encode labels; ``series.map`` keeps what we track."""
    owner = ctx.receiver
    assert isinstance(owner, Data)
    return UNKNOWN if owner.dataset else owner


@REGISTRY.function("tensorflow.image.per_image_standardization")
def per_image_standardization(ctx: CallContext) -> Value:
    first = ctx.first
    if not isinstance(first, Data):
        return UNKNOWN
    values = kf.ValueRange(negative=True, source="per_image_standardization")
    return arrays.rescaled(first, "standardised", values, "per_image_standardization").transformed("standardised")
