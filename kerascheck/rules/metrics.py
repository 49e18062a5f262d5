"""KC2xx: metrics and evaluation code that cannot tell a useless model from a good one.

The numbers a training run prints are only as honest as the metrics chosen
and the post-processing of predictions. These rules catch the setups where
those numbers look fine and mean nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import Head, LabelEncoding, Model, ProgramFacts
from kerascheck.rules import lineage
from kerascheck.rules.base import Rule, is_classifier, trained_heads

_MODEL = """import numpy as np
import keras
from keras import layers

x = np.random.rand(64, 8).astype("float32")
{data}
model = keras.Sequential([
    keras.Input(shape=(8,)),
    layers.Dense(16, activation="relu"),
    {output}
])
model.compile(optimizer="adam", loss={loss}, metrics={metrics})
{fit}"""


def _example(output: str, loss: str, metrics: str, data: str = "", fit: str = "") -> str:
    """A runnable model snippet (the runtime tests build it and inspect it too)."""
    return _MODEL.format(output=output, loss=loss, metrics=metrics, data=data, fit=fit)


def _only_accuracy(head: Head) -> bool:
    metrics = head.metrics
    if not metrics or any(m.kind is None for m in metrics):
        return False
    return all(m.kind in kv.ACCURACY_METRICS for m in metrics)


def _is_binary_classifier(head: Head) -> bool:
    loss = head.loss
    if loss is None or loss.kind not in kv.BINARY_CE:
        return False
    return head.units == 1 and (head.activation == "sigmoid" or loss.from_logits is True)


def _percent(fraction: float) -> str:
    """0.0017 -> '0.17%', 0.03 -> '3%': enough digits to be honest about tiny minorities."""
    if fraction < 0.01 or fraction > 0.99:
        return f"{fraction:.2%}"
    return f"{fraction:.0%}"


def _compile_anchor(model: Model, head: Head):  # type: ignore[no-untyped-def]
    return model.compile_anchor if model.compile_anchor.is_known else head.anchor


class AccuracyOnlyBinary(Rule):
    """
    ## What it does
    Flags a binary classifier compiled with accuracy as its only metric.
    (Advice: not selected by default; enable with `--extend-select KC201`.)

    ## Why is this bad?
    Accuracy counts correct answers over all answers, so on imbalanced data
    a model that always predicts the majority class scores the majority
    rate: 98 % accuracy with 2 % fraud while catching no fraud at all (the
    *accuracy paradox*). Precision (how many predicted positives are real)
    and recall (how many real positives were found) expose it at once: that
    model has recall 0.

    ## Example
    ```python
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    ```

    ## Use instead
    ```python
    model.compile(
        loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall(), keras.metrics.AUC()],
    )
    ```
    """

    code = "KC201"
    name = "accuracy-only-binary"
    severity = Severity.INFO
    fix = "also track keras.metrics.Precision(), Recall() and AUC()"
    BAD = (
        _example('layers.Dense(1, activation="sigmoid"),', '"binary_crossentropy"', '["accuracy"]'),
        _example(
            'layers.Dense(1, activation="sigmoid"),',
            '"binary_crossentropy"',
            "[keras.metrics.BinaryAccuracy()]",
        ),
    )
    GOOD = (
        _example(
            'layers.Dense(1, activation="sigmoid"),',
            '"binary_crossentropy"',
            '["accuracy", keras.metrics.Precision(), keras.metrics.Recall()]',
        ),
        _example('layers.Dense(3, activation="softmax"),', '"sparse_categorical_crossentropy"', '["accuracy"]'),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model, head in trained_heads(facts):
            if _is_binary_classifier(head) and _only_accuracy(head):
                yield self.report(
                    _compile_anchor(model, head),
                    "binary classifier tracked by accuracy alone: on imbalanced data a model that always "
                    "predicts the majority class looks good",
                )


class AccuracyOnImbalancedLabels(Rule):
    """
    ## What it does
    Flags training on labels known to be imbalanced (the rarest class under
    a fifth of its balanced share: under 10 % for two classes, 2 % for ten;
    seen at runtime, from a literal `class_weight`, or from data whose
    balance is visible, e.g. `make_classification(weights=[0.97, 0.03])`)
    when accuracy is the only metric.

    ## Why is this bad?
    With 3 % positives, predicting "negative" for everything gives 97 %
    accuracy, so accuracy cannot tell a useless model from a good one.
    Precision and recall on the rare class (and F1, their harmonic mean, or
    AUC) are the numbers that move when the model actually learns.

    ## Example
    ```python
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, class_weight={0: 1.0, 1: 30.0})
    ```

    ## Use instead
    ```python
    model.compile(loss="binary_crossentropy",
                  metrics=[keras.metrics.Precision(), keras.metrics.Recall(), keras.metrics.AUC()])
    ```
    """

    code = "KC202"
    name = "accuracy-on-imbalanced-labels"
    severity = Severity.WARNING
    fix = "track precision, recall, F1 or AUC on the rare class (and consider class weights)"
    LIMIT = 0.10
    # 400 rows: the runtime front-end judges class balance only from enough labels.
    _Y = 'x = np.random.rand(400, 8).astype("float32")\ny = (np.arange(400) < 12).astype("float32")'
    BAD = (
        _example(
            'layers.Dense(1, activation="sigmoid"),',
            '"binary_crossentropy"',
            '["accuracy"]',
            data=_Y,
            fit="model.fit(x, y, epochs=1, verbose=0, class_weight={0: 1.0, 1: 20.0})\n",
        ),
    )
    GOOD = (
        _example(
            'layers.Dense(1, activation="sigmoid"),',
            '"binary_crossentropy"',
            '["accuracy", keras.metrics.Recall()]',
            data=_Y,
            fit="model.fit(x, y, epochs=1, verbose=0, class_weight={0: 1.0, 1: 20.0})\n",
        ),
        _example(
            'layers.Dense(1, activation="sigmoid"),',
            '"binary_crossentropy"',
            '["accuracy"]',
            data='y = (np.arange(64) % 2).astype("float32")',
            fit="model.fit(x, y, epochs=1, verbose=0, class_weight={0: 1.0, 1: 1.2})\n",
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            for fit in model.fits:
                for head, labels in zip(model.heads, fit.labels, strict=False):
                    if labels is None or labels.minority_fraction is None or not labels.num_classes:
                        continue
                    if not is_classifier(head):
                        continue  # integer-valued regression targets (ages, counts) are not classes
                    share = labels.minority_fraction
                    # Compared with its share if balanced: 10 % of a binary problem, 2 % of ten classes.
                    if share * labels.num_classes >= 2 * self.LIMIT or not _only_accuracy(head):
                        continue
                    if labels.num_classes == 2:
                        consequence = f"always predicting the majority class scores ~{_percent(1 - share)}"
                    else:
                        consequence = f"a model that never predicts it loses only ~{_percent(share)} accuracy"
                    yield self.report(
                        fit.anchor if fit.anchor.is_known else head.anchor,
                        f"the rarest class is about {_percent(share)} of the labels and accuracy is the only "
                        f"metric: {consequence}",
                    )


class PrecisionRecallOnSoftmax(Rule):
    """
    ## What it does
    Flags `keras.metrics.Precision()` / `Recall()` without `class_id` on a
    softmax output of two or more units trained on one-hot labels.

    ## Why is this bad?
    Keras's Precision and Recall treat every cell of the (samples x classes)
    one-hot matrix as a separate yes/no decision, thresholded at 0.5. With a
    softmax, exactly one cell per row is "predicted": each wrong row is one
    false positive *and* one false negative. So FP == FN, precision ==
    recall, and both equal accuracy; the classic "accuracy: 0.9020,
    precision: 0.9020, recall: 0.9020" question. The three numbers you
    added to see past accuracy are accuracy three times.

    ## Example
    ```python
    model.add(layers.Dense(2, activation="softmax"))
    model.compile(loss="categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()])
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(1, activation="sigmoid"))  # binary: 0/1 labels
    model.compile(loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()])
    # multi-class: keras.metrics.Precision(class_id=k) per class, or keras.metrics.F1Score(average="macro")
    ```
    """

    code = "KC203"
    name = "precision-recall-on-softmax"
    severity = Severity.WARNING
    fix = "binary: 1 sigmoid unit; multi-class: Precision(class_id=k) / Recall(class_id=k) or F1Score(average=...)"
    BAD = (
        _example(
            'layers.Dense(2, activation="softmax"),',
            '"categorical_crossentropy"',
            '["accuracy", keras.metrics.Precision(), keras.metrics.Recall()]',
        ),
        _example(
            'layers.Dense(4, activation="softmax"),',
            '"categorical_crossentropy"',
            "[keras.metrics.Recall()]",
        ),
    )
    GOOD = (
        _example(
            'layers.Dense(1, activation="sigmoid"),',
            '"binary_crossentropy"',
            '["accuracy", keras.metrics.Precision(), keras.metrics.Recall()]',
        ),
        _example(
            'layers.Dense(4, activation="softmax"),',
            '"categorical_crossentropy"',
            "[keras.metrics.Precision(class_id=0), keras.metrics.Recall(class_id=0)]",
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model, head in trained_heads(facts):
            if head.activation != "softmax" or head.units is None or head.units < 2 or not head.metrics:
                continue
            averaged = [m.kind for m in head.metrics if m.kind in ("precision", "recall") and m.has_class_id is False]
            if averaged and _one_hot_labels(model, head):
                names = " and ".join(sorted(set(averaged)))
                yield self.report(
                    _compile_anchor(model, head),
                    f"{names} without class_id on a {head.units}-unit softmax with one-hot labels count "
                    "every cell: they come out equal to each other and to accuracy",
                )


def _continuous_targets(model: Model, head: Head) -> bool:
    index = model.heads.index(head)
    return any(
        index < len(fit.labels)
        and fit.labels[index] is not None
        and fit.labels[index].encoding is LabelEncoding.CONTINUOUS  # type: ignore[union-attr]
        for fit in model.fits
    )


def _one_hot_labels(model: Model, head: Head) -> bool:
    """One-hot labels: seen at fit time, or implied by a (binary/categorical) cross-entropy on a softmax."""
    index = model.heads.index(head)
    for fit in model.fits:
        labels = fit.labels[index] if index < len(fit.labels) else None
        if labels is not None and labels.encoding is not None:
            return labels.encoding is LabelEncoding.ONE_HOT
    loss = head.loss
    return loss is not None and loss.kind in kv.CATEGORICAL_CE | kv.BINARY_CE


class AccuracyOnRegression(Rule):
    """
    ## What it does
    Flags an accuracy metric on a regression model: a regression loss, a
    linear output, and targets known to be continuous (a regression data set
    such as `boston_housing`, `make_regression`, or float targets seen at
    runtime). A linear output trained with mse on 0/1 targets is a legitimate
    classifier and is not flagged.

    ## Why is this bad?
    Accuracy compares predicted classes with true classes. Continuous targets
    have no classes: Keras thresholds or rounds the predictions and compares
    them with values like 23.7, so accuracy sits near 0 whatever the model
    learns; the number says nothing about the error.

    ## Example
    ```python
    model.add(layers.Dense(1))
    model.compile(loss="mse", metrics=["accuracy"])
    ```

    ## Use instead
    ```python
    model.compile(loss="mse", metrics=["mae", keras.metrics.RootMeanSquaredError()])
    ```
    """

    code = "KC204"
    name = "accuracy-on-regression"
    severity = Severity.WARNING
    fix = "use mae or RootMeanSquaredError() for regression"
    _TARGETS = 'y = np.random.normal(50.0, 10.0, 64).astype("float32")'
    _FIT = "model.fit(x, y, epochs=1, verbose=0)\n"
    BAD = (
        _example("layers.Dense(1),", '"mse"', '["accuracy"]', data=_TARGETS, fit=_FIT),
        _example("layers.Dense(1),", "keras.losses.Huber()", '["mae", "accuracy"]', data=_TARGETS, fit=_FIT),
    )
    GOOD = (
        _example("layers.Dense(1),", '"mse"', '["mae"]', data=_TARGETS, fit=_FIT),
        _example(
            "layers.Dense(1),",
            '"mse"',
            "[keras.metrics.BinaryAccuracy()]",
            data='y = np.random.randint(0, 2, 64).astype("float32")',
            fit=_FIT,
        ),
        _example('layers.Dense(1, activation="sigmoid"),', '"binary_crossentropy"', '["accuracy"]'),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model, head in trained_heads(facts):
            loss = head.loss
            if loss is None or loss.kind not in kv.REGRESSION_LOSSES or head.activation != "linear":
                continue
            if not _continuous_targets(model, head):
                continue
            if head.metrics and any(m.kind in kv.ACCURACY_METRICS for m in head.metrics):
                yield self.report(
                    _compile_anchor(model, head),
                    f"accuracy on a regression model ({loss.kind}, linear output, continuous targets) "
                    "compares classes that do not exist and stays near 0",
                )


_EVAL = """import numpy as np
import keras
from keras import layers
from sklearn.metrics import {metric}

x = np.random.rand(32, 8).astype("float32")
y = np.random.randint(0, 2, 32)
model = keras.Sequential([keras.Input(shape=(8,)), {output}])
model.compile(optimizer="adam", loss={loss})
{code}
"""


def _eval_example(code: str, output: str = 'layers.Dense(3, activation="softmax")',
                  loss: str = '"sparse_categorical_crossentropy"', metric: str = "f1_score") -> str:  # fmt: skip
    return _EVAL.format(code=code, output=output, loss=loss, metric=metric)


class SklearnMetricOnProbabilities(Rule):
    """
    ## What it does
    Flags scikit-learn classification metrics (`classification_report`,
    `confusion_matrix`, `accuracy_score`, `precision_score`,
    `recall_score`, `f1_score`...) given `model.predict(...)` output with no
    argmax, rounding or threshold, or one-hot `y_true` with no argmax.

    ## Why is this bad?
    These metrics compare class labels. Probabilities are not labels:
    scikit-learn stops with "Classification metrics can't handle a mix of
    binary and continuous targets" (or of multilabel-indicator and
    multiclass), and the usual quick patch, casting with `astype(int)`,
    turns every probability below 1 into class 0: a confusion matrix with
    everything in one column and a precision that means nothing.
    (`roc_auc_score` and `average_precision_score` want probabilities and
    are fine.)

    ## Example
    ```python
    probs = model.predict(x_test)
    print(classification_report(y_test, probs))
    ```

    ## Use instead
    ```python
    labels = np.argmax(model.predict(x_test), axis=-1)  # softmax
    # labels = (model.predict(x_test) > 0.5).astype(int)  # one sigmoid unit
    print(classification_report(y_test, labels))
    ```
    """

    code = "KC205"
    name = "sklearn-metric-on-probabilities"
    severity = Severity.ERROR
    fix = "np.argmax(pred, axis=-1) (softmax) or (pred > 0.5).astype(int) (sigmoid) first"
    model_rule = False
    BAD = (
        _eval_example("probs = model.predict(x)\nprint(f1_score(y, probs, average='macro'))"),
        _eval_example(
            "print(confusion_matrix(keras.utils.to_categorical(y, 3), np.argmax(model.predict(x), axis=1)))",
            metric="confusion_matrix",
        ),
    )
    GOOD = (
        _eval_example("pred = np.argmax(model.predict(x), axis=-1)\nprint(f1_score(y, pred, average='macro'))"),
        _eval_example(
            "probs = model.predict(x).ravel()\nprint(roc_auc_score(y, probs))",
            output='layers.Dense(1, activation="sigmoid")',
            loss='"binary_crossentropy"',
            metric="roc_auc_score",
        ),
        _eval_example(
            "pred = (model.predict(x) > 0.5).astype(int)\nprint(f1_score(y, pred))",
            output='layers.Dense(1, activation="sigmoid")',
            loss='"binary_crossentropy"',
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for call in facts.metric_calls:
            if call.function not in kv.CLASSIFICATION_METRICS:
                continue
            if lineage.raw_predictions(call.y_true) or lineage.raw_predictions(call.y_pred):
                yield self.report(
                    call.anchor,
                    f"{call.function} receives model.predict(...) probabilities, not class labels",
                )
            elif lineage.one_hot(call.y_true):
                yield self.report(
                    call.anchor,
                    f"{call.function} receives one-hot y_true; it needs class labels",
                    "np.argmax(y_true, axis=-1) first",
                )


class ArgmaxOnSingleUnit(Rule):
    """
    ## What it does
    Flags `argmax` over the last axis of predictions from a model with a
    single output unit.

    ## Why is this bad?
    The last axis has length 1, so its argmax is 0 for every sample: every
    prediction is "class 0", accuracy equals the share of negatives and the
    confusion matrix puts everything in one column.

    ## Example
    ```python
    pred = np.argmax(model.predict(x_test), axis=-1)  # Dense(1, activation="sigmoid")
    ```

    ## Use instead
    ```python
    pred = (model.predict(x_test) > 0.5).astype(int).ravel()
    ```
    """

    code = "KC206"
    name = "argmax-on-single-unit"
    severity = Severity.ERROR
    fix = "threshold instead: (model.predict(x) > 0.5).astype(int)"
    model_rule = False
    _SIGMOID = {"output": 'layers.Dense(1, activation="sigmoid")', "loss": '"binary_crossentropy"'}
    BAD = (
        _eval_example("pred = np.argmax(model.predict(x), axis=-1)\nprint(f1_score(y, pred))", **_SIGMOID),
        _eval_example("pred = model.predict(x).argmax(axis=1)\nprint(f1_score(y, pred))", **_SIGMOID),
    )
    GOOD = (
        _eval_example("pred = np.argmax(model.predict(x), axis=-1)\nprint(f1_score(y, pred, average='macro'))"),
        _eval_example("pred = (model.predict(x) > 0.5).astype(int)\nprint(f1_score(y, pred))", **_SIGMOID),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for argmax in facts.argmaxes:
            model = facts.model_at(argmax.model)
            head = model.single_head if model is not None else None
            if head is None or head.units != 1 or argmax.axis not in (-1, 1):
                continue
            yield self.report(
                argmax.anchor,
                "argmax over the last axis of a 1-unit output is always 0: every prediction is class 0",
            )


class PredictClassesRemoved(Rule):
    """
    ## What it does
    Flags `model.predict_classes(...)` and `model.predict_proba(...)` on a
    Keras model.

    ## Why is this bad?
    Both were removed from Keras (TensorFlow 2.6+): the call raises
    `AttributeError`, typically at the very end of a long training script.

    ## Example
    ```python
    classes = model.predict_classes(x_test)
    ```

    ## Use instead
    ```python
    classes = np.argmax(model.predict(x_test), axis=-1)  # softmax output
    classes = (model.predict(x_test) > 0.5).astype(int)  # one sigmoid unit
    ```
    """

    code = "KC207"
    name = "predict-classes-removed"
    severity = Severity.ERROR
    fix = "np.argmax(model.predict(x), axis=-1) for softmax, (model.predict(x) > 0.5) for one sigmoid unit"
    model_rule = False
    BAD = (
        _eval_example("classes = model.predict_classes(x)"),
        _eval_example(
            "probs = model.predict_proba(x)",
            output='layers.Dense(1, activation="sigmoid")',
            loss='"binary_crossentropy"',
        ),
    )
    GOOD = (
        _eval_example("classes = np.argmax(model.predict(x), axis=-1)"),
        """from sklearn.linear_model import LogisticRegression
import keras

clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
probs = clf.predict_proba([[0.5]])
""",
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for call in facts.removed_calls:
            model = facts.model_at(call.model)
            head = model.single_head if model is not None else None
            replacement = self.fix
            if head is not None and head.activation == "softmax":
                replacement = "np.argmax(model.predict(x), axis=-1)"
            elif head is not None and head.activation == "sigmoid" and head.units == 1:
                replacement = "(model.predict(x) > 0.5).astype(int)"
            if call.method == "predict_proba" and head is not None and head.activation in ("softmax", "sigmoid"):
                replacement = "model.predict(x) (it already returns probabilities)"
            yield self.report(call.anchor, f"model.{call.method}() was removed from Keras: AttributeError", replacement)
