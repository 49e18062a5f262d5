"""KC3xx: labels and data that do not match the model, or leak into evaluation."""

from __future__ import annotations

from collections.abc import Iterator

from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import Fit, Head, LabelEncoding, Labels, Model, PreprocessingFit, ProgramFacts, Split
from kerascheck.rules import lineage
from kerascheck.rules.base import Rule, is_classifier

_FIT = """import numpy as np
import keras
from keras import layers

x = np.random.rand(64, 8).astype("float32")
{labels}
model = keras.Sequential([
    keras.Input(shape=(8,)),
    layers.Dense(16, activation="relu"),
    {output}
])
model.compile(optimizer="adam", loss={loss})
model.fit(x, y, epochs=1, verbose=0)
"""


def _example(labels: str, output: str, loss: str) -> str:
    """A runnable snippet; the runtime tests build the model and inspect it with ``y``."""
    return _FIT.format(labels=labels, output=output, loss=loss)


_ONE_HOT_3 = "y = keras.utils.to_categorical(np.random.randint(0, 3, 64), num_classes=3)"
_ONE_HOT_2 = "y = np.eye(2)[np.random.randint(0, 2, 64)]"
_INTEGER_3 = "y = LabelEncoder().fit_transform(np.random.choice(['a', 'b', 'c'], 64))"
_MULTI_HOT = "y = MultiLabelBinarizer().fit_transform([['a'], ['a', 'b'], ['c'], ['b', 'c']] * 16)"


def _with_sklearn(snippet: str) -> str:
    return "from sklearn.preprocessing import LabelEncoder, MultiLabelBinarizer\n" + snippet


# Integer labels with the sparse loss, one-hot labels with the categorical one: both right.
_MATCHING_LOSSES = (
    _with_sklearn(_example(_INTEGER_3, 'layers.Dense(3, activation="softmax"),', '"sparse_categorical_crossentropy"')),
    _example(_ONE_HOT_3, 'layers.Dense(3, activation="softmax"),', '"categorical_crossentropy"'),
)


def labelled_fits(facts: ProgramFacts) -> Iterator[tuple[Model, Fit, Head, Labels]]:
    """(model, fit, head, labels) for every head whose training labels are known."""
    for model in facts.models:
        for fit in model.fits:
            for head, labels in zip(model.heads, fit.labels, strict=False):
                if labels is not None and labels.encoding is not None:
                    yield model, fit, head, labels


def _where(fit: Fit, head: Head):  # type: ignore[no-untyped-def]
    return fit.anchor if fit.anchor.is_known else head.anchor


def _origin(labels: Labels) -> str:
    return f" from {labels.source}" if labels.source else ""


class OneHotWithSigmoid(Rule):
    """
    ## What it does
    Flags one-hot labels (`to_categorical`, `np.eye(n)[y]`, `OneHotEncoder`,
    `pd.get_dummies`, `tf.one_hot`) fed to a sigmoid output trained with
    binary cross-entropy.

    ## Why is this bad?
    With one sigmoid unit the shapes disagree (n, 2) vs (n, 1). With n
    sigmoid units, a single-label problem is trained as n independent yes/no
    problems: `accuracy` becomes binary accuracy over every cell of the
    one-hot matrix (mostly zeros, so it starts high), and precision/recall
    are inflated the same way. The numbers look great; the model is not.

    ## Example
    ```python
    y = keras.utils.to_categorical(labels)           # one-hot
    model.add(layers.Dense(3, activation="sigmoid"))
    model.compile(loss="binary_crossentropy")
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(3, activation="softmax"))
    model.compile(loss="categorical_crossentropy")
    # binary problem: integer 0/1 labels with Dense(1, activation="sigmoid")
    ```
    """

    code = "KC301"
    name = "one-hot-with-sigmoid"
    severity = Severity.ERROR
    fix = "binary: 0/1 labels with 1 sigmoid unit; single-label multi-class: softmax + categorical_crossentropy"
    BAD = (
        _example(_ONE_HOT_3, 'layers.Dense(3, activation="sigmoid"),', '"binary_crossentropy"'),
        _example(_ONE_HOT_2, 'layers.Dense(2, activation="sigmoid"),', '"binary_crossentropy"'),
    )
    GOOD = (
        _example(_ONE_HOT_3, 'layers.Dense(3, activation="softmax"),', '"categorical_crossentropy"'),
        _with_sklearn(_example(_MULTI_HOT, 'layers.Dense(3, activation="sigmoid"),', '"binary_crossentropy"')),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, fit, head, labels in labelled_fits(facts):
            loss = head.loss
            if (
                labels.encoding is LabelEncoding.ONE_HOT
                and head.activation == "sigmoid"
                and loss is not None
                and loss.kind in kv.BINARY_CE
            ):
                yield self.report(
                    _where(fit, head),
                    f"one-hot labels{_origin(labels)} train a sigmoid output with {loss.kind}: "
                    "a single-label problem scored as independent yes/no cells",
                )


class SparseLossWithOneHot(Rule):
    """
    ## What it does
    Flags sparse categorical cross-entropy trained on one-hot labels.

    ## Why is this bad?
    The sparse loss expects one integer class id per sample. Given one-hot
    rows, Keras either fails on the shape or (with 2 columns and some
    backends) reads the rows as something else entirely; the reported loss
    and accuracy do not measure the task.

    ## Example
    ```python
    y = keras.utils.to_categorical(labels, 10)
    model.compile(loss="sparse_categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model.compile(loss="categorical_crossentropy")  # keep the one-hot labels
    # or drop to_categorical and keep the sparse loss
    ```
    """

    code = "KC302"
    name = "sparse-loss-with-one-hot"
    severity = Severity.ERROR
    fix = "use categorical_crossentropy with one-hot labels, or pass integer labels to the sparse loss"
    BAD = (_example(_ONE_HOT_3, 'layers.Dense(3, activation="softmax"),', '"sparse_categorical_crossentropy"'),)
    GOOD = _MATCHING_LOSSES

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, fit, head, labels in labelled_fits(facts):
            loss = head.loss
            if labels.encoding is LabelEncoding.ONE_HOT and loss is not None and loss.kind in kv.SPARSE_CE:
                yield self.report(
                    _where(fit, head),
                    f"{loss.kind} expects integer class ids, but the labels{_origin(labels)} are one-hot",
                )


class CategoricalLossWithIntegerLabels(Rule):
    """
    ## What it does
    Flags categorical cross-entropy trained on integer class labels, e.g.
    straight from `mnist.load_data()` or a `LabelEncoder`.

    ## Why is this bad?
    Categorical cross-entropy expects one-hot rows. Integer labels of shape
    (n,) or (n, 1) either fail on the shape or are broadcast against the
    predictions, producing a loss that trains the wrong thing.

    ## Example
    ```python
    (x, y), _ = keras.datasets.mnist.load_data()   # y: integers 0..9
    model.compile(loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model.compile(loss="sparse_categorical_crossentropy")
    # or y = keras.utils.to_categorical(y, 10)
    ```
    """

    code = "KC303"
    name = "categorical-loss-with-integer-labels"
    severity = Severity.ERROR
    fix = "use sparse_categorical_crossentropy, or one-hot encode with to_categorical"
    BAD = (_with_sklearn(_example(_INTEGER_3, 'layers.Dense(3, activation="softmax"),', '"categorical_crossentropy"')),)
    GOOD = _MATCHING_LOSSES

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, fit, head, labels in labelled_fits(facts):
            loss = head.loss
            if loss is None or loss.kind not in kv.CATEGORICAL_CE or head.units == 1:
                continue
            if labels.encoding in (LabelEncoding.INTEGER, LabelEncoding.BINARY):
                yield self.report(
                    _where(fit, head),
                    f"{loss.kind} expects one-hot labels, but the labels{_origin(labels)} are integer class ids",
                )


class UnitsClassesMismatch(Rule):
    """
    ## What it does
    Flags an output layer whose number of units differs from the number of
    classes in its labels, when both are known: `to_categorical(y, n)`,
    `np.eye(n)`, a known dataset (mnist / fashion_mnist / cifar10: 10,
    cifar100: 100 fine or 20 coarse, reuters: 46) or runtime labels.

    ## Why is this bad?
    Too few units: some classes can never be predicted (or the loss fails
    on an out-of-range id). Too many: probability mass goes to classes that
    do not exist. Either way per-class precision and recall are wrong.

    ## Example
    ```python
    (x, y), _ = keras.datasets.cifar100.load_data(label_mode="coarse")  # 20 classes
    model.add(layers.Dense(100, activation="softmax"))
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(20, activation="softmax"))
    ```
    """

    code = "KC304"
    name = "units-classes-mismatch"
    severity = Severity.ERROR
    fix = "make the output units equal the number of classes (1 sigmoid unit for binary)"
    BAD = (
        _example(_ONE_HOT_3, 'layers.Dense(4, activation="softmax"),', '"categorical_crossentropy"'),
        _example(
            "y = keras.utils.to_categorical(np.random.randint(0, 5, 64), num_classes=5)",
            'layers.Dense(3, activation="softmax"),',
            '"categorical_crossentropy"',
        ),
    )
    GOOD = (
        _example(_ONE_HOT_3, 'layers.Dense(3, activation="softmax"),', '"categorical_crossentropy"'),
        _example(
            'y = np.random.randint(0, 2, 64).astype("float32")',
            'layers.Dense(1, activation="sigmoid"),',
            '"binary_crossentropy"',
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        seen: set[int] = set()
        for _model, _fit, head, labels in labelled_fits(facts):
            classes, units = labels.num_classes, head.units
            if classes is None or units is None or units == classes or id(head) in seen:
                continue
            if classes == 2 and units in (1, 2):
                continue
            if not is_classifier(head):
                continue
            seen.add(id(head))
            yield self.report(
                head.activation_anchor if head.activation_anchor.is_known else head.anchor,
                f"the output has {units} units but the labels{_origin(labels)} have {classes} classes",
            )


_SPLIT = """import numpy as np
import keras
from sklearn.model_selection import train_test_split

X = np.random.rand(100, 4)
y = np.random.randint(0, 2, 100)
{code}
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit({fit}, epochs=1, verbose=0)
"""


def _split_example(code: str, fit: str) -> str:
    return _SPLIT.format(code=code, fit=fit)


_TTS = "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)"


class FitOnTestData(Rule):
    """
    ## What it does
    Flags `fit` on data named or split as the test set, and `validation_data`
    that is the training data itself.

    ## Why is this bad?
    A test set measures how the model does on data it has never seen. Train
    on it and every later evaluation on it reports memorisation: accuracy,
    precision and recall all look unrealistically good (data leakage).
    Validating on the training data hides overfitting the same way:
    `val_loss` tracks `loss` while the model memorises.

    ## Example
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y)
    model.fit(X_test, y_test)
    ```

    ## Use instead
    ```python
    model.fit(X_train, y_train, validation_data=(X_test, y_test))
    ```
    """

    code = "KC305"
    name = "fit-on-test-data"
    severity = Severity.WARNING
    fix = "train on the training split and validate on a held-out split"
    model_rule = False
    BAD = (
        _split_example(_TTS, "X_test, y_test"),
        _split_example(_TTS, "X_train, y_train, validation_data=(X_train, y_train)"),
    )
    GOOD = (
        _split_example(_TTS, "X_train, y_train, validation_data=(X_test, y_test)"),
        _split_example("", "X, X[:, :1]"),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            for fit in model.fits:
                if lineage.trains_on_test(fit):
                    yield self.report(fit.anchor, "fit() trains on the test set: every later test score leaks")
                elif lineage.validates_on_training(fit):
                    yield self.report(
                        fit.anchor, "validation_data is the training data: validation cannot show overfitting"
                    )


class PreprocessingBeforeSplit(Rule):
    """
    ## What it does
    Flags a scaler, imputer or PCA fitted on the whole data set before
    `train_test_split`.

    ## Why is this bad?
    The scaler's mean and variance (the imputer's fill values) are then
    computed with the test rows included, so information from the test set
    shapes the training inputs. The leak is small but systematic: test
    scores come out optimistic.

    ## Example
    ```python
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y)
    ```

    ## Use instead
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    ```
    """

    code = "KC306"
    name = "preprocessing-before-split"
    severity = Severity.WARNING
    fix = "split first, then fit the scaler/imputer on the training split only"
    model_rule = False
    BAD = (
        _split_example(
            "from sklearn.preprocessing import StandardScaler\nX = StandardScaler().fit_transform(X)\n" + _TTS,
            "X_train, y_train",
        ),
        _split_example(
            "from sklearn.impute import SimpleImputer\nimp = SimpleImputer()\nimp.fit(X)\nX = imp.transform(X)\n"
            + _TTS,
            "X_train, y_train",
        ),
    )
    GOOD = (
        _split_example(
            "from sklearn.preprocessing import StandardScaler\n" + _TTS + "\nscaler = StandardScaler()\n"
            "X_train = scaler.fit_transform(X_train)\nX_test = scaler.transform(X_test)",
            "X_train, y_train",
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        reported: set[int] = set()
        for split in facts.splits:
            for key in split.preprocessed_by:
                fit = facts.preprocessing_fit(key)
                if fit is None or key in reported or _fitted_on_training_split(fit):
                    continue
                reported.add(key)
                yield self.report(
                    fit.anchor,
                    f"{fit.estimator} is fitted on the whole data set, which is split into train and test "
                    "afterwards: test statistics leak into training",
                )


def _fitted_on_training_split(fit: PreprocessingFit) -> bool:
    return fit.fitted_on is not None and fit.fitted_on.split is Split.TRAIN


# Layers that rescale or normalise what reaches them (or might: a Lambda).
_NORMALISING = frozenset(
    {
        "Rescaling",
        "Normalization",
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "UnitNormalization",
        "Lambda",
    }
)


class UnscaledImageInput(Rule):
    """
    ## What it does
    Flags raw 0-255 image data (a known image dataset such as mnist or
    cifar10, `image_dataset_from_directory`, or uint8 data at runtime)
    reaching `fit` with no division, `Rescaling` or `Normalization`.

    ## Why is this bad?
    Inputs in the hundreds saturate activations and make the first layers'
    gradients huge; training is unstable, the loss can get stuck and
    accuracy plateaus far below what the same model reaches on [0, 1]
    inputs.

    ## Example
    ```python
    (x_train, y_train), _ = keras.datasets.cifar10.load_data()
    model.fit(x_train, y_train)
    ```

    ## Use instead
    ```python
    x_train = x_train / 255.0
    # or put layers.Rescaling(1.0 / 255) first in the model
    ```
    """

    code = "KC307"
    name = "unscaled-image-input"
    severity = Severity.WARNING
    fix = "divide the images by 255 or start the model with layers.Rescaling(1.0 / 255)"
    model_rule = False  # the BAD examples need a dataset download; runtime tests use synthetic uint8 data
    _CNN = """import keras
from keras import layers

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
{prep}
model = keras.Sequential([
    keras.Input(shape=(28, 28)),
    {first}
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train, epochs=1)
"""
    BAD = (
        _CNN.format(prep="", first=""),
        _CNN.format(prep='x_train = x_train.astype("float32")', first=""),
    )
    GOOD = (
        _CNN.format(prep="x_train = x_train / 255.0", first=""),
        _CNN.format(prep="", first="layers.Rescaling(1.0 / 255),"),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            if not _model_scales_nothing(model):
                continue
            for fit in model.fits:
                if fit.x is not None and fit.x.raw_images:
                    yield self.report(
                        fit.anchor if fit.anchor.is_known else model.anchor,
                        "raw 0-255 pixel values reach fit() with no rescaling",
                    )


def _model_scales_nothing(model: Model) -> bool:
    """True only if the layers up to the first weighted layer are known and none rescales."""
    if len(model.heads) != 1:
        return False
    for layer in model.heads[0].chain:
        if layer.kind is None or layer.kind in _NORMALISING:
            return False
        if layer.kind in kv.UNIT_LAYERS:
            return True
    return False


class ValidationSplitOnOrderedData(Rule):
    """
    ## What it does
    Flags `fit(..., validation_split=...)` on arrays built in class order:
    per-class blocks concatenated (`np.concatenate([np.zeros(n), np.ones(m)])`)
    or sorted by label.

    ## Why is this bad?
    Keras takes the validation set from the *last* samples, before any
    shuffling (`shuffle=True` only shuffles the training part). With data in
    class order the validation set is all one class: `val_accuracy` is 0.0
    or 1.0 and `val_loss` says nothing about generalisation.

    ## Example
    ```python
    y = np.concatenate([np.zeros(len(cats)), np.ones(len(dogs))])
    model.fit(x, y, validation_split=0.2)
    ```

    ## Use instead
    ```python
    x, y = sklearn.utils.shuffle(x, y)  # or pass validation_data=
    model.fit(x, y, validation_split=0.2)
    ```
    """

    code = "KC308"
    name = "validation-split-on-ordered-data"
    severity = Severity.WARNING
    fix = "shuffle the arrays before fit, or pass an explicit validation_data"
    model_rule = False
    _ORDERED = "y = np.concatenate([np.zeros(50), np.ones(50)])"
    BAD = (_split_example(_ORDERED, "X, y, validation_split=0.2"),)
    GOOD = (
        _split_example(
            _ORDERED + "\nfrom sklearn.utils import shuffle\nX, y = shuffle(X, y)",
            "X, y, validation_split=0.2",
        ),
        _split_example(
            _ORDERED + "\nidx = np.random.permutation(100)\nX, y = X[idx], y[idx]",
            "X, y, validation_split=0.2",
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            for fit in model.fits:
                if lineage.ordered_validation_split(fit):
                    yield self.report(
                        fit.anchor,
                        "validation_split takes the last samples before shuffling, and these arrays are in "
                        "class order: the validation set is one class",
                    )
