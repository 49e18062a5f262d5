"""Abstract values: what the static interpreter knows about an expression.

The interpreter follows a program the way a reader does, one statement after
another, and binds names to these values. ``UNKNOWN`` is an ordinary value:
anything we cannot follow (a call into another module, a loop variable, a
hyper-parameter) becomes ``UNKNOWN`` and stays so, and rules stay silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst

from kerascheck.facts import (
    Anchor,
    ArrayShape,
    DataCall,
    DType,
    Fit,
    Labels,
    Layer,
    Loss,
    LossSpec,
    Metric,
    MetricSpec,
    ModelInput,
    Shape,
    Split,
    ValueRange,
)


class Value:
    """Base of every abstract value."""


class _Unknown(Value):
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Const(Value):
    """A Python literal: int, float, str, bool or None."""

    value: Any


class _MaybeMore(Value):
    _instance: _MaybeMore | None = None

    def __new__(cls) -> _MaybeMore:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MAYBE_MORE"


MAYBE_MORE = _MaybeMore()
"""An item of a :class:`Seq` standing for "zero or more unknown items here".

A list appended to in a loop that may run any number of times
(``for _ in range(n): stack.append(...)``) keeps what is known before and
after: ``[Input, MAYBE_MORE, Dense(10)]``.
"""


@dataclass(frozen=True)
class Seq(Value):
    """A list or tuple: its items in order (``MAYBE_MORE`` where unknown items may be)."""

    items: tuple[Value, ...]

    @property
    def closed(self) -> bool:
        """Whether every item is known to be there (no ``MAYBE_MORE``): lengths and indices hold."""
        return MAYBE_MORE not in self.items


@dataclass(frozen=True)
class Mapping(Value):
    """A dict literal with constant keys (other keys make the whole dict unknown)."""

    items: tuple[tuple[Any, Value], ...]

    def get(self, key: Any) -> Value:
        for k, v in self.items:
            if k == key:
                return v
        return UNKNOWN


@dataclass(frozen=True)
class Ref(Value):
    """A name from an imported module, canonicalised (``keras.layers.Dense``)."""

    qualname: str


@dataclass(frozen=True)
class LayerObj(Value):
    """A layer instance that has not been applied to a tensor yet."""

    layer: Layer


@dataclass(frozen=True)
class Tensor(Value):
    """A symbolic tensor in a functional graph: the layer chain that produced it.

    ``shape`` is its per-sample shape (None: unknown), from :mod:`kerascheck.shapes`.
    """

    chain: tuple[Layer, ...]
    shape: Shape | None = None


@dataclass(frozen=True)
class LossObj(Value):
    loss: Loss


@dataclass(frozen=True)
class MetricObj(Value):
    metric: Metric


@dataclass(frozen=True)
class Function(Value):
    """A function defined in the file, with the scope it closes over."""

    node: cst.FunctionDef
    closure: dict[str, Value] = field(compare=False, hash=False)
    defaults: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True)
class ClassObj(Value):
    """A class defined in the file; ``is_model`` if it subclasses ``keras.Model``."""

    node: cst.ClassDef
    closure: dict[str, Value] = field(compare=False, hash=False)
    is_model: bool = False
    is_layer: bool = False
    methods: tuple[tuple[str, Function], ...] = ()
    # Class attributes assigned in the class body (``class CFG: num_classes = 5``).
    namespace: dict[str, Value] = field(default_factory=dict, compare=False, hash=False)
    # Decorated (``@dataclass``): the constructor may set any attribute, so instances do not
    # fall back to the class attributes.
    decorated: bool = False

    def method(self, name: str) -> Function | None:
        return dict(self.methods).get(name)


class Instance(Value):
    """An instance of a class from the file (``self`` in its methods): mutable attributes."""

    def __init__(self, cls: ClassObj | None) -> None:
        self.cls = cls
        self.attrs: dict[str, Value] = {}


@dataclass(frozen=True)
class Partial(Value):
    """``functools.partial(func, *args, **keywords)``: calling it calls ``func`` with these first."""

    func: Value
    positional: tuple[Value, ...] = ()
    keywords: tuple[tuple[str, Value], ...] = ()
    has_star: bool = False


@dataclass(frozen=True)
class BoundMethod(Value):
    """``obj.name`` where ``obj`` is a model or instance: called later."""

    owner: Value
    name: str


@dataclass(frozen=True)
class Data(Value):
    """An array (or dataset) we know something about.

    ``labels``: what it holds if used as labels. ``raw_images``: 0-255 pixels
    not yet rescaled. ``split``: the side of a split or a dataset loader.
    ``ordered``: built in class order (per-class blocks, or sorted by label).
    ``fitted_by``: keys of the preprocessing fits (scalers, imputers) whose
    statistics this unsplit data went through. ``dataset``: a ``tf.data``-like
    object yielding (x, y), so ``labels`` applies to ``fit(ds)`` with no y.
    ``sliced_from``: the variable this is a slice of. ``transforms``: what was
    applied to it, in order, in words ("rescaled", "shuffled", "one-hot").
    """

    labels: Labels | None = None
    raw_images: bool = False
    split: Split | None = None
    ordered: bool = False
    fitted_by: tuple[int, ...] = ()
    dataset: bool = False
    sorted_by: str | None = None  # a data frame sorted by this column
    sliced_from: str | None = None
    slice_rows: tuple[int | None, int | None] | None = None  # literal (start, stop) of that slice
    transforms: tuple[str, ...] = ()
    # The value facts of ``semantics/arrays.py``: the range of the values, the data it derives
    # from, the value-changing steps since then (None: a step we cannot follow), and, for a
    # slice or subset, the array object it was cut from.
    values: ValueRange | None = None
    origin: str | None = None
    steps: tuple[Step, ...] | None = ()
    parent: Data | None = field(default=None, compare=False, hash=False, repr=False)
    empty: bool = False  # known to hold no rows yet (``np.array([])``, ``np.empty(0)``): grown by appending
    # Its shape (for a dataset or generator: of the inputs it yields) and, for a dataset or
    # generator, the shape of the labels it yields; see kerascheck.static.semantics.shapes.
    shape: ArrayShape | None = None
    target_shape: ArrayShape | None = None
    # Its element type (None: unknown), set by kerascheck.static.semantics.dtypes after each call.
    dtype: DType | None = None

    def transformed(self, step: str) -> Data:
        """This data with one more transform recorded."""
        return replace(self, transforms=(*self.transforms, step))


# One value-changing step: ("affine", scale, shift) for constant arithmetic (folded, so
# ``(x - 127.5) / 127.5`` equals ``x / 127.5 - 1``), else (description, 0.0, 0.0).
Step = tuple[str, float, float]


@dataclass(frozen=True)
class Filled(Value):
    """``np.zeros(n)`` / ``np.ones(n)`` / ``np.full(n, k)``: a block of one constant label."""

    value: object
    shape: ArrayShape | None = None
    dtype: DType | None = None


@dataclass(frozen=True)
class Prediction(Value):
    """``model.predict(...)`` output; ``model`` indexes the interpreter's models."""

    model: int
    processed: bool = False


@dataclass(frozen=True)
class Estimator(Value):
    """A scikit-learn transformer instance (scaler, encoder, imputer)."""

    kind: str
    classes: int | None = None
    fit_key: int | None = None  # the PreprocessingFit of its latest fit
    instance: int = 0  # distinguishes two estimators of the same kind
    custom_range: bool = False  # MinMaxScaler(feature_range=...): the output range is not [0, 1]


@dataclass(frozen=True)
class ImageGenerator(Value):
    """``ImageDataGenerator(...)``; ``rescales`` if it rescales or preprocesses pixels.

    ``steps``: what it does to the pixel values, in order (None: something unknown).
    """

    rescales: bool
    steps: tuple[Step, ...] | None = None


@dataclass(frozen=True)
class Eye(Value):
    """``np.eye(n)``: indexing it with labels one-hot encodes them."""

    size: int | None


class ModelObj(Value):
    """A model under construction: ``add``, ``compile`` and ``fit`` mutate it.

    Identity matters (two variables can name the same model), so this is a
    plain mutable class, turned into an immutable ``facts.Model`` at the end.
    """

    def __init__(self, anchor: Anchor, kind: str, name: str | None = None) -> None:
        self.anchor = anchor
        # Set when the program state registers the model: its position among the program's
        # models (a stable key, in creation order) and the branch depth it was created at.
        self.index = -1
        self.level = 0
        self.kind = kind  # "sequential" | "functional" | "subclass"
        self.name = name
        self.layers: list[Layer] = []  # the Sequential stack
        self.outputs: list[tuple[tuple[Layer, ...], str | None]] = []  # functional heads
        self.loss_spec: LossSpec = None
        self.metric_spec: MetricSpec = None
        self.compiled = False
        self.compile_anchor = Anchor()
        self.fits: list[Fit] = []
        # A model compiled again after training: each earlier (compile, fits) pair is kept,
        # so a fit is judged against the loss it was trained with, not a later one.
        self.earlier_phases: list[tuple[LossSpec, MetricSpec, Anchor, list[Fit]]] = []
        self.trained = False  # fit / train_on_batch / evaluate seen
        self.nested = False  # used as a layer of another model
        self.inference = False  # predict / load_weights seen
        # Shapes (kerascheck.static.semantics.model_shapes): declared inputs, one output shape
        # per head, and the shapes each fit/evaluate/predict got, with its compile phase.
        self.declared_inputs: tuple[ModelInput, ...] = ()
        self.output_shapes: list[Shape | None] = []
        self.data_calls: list[tuple[int, DataCall]] = []
        self.shapes_done = False
        self.built_shape: Shape | None = None  # from model.build((None, ...)), for a model with no Input

    def recompile(self) -> None:
        """Close the current compile phase before a new ``compile``."""
        if self.compiled:
            self.earlier_phases.append((self.loss_spec, self.metric_spec, self.compile_anchor, self.fits))
            self.fits = []

    def chains(self) -> list[tuple[tuple[Layer, ...], str | None]]:
        """Each head's layer chain and output name (none for a loaded model)."""
        if self.kind == "sequential":
            return [(tuple(self.layers), None)] if self.layers else []
        return self.outputs


Env = dict[str, Value]
"""Names bound in one scope (module, function body)."""
