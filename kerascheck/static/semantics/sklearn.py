"""scikit-learn: splits, estimators (scalers, imputers, label encoders), metrics, datasets.

An estimator is an :class:`Estimator` value; ``fit`` rebinds the receiver to
a fitted copy (remembering what it was fitted on), ``transform`` produces data
that carries the fit. ``train_test_split`` gives each array a train and a
test side.
"""

from __future__ import annotations

from dataclasses import replace

from kerascheck import facts as kf
from kerascheck.facts import LabelEncoding, Split
from kerascheck.static.keras_api import const_int
from kerascheck.static.semantics import arrays, shapes
from kerascheck.static.semantics.common import describe, is_number, operand, shuffled
from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.registry import REGISTRY
from kerascheck.static.values import UNKNOWN, Const, Data, Estimator, Mapping, Prediction, Seq, Value

# Estimators whose fit learns statistics of the data: fitting them before a split leaks.
LEAKY_ESTIMATORS = frozenset(
    {
        "StandardScaler",
        "MinMaxScaler",
        "RobustScaler",
        "MaxAbsScaler",
        "QuantileTransformer",
        "PowerTransformer",
        "SimpleImputer",
        "KNNImputer",
        "IterativeImputer",
        "PCA",
    }
)
LABEL_ENCODERS = frozenset({"OneHotEncoder", "LabelBinarizer", "MultiLabelBinarizer", "LabelEncoder"})
ESTIMATOR_MODULES = ("sklearn.preprocessing.", "sklearn.impute.", "sklearn.decomposition.")
REGISTRY.methods_on(Estimator)


@REGISTRY.family("sklearn.preprocessing/impute/decomposition.<Estimator>", lambda q: q.startswith(ESTIMATOR_MODULES))
def estimator(ctx: CallContext) -> Value:
    kind = ctx.qualname.rsplit(".", 1)[1]
    if kind == "OneHotEncoder" and ctx.arg("drop") not in (None, Const(None)):
        return UNKNOWN  # dropping a category leaves one column fewer than classes
    if kind in LEAKY_ESTIMATORS or kind in LABEL_ENCODERS:
        custom = (kind == "MinMaxScaler" and ctx.arg("feature_range", 0) is not None) or ctx.args.has_star
        return Estimator(kind=kind, instance=ctx.state.next_instance(), custom_range=custom)
    return UNKNOWN


@REGISTRY.function("sklearn.model_selection.train_test_split")
def train_test_split(ctx: CallContext) -> Value:
    if ctx.args.has_star:
        return UNKNOWN
    parts: list[Value] = []
    preprocessed_by: list[int] = []
    for position, array in enumerate(ctx.args.positional):
        base = array if isinstance(array, Data) else Data()
        preprocessed_by += [key for key in base.fitted_by if key not in preprocessed_by]
        # Both sides share everything done before the split: value steps count from here.
        origin = arrays.origin_at(f"split {position}", ctx.anchor)
        base = replace(base, fitted_by=(), origin=origin, steps=())
        parts += [replace(base, split=Split.TRAIN), replace(base, split=Split.TEST)]
    ctx.state.splits.append(kf.DataSplit(anchor=ctx.anchor, preprocessed_by=tuple(preprocessed_by)))
    return shapes.split_shapes(ctx.args, Seq(tuple(parts)))


@REGISTRY.function("sklearn.utils.shuffle")
def shuffle(ctx: CallContext) -> Value:
    arrays = [shuffled(v) for v in ctx.args.positional]
    if len(arrays) > 1:
        return Seq(tuple(arrays))
    return arrays[0] if arrays else UNKNOWN


@REGISTRY.family("sklearn.metrics.*", lambda q: q.startswith("sklearn.metrics."))
def metric(ctx: CallContext) -> Value:
    """Every metric call is recorded with what its arguments are; rules decide which need labels."""
    function = ctx.qualname.removeprefix("sklearn.metrics.")
    y_true, y_pred = ctx.arg("y_true", 0), ctx.arg("y_pred", 1)
    ctx.state.metric_calls.append(
        kf.MetricCall(anchor=ctx.anchor, function=function, y_true=operand(y_true), y_pred=operand(y_pred))
    )
    _score_model(ctx, function, y_true, y_pred)
    return UNKNOWN


def _score_model(ctx: CallContext, function: str, y_true: Value | None, y_pred: Value | None) -> None:
    """``classification_report(y_test, model.predict(x).argmax(1))``: y_true's labels for that model.

    Kept with the model's ``evaluate``/``predict`` calls (``Model.evaluations``), so the
    label rules read them, as evaluate's labels, only for a head whose fit labels are
    unknown. Only for predictions of one known model with a single head.
    """
    if not isinstance(y_pred, Prediction) or not 0 <= y_pred.model < len(ctx.state.models):
        return
    model = ctx.state.models[y_pred.model]
    labels = arrays.scored_labels(y_true)
    if labels is None or len(model.chains()) != 1:
        return
    model.fits.append(kf.Fit(anchor=ctx.anchor, labels=(labels,), method=function))


@REGISTRY.function("sklearn.datasets.make_classification")
def make_classification(ctx: CallContext) -> Value:
    classes = const_int(ctx.arg("n_classes")) if ctx.arg("n_classes") is not None else 2
    weights = ctx.arg("weights")
    minority: float | None = None
    if isinstance(weights, Seq) and classes:
        values = [w.value for w in weights.items if isinstance(w, Const) and is_number(w.value)]
        if len(values) == len(weights.items):
            if len(values) == classes - 1:
                values.append(max(0.0, 1.0 - sum(values)))
            if len(values) == classes:
                minority = min(values) / sum(values) if sum(values) else None
    elif weights is None and classes:
        minority = 1 / classes
    encoding = LabelEncoding.BINARY if classes == 2 else LabelEncoding.INTEGER
    labels = kf.Labels(
        encoding=encoding, num_classes=classes, minority_fraction=minority, anchor=ctx.anchor,
        source="make_classification(...)",
    )  # fmt: skip
    return shapes.sklearn_shapes("make_classification", ctx.args, Seq((Data(), Data(labels=labels))), ctx.anchor)


@REGISTRY.function("sklearn.datasets.make_regression")
def make_regression(ctx: CallContext) -> Value:
    labels = kf.Labels(encoding=LabelEncoding.CONTINUOUS, anchor=ctx.anchor, source="make_regression(...)")
    return shapes.sklearn_shapes("make_regression", ctx.args, Seq((Data(), Data(labels=labels))), ctx.anchor)


@REGISTRY.function(
    *(f"sklearn.datasets.{name}" for name in shapes.SKLEARN_LOADERS),
    "sklearn.datasets.make_blobs",
    "sklearn.datasets.make_moons",
    "sklearn.datasets.make_circles",
)
def dataset(ctx: CallContext) -> Value:
    """scikit-learn's bundled data sets and generators: arrays of known shape (``load_iris().data``)."""
    return shapes.sklearn_shapes(ctx.qualname.rsplit(".", 1)[1], ctx.args, UNKNOWN, ctx.anchor)


# -- estimator methods ----------------------------------------------------


@REGISTRY.method(Estimator, "fit", "fit_transform")
def fit(ctx: CallContext) -> Value:
    fitted = ctx.receiver
    assert isinstance(fitted, Estimator)
    data = ctx.arg("X", 0)
    classes = fitted.classes
    if isinstance(data, Seq) and all(isinstance(item, Const) for item in data.items):
        classes = len({item.value for item in data.items if isinstance(item, Const)})
    key = len(ctx.state.preprocessing_fits)
    fitted_on = describe(data, ctx.args.node("X", 0))
    ctx.state.preprocessing_fits.append(
        kf.PreprocessingFit(anchor=ctx.anchor, estimator=fitted.kind, fitted_on=fitted_on, key=key)
    )
    fitted = replace(fitted, fit_key=key, classes=classes)
    ctx.rebind_receiver(fitted)
    if ctx.method == "fit":
        return fitted
    return transformed(fitted, data, ctx.anchor)


@REGISTRY.method(Estimator, "transform")
def transform(ctx: CallContext) -> Value:
    assert isinstance(ctx.receiver, Estimator)
    return transformed(ctx.receiver, ctx.arg("X", 0), ctx.anchor)


def transformed(estimator: Estimator, data: Value | None, anchor: kf.Anchor) -> Value:
    """What ``estimator.transform(data)`` holds: scaled features, or encoded labels."""
    base = data if isinstance(data, Data) else Data()
    kind = estimator.kind
    if kind in LEAKY_ESTIMATORS:
        fitted_by = base.fitted_by
        if estimator.fit_key is not None and base.split is None:
            fitted_by = (*fitted_by, estimator.fit_key)  # its statistics are in the data from now on
        scaled = arrays.scaler_output(base, kind, custom_range=estimator.custom_range)
        if not isinstance(data, Data):
            scaled = replace(scaled, steps=None)  # the steps before are unknown; the output range is not
        # Scalers and imputers keep the array's shape; PCA keeps only its number of rows.
        shape = base.shape if kind != "PCA" else None
        return replace(scaled, fitted_by=fitted_by, shape=shape).transformed(kind)
    encoding: LabelEncoding | None = None
    classes = estimator.classes
    if kind == "OneHotEncoder":
        encoding = LabelEncoding.ONE_HOT
    elif kind == "LabelBinarizer" and classes is not None:
        encoding = LabelEncoding.ONE_HOT if classes > 2 else LabelEncoding.BINARY
    elif kind == "MultiLabelBinarizer":
        encoding = LabelEncoding.MULTI_HOT
    elif kind == "LabelEncoder":
        encoding = LabelEncoding.INTEGER
    labels = kf.Labels(encoding=encoding, num_classes=classes, anchor=anchor, source=f"{kind}")
    # Encoders change the width (one column per class); LabelEncoder keeps a 1-D array 1-D.
    shape = base.shape if kind == "LabelEncoder" else None
    return replace(base, labels=labels if encoding else None, raw_images=False, shape=shape).transformed(kind)


# Functions that standardise or rescale an array in one call, and the range of what they return.
_SCALING_FUNCTIONS: dict[str, tuple[str, kf.ValueRange | None]] = {
    "sklearn.preprocessing.scale": ("standardised", kf.ValueRange(negative=True, source="sklearn scale()")),
    "sklearn.preprocessing.minmax_scale": ("min-max scaled", kf.ValueRange(low=0, high=1, source="minmax_scale()")),
    "sklearn.preprocessing.normalize": ("normalised", None),
}


# The ones among them that learn per-feature statistics from the array they scale (not
# ``normalize``, which works sample by sample): called before a split, they leak like a scaler.
_FITTING_FUNCTIONS = {"sklearn.preprocessing.scale": "scale()", "sklearn.preprocessing.minmax_scale": "minmax_scale()"}


@REGISTRY.function(*_SCALING_FUNCTIONS)
def scaling_function(ctx: CallContext) -> Value:
    first = ctx.first
    if not isinstance(first, Data):
        return UNKNOWN
    how, values = _SCALING_FUNCTIONS[ctx.qualname]
    kind = ctx.qualname.rsplit(".", 1)[1]
    result = arrays.rescaled(first, how, values, kind).transformed(kind)
    estimator = _FITTING_FUNCTIONS.get(ctx.qualname)
    if estimator is not None and first.split is None:
        key = len(ctx.state.preprocessing_fits)
        fitted_on = describe(first, ctx.args.node("X", 0))
        ctx.state.preprocessing_fits.append(
            kf.PreprocessingFit(anchor=ctx.anchor, estimator=estimator, fitted_on=fitted_on, key=key)
        )
        result = replace(result, fitted_by=(*first.fitted_by, key))
    return result


@REGISTRY.attribute(Mapping, "data")
def bunch_data(owner: Value) -> Value | None:
    """``load_iris().data``: a loader's Bunch is a mapping with attribute access."""
    return owner.get("data") if isinstance(owner, Mapping) else None


@REGISTRY.attribute(Mapping, "target")
def bunch_target(owner: Value) -> Value | None:
    return owner.get("target") if isinstance(owner, Mapping) else None
