"""Facts: what a program does with a Keras model, independent of where it was learned.

Every front-end (source code, a built model, a saved ``.keras`` file) produces
these frozen dataclasses and every rule reads only these. ``None`` in any field
means *unknown*: a rule that needs the value must stay silent.

Each fact carries an :class:`Anchor` saying where it came from. The static
front-end puts the CST node there and resolves it to a line and column only if
a diagnostic is reported (positions are expensive in libcst); the runtime
front-ends put the layer name there.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from kerascheck import vocabulary as kv


@dataclass(frozen=True)
class Anchor:
    """Where a fact came from: an opaque source node and/or a layer name."""

    node: Any = field(default=None, compare=False, hash=False, repr=False)
    layer: str | None = None
    # The source statement holding ``node``: lets positions be computed for it alone.
    statement: Any = field(default=None, compare=False, hash=False, repr=False)

    @property
    def is_known(self) -> bool:
        return self.node is not None or self.layer is not None


NOWHERE = Anchor()

Shape = tuple[int | None, ...]
"""A per-sample shape: every axis after the batch axis; ``None`` is an unknown dimension."""


@dataclass(frozen=True)
class Geometry:
    """The parameters that decide a layer's output shape, read by :mod:`kerascheck.shapes`.

    Defaults are filled in (a ``Conv2D`` with no ``strides`` has ``(1, 1)``); a field
    is ``None`` when the parameter is given but cannot be read (a variable, ``**kwargs``).
    """

    kernel: Shape | None = None
    strides: Shape | None = None
    dilation: Shape | None = None
    padding: str | None = None
    data_format: str | None = None
    pool: Shape | None = None  # pooling windows
    target: Shape | None = None  # Reshape target_shape, Permute dims, UpSampling size, RepeatVector n
    margins: tuple[tuple[int, int], ...] | None = None  # ZeroPadding / Cropping, per spatial axis
    width: int | None = None  # Embedding output_dim, DepthwiseConv depth_multiplier
    axis: int | None = -1  # Concatenate axis (Keras counts the batch axis as 0)
    return_state: bool | None = False
    merge_mode: str | None = "concat"  # Bidirectional; "none" when merge_mode=None (two outputs)
    keepdims: bool | None = False  # global pooling
    inner: Layer | None = None  # the layer a wrapper wraps


@dataclass(frozen=True)
class Layer:
    """One layer as the rules see it.

    ``kind`` is the Keras class name (``"Dense"``, ``"Activation"``, ...) or
    ``None`` for a layer we cannot identify (a custom layer, a call result).
    ``activation`` is the canonical activation name (``"linear"`` for none).
    """

    kind: str | None
    anchor: Anchor = NOWHERE
    units: int | None = None
    activation: str | None = None
    name: str | None = None
    return_sequences: bool | None = None
    input_shape: tuple[int | None, ...] | None = None
    # Names this layer instance in its program: the static front-end numbers layers in the
    # order they are built ("L3"), the runtime front-end uses the layer's unique name.
    key: str | None = field(default=None, compare=False)
    geometry: Geometry | None = None  # None: a layer whose shape rules are not known

    @property
    def label(self) -> str:
        """How messages refer to this layer."""
        shown = self.kind or "layer"
        return f"{shown} {self.name!r}" if self.name else shown


@dataclass(frozen=True)
class Loss:
    """A loss, canonicalised: ``kind`` is a Keras loss function name."""

    kind: str | None
    anchor: Anchor = NOWHERE
    from_logits: bool | None = False


@dataclass(frozen=True)
class Metric:
    """A compiled metric: ``kind`` is canonical (``"accuracy"``, ``"precision"``...)."""

    kind: str | None
    anchor: Anchor = NOWHERE
    has_class_id: bool | None = False


class LabelEncoding(enum.Enum):
    ONE_HOT = "one-hot"
    INTEGER = "integer"
    BINARY = "binary 0/1"
    MULTI_HOT = "multi-hot"
    CONTINUOUS = "continuous"


class DTypeKind(enum.Enum):
    """The kind of an array's elements, as numpy groups them (signed and unsigned are both integers)."""

    BOOL = "bool"
    INTEGER = "integer"
    FLOAT = "float"
    COMPLEX = "complex"
    STRING = "string"
    OTHER = "other"  # objects, dates, records


@dataclass(frozen=True)
class DType:
    """What is known of an array's element type: its kind, and its exact name when certain.

    ``name`` is numpy's name (``"uint8"``, ``"float32"``) and None where only the
    kind is certain: ``np.random.randint`` gives the platform's default integer
    (int64 on Linux and macOS, int32 on Windows before numpy 2), and
    ``to_categorical`` gives float32 or float64 depending on the Keras version.
    """

    kind: DTypeKind
    name: str | None = None

    def __str__(self) -> str:
        return self.name or f"{self.kind.value} (width unknown)"


@dataclass(frozen=True)
class ValueRange:
    """What is known about the values an array holds; every field may be unknown (None).

    ``low``/``high`` bound every value (``[0, 1]`` after ``/ 255``, ``[0, 255]`` for raw
    pixels); ``negative``/``above_one`` say the array is known to *reach* below 0 or
    above 1 even when the bounds are not known (standardised data has negatives).
    ``source`` names what the range comes from, for messages.
    """

    low: float | None = None
    high: float | None = None
    negative: bool | None = None
    above_one: bool | None = None
    source: str | None = None

    @property
    def reaches_negative(self) -> bool:
        return self.negative is True or (self.high is not None and self.high < 0)

    @property
    def reaches_above_one(self) -> bool:
        return self.above_one is True or (self.low is not None and self.low > 1)


@dataclass(frozen=True)
class Labels:
    """What is known about the labels a head is trained on.

    ``scaled_from``/``scaled_by``: class labels of that encoding whose values were
    then changed (``y / 255``, a scaler fitted on them); ``encoding`` is then unknown,
    since the values are no longer class ids. ``values``: the range of the values.
    """

    encoding: LabelEncoding | None = None
    num_classes: int | None = None
    minority_fraction: float | None = None
    anchor: Anchor = NOWHERE
    source: str | None = None  # human words for messages, e.g. "to_categorical(y)"
    scaled_from: LabelEncoding | None = None
    scaled_by: str | None = None
    values: ValueRange | None = None
    # The encoding was read off the values alone (runtime): integer-valued measurements
    # (ages, counts) look like class ids there, so "integer" is weaker than from a label encoder.
    from_values: bool = False


@dataclass(frozen=True)
class Head:
    """One model output with the layer chain that produces it.

    ``units`` and ``activation`` are the *effective* values at the output: a
    trailing ``Activation``/``Softmax`` layer counts, a trailing ``Dropout`` is
    transparent. They are derived from ``chain`` by :func:`effective_output`
    unless a front-end knows better (a saved model's output shape).
    """

    chain: tuple[Layer, ...]
    name: str | None = None
    units: int | None = None
    activation: str | None = None
    activation_anchor: Anchor = NOWHERE
    loss: Loss | None = None
    metrics: tuple[Metric, ...] | None = None
    output_shape: Shape | None = None  # per sample; None when not known

    @property
    def output_layer(self) -> Layer | None:
        return self.chain[-1] if self.chain else None

    @property
    def anchor(self) -> Anchor:
        layer = self.output_layer
        return layer.anchor if layer is not None else NOWHERE


class Split(enum.Enum):
    """The side of a split (``train_test_split``, a dataset's ``load_data``, ``subset=``)."""

    TRAIN = "train"
    TEST = "test"


@dataclass(frozen=True)
class ArrayInfo:
    """What one array (or dataset) given to a call is and where it came from.

    Descriptions, never verdicts: whether training on it is a mistake is a
    rule's decision. Every field is ``None`` (or empty) when unknown.
    """

    name: str | None = None  # the variable passed (``x_test``), if a plain name was passed
    split: Split | None = None  # which side of a split it is (None: not split, or unknown)
    # Arrays given to one call with the same identity are the same object (``fit(x, x)``).
    identity: int | None = None
    slice_of: str | None = None  # the variable it is a slice of (``x_train[-5000:]``)
    slice_rows: tuple[int | None, int | None] | None = None  # that slice's literal (start, stop): (-5000, None)
    # The argument of the same call it is a slice or subset of, as that very object: "x" for
    # ``fit(x, y, validation_data=(x[-20:], ...))`` (a name rebound in between is another object).
    cut_from: str | None = None
    ordered: bool | None = None  # rows in class order (per-class blocks, sorted by label)
    raw_images: bool | None = None  # raw 0-255 pixel values (a loader's images, uint8 data)
    dataset: bool | None = None  # yields (x, y) batches (tf.data, a generator)
    transforms: tuple[str, ...] = ()  # what was applied to it, in order ("rescaled", "shuffled", ...)
    # The data it derives from (one data set loaded, one array split into train and test,
    # image files decoded to pixels): arrays of one origin are sides of the same data.
    origin: str | None = None
    # The value-changing steps since its origin, canonical enough to compare (``/ 255`` and
    # ``* 0.00392157`` are one step); None when some step could not be followed.
    value_steps: tuple[str, ...] | None = None
    values: ValueRange | None = None
    # Its element type, when known: descriptive, so not part of equality (like the anchor).
    dtype: DType | None = field(default=None, compare=False)
    # The argument as written in the call: findings about this array point at it.
    anchor: Anchor = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Fit:
    """One training call (or the data given to ``inspect``) and what it was given.

    ``labels`` is aligned with the model's heads. ``x``/``y`` and the
    validation arrays describe the arguments; ``validation_split`` is the
    fraction Keras holds out (0.0 when absent, None when unknown).
    """

    anchor: Anchor = NOWHERE
    labels: tuple[Labels | None, ...] = ()
    has_validation: bool | None = None
    x: ArrayInfo | None = None
    y: ArrayInfo | None = None
    validation_x: ArrayInfo | None = None
    validation_y: ArrayInfo | None = None
    validation_split: float | None = None
    # The model method: "fit" for training; "evaluate" / "predict" for the calls in
    # ``Model.evaluations`` (evaluate computes the compiled loss on its labels too), or the
    # scikit-learn metric (``classification_report``) that scored its predictions on labels.
    method: str = "fit"


@dataclass(frozen=True)
class ArrayShape:
    """The shape of an array (or of what a dataset or generator yields) given to a model.

    ``sample`` is one sample's shape, the batch axis kept apart; ``count`` the
    number of samples if known. ``batched`` is False for a single sample that has
    lost its batch axis (``x_test[0]``): then ``sample`` is its whole shape and
    Keras would read its first axis as the batch. ``source`` says where the shape
    came from, in words for messages (``"mnist.load_data()"``). ``dtype`` is the
    element type, when known.
    """

    sample: Shape
    count: int | None = None
    batched: bool = True
    source: str | None = None
    dtype: DType | None = field(default=None, compare=False)
    anchor: Anchor = NOWHERE


@dataclass(frozen=True)
class ModelInput:
    """One declared model input: its per-sample shape and where it was declared."""

    shape: Shape | None
    anchor: Anchor = NOWHERE
    name: str | None = None
    source: str | None = None  # e.g. "keras.Input(shape=(10,))", "input_dim=10 of Dense"


@dataclass(frozen=True)
class DataCall:
    """Data handed to the model: ``fit``/``evaluate``/``predict``/a direct call, or ``inspect``.

    ``inputs`` is aligned with the model's inputs and ``targets`` with its heads;
    ``None`` entries (or empty tuples) are unknown.
    """

    method: str
    anchor: Anchor = NOWHERE
    inputs: tuple[ArrayShape | None, ...] = ()
    targets: tuple[ArrayShape | None, ...] = ()
    encodings: tuple[LabelEncoding | None, ...] = ()  # what is known of each target's encoding


@dataclass(frozen=True)
class ShapeConflict:
    """Shape inference found a layer Keras cannot build on the shapes it receives.

    ``kind`` is ``"non-positive"`` (a spatial size shrinks to <= 0) or
    ``"incompatible"`` (inputs of a merge disagree, a Reshape changes the number
    of elements, a layer gets the wrong rank or width). ``detail`` says how, in words.
    """

    kind: str
    layer: Layer
    inputs: tuple[Shape | None, ...]
    detail: str
    anchor: Anchor = NOWHERE
    previous: Layer | None = None  # the layer whose output it gets (on a single-input path)


@dataclass(frozen=True)
class Epoch:
    """One epoch's logs as Keras reports them (``loss``, ``val_loss``, metrics)."""

    index: int
    logs: tuple[tuple[str, float], ...]

    def get(self, key: str) -> float | None:
        return dict(self.logs).get(key)


@dataclass(frozen=True)
class Training:
    """What a training run looked like so far (runtime only: the callback)."""

    epochs: tuple[Epoch, ...] = ()
    has_validation: bool | None = None
    anchor: Anchor = NOWHERE
    # The latest batch logs worth a look (``index`` = batch number in epoch ``len(epochs)``).
    batches: tuple[Epoch, ...] = ()


@dataclass(frozen=True)
class Model:
    """A model: its heads (each with loss and metrics) and where it was made."""

    heads: tuple[Head, ...]
    anchor: Anchor = NOWHERE
    name: str | None = None
    compiled: bool = False
    fits: tuple[Fit, ...] = ()
    compile_anchor: Anchor = NOWHERE
    # What the program does with the model (None: not known, as for a model given at runtime).
    trained: bool | None = None  # fit / train_on_batch / evaluate called on it
    nested: bool = False  # used as a layer of another model
    predicts: bool = False  # predict / load_weights called on it
    # The program's model this fact describes: one key per model, shared by the facts of its
    # compile phases (a model compiled twice gives two facts with one key).
    key: int | None = None
    # evaluate / predict calls after this compile, with their labels and inputs.
    evaluations: tuple[Fit, ...] = ()
    inputs: tuple[ModelInput, ...] = ()  # empty: unknown
    data_calls: tuple[DataCall, ...] = ()

    @property
    def loss_in_use(self) -> bool:
        """False when the compiled loss never trains this model here (it is only nested in
        another model, or only loaded and used for prediction): loss and metric rules stay silent."""
        return not (self.compiled and self.trained is False and (self.nested or self.predicts))

    @property
    def single_head(self) -> Head | None:
        return self.heads[0] if len(self.heads) == 1 else None


@dataclass(frozen=True)
class Argmax:
    """``argmax`` over a model's predictions (``model`` is the model's ``key``)."""

    anchor: Anchor
    model: int | None
    axis: int | None  # None: not given or unknown
    # Inside an `if` that tests an output's width (`model.output_shape[-1] > 1`): the
    # program dispatches on the width, so the argmax may only ever run for wide outputs.
    width_guarded: bool = False


@dataclass(frozen=True)
class Operand:
    """What an argument of an evaluation call holds, as far as it is known."""

    predictions_of: int | None = None  # key of the model whose ``predict`` output this is
    processed: bool | None = None  # predictions turned into labels (argmax, threshold, rounding)
    labels: Labels | None = None  # labels it is known to hold (one-hot, integer, ...)


@dataclass(frozen=True)
class MetricCall:
    """A scikit-learn metric call and what its ``y_true``/``y_pred`` are."""

    anchor: Anchor
    function: str  # the name under ``sklearn.metrics`` (``f1_score``)
    y_true: Operand | None = None
    y_pred: Operand | None = None


@dataclass(frozen=True)
class RemovedApiCall:
    """``model.predict_classes(...)`` / ``predict_proba(...)``: gone from Keras."""

    anchor: Anchor
    method: str
    model: int | None


@dataclass(frozen=True)
class PreprocessingFit:
    """A scikit-learn transformer fitted on some data (``StandardScaler().fit(X)``)."""

    anchor: Anchor
    estimator: str  # the class name
    fitted_on: ArrayInfo | None
    key: int  # referred to by DataSplit.preprocessed_by


@dataclass(frozen=True)
class DataSplit:
    """A ``train_test_split`` call and which preprocessing fits its input arrays went through."""

    anchor: Anchor
    preprocessed_by: tuple[int, ...] = ()  # PreprocessingFit keys, in the order applied


@dataclass(frozen=True)
class ProgramFacts:
    """Everything one front-end learned from one input (file, model, archive)."""

    models: tuple[Model, ...] = ()
    trainings: tuple[Training, ...] = ()
    argmaxes: tuple[Argmax, ...] = ()
    metric_calls: tuple[MetricCall, ...] = ()
    removed_calls: tuple[RemovedApiCall, ...] = ()
    preprocessing_fits: tuple[PreprocessingFit, ...] = ()
    splits: tuple[DataSplit, ...] = ()
    # Layers Keras could not build on the shapes they get (static shape inference only:
    # a model that exists at runtime was built, so it has none).
    shape_conflicts: tuple[ShapeConflict, ...] = ()

    def model_at(self, key: int | None) -> Model | None:
        """The model with this key, as last compiled (None if unknown)."""
        if key is None:
            return None
        found = [model for model in self.models if model.key == key]
        return found[-1] if found else None

    def preprocessing_fit(self, key: int) -> PreprocessingFit | None:
        return next((fit for fit in self.preprocessing_fits if fit.key == key), None)


def is_identity_activation(layer: Layer) -> bool:
    """An activation layer that changes nothing: ``Activation("linear")`` (often a float32 cast)."""
    return layer.kind == "Activation" and layer.activation == "linear"


def effective_output(chain: tuple[Layer, ...]) -> tuple[int | None, str | None, Anchor]:
    """Units, activation and the activation's anchor at the end of a layer chain.

    Walks backwards: inference-time no-ops (Dropout, noise) and identity
    activation layers (``Activation("linear", dtype="float32")``, the
    mixed-precision cast after a softmax) are transparent; a standalone
    activation layer decides the activation but not the units; the first
    layer with units ends the walk. Anything unidentified makes the
    activation unknown, so rules stay silent rather than guess.
    """
    activation: str | None = None
    activation_anchor = NOWHERE
    decided = False
    for layer in reversed(chain):
        if layer.kind in kv.TRANSPARENT_LAYERS or is_identity_activation(layer):
            continue
        if layer.kind in kv.ACTIVATION_LAYERS:
            if not decided:
                activation, activation_anchor, decided = layer.activation, layer.anchor, True
            continue
        if layer.kind in kv.UNIT_LAYERS:
            if not decided:
                activation, activation_anchor = layer.activation, layer.anchor
            return layer.units, activation, activation_anchor
        return None, (activation if decided else None), activation_anchor
    return None, (activation if decided else None), activation_anchor


def make_head(
    chain: tuple[Layer, ...],
    *,
    name: str | None = None,
    loss: Loss | None = None,
    metrics: tuple[Metric, ...] | None = None,
) -> Head:
    """Build a head whose units and activation are derived from its chain."""
    units, activation, activation_anchor = effective_output(chain)
    if name is None and chain:
        name = chain[-1].name
    return Head(
        chain=chain,
        name=name,
        units=units,
        activation=activation,
        activation_anchor=activation_anchor,
        loss=loss,
        metrics=metrics,
    )


LossSpec = Loss | list[Loss | None] | dict[str, Loss | None] | None
"""``compile(loss=...)``: one loss for every head, a list by position, a dict by output name."""
MetricList = tuple[Metric, ...] | list[Metric]
MetricSpec = MetricList | list[MetricList | None] | dict[str, MetricList | None] | None
"""``compile(metrics=...)``: metrics for every head, a list of lists by position, a dict by name;
None when unknown."""


def assign_per_head(spec: object, heads: tuple[Head, ...]) -> tuple[object, ...]:
    """Spread a compile argument (one value, a list or a dict by output name) over heads.

    Keras applies a single loss to every output, a list by position and a dict
    by output name. Anything that does not line up is unknown for every head.
    """
    if isinstance(spec, list):
        if len(spec) != len(heads):
            return (None,) * len(heads)
        return tuple(spec)
    if isinstance(spec, dict):
        return tuple(spec.get(head.name) if head.name is not None else None for head in heads)
    return (spec,) * len(heads)


def with_compile(heads: tuple[Head, ...], loss_spec: LossSpec, metric_spec: MetricSpec) -> tuple[Head, ...]:
    """Heads with the compiled loss and metrics attached, head by head.

    ``metric_spec`` is a tuple of metrics for every head (a flat list of
    ``Metric`` is read the same way), a list of tuples by position, a dict by
    output name, or ``None`` when unknown.
    """
    spread: object = metric_spec
    if isinstance(metric_spec, list) and all(isinstance(m, Metric) for m in metric_spec):
        spread = tuple(metric_spec)
    losses = assign_per_head(loss_spec, heads)
    metrics = assign_per_head(spread, heads)
    return tuple(
        replace(
            head,
            loss=loss if isinstance(loss, Loss) else None,
            metrics=tuple(m) if isinstance(m, (list, tuple)) else None,
        )
        for head, loss, m in zip(heads, losses, metrics, strict=True)
    )
