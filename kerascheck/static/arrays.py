"""Arrays as data: value ranges, rescaled labels and the transforms each array went through.

The data facts the label/metric rules of issue 10 read (KC111, KC204, KC305, KC311-KC313):

- where random and synthetic arrays come from (``np.random.randint``/``choice``: integer
  class labels with a known class count; ``rand``/``normal``/``linspace``/float ``arange``
  and arithmetic on them: continuous targets), and the range of their values;
- class labels whose values were changed (``y / 255``, a scaler fitted on them);
- for every input array, the data it derives from (``origin``) and the value-changing
  steps since then, so a transform applied to ``x_train`` but not to ``x_test`` is visible
  while a helper applied to both (the interpreter follows it) records the same steps;
- slices of an array (``x_train[-5000:]``), to see validation data cut from the training data.

This module is kept apart from ``data_api`` (a few calls there delegate here) so that it
can move as a whole into the library-semantics registry (``kerascheck/static/semantics/``)
once that exists. Every function returns ``None`` for what it does not know.
"""

from __future__ import annotations

import math
from dataclasses import replace

import libcst as cst

from kerascheck import facts as kf
from kerascheck.facts import LabelEncoding, ValueRange
from kerascheck.static.values import UNKNOWN, Const, Data, Ref, Seq, Step, Value

# Encodings whose values are class ids or one-hot cells: rescaling them destroys the classes.
CLASS_ENCODINGS = frozenset({LabelEncoding.INTEGER, LabelEncoding.BINARY, LabelEncoding.ONE_HOT})
# Decoded image files, whatever the loader: two arrays of this origin hold the same kind of pixels.
IMAGE_FILES = "image files"
PIXELS = ValueRange(low=0, high=255, above_one=True, source="raw 0-255 pixels")
_UNIT = ValueRange(low=0, high=1, source="np.random.rand")
_STANDARD = ValueRange(negative=True, above_one=True, source="standard normal values")

_IMAGE_READERS = frozenset(
    {
        "keras.utils.load_img",
        "keras.preprocessing.image.load_img",
        "keras.utils.img_to_array",
        "keras.preprocessing.image.img_to_array",
        "PIL.Image.open",
        "cv2.imread",
        "matplotlib.pyplot.imread",
        "imageio.imread",
        "skimage.io.imread",
    }
)
# Calls that keep an image's pixel values (resizing, conversions).
_PIXEL_PRESERVING = frozenset({"cv2.resize", "cv2.cvtColor", "tensorflow.image.resize", "skimage.transform.resize"})
# Element-wise numpy functions: continuous in, continuous out (with the range they produce).
_CONTINUOUS_MATH: dict[str, ValueRange | None] = {
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
_PYTHON_RANDOM = {
    "random.random": ValueRange(low=0, high=1, source="random.random()"),
    "random.uniform": None,
    "random.gauss": None,
    "random.normalvariate": None,
}
# Functions that standardise or rescale an array, and the range of what they return.
_SCALING_FUNCTIONS: dict[str, tuple[str, ValueRange | None]] = {
    "sklearn.preprocessing.scale": ("standardised", ValueRange(negative=True, source="sklearn scale()")),
    "sklearn.preprocessing.minmax_scale": ("min-max scaled", ValueRange(low=0, high=1, source="minmax_scale()")),
    "sklearn.preprocessing.normalize": ("normalised", None),
    "keras.utils.normalize": ("normalised", None),
    "tensorflow.image.per_image_standardization": (
        "standardised",
        ValueRange(negative=True, source="per_image_standardization"),
    ),
}
# Scaler kinds (data_api.LEAKY_ESTIMATORS) and the range of what their transform returns.
_SCALER_RANGES = {
    "StandardScaler": ValueRange(negative=True, source="StandardScaler"),
    "RobustScaler": ValueRange(negative=True, source="RobustScaler"),
    "MinMaxScaler": ValueRange(low=0, high=1, source="MinMaxScaler"),
    "MaxAbsScaler": ValueRange(low=-1, high=1, source="MaxAbsScaler"),
}
# Scalers that leave 0/1 labels as they are (min 0, max 1 already).
_IDENTITY_ON_BINARY = frozenset({"MinMaxScaler", "MaxAbsScaler"})


def number(value: Value | None) -> float | None:
    """A numeric constant's value (not a bool)."""
    if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
        return float(value.value)
    return None


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
    base = Data(split=data.split, ordered=data.ordered, dataset=data.dataset, origin=data.origin)
    labels = _labels_after(data, op, other, constant, data_on_left)
    if isinstance(other, Data):
        if other.labels is not None and other.labels.encoding is LabelEncoding.CONTINUOUS and labels is None:
            labels = replace(other.labels, values=None)
        origin = data.origin if data.origin == other.origin else None
        return replace(base, labels=labels, origin=origin, transforms=data.transforms)
    affine = _affine_of(op, constant, data_on_left) if constant is not None else None
    steps: tuple[Step, ...] | None = data.transforms
    values: ValueRange | None = None
    if affine is not None:
        steps = add_step(steps, ("affine", *affine))
        values = scaled_range(data.values, *affine)
    elif constant is None and data_on_left and op in ("sub", "div", "mul"):
        steps = add_step(steps, ({"sub": "- a computed value", "div": "/ a computed value"}.get(op, "* ?"), 0.0, 0.0))
    else:
        steps = None
    if labels is not None and labels.encoding is LabelEncoding.CONTINUOUS:
        labels = replace(labels, values=values)
    return replace(base, labels=labels, values=values, transforms=steps)


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


# -- calls ---------------------------------------------------------------------------


def call(qualname: str, args: object, anchor: kf.Anchor) -> Value | None:
    """What a call into numpy / random / image readers / scaling functions returns; None if not ours."""
    from kerascheck.static.keras_api import Args

    assert isinstance(args, Args)
    first = args.positional[0] if args.positional else None
    if qualname == "numpy.random.randint":
        return _randint(args, anchor)
    if qualname == "numpy.random.choice":
        return _choice(args, anchor)
    if qualname in ("numpy.random.rand", "numpy.random.random", "numpy.random.random_sample"):
        return _continuous(anchor, qualname, _UNIT)
    if qualname in ("numpy.random.randn", "numpy.random.standard_normal"):
        return _continuous(anchor, qualname, _STANDARD)
    if qualname == "numpy.random.normal":
        return _continuous(anchor, qualname, _normal_range(args))
    if qualname == "numpy.random.uniform":
        low, high = number(args.get("low", 0)), number(args.get("high", 1))
        low = 0.0 if args.get("low", 0) is None else low
        high = 1.0 if args.get("high", 1) is None else high
        return _continuous(anchor, qualname, _bounded(low, high, qualname))
    if qualname == "numpy.linspace":
        start, stop = number(args.get("start", 0)), number(args.get("stop", 1))
        return _continuous(anchor, qualname, _bounded(start, stop, qualname))
    if qualname == "numpy.arange":
        return _arange(args, anchor)
    if qualname in _PYTHON_RANDOM:
        values = _PYTHON_RANDOM[qualname]
        if qualname == "random.uniform":
            values = _bounded(number(args.get("a", 0)), number(args.get("b", 1)), qualname)
        return _continuous(anchor, qualname, values)
    if qualname in _CONTINUOUS_MATH and isinstance(first, Data):
        if first.labels is not None and first.labels.encoding is LabelEncoding.CONTINUOUS:
            values = _CONTINUOUS_MATH[qualname]
            return replace(first, labels=replace(first.labels, values=values), values=values, transforms=None)
        return None
    if qualname == "numpy.append":
        return _append(args)
    if qualname in _IMAGE_READERS:
        if isinstance(first, Data) and first.origin == IMAGE_FILES:
            return first
        return Data(origin=IMAGE_FILES, values=PIXELS)
    if qualname in _PIXEL_PRESERVING:
        return first if isinstance(first, Data) and first.origin == IMAGE_FILES else None
    if qualname in _SCALING_FUNCTIONS:
        if not isinstance(first, Data):
            return UNKNOWN
        how, values = _SCALING_FUNCTIONS[qualname]
        return transformed(first, how, values, kind=qualname.rsplit(".", 1)[1])
    if qualname.startswith("keras.applications.") and qualname.endswith(".preprocess_input"):
        if not isinstance(first, Data):
            return UNKNOWN
        return transformed(first, f"{qualname}()", None, kind=qualname)
    return None


def _continuous(anchor: kf.Anchor, source: str, values: ValueRange | None) -> Data:
    labels = kf.Labels(encoding=LabelEncoding.CONTINUOUS, anchor=anchor, source=source, values=values)
    return Data(labels=labels, values=values, origin=origin_at(source, anchor))


def _bounded(low: float | None, high: float | None, source: str) -> ValueRange | None:
    if low is None or high is None:
        return None
    low, high = min(low, high), max(low, high)
    return ValueRange(low=low, high=high, negative=True if high < 0 else None, source=source)


def _normal_range(args: object) -> ValueRange | None:
    """Normal samples: known to reach below 0 if centred at or below 0, above 1 if centred at or above 1."""
    from kerascheck.static.keras_api import Args

    assert isinstance(args, Args)
    given = args.get("loc", 0)
    loc = 0.0 if given is None else number(given)
    if loc is None:
        return None
    return ValueRange(
        negative=True if loc <= 0 else None, above_one=True if loc >= 1 else None, source="np.random.normal"
    )


def _size(value: Value | None) -> tuple[int | None, ...] | None:
    """An array shape from ``size=``: ``64`` -> (64,), ``(64, 1)`` -> (64, 1); None if absent/unknown."""
    if value is None or value == Const(None):
        return None
    if isinstance(value, Const) and isinstance(value.value, int):
        return (value.value,)
    if isinstance(value, Seq):
        return tuple(v.value if isinstance(v, Const) and isinstance(v.value, int) else None for v in value.items)
    return (None, None, None)  # unknown: treated as features, never as labels


def _class_ids(top: int, shape: tuple[int | None, ...] | None, anchor: kf.Anchor, source: str) -> Value:
    """Integers 0..top drawn at random: labels if 1-D (or (n, 1)), features otherwise."""
    values = ValueRange(low=0, high=top, above_one=True if top > 1 else None, source=source)
    if shape is None:
        return UNKNOWN  # a scalar
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        labels = kf.Labels(
            encoding=LabelEncoding.BINARY if top == 1 else LabelEncoding.INTEGER,
            num_classes=top + 1,
            anchor=anchor,
            source=source,
        )
        return Data(labels=labels, origin=origin_at(source, anchor))
    return Data(values=values, origin=origin_at(source, anchor))


def _randint(args: object, anchor: kf.Anchor) -> Value:
    from kerascheck.static.keras_api import Args

    assert isinstance(args, Args)
    low, high = number(args.get("low", 0)), args.get("high", 1)
    top = number(high) if high is not None and high != Const(None) else None
    if high is None or high == Const(None):
        low, top = 0.0, low
    if low is None or top is None or low != 0 or top < 2:
        return UNKNOWN  # ids not starting at 0, or a constant: not class labels we can name
    return _class_ids(int(top) - 1, _size(args.get("size", 2)), anchor, "np.random.randint(...)")


def _choice(args: object, anchor: kf.Anchor) -> Value:
    from kerascheck.static.keras_api import Args

    assert isinstance(args, Args)
    pool = args.get("a", 0)
    if isinstance(pool, Const) and isinstance(pool.value, int) and not isinstance(pool.value, bool):
        ids = set(range(pool.value))
    elif isinstance(pool, Seq) and pool.items and all(number(item) is not None for item in pool.items):
        found = [number(item) for item in pool.items]
        if not all(v is not None and v.is_integer() and v >= 0 for v in found):
            return UNKNOWN
        ids = {int(v) for v in found if v is not None}
    else:
        return UNKNOWN
    if len(ids) < 2 or ids != set(range(max(ids) + 1)):
        return UNKNOWN
    return _class_ids(max(ids), _size(args.get("size", 1)), anchor, "np.random.choice(...)")


def _arange(args: object, anchor: kf.Anchor) -> Value:
    """``np.arange`` with a float anywhere is a grid of continuous values; integer ranges are not labels."""
    from kerascheck.static.keras_api import Args

    assert isinstance(args, Args)
    given = [number(value) for value in args.positional[:3]]
    if not given or any(value is None for value in given) or args.keywords:
        return UNKNOWN
    floats = any(isinstance(value, Const) and isinstance(value.value, float) for value in args.positional[:3])
    start, stop = (0.0, given[0]) if len(given) == 1 else (given[0], given[1])
    assert start is not None and stop is not None
    values = _bounded(start, stop, "np.arange(...)")
    if floats:
        return _continuous(anchor, "np.arange(...)", values)
    return Data(values=values, origin=origin_at("np.arange", anchor))


def _append(args: object) -> Value | None:
    """``np.append(y, v)``: continuous if what is appended (or appended to) is continuous."""
    from kerascheck.static.keras_api import Args

    assert isinstance(args, Args)
    parts = [args.get("arr", 0), args.get("values", 1)]
    for part in parts:
        if isinstance(part, Data) and part.labels is not None and part.labels.encoding is LabelEncoding.CONTINUOUS:
            return Data(labels=replace(part.labels, values=None))
        constant = number(part)
        if constant is not None and not constant.is_integer():
            return Data(labels=kf.Labels(encoding=LabelEncoding.CONTINUOUS, source="np.append(...)"))
    return None


def transformed(data: Data, how: str, values: ValueRange | None, kind: str) -> Data:
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
        transforms=add_step(data.transforms, (kind, 0.0, 0.0)),
    )


def scaler_output(data: Data, kind: str, custom_range: bool = False) -> Data:
    """A scikit-learn scaler's ``transform`` / ``fit_transform`` of ``data``."""
    values = None if custom_range else _SCALER_RANGES.get(kind)
    return transformed(data, f"a {kind}", values, kind)


# -- image generators ------------------------------------------------------------------


def generator_steps(args: object) -> tuple[Step, ...] | None:
    """What ``ImageDataGenerator(...)`` does to pixel values, in Keras's order; None if unknown."""
    from kerascheck.static.keras_api import Args

    assert isinstance(args, Args)
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
        origin, before, values = source.origin, source.transforms, source.values
    transforms = add_steps(before, steps)
    if steps is None or any(step[0] != "affine" for step in steps):
        values = None
    else:
        for _kind, scale, shift in steps:
            values = scaled_range(values, scale, shift)
    return {"origin": origin, "transforms": transforms, "values": values}


# -- what fit / evaluate / predict receive -------------------------------------------------


def array_facts(value: Value | None, anchor: kf.Anchor) -> kf.ArrayFacts | None:
    if not isinstance(value, Data) or value.origin is None:
        return None
    return kf.ArrayFacts(origin=value.origin, transforms=describe(value.transforms), values=value.values, anchor=anchor)


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
        return isinstance(inputs, Data) and inputs.slice_of is x
    return False


def data_method(owner: Data, name: str) -> Value | None:
    """Methods of image objects that keep their pixels (PIL ``resize``/``convert``)."""
    if owner.origin == IMAGE_FILES and name in ("resize", "convert"):
        return owner
    return None
