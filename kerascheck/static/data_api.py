"""Data flow around a model: labels, splits, predictions and what happens to them.

The interpreter delegates to this module every operation that is not about
building a model: arithmetic on constants, indexing, tuple unpacking, calls
into numpy / pandas / scikit-learn / keras.utils / keras.datasets, and the
model methods that consume or produce data (``fit``, ``predict``). What it
learns becomes ``Fit`` facts and the evaluation facts (argmax, sklearn metric
calls, removed APIs, preprocessing leaks). Anything not recognised is
``UNKNOWN``: a guess about data would be a false alarm waiting to happen.
"""

from __future__ import annotations

import itertools
import operator
import re
from dataclasses import replace
from typing import TYPE_CHECKING

import libcst as cst

from kerascheck import budget
from kerascheck import facts as kf
from kerascheck.facts import LabelEncoding
from kerascheck.static.keras_api import Args, const_int, const_str
from kerascheck.static.values import (
    UNKNOWN,
    Const,
    Data,
    Estimator,
    Eye,
    Filled,
    ImageGenerator,
    Mapping,
    ModelObj,
    Prediction,
    Seq,
    Value,
)

if TYPE_CHECKING:
    from kerascheck.static.interpreter import Env, Interpreter

_ARITHMETIC = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.FloorDivide: operator.floordiv,
    cst.Divide: operator.truediv,
    cst.AddAssign: operator.add,
    cst.SubtractAssign: operator.sub,
    cst.MultiplyAssign: operator.mul,
    cst.FloorDivideAssign: operator.floordiv,
    cst.DivideAssign: operator.truediv,
}

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
_LABEL_ENCODERS = frozenset({"OneHotEncoder", "LabelBinarizer", "MultiLabelBinarizer", "LabelEncoder"})
_ESTIMATOR_MODULES = ("sklearn.preprocessing.", "sklearn.impute.", "sklearn.decomposition.")
# scikit-learn metrics that need class labels, not scores.
CLASSIFICATION_METRICS = frozenset(
    {
        "accuracy_score",
        "balanced_accuracy_score",
        "classification_report",
        "confusion_matrix",
        "multilabel_confusion_matrix",
        "precision_score",
        "recall_score",
        "f1_score",
        "fbeta_score",
        "precision_recall_fscore_support",
        "matthews_corrcoef",
        "cohen_kappa_score",
        "jaccard_score",
        "hamming_loss",
        "zero_one_loss",
        "ConfusionMatrixDisplay.from_predictions",
    }
)
_ARGMAX = frozenset({"numpy.argmax", "tensorflow.argmax", "tensorflow.math.argmax", "keras.ops.argmax"})
_ROUNDING = frozenset(
    {"numpy.round", "numpy.rint", "numpy.around", "numpy.where", "tensorflow.round", "tensorflow.math.round"}
)
# Calls that return their first argument's data unchanged in the ways we track.
_PASS_THROUGH = frozenset(
    {
        "numpy.array",
        "numpy.asarray",
        "numpy.expand_dims",
        "numpy.squeeze",
        "numpy.ravel",
        "numpy.copy",
        "tensorflow.convert_to_tensor",
        "tensorflow.cast",
        "tensorflow.constant",
        "tensorflow.expand_dims",
        "keras.ops.convert_to_tensor",
        "builtins.list",
        "pandas.DataFrame",
    }
)
_CONCATENATE = frozenset({"numpy.concatenate", "numpy.vstack", "numpy.hstack", "numpy.append", "numpy.r_"})
_FILLED = {"numpy.zeros": 0, "numpy.ones": 1}
# Model methods that use the compiled loss, and ones that only run the model.
_TRAINING_METHODS = frozenset(
    {"fit", "fit_generator", "train_on_batch", "evaluate", "evaluate_generator", "test_on_batch"}
)
_INFERENCE_METHODS = frozenset({"predict", "predict_on_batch", "predict_generator", "load_weights"})
# Random floats used as regression targets.
_CONTINUOUS_SOURCES = frozenset(
    {"numpy.random.rand", "numpy.random.randn", "numpy.random.normal", "numpy.random.uniform", "numpy.random.random"}
)
# ImageDataGenerator.flow_from_directory(class_mode=...): the labels it yields.
_CLASS_MODES = {
    "categorical": LabelEncoding.ONE_HOT,
    "binary": LabelEncoding.BINARY,
    "sparse": LabelEncoding.INTEGER,
}
_DATA_METHODS_KEEP = frozenset(
    {
        # numpy / tensors
        "astype", "to_numpy", "copy", "numpy",
        # tf.data
        "cache", "prefetch", "shuffle", "batch", "repeat", "take", "unbatch",
        # pandas frames and columns
        "drop", "reset_index", "dropna", "fillna", "map", "to_frame",
    }
)  # fmt: skip
# pandas methods worth following on an otherwise unknown frame.
_FRAME_METHODS = frozenset({"sort_values"})
_RESHAPES = frozenset({"reshape", "ravel", "flatten", "squeeze"})
_TEST_NAME = re.compile(r"(?:^|_)(?:test|testing)(?:$|_)", re.I)
_TRAIN_NAME = re.compile(r"train", re.I)


class DataFlow:
    """Everything the interpreter knows about data, in one place."""

    def __init__(self, interpreter: Interpreter) -> None:
        self.interpreter = interpreter
        self.argmaxes: list[kf.Argmax] = []
        self.metric_calls: list[kf.MetricCall] = []
        self.removed_calls: list[kf.RemovedApiCall] = []
        self.leaks: list[kf.PreprocessingLeak] = []
        self._instances = itertools.count(1)

    # -- plain Python values ----------------------------------------------

    def binary_operation(self, left: Value, op: cst.CSTNode, right: Value) -> Value:
        function = _ARITHMETIC.get(type(op))
        if function is not None and isinstance(left, Const) and isinstance(right, Const):
            if _is_number(left.value) and _is_number(right.value):
                try:
                    result = function(left.value, right.value)
                except (ArithmeticError, ValueError, OverflowError):
                    return UNKNOWN
                return Const(result) if budget.fits(result) else UNKNOWN  # operands fit, so this was cheap
            return UNKNOWN
        for side in (left, right):
            if isinstance(side, Data) and function is not None:
                # Any arithmetic rescales pixels; label arithmetic changes what they mean.
                return Data(split=side.split, ordered=side.ordered, dataset=side.dataset)
            if isinstance(side, Prediction):
                return side
        return UNKNOWN

    def unpack(self, value: Value, count: int) -> list[Value] | None:
        if isinstance(value, Seq) and len(value.items) == count:
            return list(value.items)
        return None

    def subscript(self, value: Value, node: cst.Subscript, env: Env) -> Value:
        elements = node.slice
        if isinstance(value, Eye) and len(elements) == 1 and isinstance(elements[0].slice, cst.Index):
            indices = self.interpreter.eval(elements[0].slice.value, env)
            return self.one_hot(value.size, indices, None, "np.eye(n)[y]")
        if isinstance(value, Prediction):
            return value
        if isinstance(value, Data):
            if all(isinstance(element.slice, cst.Slice) for element in elements):
                # A new object: two slices of one array are different data. Cutting columns
                # (y[:, 1:]) leaves pixels raw but the labels are no longer the ones we knew.
                if all(_whole(element.slice) for element in elements[1:]):
                    return replace(value)
                return replace(value, labels=None)
            if len(elements) != 1 or not isinstance(elements[0].slice, cst.Index):
                return replace(value, labels=None, ordered=False)  # y[:, 1] picks a column
            index = self.interpreter.eval(elements[0].slice.value, env)
            if isinstance(index, Const):
                return self.column(value, index.value)
            # Fancy or boolean indexing: a permutation, or a mask that may drop whole classes
            # (one-hot rows keep their width, so their class count still holds).
            known = value.labels
            if known is not None:
                one_hot = known.encoding in (LabelEncoding.ONE_HOT, LabelEncoding.MULTI_HOT)
                known = replace(known, num_classes=known.num_classes if one_hot else None, minority_fraction=None)
            return replace(value, labels=known, ordered=False)
        if len(elements) != 1 or not isinstance(elements[0].slice, cst.Index):
            return UNKNOWN
        key = self.interpreter.eval(elements[0].slice.value, env)
        if not isinstance(key, Const):
            return UNKNOWN
        if isinstance(value, Mapping):
            return value.get(key.value)
        if isinstance(value, Seq) and isinstance(key.value, int) and -len(value.items) <= key.value < len(value.items):
            return value.items[key.value]
        return UNKNOWN

    def column(self, frame: Data, key: object) -> Value:
        """``frame["col"]``: in label order if the frame was sorted by it; leaks stay attached."""
        if frame.sorted_by is not None and frame.sorted_by == key:
            return Data(ordered=True)
        if frame.fitted_by:
            return Data(fitted_by=frame.fitted_by)
        return UNKNOWN

    def assign_item(self, container: Value, value: Value) -> Value | None:
        """``frame["col"] = scaled`` carries the scaler's fit; ``pred[pred > .5] = 1`` thresholds."""
        if isinstance(container, Prediction):
            return Prediction(container.model, processed=True)
        if isinstance(value, Data) and value.fitted_by:
            base = container if isinstance(container, Data) else Data()
            return replace(base, fitted_by=(*base.fitted_by, *value.fitted_by))
        if isinstance(container, Data):
            # x[..., 0] = x[..., 0] - 123.7 or y[y == 5] = 0: changed in place, so neither
            # "raw pixels" nor the labels we knew any more.
            return replace(container, raw_images=False, labels=None)
        return None

    def comparison(self, node: cst.Comparison, env: Env) -> Value:
        left = self.interpreter.eval(node.left, env)
        if isinstance(left, Prediction):
            return Prediction(left.model, processed=True)
        for comparison in node.comparisons:
            self.interpreter.eval(comparison.comparator, env)
        return UNKNOWN

    def attribute(self, owner: Value, name: str) -> Value:
        from kerascheck.static.values import BoundMethod

        if isinstance(owner, Data) and name in ("values", "iloc", "loc"):
            return replace(owner, labels=None) if name != "values" else owner
        if isinstance(owner, (Data, Prediction, Estimator, Eye, ImageGenerator)):
            return BoundMethod(owner, name)
        if owner is UNKNOWN and name in _FRAME_METHODS:
            return BoundMethod(owner, name)
        return UNKNOWN

    # -- calls into libraries ---------------------------------------------

    def call_ref(self, qualname: str, args: Args, anchor: kf.Anchor) -> Value:
        first = args.positional[0] if args.positional else None
        if qualname == "keras.utils.to_categorical":
            classes = const_int(args.get("num_classes", 1))
            return self.one_hot(classes, args.get("y", 0), anchor, "to_categorical(...)")
        if qualname in ("numpy.eye", "numpy.identity"):
            return Eye(const_int(args.get("N", 0)))
        if qualname in ("tensorflow.one_hot", "keras.ops.one_hot"):
            depth = args.get("depth", 1) if qualname.startswith("tensorflow") else args.get("num_classes", 1)
            return self.one_hot(const_int(depth), first, anchor, f"{qualname.split('.')[0]} one_hot(...)")
        if qualname == "pandas.get_dummies":
            if args.get("columns") is not None or args.has_star or _given(args.get("drop_first")):
                return UNKNOWN  # feature columns of a frame, or one column fewer than classes
            return self.one_hot(None, first, anchor, "pd.get_dummies(...)")
        if qualname.startswith(_ESTIMATOR_MODULES):
            kind = qualname.rsplit(".", 1)[1]
            if kind == "OneHotEncoder" and args.get("drop") not in (None, Const(None)):
                return UNKNOWN  # dropping a category leaves one column fewer than classes
            if kind in LEAKY_ESTIMATORS or kind in _LABEL_ENCODERS:
                return Estimator(kind=kind, instance=next(self._instances))
            return UNKNOWN
        if qualname == "sklearn.model_selection.train_test_split":
            return self.train_test_split(args, anchor)
        if qualname.startswith("keras.datasets.") and qualname.endswith(".load_data"):
            return self.load_dataset(qualname.split(".")[2], args, anchor)
        if qualname.endswith(("image_dataset_from_directory", "text_dataset_from_directory")):
            return self.directory_dataset(qualname, args, anchor)
        if qualname == "sklearn.datasets.make_classification":
            return self.make_classification(args, anchor)
        if qualname in _ARGMAX:
            return self.argmax(first, args.get("axis", 1), anchor)
        if qualname in _ROUNDING:
            return Prediction(first.model, processed=True) if isinstance(first, Prediction) else UNKNOWN
        if qualname.startswith("sklearn.metrics."):
            return self.sklearn_metric(qualname.removeprefix("sklearn.metrics."), args, anchor)
        if qualname in _PASS_THROUGH:
            return first if isinstance(first, (Data, Prediction)) else UNKNOWN
        if qualname == "tensorflow.data.Dataset.from_tensor_slices":
            return self.dataset_from_tensors(first)
        if qualname in _CONCATENATE:
            return self.concatenate(first)
        if qualname in _FILLED or qualname == "numpy.full":
            fill = Const(_FILLED[qualname]) if qualname in _FILLED else args.get("fill_value", 1)
            return Filled(fill.value) if isinstance(fill, Const) else UNKNOWN
        if qualname == "numpy.sort" and isinstance(first, Data):
            return replace(first, ordered=True)
        if qualname in ("sklearn.utils.shuffle", "numpy.random.shuffle", "tensorflow.random.shuffle"):
            return self.shuffle(qualname, args)
        if qualname in _CONTINUOUS_SOURCES:
            return Data(labels=kf.Labels(encoding=LabelEncoding.CONTINUOUS, anchor=anchor, source=qualname))
        if qualname == "sklearn.datasets.make_regression":
            labels = kf.Labels(encoding=LabelEncoding.CONTINUOUS, anchor=anchor, source="make_regression(...)")
            return Seq((Data(), Data(labels=labels)))
        if qualname == "keras.preprocessing.image.ImageDataGenerator":
            rescale = args.get("rescale")
            preprocessing = args.get("preprocessing_function")
            rescales = (rescale is not None and rescale != Const(None)) or preprocessing is not None or args.has_star
            return ImageGenerator(rescales=rescales)
        if qualname == "builtins.len" and isinstance(first, Seq):
            return Const(len(first.items))
        return UNKNOWN

    def one_hot(self, classes: int | None, source: Value | None, anchor: kf.Anchor | None, how: str) -> Data:
        base = source if isinstance(source, Data) else Data()
        if classes is None and base.labels is not None and base.labels.encoding is LabelEncoding.INTEGER:
            classes = base.labels.num_classes
        labels = kf.Labels(encoding=LabelEncoding.ONE_HOT, num_classes=classes, anchor=anchor or kf.NOWHERE, source=how)
        return replace(base, labels=labels, raw_images=False)

    def train_test_split(self, args: Args, anchor: kf.Anchor) -> Value:
        if args.has_star:
            return UNKNOWN
        parts: list[Value] = []
        for array in args.positional:
            base = array if isinstance(array, Data) else Data()
            for fit_anchor, kind in base.fitted_by:
                self.leaks.append(kf.PreprocessingLeak(anchor=fit_anchor, estimator=kind))
            base = replace(base, fitted_by=())
            parts += [replace(base, split="train"), replace(base, split="test")]
        return Seq(tuple(parts))

    def load_dataset(self, name: str, args: Args, anchor: kf.Anchor) -> Value:
        if name not in _DATASETS:
            return UNKNOWN
        encoding, classes, images = _DATASETS[name]
        if name == "cifar100":
            mode = args.get("label_mode", 0)
            mode_name = "fine" if mode is None else const_str(mode)
            classes = {"fine": 100, "coarse": 20}.get(mode_name or "")
        labels = kf.Labels(encoding=encoding, num_classes=classes, anchor=anchor, source=f"{name}.load_data()")
        if encoding is LabelEncoding.BINARY:
            labels = replace(labels, minority_fraction=0.5)
        sides = []
        for split in ("train", "test"):
            sides.append(Seq((Data(raw_images=images, split=split), Data(labels=labels, split=split))))
        return Seq(tuple(sides))

    def directory_dataset(self, qualname: str, args: Args, anchor: kf.Anchor) -> Value:
        mode_value = args.get("label_mode")
        mode = "int" if mode_value is None else const_str(mode_value)
        if mode_value is not None and not isinstance(mode_value, Const):
            return UNKNOWN
        labels = None
        if mode in _DIRECTORY_LABEL_MODES:
            names = args.get("class_names")
            classes = len(names.items) if isinstance(names, Seq) else None
            labels = kf.Labels(
                encoding=_DIRECTORY_LABEL_MODES[mode],
                num_classes=classes,
                anchor=anchor,
                source=f"{qualname.rsplit('.', 1)[1]}(label_mode={mode!r})",
            )
        split = "test" if "test" in (const_str(args.get("subset")) or "") else None
        return Data(labels=labels, raw_images="image" in qualname, dataset=True, split=split)

    def make_classification(self, args: Args, anchor: kf.Anchor) -> Value:
        classes = const_int(args.get("n_classes")) if args.get("n_classes") is not None else 2
        weights = args.get("weights")
        minority: float | None = None
        if isinstance(weights, Seq) and classes:
            values = [w.value for w in weights.items if isinstance(w, Const) and _is_number(w.value)]
            if len(values) == len(weights.items):
                if len(values) == classes - 1:
                    values.append(max(0.0, 1.0 - sum(values)))
                if len(values) == classes:
                    minority = min(values) / sum(values) if sum(values) else None
        elif weights is None and classes:
            minority = 1 / classes
        encoding = LabelEncoding.BINARY if classes == 2 else LabelEncoding.INTEGER
        labels = kf.Labels(
            encoding=encoding, num_classes=classes, minority_fraction=minority, anchor=anchor,
            source="make_classification(...)",
        )  # fmt: skip
        return Seq((Data(), Data(labels=labels)))

    def argmax(self, value: Value | None, axis: Value | None, anchor: kf.Anchor) -> Value:
        if isinstance(value, Prediction) and not value.processed:
            axis_value = const_int(axis) if axis is not None else None
            self.argmaxes.append(kf.Argmax(anchor=anchor, model=value.model, axis=axis_value))
            return Prediction(value.model, processed=True)
        if isinstance(value, Data) and value.labels is not None and value.labels.encoding is LabelEncoding.ONE_HOT:
            labels = replace(value.labels, encoding=LabelEncoding.INTEGER, source="argmax of one-hot labels")
            return replace(value, labels=labels)
        return UNKNOWN

    def sklearn_metric(self, function: str, args: Args, anchor: kf.Anchor) -> Value:
        if function not in CLASSIFICATION_METRICS:
            return UNKNOWN
        y_true, y_pred = args.get("y_true", 0), args.get("y_pred", 1)
        raw = any(isinstance(v, Prediction) and not v.processed for v in (y_true, y_pred))
        one_hot = (
            isinstance(y_true, Data) and y_true.labels is not None and y_true.labels.encoding is LabelEncoding.ONE_HOT
        )
        if raw or one_hot:
            self.metric_calls.append(
                kf.MetricCall(anchor=anchor, function=function, raw_predictions=raw, one_hot_truth=one_hot)
            )
        return UNKNOWN

    def dataset_from_tensors(self, value: Value | None) -> Value:
        if isinstance(value, Seq) and len(value.items) == 2:
            x, y = value.items
            labels = y.labels if isinstance(y, Data) else None
            raw = isinstance(x, Data) and x.raw_images
            split = x.split if isinstance(x, Data) else None
            return Data(labels=labels, raw_images=raw, dataset=True, split=split)
        return UNKNOWN

    def concatenate(self, value: Value | None) -> Value:
        """Per-class blocks stacked one after another are data in class order."""
        if not isinstance(value, Seq) or len(value.items) < 2:
            return UNKNOWN
        fills = [item.value if isinstance(item, Filled) else None for item in value.items]
        if all(fill is not None for fill in fills) and len(set(fills)) >= 2:
            binary = set(fills) <= {0, 1}
            labels = kf.Labels(
                encoding=LabelEncoding.BINARY if binary else LabelEncoding.INTEGER,
                num_classes=len(set(fills)),
                source="labels concatenated class by class",
            )
            return Data(labels=labels, ordered=True)
        if all(isinstance(item, Data) for item in value.items):
            first = value.items[0]
            assert isinstance(first, Data)
            return Data(raw_images=all(isinstance(i, Data) and i.raw_images for i in value.items))
        return UNKNOWN

    def shuffle(self, qualname: str, args: Args) -> Value:
        shuffled = [replace(v, ordered=False) if isinstance(v, Data) else v for v in args.positional]
        if qualname == "numpy.random.shuffle":
            # In place: rebind the shuffled variable.
            node = self.interpreter.current_call
            if node is not None and node.args and isinstance(node.args[0].value, cst.Name):
                env = self.interpreter.current_env
                if env is not None and shuffled:
                    env[node.args[0].value.value] = shuffled[0]
            return Const(None)
        if qualname == "tensorflow.random.shuffle":
            return shuffled[0] if shuffled else UNKNOWN
        return Seq(tuple(shuffled)) if len(shuffled) > 1 else (shuffled[0] if shuffled else UNKNOWN)

    # -- methods on data, predictions and estimators ----------------------

    def call_method(self, owner: Value, name: str, args: Args, anchor: kf.Anchor) -> Value:
        if name == "sort_values" and (owner is UNKNOWN or isinstance(owner, Data)):
            by = const_str(args.get("by", 0))
            base = owner if isinstance(owner, Data) else Data()
            return replace(base, sorted_by=by) if by is not None else UNKNOWN
        if isinstance(owner, Data):
            if owner.dataset and name == "map":
                return UNKNOWN  # the mapped function may rescale pixels or re-encode labels
            if name in _DATA_METHODS_KEEP:
                return owner
            if name in _RESHAPES:
                one_hot = owner.labels is not None and owner.labels.encoding is LabelEncoding.ONE_HOT
                return replace(owner, labels=None) if one_hot else owner
            if name == "argmax":
                return self.argmax(owner, args.get("axis", 0), anchor)
            return UNKNOWN
        if isinstance(owner, Prediction):
            if name == "argmax":
                return self.argmax(owner, args.get("axis", 0), anchor)
            if name in ("round", "astype"):
                return Prediction(owner.model, processed=True)
            if name in _RESHAPES or name in ("copy", "numpy"):
                return owner
            return UNKNOWN
        if isinstance(owner, Estimator):
            return self.estimator_method(owner, name, args, anchor)
        if isinstance(owner, ImageGenerator):
            return self.generator_method(owner, name, args, anchor)
        return UNKNOWN

    def generator_method(self, generator: ImageGenerator, name: str, args: Args, anchor: kf.Anchor) -> Value:
        """``ImageDataGenerator().flow_from_directory(...)`` yields pixels and labels we can name."""
        if name in ("flow_from_directory", "flow_from_dataframe"):
            mode_value = args.get("class_mode")
            mode = "categorical" if mode_value is None else const_str(mode_value)
            labels = None
            if mode in _CLASS_MODES:
                labels = kf.Labels(encoding=_CLASS_MODES[mode], anchor=anchor, source=f"{name}(class_mode={mode!r})")
            return Data(labels=labels, raw_images=not generator.rescales, dataset=True)
        if name == "flow":
            x, y = args.get("x", 0), args.get("y", 1)
            raw = isinstance(x, Data) and x.raw_images and not generator.rescales
            return Data(labels=y.labels if isinstance(y, Data) else None, raw_images=raw, dataset=True)
        return UNKNOWN

    def estimator_method(self, estimator: Estimator, name: str, args: Args, anchor: kf.Anchor) -> Value:
        data = args.get("X", 0)
        if name in ("fit", "fit_transform"):
            whole = not (isinstance(data, Data) and data.split == "train")
            classes = estimator.classes
            if isinstance(data, Seq) and all(isinstance(item, Const) for item in data.items):
                classes = len({item.value for item in data.items if isinstance(item, Const)})
            fitted = replace(estimator, fit_anchor=anchor, fitted_on_whole=whole, classes=classes)
            self.rebind_receiver(fitted)
            if name == "fit":
                return fitted
            return self.transformed(fitted, data, anchor)
        if name == "transform":
            return self.transformed(estimator, data, anchor)
        if name == "inverse_transform":
            return UNKNOWN
        return UNKNOWN

    def rebind_receiver(self, value: Value) -> None:
        """``scaler.fit(X)`` changes ``scaler``: rebind the name the method was called on."""
        node = self.interpreter.current_call
        env = self.interpreter.current_env
        if node is None or env is None or not isinstance(node.func, cst.Attribute):
            return
        receiver = node.func.value
        if isinstance(receiver, cst.Name):
            env[receiver.value] = value

    def transformed(self, estimator: Estimator, data: Value | None, anchor: kf.Anchor) -> Value:
        base = data if isinstance(data, Data) else Data()
        kind = estimator.kind
        if kind in LEAKY_ESTIMATORS:
            fitted_by = base.fitted_by
            if estimator.fitted_on_whole and estimator.fit_anchor is not None and base.split is None:
                fitted_by = (*fitted_by, (estimator.fit_anchor, kind))
            return replace(base, labels=None, raw_images=False, fitted_by=fitted_by)
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
        return replace(base, labels=labels if encoding else None, raw_images=False)

    # -- the model methods that touch data --------------------------------

    def model_method(self, model: ModelObj, name: str, args: Args, anchor: kf.Anchor) -> Value:
        index = self.interpreter.model_index(model)
        if name in _TRAINING_METHODS:
            model.trained = True
        elif name in _INFERENCE_METHODS:
            model.inference = True
        if name in ("fit", "fit_generator", "train_on_batch"):
            model.fits.append(self.fit(model, args, anchor))
            return UNKNOWN
        if name in ("predict", "predict_on_batch"):
            return Prediction(index) if index is not None else UNKNOWN
        if name in ("predict_classes", "predict_proba"):
            self.removed_calls.append(kf.RemovedApiCall(anchor=anchor, method=name, model=index))
            return UNKNOWN
        return UNKNOWN

    def fit(self, model: ModelObj, args: Args, anchor: kf.Anchor) -> kf.Fit:
        x, y = args.get("x", 0), args.get("y", 1)
        heads = model.chains()
        labels = self.labels_per_head(x, y, heads)
        labels = self.with_class_weight(labels, args.get("class_weight"))
        validation_data = args.get("validation_data")
        validation_split = args.get("validation_split")
        has_validation: bool | None = None
        if not args.has_star or validation_data is not None or validation_split is not None:
            has_validation = _given(validation_data) or _given(validation_split)
        split_value = validation_split.value if isinstance(validation_split, Const) else None
        splits_off = isinstance(split_value, (int, float)) and split_value > 0
        ordered = any(isinstance(v, Data) and v.ordered for v in (x, y))
        x_node, y_node = args.node("x", 0), args.node("y", 1)
        on_test = any(isinstance(v, Data) and v.split == "test" for v in (x, y)) or any(
            _test_like(node) for node in (x_node, y_node)
        )
        return kf.Fit(
            anchor=anchor,
            labels=labels,
            has_validation=has_validation,
            unscaled_images=isinstance(x, Data) and x.raw_images,
            trains_on_test=on_test,
            validates_on_training=self.validates_on_training(x, x_node, validation_data, args),
            ordered_validation_split=splits_off and ordered,
            reconstruction=_same_data(x, y, x_node, y_node),
        )

    def labels_per_head(
        self, x: Value | None, y: Value | None, heads: list[tuple[tuple[kf.Layer, ...], str | None]]
    ) -> tuple[kf.Labels | None, ...]:
        if y is None and isinstance(x, Data) and x.dataset:
            y = Data(labels=x.labels)
        if len(heads) == 1:
            return (y.labels if isinstance(y, Data) else None,)
        if isinstance(y, Seq) and len(y.items) == len(heads):
            return tuple(item.labels if isinstance(item, Data) else None for item in y.items)
        if isinstance(y, Mapping):
            return tuple(_labels_of(y.get(name)) if name else None for _chain, name in heads)
        return (None,) * len(heads)

    def with_class_weight(
        self, labels: tuple[kf.Labels | None, ...], weights: Value | None
    ) -> tuple[kf.Labels | None, ...]:
        """A literal ``class_weight`` says how rare the rarest class is (weights ~ 1/frequency)."""
        if len(labels) != 1 or not isinstance(weights, Mapping) or len(weights.items) < 2:
            return labels
        values = [w.value for _k, w in weights.items if isinstance(w, Const) and _is_number(w.value)]
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

    def validates_on_training(
        self, x: Value | None, x_node: cst.BaseExpression | None, validation: Value | None, args: Args
    ) -> bool:
        node = args.node("validation_data", None)
        if isinstance(node, (cst.Tuple, cst.List)) and node.elements and x_node is not None:
            first = node.elements[0].value
            if isinstance(first, cst.Name) and isinstance(x_node, cst.Name) and first.value == x_node.value:
                return True
        if isinstance(validation, Seq) and validation.items and isinstance(x, Data):
            return validation.items[0] is x and x.split != "test"
        return False


def _labels_of(value: Value) -> kf.Labels | None:
    return value.labels if isinstance(value, Data) else None


def _whole(part: cst.BaseSlice) -> bool:
    """``:`` alone: the whole axis."""
    return isinstance(part, cst.Slice) and part.lower is None and part.upper is None and part.step is None


def _same_data(x: Value | None, y: Value | None, x_node: object, y_node: object) -> bool:
    """``fit(x, x)``: the same variable, or the same tracked array, as input and target."""
    if isinstance(x_node, cst.Name) and isinstance(y_node, cst.Name) and x_node.value == y_node.value:
        return True
    return isinstance(x, Data) and x is y


def _given(value: Value | None) -> bool:
    if value is None:
        return False
    if isinstance(value, Const):
        return value.value not in (None, 0, 0.0)
    return True


def _test_like(node: cst.BaseExpression | None) -> bool:
    """``x_test``, ``test_images``: a variable named as the test set (not ``x_train_test``)."""
    name = node.value if isinstance(node, cst.Name) else None
    return bool(name and _TEST_NAME.search(name) and not _TRAIN_NAME.search(name))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
