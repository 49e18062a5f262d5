"""Keras: layers, models, losses, metrics, model methods, ``keras.utils`` and datasets.

Constructors (``keras.layers.<Class>``, ``Sequential``, ``Model``, losses and
metrics) run at :attr:`Precedence.KERAS_BUILD`; any other call on a symbolic
tensor is a step of the functional graph (:attr:`Precedence.TENSOR_OP`); the
data helpers (``to_categorical``, ``load_data``, directory datasets,
``ImageDataGenerator``) are ordinary library handlers.
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from kerascheck import facts as kf
from kerascheck import vocabulary as kv
from kerascheck.facts import LabelEncoding, Split
from kerascheck.static.keras_api import (
    Args,
    const_int,
    const_str,
    loss_spec_of,
    make_layer,
    make_loss,
    make_metric,
    metric_spec_of,
    shape_of,
)
from kerascheck.static.semantics import arrays, model_shapes, shapes
from kerascheck.static.semantics.common import argmax_call, describe, given, is_number, one_hot
from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.registry import REGISTRY, Precedence
from kerascheck.static.values import (
    UNKNOWN,
    Const,
    Data,
    Filled,
    ImageGenerator,
    LayerObj,
    Mapping,
    ModelObj,
    Prediction,
    Seq,
    Tensor,
    Value,
)

UNKNOWN_LAYER = kf.Layer(kind=None)
MODEL_CLASSES = frozenset({"keras.Model", "keras.models.Model"})
LAYER_BASES = frozenset({"keras.layers.Layer"})
_SEQUENTIAL = ("keras.Sequential", "keras.models.Sequential")

# keras.datasets.<name>.load_data(): (label encoding, classes, raw images?)
_DATASETS: dict[str, tuple[LabelEncoding, int | None, bool]] = {
    "mnist": (LabelEncoding.INTEGER, 10, True),
    "fashion_mnist": (LabelEncoding.INTEGER, 10, True),
    "cifar10": (LabelEncoding.INTEGER, 10, True),
    "cifar100": (LabelEncoding.INTEGER, 100, True),
    "imdb": (LabelEncoding.BINARY, 2, False),
    "reuters": (LabelEncoding.INTEGER, 46, False),
    "boston_housing": (LabelEncoding.CONTINUOUS, None, False),
}
_DIRECTORY_LABEL_MODES = {
    "int": LabelEncoding.INTEGER,
    "categorical": LabelEncoding.ONE_HOT,
    "binary": LabelEncoding.BINARY,
}
# ImageDataGenerator.flow_from_directory(class_mode=...): the labels it yields.
_CLASS_MODES = {
    "categorical": LabelEncoding.ONE_HOT,
    "binary": LabelEncoding.BINARY,
    "sparse": LabelEncoding.INTEGER,
}
# Model methods that use the compiled loss, and ones that only run the model.
_TRAINING_METHODS = ("fit", "fit_generator", "train_on_batch", "evaluate", "evaluate_generator", "test_on_batch")
_INFERENCE_METHODS = ("predict", "predict_on_batch", "predict_generator", "load_weights")


def _member(qualname: str, namespace: str) -> str | None:
    """``Dense`` for ``keras.layers.Dense`` in namespace ``keras.layers``; None for other names."""
    head, _, member = qualname.rpartition(".")
    return member if head == namespace and member[:1].isupper() else None


# -- the functional graph -------------------------------------------------


def chain_of(value: Value | None) -> tuple[kf.Layer, ...]:
    """The layer chain leading to a functional-graph input (main path of a merge)."""
    if isinstance(value, Tensor):
        return value.chain
    if isinstance(value, Seq) and value.items:
        return chain_of(value.items[0])
    return (UNKNOWN_LAYER,)


def layers_of(value: Value) -> tuple[kf.Layer, ...]:
    """The layers one Sequential entry contributes (a nested model adds its own)."""
    if isinstance(value, LayerObj):
        return (value.layer,)
    if isinstance(value, Tensor):  # keras.Input(...) inside Sequential([...])
        return value.chain
    if isinstance(value, ModelObj):
        value.nested = True
        chains = value.chains()
        if len(chains) == 1:
            return chains[0][0]
    return (UNKNOWN_LAYER,)


def first_input(args: Args) -> Value | None:
    return args.get("inputs", 0)


@REGISTRY.function("keras.Input", "keras.layers.Input", precedence=Precedence.KERAS_BUILD)
def input_tensor(ctx: CallContext) -> Value:
    layer = make_layer("Input", ctx.args, ctx.anchor)
    if not isinstance(layer, LayerObj):
        return UNKNOWN
    return model_shapes.input_tensor(replace(layer.layer, key=ctx.state.layer_key()))


@REGISTRY.family(
    "keras.layers.<Class>", lambda q: _member(q, "keras.layers") is not None, precedence=Precedence.KERAS_BUILD
)
def layer(ctx: CallContext) -> Value:
    made = make_layer(ctx.qualname.rpartition(".")[2], ctx.args, ctx.anchor)
    return LayerObj(replace(made.layer, key=ctx.state.layer_key())) if isinstance(made, LayerObj) else made


@REGISTRY.method(LayerObj, "__call__")
def apply_layer(ctx: CallContext) -> Value:
    assert isinstance(ctx.receiver, LayerObj)
    inputs = first_input(ctx.args)
    shape = model_shapes.applied(ctx.state, ctx.receiver.layer, inputs, ctx.anchor)
    return Tensor((*chain_of(inputs), ctx.receiver.layer), shape=shape)


# keras.layers.concatenate([a, b], axis=-1) and friends: the merge layer, built and applied at once.
_MERGE_FUNCTIONS = {
    "concatenate": "Concatenate",
    "add": "Add",
    "subtract": "Subtract",
    "multiply": "Multiply",
    "average": "Average",
    "maximum": "Maximum",
    "minimum": "Minimum",
}


@REGISTRY.function(*(f"keras.layers.{name}" for name in _MERGE_FUNCTIONS), precedence=Precedence.KERAS_BUILD)
def merge_function(ctx: CallContext) -> Value | None:
    inputs = first_input(ctx.args)
    if not isinstance(inputs, Seq) or not any(isinstance(item, Tensor) for item in inputs.items):
        return None
    # The layer's own arguments follow the inputs (``axis`` is the function's second parameter).
    own = Args(ctx.args.positional[1:], ctx.args.keywords, ctx.args.has_star, None)
    made = make_layer(_MERGE_FUNCTIONS[ctx.qualname.rsplit(".", 1)[1]], own, ctx.anchor)
    if not isinstance(made, LayerObj):
        return None
    merge = replace(made.layer, key=ctx.state.layer_key())
    shape = model_shapes.applied(ctx.state, merge, inputs, ctx.anchor)
    return Tensor((*chain_of(inputs), merge), shape=shape)


@REGISTRY.family("any call on a symbolic tensor", lambda q: True, precedence=Precedence.TENSOR_OP)
def tensor_operation(ctx: CallContext) -> Value | None:
    """``tf.nn.softmax(x)``: an activation step; any other function of a tensor: an unknown layer."""
    first = ctx.first
    if not isinstance(first, Tensor):
        return None
    activation = kv.activation_from_callable(ctx.qualname)
    axis = ctx.arg("axis", 1)
    if axis is not None and axis != Const(-1):
        activation = None  # tf.nn.softmax(x, axis=1): over another axis (attention pooling)
    if activation is not None:
        step = kf.Layer(kind="Activation", anchor=ctx.anchor, activation=activation)
        return Tensor((*first.chain, step), shape=first.shape)
    return Tensor((*first.chain, UNKNOWN_LAYER))


# -- models ---------------------------------------------------------------


@REGISTRY.function(*_SEQUENTIAL, precedence=Precedence.KERAS_BUILD)
def sequential(ctx: CallContext) -> Value:
    model = ctx.state.register(ModelObj(ctx.anchor, "sequential", const_str(ctx.arg("name"))))
    layers = ctx.arg("layers", 0)
    if isinstance(layers, Seq):
        for item in layers.items:
            model.layers.extend(layers_of(item))
    elif layers is not None and layers != Const(None):
        model.layers.append(UNKNOWN_LAYER)
    return model


@REGISTRY.function(*MODEL_CLASSES, precedence=Precedence.KERAS_BUILD)
def functional(ctx: CallContext) -> Value:
    outputs = ctx.arg("outputs", 1)
    if outputs is None:
        outputs = ctx.arg("output")  # Keras 1's Model(input=..., output=...), accepted up to Keras 2.2
    if outputs is None:
        return UNKNOWN
    model = ctx.state.register(ModelObj(ctx.anchor, "functional", const_str(ctx.arg("name"))))
    model_shapes.declare_functional(model, ctx.arg("inputs", 0), outputs)
    if isinstance(outputs, Tensor):
        model.outputs.append((outputs.chain, None))
    elif isinstance(outputs, Seq) and outputs.closed:
        model.outputs.extend((chain_of(item), None) for item in outputs.items)
    elif isinstance(outputs, Mapping):
        model.outputs.extend((chain_of(item), str(key)) for key, item in outputs.items)
    else:
        model.outputs.append(((UNKNOWN_LAYER,), None))
    return model


@REGISTRY.function("keras.models.load_model", "keras.saving.load_model", precedence=Precedence.KERAS_BUILD)
def load_model(ctx: CallContext) -> Value:
    return ctx.state.register(ModelObj(ctx.anchor, "loaded"))


@REGISTRY.method(ModelObj, "__call__")
def apply_model(ctx: CallContext) -> Value:
    """A model used as a layer of another model: its layers join the outer chain."""
    model = ctx.receiver
    assert isinstance(model, ModelObj)
    inputs = first_input(ctx.args)
    if isinstance(inputs, (Data, Filled)):  # model(x) on an array: a prediction, not a layer
        model.inference = True
        model_shapes.record_data_call(model, "__call__", ctx.args, ctx.anchor)
        return UNKNOWN
    model.nested = True
    chains = model.chains()
    if len(chains) != 1:
        return Tensor((*chain_of(inputs), UNKNOWN_LAYER))
    inner = tuple(layer for layer in chains[0][0] if layer.kind != "InputLayer")
    return Tensor(chain_of(inputs) + inner)


@REGISTRY.family(
    "keras.losses.<Class>", lambda q: _member(q, "keras.losses") is not None, precedence=Precedence.KERAS_BUILD
)
def loss_object(ctx: CallContext) -> Value:
    return make_loss(ctx.qualname.rpartition(".")[2], ctx.args, ctx.anchor)


@REGISTRY.family(
    "keras.metrics.<Class>", lambda q: _member(q, "keras.metrics") is not None, precedence=Precedence.KERAS_BUILD
)
def metric_object(ctx: CallContext) -> Value:
    return make_metric(ctx.qualname.rpartition(".")[2], ctx.args, ctx.anchor)


# -- model methods --------------------------------------------------------


def _model(ctx: CallContext) -> ModelObj:
    assert isinstance(ctx.receiver, ModelObj)
    return ctx.receiver


@REGISTRY.method(ModelObj, "add")
def model_add(ctx: CallContext) -> Value:
    model = _model(ctx)
    layer = ctx.arg("layer", 0)
    added = layers_of(layer) if layer is not None else (UNKNOWN_LAYER,)
    if ctx.state.changed_conditionally(model):
        added = (UNKNOWN_LAYER,)
    model.layers.extend(added)
    return Const(None)


@REGISTRY.method(ModelObj, "compile")
def model_compile(ctx: CallContext) -> Value:
    model = _model(ctx)
    model.recompile()
    model.compiled = True
    model.compile_anchor = ctx.anchor
    if ctx.state.changed_conditionally(model):
        model.loss_spec, model.metric_spec = kf.Loss(kind=None, anchor=ctx.anchor), None
    else:
        model.loss_spec = loss_spec_of(ctx.arg("loss", 1), ctx.anchor)
        model.metric_spec = metric_spec_of(ctx.arg("metrics"), ctx.anchor)
    return Const(None)


@REGISTRY.method(ModelObj, "fit", "fit_generator", "train_on_batch")
def model_fit(ctx: CallContext) -> Value:
    model = _model(ctx)
    model.trained = True
    model.fits.append(fit_fact(model, ctx.args, ctx.anchor))
    model_shapes.record_data_call(model, ctx.method, ctx.args, ctx.anchor)
    return UNKNOWN


@REGISTRY.method(ModelObj, "evaluate", "evaluate_generator", "test_on_batch")
def model_evaluate(ctx: CallContext) -> Value:
    model = _model(ctx)
    model.trained = True
    model_shapes.record_data_call(model, ctx.method, ctx.args, ctx.anchor)
    if ctx.method == "evaluate":
        model.fits.append(evaluation_fact(model, ctx.method, ctx.args, ctx.anchor))
    return UNKNOWN


@REGISTRY.method(ModelObj, *_INFERENCE_METHODS)
def model_predict(ctx: CallContext) -> Value:
    model = _model(ctx)
    model.inference = True
    model_shapes.record_data_call(model, ctx.method, ctx.args, ctx.anchor)
    if ctx.method in ("predict", "predict_on_batch"):
        model.fits.append(evaluation_fact(model, ctx.method, ctx.args, ctx.anchor))
        return Prediction(model.index)
    return UNKNOWN


@REGISTRY.method(ModelObj, "build")
def model_build(ctx: CallContext) -> Value:
    """``model.build((None, 10))`` declares the input of a model that has none (a subclass, a bare Sequential)."""
    model = _model(ctx)
    if not ctx.state.conditional:
        model_shapes.declare_built(model, shape_of(ctx.arg("input_shape", 0)))
    return Const(None)


@REGISTRY.method(ModelObj, "predict_classes", "predict_proba")
def removed_prediction_api(ctx: CallContext) -> Value:
    model = _model(ctx)
    ctx.state.removed_calls.append(kf.RemovedApiCall(anchor=ctx.anchor, method=ctx.method, model=model.index))
    return UNKNOWN


REGISTRY.methods_on(ModelObj)


# -- fit ------------------------------------------------------------------


def fit_fact(model: ModelObj, args: Args, anchor: kf.Anchor) -> kf.Fit:
    """What a ``fit`` was given: labels per head, the arrays and their origin, validation."""
    x, y = args.get("x", 0), args.get("y", 1)
    heads = model.chains()
    labels = labels_per_head(x, y, heads)
    labels = with_class_weight(labels, args.get("class_weight"))
    validation_data = args.get("validation_data")
    validation_split = args.get("validation_split")
    has_validation: bool | None = given(validation_data) or given(validation_split)
    passed = "validation_data" in args.keywords or "validation_split" in args.keywords
    if args.has_star and not passed:
        has_validation = None  # fit(x, y, **options): maybe
    split: float | None = None
    if validation_split is None:
        split = 0.0
    elif isinstance(validation_split, Const) and is_number(validation_split.value):
        split = float(validation_split.value)
    validation_x = validation_y = None
    if isinstance(validation_data, Seq) and validation_data.items:
        validation_x = validation_data.items[0]
        validation_y = validation_data.items[1] if len(validation_data.items) > 1 else None
    elif validation_data is not None:
        validation_x = UNKNOWN
    # Name the validation arrays only when written as a literal (x_val, y_val) in the call.
    node = args.node("validation_data", None)
    elements = node.elements if isinstance(node, (cst.Tuple, cst.List)) else ()
    vx_node = elements[0].value if elements else None
    vy_node = elements[1].value if len(elements) > 1 else None
    identities = _identities((x, y, validation_x, validation_y))
    return kf.Fit(
        anchor=anchor,
        labels=labels,
        has_validation=has_validation,
        x=describe(x, args.node("x", 0), identities[0], anchor.statement),
        y=describe(y, args.node("y", 1), identities[1], anchor.statement),
        validation_x=_cut_from_x(
            describe(validation_x, vx_node, identities[2], anchor.statement),
            arrays.within_training(x, args.node("x", 0), validation_data, node),
        ),
        validation_y=describe(validation_y, vy_node, identities[3], anchor.statement),
        validation_split=split,
    )


def evaluation_fact(model: ModelObj, method: str, args: Args, anchor: kf.Anchor) -> kf.Fit:
    """An ``evaluate``/``predict`` call (kept in ``Model.evaluations``): inputs, and labels scored."""
    x = args.get("x", 0)
    labels: tuple[kf.Labels | None, ...] = ()
    if method == "evaluate":
        labels = labels_per_head(x, args.get("y", 1), model.chains())
    return kf.Fit(anchor=anchor, labels=labels, method=method, x=describe(x, args.node("x", 0)))


def _cut_from_x(info: kf.ArrayInfo | None, cut: bool) -> kf.ArrayInfo | None:
    """The validation inputs' description, saying so when they are cut from ``fit``'s ``x``."""
    return replace(info, cut_from="x") if info is not None and cut else info


def _identities(values: tuple[Value | None, ...]) -> tuple[int | None, ...]:
    """Number the tracked arrays among ``values`` so that the same object gets the same number."""
    seen: list[Value] = []
    numbers: list[int | None] = []
    for value in values:
        if not isinstance(value, Data):
            numbers.append(None)
            continue
        for index, other in enumerate(seen):
            if other is value:
                numbers.append(index)
                break
        else:
            numbers.append(len(seen))
            seen.append(value)
    return tuple(numbers)


def labels_per_head(
    x: Value | None, y: Value | None, heads: list[tuple[tuple[kf.Layer, ...], str | None]]
) -> tuple[kf.Labels | None, ...]:
    if y is None and isinstance(x, Data) and x.dataset:
        y = Data(labels=x.labels)
    if len(heads) == 1:
        return (_labels_of(y),)
    if isinstance(y, Seq) and len(y.items) == len(heads):
        return tuple(item.labels if isinstance(item, Data) else None for item in y.items)
    if isinstance(y, Mapping):
        # Keys are output names: the model's own (outputs={...}) or the output layers' names.
        names = [name or (chain[-1].name if chain else None) for chain, name in heads]
        return tuple(_labels_of(y.get(name)) if name else None for name in names)
    return (None,) * len(heads)


def with_class_weight(labels: tuple[kf.Labels | None, ...], weights: Value | None) -> tuple[kf.Labels | None, ...]:
    """A literal ``class_weight`` says how rare the rarest class is (weights ~ 1/frequency)."""
    if len(labels) != 1 or not isinstance(weights, Mapping) or len(weights.items) < 2:
        return labels
    values = [w.value for _k, w in weights.items if isinstance(w, Const) and is_number(w.value)]
    if len(values) != len(weights.items) or min(values) <= 0:
        return labels
    inverse = [1 / w for w in values]
    minority = min(inverse) / sum(inverse)
    current = labels[0] or kf.Labels(source="class_weight")
    if current.minority_fraction is None:
        current = replace(current, minority_fraction=minority)
    if current.num_classes is None:
        current = replace(current, num_classes=len(values))
    return (current,)


def _labels_of(value: Value | None) -> kf.Labels | None:
    return arrays.target_labels(value)


# -- keras.utils, keras.datasets, image preprocessing ---------------------


@REGISTRY.function("keras.utils.to_categorical")
def to_categorical(ctx: CallContext) -> Value:
    classes = const_int(ctx.arg("num_classes", 1))
    encoded = one_hot(classes, ctx.arg("y", 0), ctx.anchor, "to_categorical(...)")
    return shapes.with_shape(encoded, shapes.one_hot_shape(ctx.arg("y", 0), classes))


@REGISTRY.function("keras.utils.pad_sequences", "keras.preprocessing.sequence.pad_sequences")
def pad_sequences(ctx: CallContext) -> Value:
    """``pad_sequences(seqs, maxlen=200)``: (samples, 200); without ``maxlen`` the length is unknown."""
    sequences = shapes.shape_of(ctx.first)
    maxlen = ctx.arg("maxlen")
    length = None if maxlen is None else const_int(maxlen)
    if (maxlen is not None and length is None) or ctx.args.has_star:
        return UNKNOWN
    count = sequences.count if sequences is not None else None
    return Data(shape=shapes.array((count, length), "pad_sequences(...)", ctx.anchor))


@REGISTRY.function("keras.ops.one_hot")
def ops_one_hot(ctx: CallContext) -> Value:
    return one_hot(const_int(ctx.arg("num_classes", 1)), ctx.first, ctx.anchor, "keras one_hot(...)")


REGISTRY.function("keras.ops.argmax")(argmax_call)
REGISTRY.pass_through(("keras.ops.convert_to_tensor",), kinds=(Data, Prediction))


@REGISTRY.family(
    "keras.datasets.<name>.load_data", lambda q: q.startswith("keras.datasets.") and q.endswith(".load_data")
)
def load_dataset(ctx: CallContext) -> Value:
    name = ctx.qualname.split(".")[2]
    if name not in _DATASETS:
        return UNKNOWN
    encoding, classes, images = _DATASETS[name]
    if name == "cifar100":
        mode = ctx.arg("label_mode", 0)
        mode_name = "fine" if mode is None else const_str(mode)
        classes = {"fine": 100, "coarse": 20}.get(mode_name or "")
    labels = kf.Labels(encoding=encoding, num_classes=classes, anchor=ctx.anchor, source=f"{name}.load_data()")
    if encoding is LabelEncoding.BINARY:
        labels = replace(labels, minority_fraction=0.5)
    if name == "boston_housing":  # median house prices, in $1000s
        labels = replace(labels, values=kf.ValueRange(low=5.0, high=50.0, above_one=True, source="house prices"))
    origin = arrays.origin_at(f"{name}.load_data()", ctx.anchor)
    pixels = arrays.PIXELS if images else None
    sides = []
    for split in (Split.TRAIN, Split.TEST):
        inputs = Data(raw_images=images, split=split, origin=origin, values=pixels)
        sides.append(Seq((inputs, Data(labels=labels, split=split))))
    return shapes.dataset_shapes(name, ctx.args, Seq(tuple(sides)))


@REGISTRY.family(
    "<module>.image_dataset_from_directory / text_dataset_from_directory",
    lambda q: q.endswith(("image_dataset_from_directory", "text_dataset_from_directory")),
)
def directory_dataset(ctx: CallContext) -> Value:
    mode_value = ctx.arg("label_mode")
    mode = "int" if mode_value is None else const_str(mode_value)
    if mode_value is not None and not isinstance(mode_value, Const):
        return UNKNOWN
    labels = None
    if mode in _DIRECTORY_LABEL_MODES:
        names = ctx.arg("class_names")
        classes = len(names.items) if isinstance(names, Seq) else None
        labels = kf.Labels(
            encoding=_DIRECTORY_LABEL_MODES[mode],
            num_classes=classes,
            anchor=ctx.anchor,
            source=f"{ctx.qualname.rsplit('.', 1)[1]}(label_mode={mode!r})",
        )
    split = Split.TEST if "test" in (const_str(ctx.arg("subset")) or "") else None
    images = "image" in ctx.qualname
    found = Data(
        labels=labels, raw_images=images, dataset=True, split=split,
        origin=arrays.IMAGE_FILES if images else None, values=arrays.PIXELS if images else None,
    )  # fmt: skip
    return shapes.image_directory_shapes(ctx.args, found) if images else found


@REGISTRY.function("keras.preprocessing.image.ImageDataGenerator")
def image_data_generator(ctx: CallContext) -> Value:
    rescale = ctx.arg("rescale")
    preprocessing = ctx.arg("preprocessing_function")
    rescales = (rescale is not None and rescale != Const(None)) or preprocessing is not None or ctx.args.has_star
    return ImageGenerator(rescales=rescales, steps=arrays.generator_steps(ctx.args))


@REGISTRY.method(ImageGenerator, "flow_from_directory", "flow_from_dataframe")
def flow_from_directory(ctx: CallContext) -> Value:
    """``ImageDataGenerator().flow_from_directory(...)`` yields pixels and labels we can name."""
    generator = ctx.receiver
    assert isinstance(generator, ImageGenerator)
    mode_value = ctx.arg("class_mode")
    mode = "categorical" if mode_value is None else const_str(mode_value)
    labels = None
    if mode in _CLASS_MODES:
        labels = kf.Labels(encoding=_CLASS_MODES[mode], anchor=ctx.anchor, source=f"{ctx.method}(class_mode={mode!r})")
    facts = arrays.generator_output(generator.steps, None)
    found = Data(labels=labels, raw_images=not generator.rescales, dataset=True, **facts)  # type: ignore[arg-type]
    return shapes.generator_shapes(ctx.method, ctx.args, found)


@REGISTRY.method(ImageGenerator, "flow")
def flow(ctx: CallContext) -> Value:
    generator = ctx.receiver
    assert isinstance(generator, ImageGenerator)
    x, y = ctx.arg("x", 0), ctx.arg("y", 1)
    raw = isinstance(x, Data) and x.raw_images and not generator.rescales
    facts = arrays.generator_output(generator.steps, x) if isinstance(x, Data) else {"steps": None}
    labels = y.labels if isinstance(y, Data) else None
    found = Data(labels=labels, raw_images=raw, dataset=True, **facts)
    return shapes.generator_shapes("flow", ctx.args, found)


REGISTRY.methods_on(ImageGenerator)


# -- images read from files, and preprocessing functions -------------------

IMAGE_READERS = (
    "keras.utils.load_img",
    "keras.preprocessing.image.load_img",
    "keras.utils.img_to_array",
    "keras.preprocessing.image.img_to_array",
)


@REGISTRY.function(*IMAGE_READERS)
def image_file(ctx: CallContext) -> Value:
    """An image decoded from a file: raw 0-255 pixels, of the same origin as every image file."""
    return arrays.image_file(ctx.first)


@REGISTRY.function("keras.utils.normalize")
def normalize(ctx: CallContext) -> Value:
    first = ctx.first
    return (
        arrays.rescaled(first, "normalised", None, "normalize").transformed("normalize")
        if isinstance(first, Data)
        else UNKNOWN
    )


@REGISTRY.family(
    "keras.applications.<model>.preprocess_input",
    lambda q: q.startswith("keras.applications.") and q.endswith(".preprocess_input"),
)
def preprocess_input(ctx: CallContext) -> Value:
    """A model family's own input scaling: one named step (the same name a generator records)."""
    first = ctx.first
    if not isinstance(first, Data):
        return UNKNOWN
    return arrays.rescaled(first, "preprocessed", None, f"{ctx.qualname}()").transformed("preprocess_input")
