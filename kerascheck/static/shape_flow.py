"""Static shape inference: the shapes of arrays and datasets, and of tensors through layers.

The interpreter asks this module, after each step it evaluates, what the step
does to shapes: a numpy, scikit-learn or Keras data call creates an array of
a known shape (``np.random.rand(1000, 20)``, ``mnist.load_data()``,
``make_classification(n_features=8)``), slicing, ``reshape``,
``expand_dims``, ``[..., None]`` and arithmetic change or keep it, a layer
applied to a tensor gives a new per-sample shape (rules in
:mod:`kerascheck.shapes.layers`), and ``fit``/``evaluate``/``predict`` record
which shapes reached which model (:class:`~kerascheck.facts.DataCall`).

It is a separate module so that each piece can become a handler of the
front-end's registry of library semantics without touching the others.
Everything unknown stays unknown: an absurd shape (negative, over
:data:`~kerascheck.shapes.layers.MAX_ELEMENTS` elements, rank above 8) is
unknown too, never an error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import libcst as cst

from kerascheck import facts as kf
from kerascheck.shapes import describe
from kerascheck.shapes import layers as shape_layers
from kerascheck.shapes.geometry import SAME_SHAPE
from kerascheck.shapes.layers import MAX_ELEMENTS, MAX_RANK
from kerascheck.static.keras_api import Args, const_int, const_str
from kerascheck.static.values import (
    UNKNOWN,
    Const,
    Data,
    Eye,
    Filled,
    ImageGenerator,
    Mapping,
    ModelObj,
    Ref,
    Seq,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    from kerascheck.static.interpreter import Env, Interpreter

Full = tuple[int | None, ...]  # a whole array's shape, batch axis first

# keras.datasets.<name>.load_data(): ((x_train, y_train), (x_test, y_test)) shapes; None = not an array.
_DATASET_SHAPES: dict[str, tuple[tuple[Full | None, Full], tuple[Full | None, Full]]] = {
    "mnist": (((60000, 28, 28), (60000,)), ((10000, 28, 28), (10000,))),
    "fashion_mnist": (((60000, 28, 28), (60000,)), ((10000, 28, 28), (10000,))),
    "cifar10": (((50000, 32, 32, 3), (50000, 1)), ((10000, 32, 32, 3), (10000, 1))),
    "cifar100": (((50000, 32, 32, 3), (50000, 1)), ((10000, 32, 32, 3), (10000, 1))),
    "imdb": ((None, (25000,)), (None, (25000,))),  # x: lists of word ids of varying length
    "reuters": ((None, (None,)), (None, (None,))),
    "boston_housing": (((None, 13), (None,)), ((None, 13), (None,))),
}
# scikit-learn's bundled data sets: (samples, features).
_SKLEARN_LOADERS = {
    "load_iris": (150, 4),
    "load_digits": (1797, 64),
    "load_breast_cancer": (569, 30),
    "load_wine": (178, 13),
    "load_diabetes": (442, 10),
}
_DATA_METHODS = frozenset({"fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch"})
_WITH_TARGETS = frozenset({"fit", "evaluate", "train_on_batch", "test_on_batch"})
_RANDOM_SIZE_POSITION = {
    "numpy.random.random": 0,
    "numpy.random.random_sample": 0,
    "numpy.random.sample": 0,
    "numpy.random.uniform": 2,
    "numpy.random.normal": 2,
    "numpy.random.randint": 2,
    "numpy.random.binomial": 2,
    "numpy.random.poisson": 1,
    "numpy.random.choice": 1,
    "numpy.random.exponential": 1,
}
_KEEP_SHAPE_CALLS = frozenset(
    {
        "numpy.array",
        "numpy.asarray",
        "numpy.copy",
        "numpy.float32",
        "numpy.abs",
        "numpy.log",
        "numpy.log1p",
        "numpy.exp",
        "numpy.sqrt",
        "numpy.clip",
        "tensorflow.convert_to_tensor",
        "tensorflow.cast",
        "tensorflow.constant",
        "keras.ops.convert_to_tensor",
    }
)
_KEEP_SHAPE_METHODS = frozenset({"astype", "copy", "numpy", "clip", "cache", "prefetch", "shuffle", "repeat", "take"})


def _sane(full: Full | None) -> Full | None:
    if full is None or len(full) > MAX_RANK or any(d is not None and d < 0 for d in full):
        return None
    known = [d for d in full if d is not None]
    return None if known and math.prod(known) > MAX_ELEMENTS else full


def _array(full: Full | None, source: str | None, anchor: kf.Anchor = kf.NOWHERE) -> kf.ArrayShape | None:
    """An array of this whole shape (batch axis first)."""
    full = _sane(full)
    if full is None or not full:
        return None
    return kf.ArrayShape(sample=full[1:], count=full[0], source=source, anchor=anchor)


def _whole(shape: kf.ArrayShape) -> Full:
    """The whole shape of an array: the batch axis first, unless it is one unbatched sample."""
    return (shape.count, *shape.sample) if shape.batched else shape.sample


def _like(shape: kf.ArrayShape, full: Full | None) -> kf.ArrayShape | None:
    """A new array derived from ``shape`` (same source), batched, of this whole shape."""
    return _array(full, shape.source, shape.anchor)


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


def _short(qualname: str) -> str:
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


def _concatenate(shapes: list[Full], axis: int, stack: bool) -> Full | None:
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


def _is_new_axis(value: Value, node: cst.BaseExpression) -> bool:
    if isinstance(value, Const) and value.value is None:
        return True
    return isinstance(value, Ref) and value.qualname == "numpy.newaxis"


def _slice_length(part: cst.Slice, size: int | None, interpreter: Interpreter, env: Env) -> tuple[bool, int | None]:
    """(readable, length) of one slice along an axis of ``size``."""
    bounds: list[int | None] = []
    for bound in (part.lower, part.upper, part.step):
        if bound is None:
            bounds.append(None)
            continue
        value = const_int(interpreter.eval(bound, env))
        if value is None:
            return True, None
        bounds.append(value)
    if bounds[2] == 0:
        return False, None
    if size is None:
        if bounds[0] is None and bounds[1] is not None and bounds[1] >= 0 and bounds[2] in (None, 1):
            return True, None  # x[:n] of an unknown length: at most n
        return True, None
    return True, len(range(*slice(*bounds).indices(size)))


def index_shape(shape: kf.ArrayShape, node: cst.Subscript, interpreter: Interpreter, env: Env) -> kf.ArrayShape | None:
    """The shape of ``array[...]``: ints drop an axis, slices shorten it, None/np.newaxis add one."""
    full = list(_whole(shape))
    result: list[int | None] = []
    axis = 0
    elements = list(node.slice)
    ellipses = [i for i, e in enumerate(elements) if isinstance(e.slice, cst.Index) and _is_ellipsis(e.slice.value)]
    if len(ellipses) > 1:
        return None
    consumed = sum(
        1
        for e in elements
        if not (isinstance(e.slice, cst.Index) and _is_ellipsis(e.slice.value))
        and not (isinstance(e.slice, cst.Index) and _is_new_axis(interpreter.eval(e.slice.value, env), e.slice.value))
    )
    if consumed > len(full):
        return None
    dropped_first = False
    new_first = False
    for position, element in enumerate(elements):
        part = element.slice
        if isinstance(part, cst.Index) and _is_ellipsis(part.value):
            skip = len(full) - consumed
            result.extend(full[axis : axis + skip])
            axis += skip
            continue
        if isinstance(part, cst.Slice):
            readable, length = _slice_length(part, full[axis], interpreter, env)
            if not readable:
                return None
            result.append(length)
            axis += 1
            continue
        assert isinstance(part, cst.Index)
        value = interpreter.eval(part.value, env)
        if _is_new_axis(value, part.value):
            if not result and axis == 0:
                new_first = True
            result.append(1)
            continue
        if const_int(value) is not None:
            size = full[axis]
            number = const_int(value)
            assert number is not None
            if size is not None and not -size <= number < size:
                return None
            if axis == 0 and position == 0:
                dropped_first = True
            axis += 1
            continue
        index = shape_of(value)
        if index is not None and index.batched and not index.sample:
            result.append(index.count)  # a 1-D index array (fancy indexing) keeps the axis
            axis += 1
            continue
        return None
    result.extend(full[axis:])
    whole = tuple(result)
    if not shape.batched:
        if new_first:
            return _array(whole, shape.source, shape.anchor)
        return kf.ArrayShape(sample=whole, batched=False, source=shape.source, anchor=shape.anchor)
    if dropped_first and not new_first:
        if _sane(whole) is None:
            return None
        return kf.ArrayShape(sample=whole, batched=False, source=shape.source, anchor=shape.anchor)
    return _like(shape, whole)


def _is_ellipsis(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Ellipsis)


# -- the shape flow of one interpretation -------------------------------------


class ShapeFlow:
    """What one run of the interpreter learned about shapes."""

    def __init__(self, interpreter: Interpreter) -> None:
        self.interpreter = interpreter
        self.conflicts: list[kf.ShapeConflict] = []
        self._conflict_nodes: set[int] = set()
        self._widths: dict[int, int] = {}  # a Dense layer -> the input width it was first called on
        self.calls: dict[int, list[tuple[int, kf.DataCall]]] = {}  # model -> (compile phase, call)
        self.inputs: dict[int, tuple[kf.ModelInput, ...]] = {}
        self.output_shapes: dict[int, list[kf.Shape | None]] = {}
        self._sequential: dict[int, tuple[kf.Shape | None, tuple[kf.ModelInput, ...]]] = {}

    # -- layers and tensors -------------------------------------------------

    def _conflict(
        self,
        layer: kf.Layer,
        inputs: list[kf.Shape | None],
        problem: shape_layers.Problem,
        anchor: kf.Anchor,
        previous: kf.Layer | None = None,
    ) -> None:
        if self.interpreter.conditional:
            return  # inside a branch or loop the shapes may belong to a path that never runs together
        key = id(anchor.node) if anchor.node is not None else id(layer)
        if key in self._conflict_nodes:
            return
        self._conflict_nodes.add(key)
        self.conflicts.append(
            kf.ShapeConflict(
                kind=problem.kind,
                layer=layer,
                inputs=tuple(inputs),
                detail=problem.detail,
                anchor=anchor,
                previous=previous,
            )
        )

    def input_tensor(self, layer: kf.Layer) -> Tensor:
        return Tensor((layer,), shape=shape_layers.apply(layer, []).shape)

    def layer_applied(self, layer: kf.Layer, inputs: Value | None, anchor: kf.Anchor) -> kf.Shape | None:
        """The output shape of ``layer(inputs)`` in a functional graph (recording any conflict)."""
        if isinstance(inputs, Seq):
            shapes = [item.shape if isinstance(item, Tensor) else None for item in inputs.items]
        elif isinstance(inputs, Tensor):
            shapes = [inputs.shape]
        else:
            return None
        outcome = shape_layers.apply(layer, shapes)
        if outcome.problem is not None:
            previous = _feeding(inputs.chain) if isinstance(inputs, Tensor) else None
            where = layer.anchor if layer.anchor.is_known else anchor
            self._conflict(layer, shapes, outcome.problem, where, previous)
            return None
        if layer.kind == "Dense" and len(shapes) == 1 and shapes[0] and (width := shapes[0][-1]) is not None:
            first = self._widths.get(id(layer))
            if first is None:
                if not self.interpreter.conditional:
                    self._widths[id(layer)] = width
            elif first != width:
                detail = (
                    f"{layer.label} was first called on inputs of width {first}, "
                    f"and is called again on {describe(shapes[0])}: a Dense layer's kernel has one input width"
                )
                self._conflict(layer, shapes, shape_layers.Problem(shape_layers.INCOMPATIBLE, detail), anchor)
        return outcome.shape

    def functional(self, model: ModelObj, inputs: Value | None, outputs: Value | None) -> None:
        """Record a functional model's declared inputs and its outputs' shapes."""
        items: list[Value] = []
        if isinstance(inputs, Tensor):
            items = [inputs]
        elif isinstance(inputs, Seq):
            items = list(inputs.items)
        declared: list[kf.ModelInput] = []
        for item in items:
            if not isinstance(item, Tensor) or len(item.chain) != 1 or item.chain[0].kind != "InputLayer":
                declared = []
                break
            declared.append(_model_input(item.chain[0]))
        self.inputs[id(model)] = tuple(declared)
        shapes: list[kf.Shape | None] = []
        if isinstance(outputs, Tensor):
            shapes = [outputs.shape]
        elif isinstance(outputs, Seq):
            shapes = [item.shape if isinstance(item, Tensor) else None for item in outputs.items]
        elif isinstance(outputs, Mapping):
            shapes = [item.shape if isinstance(item, Tensor) else None for _key, item in outputs.items]
        self.output_shapes[id(model)] = shapes

    def _sequential_shapes(self, model: ModelObj) -> tuple[kf.Shape | None, tuple[kf.ModelInput, ...]]:
        key = id(model)
        if key not in self._sequential:
            chain = model.layers
            declared: tuple[kf.ModelInput, ...] = ()
            if (chain and chain[0].kind == "InputLayer") or (chain and chain[0].input_shape is not None):
                declared = (_model_input(chain[0]),)
            outcomes, final = shape_layers.propagate(chain)
            for index, (layer, outcome) in enumerate(zip(chain, outcomes, strict=False)):
                if outcome.problem is not None:
                    given = outcomes[index - 1].shape if index > 0 else None
                    before = _feeding(chain[:index])
                    self._conflict(layer, [given], outcome.problem, layer.anchor, before)
            self._sequential[key] = (final, declared)
        return self._sequential[key]

    def model_shapes(self, model: ModelObj) -> tuple[tuple[kf.ModelInput, ...], list[kf.Shape | None]]:
        """A model's declared inputs and each head's output shape (aligned with ``model.chains()``)."""
        if model.kind == "sequential":
            final, declared = self._sequential_shapes(model)
            return declared, [final] if model.layers else []
        shapes = self.output_shapes.get(id(model), [])
        if len(shapes) != len(model.chains()):
            shapes = [None] * len(model.chains())
        return self.inputs.get(id(model), ()), shapes

    def model_facts(
        self, model: ModelObj, heads: tuple[kf.Head, ...]
    ) -> tuple[tuple[kf.Head, ...], tuple[kf.ModelInput, ...]]:
        declared, shapes = self.model_shapes(model)
        if len(shapes) == len(heads):
            heads = tuple(replace(head, output_shape=shape) for head, shape in zip(heads, shapes, strict=True))
        return heads, declared

    def calls_in_phase(self, model: ModelObj, phase: int) -> tuple[kf.DataCall, ...]:
        return tuple(call for at, call in self.calls.get(id(model), []) if at == phase)

    # -- data handed to a model ---------------------------------------------

    def data_call(self, model: ModelObj, method: str, args: Args, anchor: kf.Anchor) -> None:
        """``model.fit(x, y)`` and friends: which shapes reach which model."""
        if method not in _DATA_METHODS and method != "__call__":
            return
        x = args.get("x", 0) if method != "__call__" else args.get("inputs", 0)
        y = args.get("y", 1) if method in _WITH_TARGETS else None
        inputs: tuple[kf.ArrayShape | None, ...] = ()
        targets: tuple[kf.ArrayShape | None, ...] = ()
        names = (args.node("x", 0), args.node("y", 1))
        if isinstance(x, Data) and x.dataset:
            inputs = (_named(x.shape, names[0]),)
            if y is None:
                targets = (_named(x.target_shape, names[0], "labels of "),)
        elif isinstance(x, (Data, Filled)):
            inputs = (_named(x.shape, names[0]),)
        elif isinstance(x, Seq):
            inputs = tuple(shape_of(item) for item in x.items)
        if isinstance(y, (Data, Filled)) and not (isinstance(y, Data) and y.dataset):
            targets = (_named(y.shape, names[1]),)
        elif isinstance(y, Seq):
            targets = tuple(shape_of(item) for item in y.items)
        if not any(inputs) and not any(targets):
            return
        encodings: tuple[kf.LabelEncoding | None, ...] = ()
        if isinstance(y, Data) and y.labels is not None:
            encodings = (y.labels.encoding,)
        elif y is None and isinstance(x, Data) and x.dataset and x.labels is not None:
            encodings = (x.labels.encoding,)
        elif isinstance(y, Seq):
            encodings = tuple(
                item.labels.encoding if isinstance(item, Data) and item.labels is not None else None for item in y.items
            )
        call = kf.DataCall(method=method, anchor=anchor, inputs=inputs, targets=targets, encodings=encodings)
        self.calls.setdefault(id(model), []).append((len(model.earlier_phases), call))

    # -- values -------------------------------------------------------------

    def attribute(self, owner: Value, name: str) -> Value | None:
        """``x.shape`` as a tuple of known dims, ``x.T``, and ``bunch.data`` of a scikit-learn loader."""
        if isinstance(owner, Mapping) and name in ("data", "target"):
            return owner.get(name)
        shape = shape_of(owner)
        if shape is None or not isinstance(owner, (Data, Filled)):
            return None
        whole = _whole(shape)
        if name == "shape":
            return Seq(tuple(Const(d) if d is not None else UNKNOWN for d in whole))
        if name == "ndim":
            return Const(len(whole))
        if name == "T" and shape.batched:
            return with_shape(owner, _like(shape, tuple(reversed(whole))))
        return None

    def after_subscript(self, value: Value, node: cst.Subscript, env: Env, result: Value) -> Value:
        if isinstance(value, Eye) and value.size is not None and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index):
                labels = shape_of(self.interpreter.eval(index.value, env))
                if labels is not None and labels.batched and not labels.sample:
                    return with_shape(result, _like(labels, (labels.count, value.size)))
            return result
        shape = shape_of(value)
        if shape is None or not isinstance(value, (Data, Filled)):
            return result
        return with_shape(result, index_shape(shape, node, self.interpreter, env))

    def after_binary(self, left: Value, right: Value, result: Value) -> Value:
        """Arithmetic with a number keeps an array's shape; two arrays of one shape keep it."""
        shapes = [shape_of(side) for side in (left, right)]
        numbers = [isinstance(side, Const) and isinstance(side.value, (int, float)) for side in (left, right)]
        if not isinstance(result, (Data, Filled)) and result is not UNKNOWN:
            return result
        if shapes[0] is not None and (numbers[1] or shapes[1] == shapes[0]):
            return with_shape(result, shapes[0])
        if shapes[1] is not None and numbers[0]:
            return with_shape(result, shapes[1])
        return with_shape(result, None) if isinstance(result, (Data, Filled)) else result

    def after_method(self, owner: Value, name: str, args: Args, result: Value) -> Value:
        shape = shape_of(owner)
        if isinstance(owner, ImageGenerator):
            return self._generator(name, args, result)
        if shape is None or not isinstance(owner, (Data, Filled)):
            return result
        if isinstance(owner, Data) and owner.dataset:
            if name in ("batch", "padded_batch"):
                batched = replace(shape, batched=True, count=None)
                target = owner.target_shape
                target = replace(target, batched=True, count=None) if target is not None else None
                return replace(owner, shape=batched, target_shape=target) if isinstance(result, Data) else result
            if name in _KEEP_SHAPE_METHODS:
                return result
            return replace(result, shape=None, target_shape=None) if isinstance(result, Data) else result
        whole = _whole(shape)
        if name in _KEEP_SHAPE_METHODS:
            return with_shape(result, shape)
        if name == "reshape":
            dims, minus_one = reshape_target(list(args.positional))
            new = reshape(whole, dims, minus_one)
            if not shape.batched and not (new and new[0] == 1 and len(new) == len(whole) + 1):
                return with_shape(result, None)
            return with_shape(result, _like(shape, new))
        if name in ("flatten", "ravel"):
            total = None if any(d is None for d in whole) else math.prod(d for d in whole if d is not None)
            return with_shape(result, _like(shape, (total,)) if shape.batched else None)
        if name == "squeeze" and shape.batched:
            axis = args.get("axis", 0)
            return with_shape(result, _like(shape, squeeze(whole, const_int(axis), axis is not None)))
        return with_shape(result, None)

    def _generator(self, name: str, args: Args, result: Value) -> Value:
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
            labels = (
                kf.ArrayShape(sample=y_sample, source=f"class_mode={mode_name!r}") if y_sample is not None else None
            )
            return replace(result, shape=images, target_shape=labels)
        if name == "flow":
            x, y = shape_of(args.get("x", 0)), shape_of(args.get("y", 1))
            return replace(
                result,
                shape=replace(x, count=None) if x is not None and x.batched else None,
                target_shape=replace(y, count=None) if y is not None and y.batched else None,
            )
        return result

    def after_call(self, qualname: str, args: Args, result: Value, anchor: kf.Anchor) -> Value:
        """The shape a numpy / scikit-learn / Keras data call gives its result."""
        if args.has_star:
            return result
        first = args.positional[0] if args.positional else None
        source = f"{_short(qualname)}(...)"
        if qualname in ("numpy.zeros", "numpy.ones", "numpy.empty", "numpy.full"):
            return with_shape(result, _array(dims_of(args.get("shape", 0)), source, anchor))
        if qualname in ("numpy.zeros_like", "numpy.ones_like", "numpy.empty_like", "numpy.full_like"):
            return with_shape(result, shape_of(first))
        if qualname in ("numpy.random.rand", "numpy.random.randn"):
            dims = tuple(const_int(v) for v in args.positional)
            full = dims if args.positional and all(d is not None and d >= 0 for d in dims) else None
            return with_shape(result, _array(full, source, anchor))
        if qualname in _RANDOM_SIZE_POSITION:
            size = args.get("size", _RANDOM_SIZE_POSITION[qualname])
            return with_shape(result, _array(dims_of(size), source, anchor) if size is not None else None)
        if qualname == "numpy.random.permutation":
            count = const_int(first)
            shape = shape_of(first)
            if count is not None:
                return with_shape(result, _array((count,), source, anchor))
            return with_shape(result, shape)
        if qualname == "numpy.arange":
            numbers = [const_int(v) for v in args.positional]
            if args.keywords or not 1 <= len(numbers) <= 3 or any(n is None for n in numbers):
                return result
            bounds = [n for n in numbers if n is not None]
            if len(bounds) == 3 and bounds[2] == 0:
                return result
            return with_shape(result, _array((len(range(*bounds)),), source, anchor))
        if qualname == "numpy.linspace":
            num = args.get("num", 2)
            count = 50 if num is None else const_int(num)
            return with_shape(result, _array((count,), source, anchor) if count is not None else None)
        if qualname in _KEEP_SHAPE_CALLS:
            if isinstance(first, Seq):
                return with_shape(result, _array(literal_shape(first), "a literal array", anchor))
            return with_shape(result, shape_of(first)) if shape_of(first) is not None else result
        if qualname in ("numpy.reshape", "tensorflow.reshape", "keras.ops.reshape"):
            shape = shape_of(first)
            if shape is None or not shape.batched:
                return with_shape(result, None)
            target, minus_one = reshape_target([args.get("newshape", 1) or args.get("shape", 1) or UNKNOWN])
            return with_shape(result, _like(shape, reshape(_whole(shape), target, minus_one)))
        if qualname in ("numpy.expand_dims", "tensorflow.expand_dims", "keras.ops.expand_dims"):
            return with_shape(result, self._expand_dims(first, args))
        if qualname in ("numpy.squeeze", "tensorflow.squeeze"):
            shape = shape_of(first)
            if shape is None or not shape.batched:
                return with_shape(result, None)
            axis = args.get("axis", 1)
            return with_shape(result, _like(shape, squeeze(_whole(shape), const_int(axis), axis is not None)))
        if qualname in ("numpy.transpose",):
            shape = shape_of(first)
            if shape is None or not shape.batched or args.get("axes", 1) is not None:
                return with_shape(result, None)
            return with_shape(result, _like(shape, tuple(reversed(_whole(shape)))))
        if qualname in ("numpy.concatenate", "numpy.stack", "numpy.vstack", "numpy.hstack", "numpy.column_stack"):
            return with_shape(result, self._stacked(qualname, first, args))
        if qualname == "keras.utils.to_categorical":
            return with_shape(result, self._one_hot(args.get("y", 0), const_int(args.get("num_classes", 1))))
        if qualname in ("keras.utils.pad_sequences", "keras.preprocessing.sequence.pad_sequences"):
            seqs = shape_of(first)
            maxlen = args.get("maxlen")
            length = None if maxlen is None else const_int(maxlen)
            if maxlen is not None and length is None:
                return with_shape(result, None)
            count = seqs.count if seqs is not None else None
            return with_shape(result, _array((count, length), source, anchor))
        if qualname.startswith("keras.datasets.") and qualname.endswith(".load_data"):
            return self._dataset(qualname.split(".")[2], args, result)
        if qualname.startswith("sklearn.datasets."):
            return self._sklearn(qualname.rsplit(".", 1)[1], args, result, anchor)
        if qualname == "sklearn.model_selection.train_test_split":
            return self._split(args, result)
        if qualname == "tensorflow.data.Dataset.from_tensor_slices":
            return self._slices(first, result)
        if qualname.endswith("image_dataset_from_directory"):
            return self._image_directory(args, result)
        return result

    def _expand_dims(self, value: Value | None, args: Args) -> kf.ArrayShape | None:
        shape = shape_of(value)
        axis = const_int(args.get("axis", 1))
        if shape is None or axis is None:
            return None
        new = expand(_whole(shape), axis)
        if not shape.batched:
            if axis == 0 and new is not None:
                return _like(shape, new)
            if new is None:
                return None
            return kf.ArrayShape(sample=new, batched=False, source=shape.source, anchor=shape.anchor)
        return _like(shape, new)

    def _stacked(self, qualname: str, value: Value | None, args: Args) -> kf.ArrayShape | None:
        if not isinstance(value, Seq) or not value.items:
            return None
        shapes = [shape_of(item) for item in value.items]
        if any(s is None or not s.batched for s in shapes):
            return None
        wholes = [_whole(s) for s in shapes if s is not None]
        first = shapes[0]
        assert first is not None
        if qualname == "numpy.vstack":
            wholes = [w if len(w) > 1 else (1, *w) for w in wholes]
            return _like(first, _concatenate(wholes, 0, False))
        if qualname == "numpy.hstack":
            return _like(first, _concatenate(wholes, 1 if len(wholes[0]) > 1 else 0, False))
        if qualname == "numpy.column_stack":
            wholes = [w if len(w) > 1 else (*w, 1) for w in wholes]
            return _like(first, _concatenate(wholes, 1, False))
        axis = const_int(args.get("axis", 1)) if args.get("axis", 1) is not None else 0
        if axis is None:
            return None
        return _like(first, _concatenate(wholes, axis, qualname == "numpy.stack"))

    def _one_hot(self, labels: Value | None, classes: int | None) -> kf.ArrayShape | None:
        shape = shape_of(labels)
        if shape is None or not shape.batched:
            return None
        whole = _whole(shape)
        if whole and whole[-1] == 1 and len(whole) > 1:
            whole = whole[:-1]
        return kf.ArrayShape(
            sample=(*whole[1:], classes),
            count=whole[0],
            source=f"to_categorical(..., {classes})" if classes else "to_categorical(...)",
            anchor=shape.anchor,
        )

    def _dataset(self, name: str, args: Args, result: Value) -> Value:
        shapes = _DATASET_SHAPES.get(name)
        if shapes is None or args.has_star or not isinstance(result, Seq) or len(result.items) != 2:
            return result
        if name in ("reuters", "boston_housing", "imdb") and (args.keywords or args.positional):
            if name != "imdb" or any(k not in ("num_words", "maxlen") for k in args.keywords) or args.positional:
                return result
            if "maxlen" in args.keywords:
                shapes = ((None, (None,)), (None, (None,)))  # maxlen drops longer reviews
        sides: list[Value] = []
        for side, (x_full, y_full) in zip(result.items, shapes, strict=True):
            if not isinstance(side, Seq) or len(side.items) != 2:
                return result
            where = f"{name}.load_data()"
            x = with_shape(side.items[0], _array(x_full, where)) if x_full is not None else side.items[0]
            y = with_shape(side.items[1], _array(y_full, where))
            sides.append(Seq((x, y)))
        return Seq(tuple(sides))

    def _sklearn(self, function: str, args: Args, result: Value, anchor: kf.Anchor) -> Value:
        source = f"{function}(...)"
        if function in _SKLEARN_LOADERS:
            if any(k not in ("return_X_y", "as_frame") for k in args.keywords) or args.positional:
                return result
            if args.get("as_frame") not in (None, Const(False)):
                return result
            samples, features = _SKLEARN_LOADERS[function]
            features_value = _merged(result, 0, Data(shape=_array((samples, features), source, anchor)))
            target_value = _merged(result, 1, Data(shape=_array((samples,), source, anchor)))
            if args.get("return_X_y") in (None, Const(False)):
                return Mapping((("data", features_value), ("target", target_value)))
            return Seq((features_value, target_value)) if args.get("return_X_y") == Const(True) else result
        defaults = {"make_classification": 20, "make_regression": 100, "make_blobs": 2}
        if function in defaults or function in ("make_moons", "make_circles"):
            count = _param_int(args, "n_samples", 0, 100)
            width = (
                2
                if function in ("make_moons", "make_circles")
                else _param_int(args, "n_features", 1, defaults[function])
            )
            if count is None or width is None:
                return result
            targets = _param_int(args, "n_targets", None, 1) if function == "make_regression" else 1
            y_full: Full = (count,) if targets == 1 else (count, targets)
            x = Data(shape=_array((count, width), f"{function}(n_features={width})", anchor))
            y = Data(shape=_array(y_full, source, anchor))
            return Seq((_merged(result, 0, x), _merged(result, 1, y)))
        return result

    def _split(self, args: Args, result: Value) -> Value:
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

    def _slices(self, value: Value | None, result: Value) -> Value:
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
                source=f"a tf.data dataset of {shape.source or 'arrays'} with no .batch()",
                anchor=shape.anchor,
            )

        base = result if isinstance(result, Data) else Data(dataset=True)
        return replace(base, dataset=True, shape=element(x), target_shape=element(y))

    def _image_directory(self, args: Args, result: Value) -> Value:
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


def _named(shape: kf.ArrayShape | None, node: cst.BaseExpression | None, prefix: str = "") -> kf.ArrayShape | None:
    """The shape with the argument's variable name in front of its source (``x_train, from ...``)."""
    if shape is None:
        return None
    if isinstance(node, cst.Name):
        origin = f", from {shape.source}" if shape.source else ""
        return replace(shape, source=f"{prefix}{node.value}{origin}")
    return shape


def _feeding(chain: Sequence[kf.Layer]) -> kf.Layer | None:
    """The last layer of a chain that changes shapes (Dropout, normalisation and activations pass through)."""
    for layer in reversed(chain):
        if layer.kind not in SAME_SHAPE:
            return layer
    return None


def _model_input(layer: kf.Layer) -> kf.ModelInput:
    shape = layer.input_shape
    if layer.kind == "InputLayer":
        source = f"declared by Input(shape={describe(shape, batch=False)})" if shape is not None else None
    else:
        source = f"declared on {layer.label}"
    return kf.ModelInput(
        shape=shape_layers.apply(kf.Layer(kind="InputLayer", input_shape=shape, geometry=kf.Geometry()), []).shape,
        anchor=layer.anchor,
        name=layer.name,
        source=source,
    )
