"""Training data -> label facts (encoding, classes, balance) and raw-image detection.

Reads a bounded sample: in-memory arrays are read whole (up to a size cap),
datasets and generators up to :data:`MAX_BATCHES` batches. A sample that is
not the whole data set only yields what a sample can prove: one-hot width and
0/1 encodings, but integer class counts only when the sample is large and
every class in range was seen (a missing top class would otherwise look like
a units/classes mismatch).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from kerascheck import dtypes
from kerascheck import facts as kf

MAX_BATCHES = 20  # batches read from a dataset or generator
MAX_ELEMENTS = 1000  # elements read from an unbatched tf.data pipeline
MAX_LABEL_VALUES = 5_000_000  # label cells read from an in-memory array
IMAGE_SAMPLE = 256  # images looked at for the 0-255 check
_MAX_CLASS_ID = 100_000  # integer labels above this are ids, not classes to count
_PIXEL_RANGE = 32  # non-uint8 integer data must exceed this to look like 0-255 pixels
_TRUSTED_SAMPLE = 1000  # samples needed before a partial sample gives a class count
_BALANCE_SAMPLE = 200  # samples needed before a partial sample gives a class balance
_ROUNDING = 1e-6  # a scaler's float error (1.0000000000000002) does not leave [0, 1]


@dataclass(frozen=True)
class Sample:
    """What was read of the data: ``complete`` when ``y`` is the whole label set."""

    x: Any
    y: Any
    complete: bool
    batched_source: bool = False  # read from a dataset or generator: x and y are batches joined


# -- reading the data ---------------------------------------------------------


def to_numpy(value: Any) -> np.ndarray | None:
    """An array from numpy, a TF/torch/JAX tensor, a list or a pandas object; None if not numeric."""
    if value is None:
        return None
    try:
        if isinstance(value, np.ndarray):
            array = value
        else:
            converter = getattr(value, "numpy", None)
            array = np.asarray(converter() if callable(converter) else value)
    except Exception:
        return None
    return array if array.dtype.kind in "biuf" else None


def _is_dataset(value: Any) -> bool:
    return type(value).__module__.startswith("tensorflow") and hasattr(value, "element_spec")


def _is_batch_source(value: Any) -> bool:
    """A tf.data pipeline, a generator/iterator, or a keras PyDataset / Sequence of batches."""
    if value is None or isinstance(value, (np.ndarray, str, bytes, Mapping, list, tuple)):
        return False
    if _is_dataset(value) or hasattr(value, "__next__"):
        return True
    return _is_indexed_batches(value)


def _is_indexed_batches(value: Any) -> bool:
    return (
        hasattr(value, "__getitem__")
        and hasattr(value, "__len__")
        and not hasattr(value, "shape")
        and any(cls.__name__ in ("PyDataset", "Sequence") for cls in type(value).__mro__)
    )


def _batches(source: Any) -> Iterator[Any]:
    if _is_indexed_batches(source):
        for index in range(min(len(source), MAX_BATCHES)):
            yield source[index]
    else:
        yield from itertools.islice(iter(source), MAX_BATCHES)


def _unbatched(dataset: Any) -> bool:
    """A tf.data pipeline whose elements are single samples (no leading batch dimension)."""
    try:
        spec = dataset.element_spec
        label_spec = spec[1] if isinstance(spec, tuple) and len(spec) >= 2 else spec
        first = next(iter(_flatten_specs(label_spec)))
        return len(first.shape) == 0
    except Exception:
        return False


def _flatten_specs(spec: Any) -> Iterator[Any]:
    if isinstance(spec, Mapping):
        for key in sorted(spec, key=str):
            yield from _flatten_specs(spec[key])
    elif isinstance(spec, (list, tuple)):
        for item in spec:
            yield from _flatten_specs(item)
    else:
        yield spec


def _split_batch(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, (tuple, list)) and len(batch) in (2, 3):
        return batch[0], batch[1]
    return batch, None


def _combine(parts: list[Any], stack: bool) -> Any:
    """Batches joined along the sample axis, structure by structure."""
    if not parts or any(p is None for p in parts):
        return None
    first = parts[0]
    if isinstance(first, Mapping):
        return {key: _combine([p.get(key) if isinstance(p, Mapping) else None for p in parts], stack) for key in first}
    if isinstance(first, (list, tuple)) and not stack:
        if all(isinstance(p, (list, tuple)) and len(p) == len(first) for p in parts):
            return [_combine([p[i] for p in parts], stack) for i in range(len(first))]
        return None
    converted = [to_numpy(p) for p in parts]
    arrays = [a for a in converted if a is not None]
    if len(arrays) != len(converted):
        return None
    try:
        return np.stack(arrays) if stack else np.concatenate([np.atleast_1d(a) for a in arrays])
    except ValueError:
        return arrays[0]  # ragged batches: the first one still says something


def read_sample(x: Any, y: Any) -> Sample:
    """The part of (x, y) the checks look at; datasets and generators give (x, y) batches."""
    source = x if y is None and _is_batch_source(x) else y if _is_batch_source(y) else None
    if source is None:
        labels, truncated = _bounded(y)
        return Sample(x=x, y=labels, complete=not truncated)
    stack = _is_dataset(source) and _unbatched(source)
    xs: list[Any] = []
    ys: list[Any] = []
    try:
        items = itertools.islice(iter(source), MAX_ELEMENTS) if stack else _batches(source)
        for batch in items:
            bx, by = _split_batch(batch)
            xs.append(bx)
            ys.append(by)
    except Exception:
        pass  # a pipeline that fails while being read tells us nothing more
    return Sample(x=_combine(xs, stack), y=_combine(ys, stack), complete=False, batched_source=True)


def _bounded(y: Any) -> tuple[Any, bool]:
    """In-memory labels, cut to :data:`MAX_LABEL_VALUES` cells; (labels, truncated?)."""
    if y is None or isinstance(y, (Mapping, list, tuple)):
        return y, False
    array = to_numpy(y)
    if array is None:
        return None, False
    if array.ndim >= 1 and array.size > MAX_LABEL_VALUES:
        per_row = max(1, array.size // max(1, array.shape[0]))
        return array[: max(1, MAX_LABEL_VALUES // per_row)], True
    return array, False


# -- labels -------------------------------------------------------------------


def labels_per_head(y: Any, heads: tuple[kf.Head, ...]) -> list[tuple[Any, str]]:
    """The labels meant for each head (one array, a list by position, a dict by output name)."""
    count = len(heads)
    if isinstance(y, Mapping):
        return [(y.get(head.name), f"y[{head.name!r}]") for head in heads]
    if isinstance(y, (list, tuple)) and count > 1:
        if len(y) == count:
            return [(item, f"y[{i}]") for i, item in enumerate(y)]
        return [(None, "y")] * count
    if isinstance(y, (list, tuple)) and len(y) == 1 and not np.isscalar(y[0]):
        return [(y[0], "y")]
    return [(y, "y")] if count == 1 else [(None, "y")] * count


def labels_of(values: Any, head: kf.Head | None, *, complete: bool, source: str = "y") -> kf.Labels | None:
    """What one head's labels look like: encoding, number of classes, minority share, value range.

    The encoding is read off the values (``from_values``): integer-valued targets look
    like class ids here whatever they measure. Targets no encoding fits (negative
    integers, images reconstructed by an autoencoder) still carry their value range.
    """
    array = to_numpy(values)
    if array is None or array.size == 0 or array.ndim == 0:
        return None
    if array.dtype.kind == "b":
        array = array.astype(np.int8)
    anchor = kf.Anchor(layer=head.name if head else None)
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        return None
    found = _encoded(array, head, complete, anchor, source)
    values = value_range(array, source, complete)
    if found is None:
        return kf.Labels(anchor=anchor, source=source, values=values, from_values=True)
    return replace(found, values=values, from_values=True)


def _encoded(
    array: np.ndarray, head: kf.Head | None, complete: bool, anchor: kf.Anchor, source: str
) -> kf.Labels | None:
    if array.dtype.kind == "f" and not np.array_equal(array, np.round(array)):
        return kf.Labels(encoding=kf.LabelEncoding.CONTINUOUS, anchor=anchor, source=source)
    if array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1):
        return _vector_labels(array.reshape(-1), head, complete, anchor, source)
    if array.ndim == 2:
        return _matrix_labels(array, complete, anchor, source)
    return None


def value_range(array: np.ndarray, source: str, complete: bool) -> kf.ValueRange:
    """The values seen: bounds only when ``array`` is all of them; reaching <0 or >1 either way."""
    low, high = float(array.min()), float(array.max())
    return kf.ValueRange(
        low=low if complete else None,
        high=high if complete else None,
        negative=low < -_ROUNDING,
        above_one=high > 1 + _ROUNDING,
        source=f"{source} at runtime",
    )


def _vector_labels(
    flat: np.ndarray, head: kf.Head | None, complete: bool, anchor: kf.Anchor, source: str
) -> kf.Labels | None:
    if flat.min() < 0:
        return None
    top = int(flat.max())
    distinct = np.unique(flat) if top > _MAX_CLASS_ID else np.flatnonzero(np.bincount(flat.astype(np.int64)))
    softmax_head = head is not None and head.activation == "softmax" and (head.units or 0) >= 2
    if len(distinct) > 2 or (len(distinct) >= 2 and softmax_head):
        if top > _MAX_CLASS_ID:
            return kf.Labels(encoding=kf.LabelEncoding.INTEGER, anchor=anchor, source=source)
        counts = np.bincount(flat.astype(np.int64), minlength=top + 1)
        # Even "complete" in-memory labels may be a slice the user passed (y[:8]): a class count
        # needs enough rows and every class id up to the largest one present.
        trusted = flat.size >= _TRUSTED_SAMPLE and bool(np.all(counts > 0))
        # A class id beyond the output's width is certain, however few rows show it.
        beyond = head is not None and head.units is not None and top + 1 > head.units
        return kf.Labels(
            encoding=kf.LabelEncoding.INTEGER,
            num_classes=top + 1 if trusted or beyond else None,
            minority_fraction=_minority(counts, flat.size, complete),
            anchor=anchor,
            source=source,
        )
    if top <= 1:
        counts = np.bincount(flat.astype(np.int64), minlength=2)
        return kf.Labels(
            encoding=kf.LabelEncoding.BINARY,
            num_classes=2,
            minority_fraction=_minority(counts, flat.size, complete),
            anchor=anchor,
            source=source,
        )
    return None


def _matrix_labels(array: np.ndarray, complete: bool, anchor: kf.Anchor, source: str) -> kf.Labels | None:
    if not np.all((array == 0) | (array == 1)):
        return None
    columns = array.shape[1]
    if np.all(array.sum(axis=1) == 1):
        counts = array.sum(axis=0).astype(np.int64)
        return kf.Labels(
            encoding=kf.LabelEncoding.ONE_HOT,
            num_classes=columns,
            minority_fraction=_minority(counts, array.shape[0], complete),
            anchor=anchor,
            source=source,
        )
    return kf.Labels(encoding=kf.LabelEncoding.MULTI_HOT, num_classes=columns, anchor=anchor, source=source)


def _minority(counts: np.ndarray, total: int, complete: bool) -> float | None:
    """Share of the rarest class present, from enough labels to say so.

    A class with no sample is not "rare" (it may simply be outside the rows
    given), and a handful of rows says nothing about balance.
    """
    seen = counts[counts > 0]
    if total < _BALANCE_SAMPLE or len(seen) < 2:
        return None
    return float(seen.min()) / total


# -- images -------------------------------------------------------------------


def _main_input(x: Any) -> np.ndarray | None:
    if isinstance(x, Mapping):
        x = next(iter(x.values()), None)
    elif isinstance(x, (list, tuple)) and x and not np.isscalar(x[0]):
        x = x[0]
    return to_numpy(x)


def _image_shaped(shape: Sequence[int]) -> bool:
    if len(shape) == 3:
        return shape[1] >= 8 and shape[2] >= 8
    if len(shape) == 4:
        channels_last = shape[1] >= 8 and shape[2] >= 8 and shape[3] in (1, 3, 4)
        channels_first = shape[1] in (1, 3, 4) and shape[2] >= 8 and shape[3] >= 8
        return channels_last or channels_first
    return False


def _raw_pixels(array: np.ndarray) -> bool:
    """0..255 integer values with a maximum above 1.5 (not already in [0, 1])."""
    sample = array[:IMAGE_SAMPLE]
    if sample.size == 0:
        return False
    if sample.dtype.kind == "f" and not (np.all(np.isfinite(sample)) and np.array_equal(sample, np.round(sample))):
        return False
    low, high = float(sample.min()), float(sample.max())
    if sample.dtype == np.uint8:
        return low >= 0 and high > 1.5
    # Integer-valued floats or ints: pixels only if they use the range (a board of piece ids or
    # small counts is image-shaped but not 0-255 pixels).
    return low >= 0 and _PIXEL_RANGE < high <= 255


def raw_images(x: Any) -> bool | None:
    """Whether the inputs are image-shaped raw 0-255 pixel values (whatever the model does with them)."""
    array = _main_input(x)
    if array is None:
        return None
    return _image_shaped(array.shape) and _raw_pixels(array)


# -- the fit fact -------------------------------------------------------------


def fit_from_data(
    heads: tuple[kf.Head, ...],
    x: Any,
    y: Any,
    *,
    partial: bool = False,
    has_validation: bool | None = None,
    validation_data: Any = None,
    validation_split: float | None = None,
) -> kf.Fit:
    """A :class:`~kerascheck.facts.Fit` for data given with a model (to ``inspect`` or ``fit``).

    The same descriptions the static front-end gives, where the data shows them:
    raw pixels, which arguments are the same object, labels in class order (a
    whole array only), the validation split fraction when ``fit``'s was read.
    """
    sample = read_sample(x, y)
    if partial:
        sample = Sample(x=sample.x, y=sample.y, complete=False, batched_source=sample.batched_source)
    return fit_from_sample(
        heads, sample, x, y, has_validation=has_validation, validation_data=validation_data,
        validation_split=validation_split,
    )  # fmt: skip


def fit_from_sample(
    heads: tuple[kf.Head, ...],
    sample: Sample,
    x: Any,
    y: Any,
    *,
    has_validation: bool | None = None,
    validation_data: Any = None,
    validation_split: float | None = None,
) -> kf.Fit:
    """The Fit fact for what :func:`read_sample` read of (x, y)."""
    labels: tuple[kf.Labels | None, ...] = ()
    if sample.y is not None:
        labels = tuple(
            labels_of(values, head, complete=sample.complete, source=source)
            for head, (values, source) in zip(heads, labels_per_head(sample.y, heads), strict=True)
        )
    return kf.Fit(
        labels=labels,
        has_validation=has_validation,
        x=kf.ArrayInfo(identity=0, raw_images=raw_images(sample.x), dtype=_dtype(x)) if x is not None else None,
        y=kf.ArrayInfo(
            identity=0 if y is x else 1, ordered=_class_ordered(y) if sample.complete else None, dtype=_dtype(y)
        )
        if y is not None
        else None,
        validation_x=_validation_input(validation_data, x, y),
        validation_split=validation_split,
    )


def _dtype(value: Any) -> kf.DType | None:
    """The element type of an array or tensor passed as is (a list or a dataset has none to read)."""
    return dtypes.from_array(getattr(value, "dtype", None))


def _validation_input(validation_data: Any, x: Any, y: Any) -> kf.ArrayInfo | None:
    """``validation_data=(x_val, y_val)``: its inputs, numbered like ``x`` (0) and ``y`` (1) if the same object."""
    if not isinstance(validation_data, (tuple, list)) or not validation_data:
        return None
    first = validation_data[0]
    identity = 0 if first is x and x is not None else 1 if first is y and y is not None else 2
    return kf.ArrayInfo(identity=identity)


def _class_ordered(y: Any) -> bool | None:
    """Labels sorted by class (all of one class, then the next): what ``validation_split`` must not see."""
    if not hasattr(y, "shape") or not hasattr(y, "__array__"):
        return None
    try:
        values = np.asarray(y)
    except Exception:
        return None
    if values.ndim == 2 and values.shape[1] > 1:
        values = values.argmax(axis=1)  # one-hot rows
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1 or len(values) < 4 or values.dtype.kind not in "biuf":
        return None
    if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
        return None  # not class labels (regression targets): "class order" does not apply
    if len(np.unique(values)) > len(values) // 2:
        return None
    steps = np.diff(values)
    return bool(np.any(steps != 0) and (np.all(steps >= 0) or np.all(steps <= 0)))
