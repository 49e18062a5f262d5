"""Arrays as data: value ranges, rescaled labels, and the steps each array went through.

Shared by the library modules (numpy, scikit-learn, keras, tf) whose handlers create or
change arrays; the facts the label/metric rules read (KC111, KC204, KC305, KC311-KC313):

- the range of an array's values (``[0, 255]`` raw pixels, ``[0, 1]`` after ``/ 255`` or
  a ``MinMaxScaler``, negatives after a ``StandardScaler``), carried through arithmetic;
- continuous values stay continuous under arithmetic (targets computed from them), in
  ``np.append`` and in a list of them built in a loop (``np.array(ys)``);
- class labels whose values were changed (``y / 255``, a scaler fitted on them);
- each array's ``origin`` (the data it derives from) and its value-changing ``steps``
  since then: constant arithmetic folds into one affine step, so ``x / 255`` and
  ``rescale=1/255`` compare equal, and a helper applied to both ``x_train`` and
  ``x_test`` (the interpreter follows it) records the same steps on both;
- the array a slice was cut from (``x_train[-5000:]``).

Every helper returns ``None`` (or unknown steps) for what it cannot follow.
"""

from __future__ import annotations

import math
from dataclasses import replace

import libcst as cst

from kerascheck import facts as kf
from kerascheck.facts import LabelEncoding, ValueRange
from kerascheck.static.keras_api import Args
from kerascheck.static.values import MAYBE_MORE, Const, Data, Ref, Seq, Step, Value

# Encodings whose values are class ids or one-hot cells: rescaling them destroys the classes.
CLASS_ENCODINGS = frozenset({LabelEncoding.INTEGER, LabelEncoding.BINARY, LabelEncoding.ONE_HOT})
# Decoded image files, whatever the loader: two arrays of this origin hold the same kind of pixels.
IMAGE_FILES = "image files"
PIXELS = ValueRange(low=0, high=255, above_one=True, source="raw 0-255 pixels")
# Scaler kinds (of sklearn.LEAKY_ESTIMATORS) and the range of what their transform returns.
_SCALER_RANGES = {
    "StandardScaler": ValueRange(negative=True, source="StandardScaler"),
    "RobustScaler": ValueRange(negative=True, source="RobustScaler"),
    "MinMaxScaler": ValueRange(low=0, high=1, source="MinMaxScaler"),
    "MaxAbsScaler": ValueRange(low=-1, high=1, source="MaxAbsScaler"),
}
_SCALERS = frozenset({*_SCALER_RANGES, "QuantileTransformer", "PowerTransformer"})
# Scalers that leave 0/1 labels as they are (min 0, max 1 already).
_IDENTITY_ON_BINARY = frozenset({"MinMaxScaler", "MaxAbsScaler"})


def number(value: Value | None) -> float | None:
    """A numeric constant's value (not a bool)."""
    if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
        return float(value.value)
    return None


def bounded(low: float | None, high: float | None, source: str) -> ValueRange | None:
    """Values between two known bounds (in either order)."""
    if low is None or high is None:
        return None
    low, high = min(low, high), max(low, high)
    return ValueRange(low=low, high=high, negative=True if high < 0 else None, source=source)


def origin_at(label: str, anchor: kf.Anchor) -> str:
    """A fresh origin for data created by the call at ``anchor``."""
    return f"{label}@{id(anchor.node)}"


# -- value-changing steps ------------------------------------------------------


def add_step(steps: tuple[Step, ...] | None, step: Step) -> tuple[Step, ...] | None:
    """``steps`` followed by ``step``; consecutive constant affine steps fold into one."""
    if steps is None:
        return None
    if step[0] == "affine" and steps and steps[-1][0] == "affine":
        _, scale, shift = steps[-1]
        folded: Step = ("affine", step[1] * scale, step[1] * shift + step[2])
        steps = steps[:-1]
        return steps if _identity(folded) else (*steps, folded)
    return steps if _identity(step) else (*steps, step)


def add_steps(steps: tuple[Step, ...] | None, more: tuple[Step, ...] | None) -> tuple[Step, ...] | None:
    if more is None:
        return None
    for step in more:
        steps = add_step(steps, step)
    return steps


def _identity(step: Step) -> bool:
    return step[0] == "affine" and math.isclose(step[1], 1.0) and math.isclose(step[2], 0.0, abs_tol=1e-12)


def describe(steps: tuple[Step, ...] | None) -> tuple[str, ...] | None:
    """Steps in words, canonical enough to compare (``x / 255`` == ``x * (1 / 255)``)."""
    if steps is None:
        return None
    return tuple(_describe(step) for step in steps)


def _describe(step: Step) -> str:
    kind, scale, shift = step
    if kind != "affine":
        return kind
    if shift == 0:
        return f"/ {1 / scale:.6g}" if 0 < abs(scale) < 1 else f"* {scale:.6g}"
    return f"* {scale:.6g} {'+' if shift >= 0 else '-'} {abs(shift):.6g}"


# -- value ranges ---------------------------------------------------------------


def scaled_range(values: ValueRange | None, scale: float, shift: float) -> ValueRange | None:
    """The range of ``values * scale + shift``."""
    if values is None:
        return None
    low = None if values.low is None else values.low * scale + shift
    high = None if values.high is None else values.high * scale + shift
    if scale < 0:
        low, high = high, low
    negative = values.negative if scale > 0 and shift <= 0 else None
    above_one = values.above_one if scale >= 1 and shift >= 0 else None
    return ValueRange(low=low, high=high, negative=negative, above_one=above_one, source=values.source)


def _affine_of(op: str, constant: float, data_on_left: bool) -> tuple[float, float] | None:
    """(scale, shift) of one constant operation on the data, if it is affine."""
    if op == "mul":
        return constant, 0.0
    if op == "add":
        return 1.0, constant
    if op == "sub":
        return (1.0, -constant) if data_on_left else (-1.0, constant)
    if op == "div" and data_on_left and constant != 0:
        return 1.0 / constant, 0.0
    return None


# -- arithmetic -------------------------------------------------------------------


def arithmetic(left: Value, op: str, right: Value) -> Data | None:
    """``left <op> right`` where one side is data; ``None`` if neither side is.

    Continuous values stay continuous; class labels divided (or multiplied by a
    fraction) become *scaled* class labels; constants fold into one affine step and
    shift the value range; an unknown divisor or subtrahend (``x / x.std()``) is a step
    of its own. Adding other data (noise) is augmentation, not a transform.
    """
    data_on_left = isinstance(left, Data)
    data = left if isinstance(left, Data) else right
    other = right if data_on_left else left
    if not isinstance(data, Data):
        return None
    constant = number(other)
    base = Data(
        split=data.split,
        ordered=data.ordered,
        dataset=data.dataset,
        origin=data.origin,
        transforms=(*data.transforms, "arithmetic"),
    )
    labels = _labels_after(data, op, other, constant, data_on_left)
    if isinstance(other, Data):
        if other.labels is not None and other.labels.encoding is LabelEncoding.CONTINUOUS and labels is None:
            labels = replace(other.labels, values=None)
        origin = data.origin if data.origin == other.origin else None
        return replace(base, labels=labels, origin=origin, steps=data.steps)
    affine = _affine_of(op, constant, data_on_left) if constant is not None else None
    steps: tuple[Step, ...] | None = data.steps
    values: ValueRange | None = None
    if affine is not None:
        steps = add_step(steps, ("affine", *affine))
        values = scaled_range(data.values, *affine)
    elif constant is None and data_on_left and op in ("sub", "div", "mul"):
        steps = add_step(
            steps, ({"sub": "- a computed value", "div": "/ a computed value"}.get(op, "* a computed value"), 0.0, 0.0)
        )
    else:
        steps = None
    if labels is not None and labels.encoding is LabelEncoding.CONTINUOUS:
        labels = replace(labels, values=values)
    return replace(base, labels=labels, values=values, steps=steps)


def _labels_after(data: Data, op: str, other: Value, constant: float | None, data_on_left: bool) -> kf.Labels | None:
    labels = data.labels
    if labels is None:
        return None
    if labels.encoding is LabelEncoding.CONTINUOUS:
        return labels
    if labels.encoding not in CLASS_ENCODINGS or not data_on_left or isinstance(other, Data):
        return None
    if op == "div" and (constant is None or constant not in (0.0, 1.0)):
        how = "divided by a computed value" if constant is None else f"divided by {constant:g}"
    elif op == "mul" and constant is not None and not constant.is_integer():
        if labels.encoding is not LabelEncoding.INTEGER:
            return None  # y * 0.9 + 0.05 on 0/1 or one-hot labels: label smoothing, not a mistake
        how = f"multiplied by {constant:g}"
    else:
        return None  # y - 1 (1-based ids to 0-based) and the like: not followed
    return kf.Labels(
        scaled_from=labels.encoding,
        scaled_by=how,
        num_classes=labels.num_classes,
        anchor=labels.anchor,
        source=labels.source,
    )


def rescaled(data: Data, how: str, values: ValueRange | None, kind: str) -> Data:
    """``data`` after a scaling function or scaler: one step named ``kind``; labels follow."""
    labels = data.labels
    if labels is not None and labels.encoding in CLASS_ENCODINGS:
        if not (labels.encoding is LabelEncoding.BINARY and kind in _IDENTITY_ON_BINARY):
            labels = kf.Labels(
                scaled_from=labels.encoding,
                scaled_by=how,
                num_classes=labels.num_classes,
                anchor=labels.anchor,
                source=labels.source,
            )
    elif labels is not None and labels.encoding is LabelEncoding.CONTINUOUS:
        labels = replace(labels, values=values)
    else:
        labels = None
    return replace(
        data,
        labels=labels,
        raw_images=False,
        values=values,
        steps=add_step(data.steps, (kind, 0.0, 0.0)),
    )


def scaler_output(data: Data, kind: str, custom_range: bool = False) -> Data:
    """A scikit-learn transformer's ``transform`` / ``fit_transform`` of ``data``.

    Scalers change the values (and so rescale class labels); imputers and PCA keep no
    label meaning and no known range.
    """
    if kind not in _SCALERS:
        return replace(data, labels=None, raw_images=False, values=None, steps=add_step(data.steps, (kind, 0, 0)))
    values = None if custom_range else _SCALER_RANGES.get(kind)
    return rescaled(data, f"scaled by a {kind}", values, kind)


# -- image generators ------------------------------------------------------------------


def generator_steps(args: Args) -> tuple[Step, ...] | None:
    """What ``ImageDataGenerator(...)`` does to pixel values, in Keras's order; None if unknown."""
    if args.has_star:
        return None
    steps: tuple[Step, ...] | None = ()
    function = args.get("preprocessing_function")
    if function is not None and function != Const(None):
        if not isinstance(function, Ref):
            return None  # a function of the file: calling it directly records its own steps
        steps = add_step(steps, (f"{function.qualname}()", 0.0, 0.0))
    rescale = args.get("rescale")
    if rescale is not None and rescale != Const(None):
        factor = number(rescale)
        if factor is None:
            return None
        steps = add_step(steps, ("affine", factor, 0.0))
    for flag in (
        "samplewise_center",
        "samplewise_std_normalization",
        "featurewise_center",
        "featurewise_std_normalization",
    ):
        value = args.get(flag)
        if value is None or value == Const(False):
            continue
        if value != Const(True):
            return None
        steps = add_step(steps, (flag.replace("_", " "), 0.0, 0.0))
    return steps


def generator_output(steps: tuple[Step, ...] | None, source: Data | None) -> dict[str, object]:
    """Origin, steps and range of what a generator yields from ``source`` (or image files)."""
    origin: str | None
    before: tuple[Step, ...] | None
    values: ValueRange | None
    if source is None:
        origin, before, values = IMAGE_FILES, (), PIXELS
    else:
        origin, before, values = source.origin, source.steps, source.values
    combined = add_steps(before, steps)
    if steps is None or any(step[0] != "affine" for step in steps):
        values = None
    else:
        for _kind, scale, shift in steps:
            values = scaled_range(values, scale, shift)
    return {"origin": origin, "steps": combined, "values": values}


def merge_grown(first: Value, second: Value) -> Value | None:
    """A loop that may not run left an empty array (or list) on one side and appended data on the other.

    The array is then empty (and trains nothing) or holds what the loop appended: the
    appended data describes every case that matters. A list (``ys = []`` then
    ``ys.append(price * 1.1)``) is followed the same way only when every item appended is
    known continuous (:func:`continuous_items`): the list then holds such items, maybe more
    of them. Anything else is not ours (None).
    """
    for empty, grown in ((first, second), (second, first)):
        if isinstance(empty, Data) and empty.empty and isinstance(grown, Data) and not grown.empty:
            return grown
        started_empty = isinstance(empty, Seq) and empty.closed and not empty.items
        if started_empty and isinstance(grown, Seq) and continuous_items(grown) is not None:
            return Seq((*(item for item in grown.items if item is not MAYBE_MORE), MAYBE_MORE))
    return None


def continuous(value: Value | None, source: str) -> kf.Labels | None:
    """The labels fact of a value known to hold continuous numbers, else None.

    Continuous data (``np.random.rand``, ``linspace``, arithmetic on them) keeps its labels
    (without a value range: what it is combined with may change it); a non-integer constant
    (``0.5``) is continuous, described as ``source``. Integers and unknowns are not.
    """
    if isinstance(value, Data) and value.labels is not None and value.labels.encoding is LabelEncoding.CONTINUOUS:
        return replace(value.labels, values=None)
    constant = number(value)
    if constant is not None and not constant.is_integer():
        return kf.Labels(encoding=LabelEncoding.CONTINUOUS, source=source)
    return None


def continuous_items(items: Seq) -> kf.Labels | None:
    """The labels of a list whose every known item is continuous (``np.array(ys)``); None otherwise.

    One item of unknown nature (an integer, a value read from a file) keeps the list unknown.
    """
    known = [item for item in items.items if item is not MAYBE_MORE]
    labels = [continuous(item, "a list of computed values") for item in known]
    if not labels or any(label is None for label in labels):
        return None
    return labels[0]


def image_file(source: Value | None) -> Data:
    """An image decoded from a file (or converted to an array): raw pixels of origin IMAGE_FILES."""
    if isinstance(source, Data) and source.origin == IMAGE_FILES:
        return source
    return Data(origin=IMAGE_FILES, values=PIXELS)


# -- what fit / evaluate / predict receive -------------------------------------------------


def value_facts(value: Data) -> dict[str, object]:
    """The :class:`~kerascheck.facts.ArrayInfo` fields this module knows about ``value``."""
    known = value.origin is not None
    return {"origin": value.origin, "value_steps": describe(value.steps) if known else None, "values": value.values}


def target_labels(value: Value | None) -> kf.Labels | None:
    """The labels fact of an array given as targets: its labels, with its value range."""
    if not isinstance(value, Data):
        return None
    labels = value.labels
    if labels is None:
        return kf.Labels(values=value.values) if value.values is not None else None
    if labels.values is None and value.values is not None and labels.encoding not in CLASS_ENCODINGS:
        return replace(labels, values=value.values)
    return labels


def scored_labels(value: Value | None) -> kf.Labels | None:
    """What a scikit-learn metric's ``y_true`` tells of the labels of the model whose predictions it scores.

    The class count is the task's; the encoding is not the training one (``y_test`` stays
    integer for ``classification_report`` while ``fit`` gets ``to_categorical(y_train)``),
    so class labels give only their class count. Continuous targets compared with the
    outputs are what the model regresses on: they keep their encoding and range.
    """
    labels = target_labels(value)
    if labels is None:
        return None
    if labels.encoding is LabelEncoding.CONTINUOUS:
        return labels
    if labels.encoding in CLASS_ENCODINGS and labels.num_classes is not None:
        return kf.Labels(num_classes=labels.num_classes, anchor=labels.anchor, source=labels.source)
    return None


def within_training(
    x: Value | None, x_node: cst.BaseExpression | None, validation: Value | None, node: cst.BaseExpression | None
) -> bool:
    """``validation_data`` whose inputs are cut from the very array ``fit`` trains on."""
    if isinstance(node, (cst.Tuple, cst.List)) and node.elements and isinstance(x_node, cst.Name):
        first = node.elements[0].value
        if isinstance(first, cst.Subscript) and isinstance(first.value, cst.Name) and first.value.value == x_node.value:
            return True
    if isinstance(validation, Seq) and validation.items and isinstance(x, Data):
        inputs = validation.items[0]
        return isinstance(inputs, Data) and inputs.parent is x
    return False
