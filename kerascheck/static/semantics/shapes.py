"""Array shapes for the library handlers: arithmetic on whole shapes, and the data sets' shapes.

Handlers that create or transform an array (``np.random.rand(1000, 20)``,
``x.reshape(-1, 28, 28, 1)``, ``train_test_split``, ``mnist.load_data()``)
set :attr:`~kerascheck.static.values.Data.shape` with these helpers, in the
module of the library whose call it is. A shape is an
:class:`~kerascheck.facts.ArrayShape`: per sample, the batch axis kept
apart; a single sample indexed out of an array (``x_test[0]``) is
*unbatched*. Everything unknown stays unknown: an absurd shape (negative,
over :data:`~kerascheck.shapes.layers.MAX_ELEMENTS` elements, rank above 8) is
unknown too, never an error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from kerascheck import facts as kf
from kerascheck.shapes.layers import MAX_ELEMENTS, MAX_RANK
from kerascheck.static.keras_api import Args, const_int, const_str
from kerascheck.static.values import UNKNOWN, Const, Data, Filled, Mapping, Ref, Seq, Value

Full = tuple[int | None, ...]  # a whole array's shape, batch axis first

# keras.datasets.<name>.load_data(): ((x_train, y_train), (x_test, y_test)) shapes; None = not an array.
DATASET_SHAPES: dict[str, tuple[tuple[Full | None, Full], tuple[Full | None, Full]]] = {
    "mnist": (((60000, 28, 28), (60000,)), ((10000, 28, 28), (10000,))),
    "fashion_mnist": (((60000, 28, 28), (60000,)), ((10000, 28, 28), (10000,))),
    "cifar10": (((50000, 32, 32, 3), (50000, 1)), ((10000, 32, 32, 3), (10000, 1))),
    "cifar100": (((50000, 32, 32, 3), (50000, 1)), ((10000, 32, 32, 3), (10000, 1))),
    # x: lists of word ids of varying length (pad_sequences gives them a length)
    "imdb": (((25000, None), (25000,)), ((25000, None), (25000,))),
    "reuters": (((None, None), (None,)), ((None, None), (None,))),
    "boston_housing": (((None, 13), (None,)), ((None, 13), (None,))),
}
# scikit-learn's bundled data sets: (samples, features).
SKLEARN_LOADERS = {
    "load_iris": (150, 4),
    "load_digits": (1797, 64),
    "load_breast_cancer": (569, 30),
    "load_wine": (178, 13),
    "load_diabetes": (442, 10),
}
RANDOM_SIZE_POSITION = {
    "numpy.random.random": 0,
    "numpy.random.random_sample": 0,
    "numpy.random.standard_normal": 0,
    "numpy.random.sample": 0,
    "numpy.random.uniform": 2,
    "numpy.random.normal": 2,
    "numpy.random.randint": 2,
    "numpy.random.binomial": 2,
    "numpy.random.poisson": 1,
    "numpy.random.choice": 1,
    "numpy.random.exponential": 1,
}


def sane(full: Full | None) -> Full | None:
    if full is None or len(full) > MAX_RANK or any(d is not None and d < 0 for d in full):
        return None
    known = [d for d in full if d is not None]
    return None if known and math.prod(known) > MAX_ELEMENTS else full


def array(full: Full | None, source: str | None, anchor: kf.Anchor = kf.NOWHERE) -> kf.ArrayShape | None:
    """An array of this whole shape (batch axis first)."""
    full = sane(full)
    if full is None or not full:
        return None
    return kf.ArrayShape(sample=full[1:], count=full[0], source=source, anchor=anchor)


def whole(shape: kf.ArrayShape) -> Full:
    """The whole shape of an array: the batch axis first, unless it is one unbatched sample."""
    return (shape.count, *shape.sample) if shape.batched else shape.sample


def like(shape: kf.ArrayShape, full: Full | None) -> kf.ArrayShape | None:
    """A new array derived from ``shape`` (same source), batched, of this whole shape."""
    return array(full, shape.source, shape.anchor)


def shape_of(value: Value | None) -> kf.ArrayShape | None:
    if isinstance(value, (Data, Filled)):
        return value.shape
    return None


def with_shape(value: Value, shape: kf.ArrayShape | None) -> Value:
    """``value`` carrying ``shape``: a Data/Filled gets it, anything else becomes plain Data."""
    if isinstance(value, (Data, Filled)):
        return replace(value, shape=shape)
    if shape is None:
        return value
    if value is UNKNOWN or isinstance(value, (Const, Seq)):
        return Data(shape=shape)
    return value


def dims_of(value: Value | None) -> Full | None:
    """A shape argument: ``5`` or ``(100, 20)``; None if not all of it is a known non-negative int."""
    single = const_int(value)
    if single is not None:
        return (single,) if single >= 0 else None
    if isinstance(value, Seq):
        dims = [const_int(item) for item in value.items]
        if all(d is not None and d >= 0 for d in dims):
            return tuple(dims)
    return None


def broadcast_keeps(left: kf.ArrayShape, right: kf.ArrayShape) -> bool:
    """Whether ``left op right`` has ``left``'s shape (numpy broadcasting of known dimensions)."""
    a, b = whole(left), whole(right)
    if len(b) > len(a):
        return False
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if y is None or x is None:
            if y != 1 and x != y:
                return False
        elif y != 1 and x != y:
            return False
    return True


def total(dims: Full) -> int | None:
    """The number of elements of a shape, if every dimension is known."""
    return None if any(d is None for d in dims) else math.prod(d for d in dims if d is not None)


def short(qualname: str) -> str:
    for prefix, alias in (("numpy.", "np."), ("tensorflow.", "tf."), ("sklearn.datasets.", ""), ("keras.", "keras.")):
        if qualname.startswith(prefix):
            return alias + qualname[len(prefix) :]
    return qualname


def literal_shape(value: Value) -> Full | None:
    """The shape of a nested list literal of numbers: ``[[1, 2], [3, 4]]`` is (2, 2)."""
    if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
        return ()
    if not isinstance(value, Seq) or not value.items or len(value.items) > 100_000:
        return None
    inner = [literal_shape(item) for item in value.items[:64]]
    if any(s is None for s in inner) or len(set(inner)) != 1:
        return None
    first = inner[0]
    assert first is not None
    return (len(value.items), *first)


# -- pure shape arithmetic ---------------------------------------------------


def reshape(full: Full, target: Full | None, minus_one: bool) -> Full | None:
    """``reshape`` with at most one -1 (given here as ``None`` in ``target`` when ``minus_one``)."""
    if target is None:
        return None
    if any(d is None for d in full):
        return target if not minus_one else None
    total = math.prod(d for d in full if d is not None)
    if not minus_one:
        return target if math.prod(d for d in target if d is not None) == total else None
    known = math.prod(d for d in target if d is not None)
    if known == 0 or total % known:
        return None
    return tuple(total // known if d is None else d for d in target)


def reshape_target(values: list[Value]) -> tuple[Full | None, bool]:
    """The dims of ``reshape(a, b)`` / ``reshape((a, b))``: -1 becomes None; two -1s are unknown."""
    if len(values) == 1 and isinstance(values[0], Seq):
        values = list(values[0].items)
    dims: list[int | None] = []
    for value in values:
        number = const_int(value)
        if number is None or number < -1:
            return None, False
        dims.append(None if number == -1 else number)
    if dims.count(None) > 1:
        return None, False
    return tuple(dims), None in dims


def expand(full: Full, axis: int | None) -> Full | None:
    if axis is None:
        return None
    rank = len(full) + 1
    if not -rank <= axis < rank:
        return None
    position = axis if axis >= 0 else rank + axis
    return (*full[:position], 1, *full[position:])


def squeeze(full: Full, axis: int | None, given: bool) -> Full | None:
    if given:
        if axis is None or not -len(full) <= axis < len(full):
            return None
        position = axis if axis >= 0 else len(full) + axis
        return full[:position] + full[position + 1 :] if full[position] == 1 else None
    if any(d is None for d in full):
        return None
    return tuple(d for d in full if d != 1)


def concatenate(shapes: list[Full], axis: int, stack: bool) -> Full | None:
    if not shapes or len({len(s) for s in shapes}) != 1:
        return None
    rank = len(shapes[0])
    if stack:
        if len(set(shapes)) != 1:
            return None
        position = axis if axis >= 0 else rank + 1 + axis
        if not 0 <= position <= rank:
            return None
        return (*shapes[0][:position], len(shapes), *shapes[0][position:])
    position = axis if axis >= 0 else rank + axis
    if not 0 <= position < rank:
        return None
    result: list[int | None] = []
    for index in range(rank):
        column = [s[index] for s in shapes]
        if index == position:
            result.append(None if any(d is None for d in column) else sum(d for d in column if d is not None))
        elif len(set(column)) == 1:
            result.append(column[0])
        else:
            return None
    return tuple(result)


def split_counts(total: int | None, args: Args) -> tuple[int | None, int | None]:
    """train_test_split's (train, test) sizes, as scikit-learn computes them."""
    if total is None:
        return None, None
    test, train = args.get("test_size"), args.get("train_size")
    test_value = test.value if isinstance(test, Const) else (None if test is None else UNKNOWN)
    train_value = train.value if isinstance(train, Const) else (None if train is None else UNKNOWN)
    if test_value is UNKNOWN or train_value is UNKNOWN:
        return None, None

    def size(value: object, rounding: str) -> int | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, float) and 0 < value < 1:
            return math.ceil(value * total) if rounding == "ceil" else math.floor(value * total)
        if isinstance(value, int) and 0 < value < total:
            return value
        return None

    if test_value is None and train_value is None:
        test_value = 0.25
    n_test = size(test_value, "ceil") if test_value is not None else None
    n_train = size(train_value, "floor") if train_value is not None else None
    if n_test is None and n_train is None:
        return None, None
    if n_train is None:
        assert n_test is not None
        n_train = total - n_test
    if n_test is None:
        n_test = total - n_train
    return n_train, n_test


# -- indexing ----------------------------------------------------------------


def is_new_axis(value: Value) -> bool:
    """``None`` or ``np.newaxis`` in a subscript."""
    if isinstance(value, Const) and value.value is None:
        return True
    return isinstance(value, Ref) and value.qualname == "numpy.newaxis"


def _slice_length(bounds: Sequence[int | None] | None, size: int | None) -> int | None:
    """The length of ``[lower:upper]`` along an axis of ``size``; None if unknown (a step, a variable bound)."""
    if bounds is None or size is None:
        return None
    lower, upper = bounds
    return len(range(*slice(lower, upper).indices(size)))


# ("index", value) / ("slice", (lower, upper) ints or None) / ("ellipsis", UNKNOWN)
Element = tuple[str, "Value | Sequence[int | None] | None"]


def _new(value: Value | Sequence[int | None] | None) -> bool:
    return isinstance(value, Value) and is_new_axis(value)


def index_shape(shape: kf.ArrayShape, elements: Sequence[Element]) -> kf.ArrayShape | None:
    """The shape of ``array[...]``: ints drop an axis, slices shorten it, None/np.newaxis add one."""
    full = list(whole(shape))
    kinds = [kind for kind, _ in elements]
    if kinds.count("ellipsis") > 1:
        return None
    consumed = len([kind for kind, value in elements if kind == "slice" or (kind == "index" and not _new(value))])
    if consumed > len(full):
        return None
    result: list[int | None] = []
    axis = 0
    dropped_first = new_first = False
    for position, (kind, value) in enumerate(elements):
        if kind == "ellipsis":
            skip = len(full) - consumed
            result.extend(full[axis : axis + skip])
            axis += skip
            continue
        if kind == "slice":
            result.append(_slice_length(value if isinstance(value, Sequence) else None, full[axis]))
            axis += 1
            continue
        assert isinstance(value, Value)
        if is_new_axis(value):
            new_first = new_first or (not result and axis == 0)
            result.append(1)
            continue
        number = const_int(value)
        if number is not None:
            size = full[axis]
            if size is not None and not -size <= number < size:
                return None
            dropped_first = dropped_first or (axis == 0 and position == 0)
            axis += 1
            continue
        index = shape_of(value)
        if index is not None and index.batched and not index.sample:
            result.append(index.count)  # a 1-D index array (fancy indexing) keeps the axis
            axis += 1
            continue
        return None
    result.extend(full[axis:])
    new = tuple(result)
    if not shape.batched and not new_first:
        return unbatched(new, shape)
    if dropped_first and not new_first:
        return unbatched(new, shape)
    return like(shape, new)


def unbatched(sample: Full, origin: kf.ArrayShape) -> kf.ArrayShape | None:
    """One sample without its batch axis, of this shape."""
    if sane(sample) is None:
        return None
    return kf.ArrayShape(sample=sample, batched=False, source=origin.source, anchor=origin.anchor)


# -- what data calls give -----------------------------------------------------


def expand_dims_shape(value: Value | None, args: Args) -> kf.ArrayShape | None:
    shape = shape_of(value)
    axis = const_int(args.get("axis", 1))
    if shape is None or axis is None:
        return None
    new = expand(whole(shape), axis)
    if not shape.batched:
        if axis == 0 and new is not None:
            return like(shape, new)
        if new is None:
            return None
        return kf.ArrayShape(sample=new, batched=False, source=shape.source, anchor=shape.anchor)
    return like(shape, new)


def stacked_shape(qualname: str, value: Value | None, args: Args) -> kf.ArrayShape | None:
    if not isinstance(value, Seq) or not value.items:
        return None
    shapes = [shape_of(item) for item in value.items]
    if any(s is None or not s.batched for s in shapes):
        return None
    wholes = [whole(s) for s in shapes if s is not None]
    first = shapes[0]
    assert first is not None
    if qualname == "numpy.vstack":
        wholes = [w if len(w) > 1 else (1, *w) for w in wholes]
        return like(first, concatenate(wholes, 0, False))
    if qualname == "numpy.hstack":
        return like(first, concatenate(wholes, 1 if len(wholes[0]) > 1 else 0, False))
    if qualname == "numpy.column_stack":
        wholes = [w if len(w) > 1 else (*w, 1) for w in wholes]
        return like(first, concatenate(wholes, 1, False))
    axis = const_int(args.get("axis", 1)) if args.get("axis", 1) is not None else 0
    if axis is None:
        return None
    return like(first, concatenate(wholes, axis, qualname == "numpy.stack"))


def one_hot_shape(labels: Value | None, classes: int | None, how: str | None = None) -> kf.ArrayShape | None:
    """The shape of ``labels`` one-hot encoded: one more axis of ``classes`` (a trailing 1 dropped)."""
    shape = shape_of(labels)
    if shape is None or not shape.batched:
        return None
    dims = whole(shape)
    if dims and dims[-1] == 1 and len(dims) > 1:
        dims = dims[:-1]
    return kf.ArrayShape(
        sample=(*dims[1:], classes),
        count=dims[0],
        source=how or (f"to_categorical(..., {classes})" if classes else "to_categorical(...)"),
        anchor=shape.anchor,
    )


def dataset_shapes(name: str, args: Args, result: Value) -> Value:
    shapes = DATASET_SHAPES.get(name)
    if shapes is None or args.has_star or not isinstance(result, Seq) or len(result.items) != 2:
        return result
    if name in ("reuters", "boston_housing", "imdb") and (args.keywords or args.positional):
        if name != "imdb" or any(k not in ("num_words", "maxlen") for k in args.keywords) or args.positional:
            return result
        if "maxlen" in args.keywords:
            shapes = (((None, None), (None,)), ((None, None), (None,)))  # maxlen drops longer reviews
    sides: list[Value] = []
    for side, (x_full, y_full) in zip(result.items, shapes, strict=True):
        if not isinstance(side, Seq) or len(side.items) != 2:
            return result
        where = f"{name}.load_data()"
        x = with_shape(side.items[0], array(x_full, where)) if x_full is not None else side.items[0]
        y = with_shape(side.items[1], array(y_full, where))
        sides.append(Seq((x, y)))
    return Seq(tuple(sides))


def sklearn_shapes(function: str, args: Args, result: Value, anchor: kf.Anchor) -> Value:
    source = f"{function}(...)"
    if function in SKLEARN_LOADERS:
        if any(k not in ("return_X_y", "as_frame") for k in args.keywords) or args.positional:
            return result
        if args.get("as_frame") not in (None, Const(False)):
            return result
        samples, features = SKLEARN_LOADERS[function]
        features_value = _merged(result, 0, Data(shape=array((samples, features), source, anchor)))
        target_value = _merged(result, 1, Data(shape=array((samples,), source, anchor)))
        if args.get("return_X_y") in (None, Const(False)):
            return Mapping((("data", features_value), ("target", target_value)))
        return Seq((features_value, target_value)) if args.get("return_X_y") == Const(True) else result
    defaults = {"make_classification": 20, "make_regression": 100, "make_blobs": 2}
    if function in defaults or function in ("make_moons", "make_circles"):
        count = _param_int(args, "n_samples", 0, 100)
        width = (
            2 if function in ("make_moons", "make_circles") else _param_int(args, "n_features", 1, defaults[function])
        )
        if count is None or width is None:
            return result
        targets = _param_int(args, "n_targets", None, 1) if function == "make_regression" else 1
        y_full: Full = (count,) if targets == 1 else (count, targets)
        x = Data(shape=array((count, width), f"{function}(n_features={width})", anchor))
        y = Data(shape=array(y_full, source, anchor))
        return Seq((_merged(result, 0, x), _merged(result, 1, y)))
    return result


def split_shapes(args: Args, result: Value) -> Value:
    if not isinstance(result, Seq) or len(result.items) != 2 * len(args.positional):
        return result
    shapes = [shape_of(item) for item in args.positional]
    counts = {s.count for s in shapes if s is not None}
    total = counts.pop() if len(counts) == 1 else None
    n_train, n_test = split_counts(total, args)
    items = list(result.items)
    for index, shape in enumerate(shapes):
        if shape is None or not shape.batched:
            continue
        items[2 * index] = with_shape(items[2 * index], replace(shape, count=n_train))
        items[2 * index + 1] = with_shape(items[2 * index + 1], replace(shape, count=n_test))
    return Seq(tuple(items))


def slices_shapes(value: Value | None, result: Value) -> Value:
    """``Dataset.from_tensor_slices(x)`` / ``((x, y))``: elements are single samples until ``.batch()``."""
    if isinstance(value, Seq) and len(value.items) == 2:
        x, y = (shape_of(item) for item in value.items)
    else:
        x, y = shape_of(value), None

    def element(shape: kf.ArrayShape | None) -> kf.ArrayShape | None:
        if shape is None or not shape.batched:
            return None
        return kf.ArrayShape(
            sample=shape.sample,
            batched=False,
            source=f"a tf.data dataset of {shape.source or 'arrays'}",
            anchor=shape.anchor,
        )

    base = result if isinstance(result, Data) else Data(dataset=True)
    return replace(base, dataset=True, shape=element(x), target_shape=element(y))


def image_directory_shapes(args: Args, result: Value) -> Value:
    if not isinstance(result, Data):
        return result
    size_value = args.get("image_size")
    size = (256, 256) if size_value is None else dims_of(size_value)
    mode = args.get("color_mode")
    channels = 3 if mode is None else {"rgb": 3, "rgba": 4, "grayscale": 1}.get(const_str(mode) or "")
    batch = args.get("batch_size")
    if size is None or len(size) != 2 or channels is None or (batch is not None and const_int(batch) is None):
        return result
    source = f"image_dataset_from_directory(image_size={size})"
    x = kf.ArrayShape(sample=(*size, channels), source=source, batched=batch != Const(None))
    label_mode = args.get("label_mode")
    name = "int" if label_mode is None else const_str(label_mode)
    y_sample = {"int": (), "binary": (1,), "categorical": (None,)}.get(name or "")
    y = (
        kf.ArrayShape(sample=y_sample, source=f"label_mode={name!r}", batched=batch != Const(None))
        if y_sample is not None
        else None
    )
    return replace(result, shape=x, target_shape=y)


def generator_shapes(name: str, args: Args, result: Value) -> Value:
    """``ImageDataGenerator().flow_from_directory(target_size=, color_mode=)`` / ``.flow(x, y)``."""
    if not isinstance(result, Data):
        return result
    if name == "flow_from_directory":
        size = dims_of(args.get("target_size", 1)) if args.get("target_size", 1) is not None else (256, 256)
        mode = args.get("color_mode", 2)
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(const_str(mode) or "") if mode is not None else 3
        if size is None or len(size) != 2 or channels is None or args.has_star:
            return result
        source = f"flow_from_directory(target_size={size}, color_mode={const_str(mode) or 'rgb'!r})"
        images = kf.ArrayShape(sample=(*size, channels), source=source)
        class_mode = args.get("class_mode")
        mode_name = "categorical" if class_mode is None else const_str(class_mode)
        y_sample = {"binary": (), "sparse": (), "categorical": (None,)}.get(mode_name or "")
        labels = kf.ArrayShape(sample=y_sample, source=f"class_mode={mode_name!r}") if y_sample is not None else None
        return replace(result, shape=images, target_shape=labels)
    if name == "flow":
        x, y = shape_of(args.get("x", 0)), shape_of(args.get("y", 1))
        return replace(
            result,
            shape=replace(x, count=None) if x is not None and x.batched else None,
            target_shape=replace(y, count=None) if y is not None and y.batched else None,
        )
    return result


def _merged(result: Value, index: int, shaped: Data) -> Value:
    """Item ``index`` of what data_api returned, given the shape in ``shaped``."""
    if isinstance(result, Seq) and len(result.items) > index and isinstance(result.items[index], Data):
        return replace(result.items[index], shape=shaped.shape)  # type: ignore[type-var]
    return shaped


def _param_int(args: Args, name: str, position: int | None, default: int) -> int | None:
    value = args.get(name, position)
    if value is None:
        return default
    number = const_int(value)
    return number if number is not None and number > 0 else None
