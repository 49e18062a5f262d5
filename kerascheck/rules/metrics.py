"""KC2xx: metrics and evaluation code that cannot tell a useless model from a good one.

The numbers a training run prints are only as honest as the metrics chosen
and the post-processing of predictions. These rules catch the setups where
those numbers look fine and mean nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kerascheck import facts as kf
from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import Head, LabelEncoding, Model, ProgramFacts
from kerascheck.rules import lineage
from kerascheck.rules.base import Bad, Good, Rule, argument_anchor, fixer, is_classifier, option, trained_heads

if TYPE_CHECKING:
    from kerascheck.fix.edits import FixContext, NodeEdit


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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(
        optimizer="adam",
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
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
            line=12,
            message="binary classifier tracked by accuracy alone: on imbalanced data a model that",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(
                optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.BinaryAccuracy()]
            )
            """,
            line=12,
            message="binary classifier tracked by accuracy alone: on imbalanced data a model that",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(
                optimizer="adam",
                loss="binary_crossentropy",
                metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()],
            )
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, class_weight={0: 1.0, 1: 30.0})
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy",
        metrics=[keras.metrics.Precision(), keras.metrics.Recall(), keras.metrics.AUC()],
    )
    model.fit(x, y, class_weight={0: 1.0, 1: 30.0})
    ```
    """

    code = "KC202"
    name = "accuracy-on-imbalanced-labels"
    severity = Severity.WARNING
    fix = "track precision, recall, F1 or AUC on the rare class (and consider class weights)"

    @dataclass(frozen=True)
    class Options:
        minority_share: float = option(
            0.2, "labels are imbalanced when the rarest class is under this fraction of its balanced share", minimum=0.0
        )

    options: Options
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            x = np.random.rand(400, 8).astype("float32")
            y = (np.arange(400) < 12).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            model.fit(x, y, epochs=1, verbose=0, class_weight={0: 1.0, 1: 20.0})
            """,
            line=14,
            message="the rarest class is about 5% of the labels and accuracy is the only metric:",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            x = np.random.rand(400, 8).astype("float32")
            y = (np.arange(400) < 12).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(
                optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", keras.metrics.Recall()]
            )
            model.fit(x, y, epochs=1, verbose=0, class_weight={0: 1.0, 1: 20.0})
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = (np.arange(64) % 2).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            model.fit(x, y, epochs=1, verbose=0, class_weight={0: 1.0, 1: 1.2})
            """,
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
                    if share * labels.num_classes >= self.options.minority_share or not _only_accuracy(head):
                        continue
                    if labels.num_classes == 2:
                        consequence = f"always predicting the majority class scores ~{_percent(1 - share)}"
                    else:
                        consequence = f"a model that never predicts it loses only ~{_percent(share)} accuracy"
                    yield self.report(
                        argument_anchor(fit.y, fit.anchor if fit.anchor.is_known else head.anchor),
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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(2, activation="softmax")])
    model.compile(
        optimizer="adam",
        loss="categorical_crossentropy",
        metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()],
    )
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])  # binary: 0/1 labels
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()],
    )
    # multi-class: keras.metrics.Precision(class_id=k) per class, or keras.metrics.F1Score(average="macro")
    ```
    """

    code = "KC203"
    name = "precision-recall-on-softmax"
    severity = Severity.WARNING
    fix = "binary: 1 sigmoid unit; multi-class: Precision(class_id=k) / Recall(class_id=k) or F1Score(average=...)"
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(2, activation="softmax"),
            ])
            model.compile(
                optimizer="adam",
                loss="categorical_crossentropy",
                metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()],
            )
            """,
            line=15,
            message="precision and recall without class_id on a 2-unit softmax with one-hot labels",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(4, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=[keras.metrics.Recall()])
            """,
            line=12,
            message="recall without class_id on a 4-unit softmax with one-hot labels count every",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(
                optimizer="adam",
                loss="binary_crossentropy",
                metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()],
            )
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(4, activation="softmax"),
            ])
            model.compile(
                optimizer="adam",
                loss="categorical_crossentropy",
                metrics=[keras.metrics.Precision(class_id=0), keras.metrics.Recall(class_id=0)],
            )
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model, head in trained_heads(facts):
            if head.activation != "softmax" or head.units is None or head.units < 2 or not head.metrics:
                continue
            metrics = [m for m in head.metrics if m.kind in ("precision", "recall") and m.has_class_id is False]
            if metrics and _one_hot_labels(model, head):
                names = " and ".join(sorted({str(m.kind) for m in metrics}))
                anchor = metrics[0].anchor  # the metric to change: `Precision()` in the compile call
                yield self.report(
                    anchor if anchor.is_known else _compile_anchor(model, head),
                    f"{names} without class_id on a {head.units}-unit softmax with one-hot labels count "
                    "every cell: they come out equal to each other and to accuracy",
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


def _targets(model: Model, head: Head) -> kf.Labels | None:
    """What the fits of this head were trained on, when some fit knows it (None: unknown)."""
    index = model.heads.index(head)
    for fit in model.fits:
        labels = fit.labels[index] if index < len(fit.labels) else None
        if labels is not None and (labels.encoding is not None or labels.scaled_from is not None):
            return labels
    return None


_BINARY_ACCURACY = "binary accuracy (outputs thresholded at 0.5, then compared with the targets)"
_CATEGORICAL_ACCURACY = "categorical accuracy (the argmax of the outputs compared with the argmax of the targets)"


def accuracy_behaviour(kind: str | None, units: int | None) -> str | None:
    """What a Keras accuracy metric computes on an output of ``units`` units, in words.

    ``"accuracy"`` is resolved the way Keras resolves it from the shapes: binary
    accuracy for one unit, categorical (or sparse categorical) accuracy otherwise.
    """
    if kind == "accuracy":
        if units == 1:
            return _BINARY_ACCURACY
        if units is not None:
            return _CATEGORICAL_ACCURACY
        return None
    return {
        "binary_accuracy": _BINARY_ACCURACY,
        "categorical_accuracy": _CATEGORICAL_ACCURACY,
        "sparse_categorical_accuracy": "sparse categorical accuracy (the targets cast to integers and compared with "
        "the argmax of the outputs)",
        "exact_accuracy": "Accuracy() (outputs counted only when exactly equal to the targets)",
    }.get(kind or "")


class AccuracyOnRegression(Rule):
    """
    ## What it does
    Flags an accuracy metric on a model trained with a regression loss (mse,
    mae, msle, huber, log-cosh) when the targets are known to be continuous,
    whatever the output activation, or when the targets are unknown and the
    string `"accuracy"` sits on a single linear unit.

    Continuous targets come from `make_regression`, `boston_housing`,
    `np.random.normal`, `linspace` formulas, or float targets seen at runtime.
    Known 0/1 targets with a linear unit and mse, and an explicit
    `BinaryAccuracy()` on unknown targets, are not flagged.

    ## Why is this bad?
    For one output unit, Keras turns `"accuracy"` into *binary accuracy*: it
    thresholds every prediction at 0.5 and counts how often the result (0 or
    1) equals the target. A house price of 23.7 is never 0 or 1, so the number
    sits near 0 however small the error gets; with several units it becomes
    categorical accuracy, an argmax comparison unrelated to the error. And if
    the targets are in fact 0/1, the model is a classifier trained with a
    regression loss. Either way, the accuracy printed every epoch misleads.

    ## Example
    ```python
    (x, y), _ = keras.datasets.boston_housing.load_data()
    model = keras.Sequential([keras.Input(shape=(13,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    (x, y), _ = keras.datasets.boston_housing.load_data()
    model = keras.Sequential([keras.Input(shape=(13,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae", keras.metrics.RootMeanSquaredError()])
    model.fit(x, y)
    # 0/1 targets: layers.Dense(1, activation="sigmoid") with loss="binary_crossentropy"
    ```
    """

    code = "KC204"
    name = "accuracy-on-regression"
    severity = Severity.WARNING
    fix = "use mae or RootMeanSquaredError() for regression (0/1 targets: sigmoid + binary_crossentropy)"
    _TARGETS = 'y = np.random.normal(50.0, 10.0, 64).astype("float32")'
    _FIT = "model.fit(x, y, epochs=1, verbose=0)\n"
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.normal(50.0, 10.0, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=12,
            message="accuracy on continuous targets trained with mean_squared_error: the",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.normal(50.0, 10.0, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss=keras.losses.Huber(), metrics=["mae", "accuracy"])
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=12,
            message="accuracy on continuous targets trained with huber: the metric here is",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.normal(50.0, 10.0, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="relu"),
            ])
            model.compile(optimizer="adam", loss="mae", metrics=["accuracy"])
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=12,
            message="accuracy on continuous targets trained with mean_absolute_error: the",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="mean_squared_error", metrics=["accuracy"])
            """,
            line=12,
            message='"accuracy" on a single linear unit trained with mean_squared_error is',
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.normal(50.0, 10.0, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="mse", metrics=["mae"])
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.randint(0, 2, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="mse", metrics=[keras.metrics.BinaryAccuracy()])
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.randint(0, 2, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model, head in trained_heads(facts):
            loss = head.loss
            if loss is None or loss.kind not in kv.REGRESSION_LOSSES or not head.metrics:
                continue
            accuracies = [m for m in head.metrics if m.kind in kv.ACCURACY_METRICS]
            if not accuracies:
                continue
            targets = _targets(model, head)
            if targets is not None and targets.encoding is LabelEncoding.CONTINUOUS:
                behaviour = accuracy_behaviour(accuracies[0].kind, head.units)
                what = f"here is {behaviour}" if behaviour else "compares classes"
                yield self.report(
                    _compile_anchor(model, head),
                    f"accuracy on continuous targets trained with {loss.kind}: the metric {what}; "
                    "continuous targets are never equal to those values, so it stays near 0 "
                    "(or at chance) whatever the error",
                )
            elif (
                targets is None
                and head.units == 1
                and head.activation == "linear"
                and any(m.kind == "accuracy" for m in accuracies)
            ):
                yield self.report(
                    _compile_anchor(model, head),
                    f'"accuracy" on a single linear unit trained with {loss.kind} is binary accuracy at '
                    "threshold 0.5: for regression targets it stays near 0 whatever the error, and if the "
                    "targets are 0/1 this is a classifier trained with a regression loss",
                )


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
    from sklearn.metrics import classification_report

    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
    probs = model.predict(x_test)
    print(classification_report(y_test, probs))
    ```

    ## Use instead
    ```python
    from sklearn.metrics import classification_report

    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
    labels = np.argmax(model.predict(x_test), axis=-1)  # one sigmoid unit: (model.predict(x_test) > 0.5)
    print(classification_report(y_test, labels))
    ```
    """

    code = "KC205"
    name = "sklearn-metric-on-probabilities"
    severity = Severity.ERROR
    fix = "np.argmax(pred, axis=-1) (softmax) or (pred > 0.5).astype(int) (sigmoid) first"
    model_rule = False
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            probs = model.predict(x)
            print(f1_score(y, probs, average="macro"))
            """,
            line=11,
            columns=(7, 42),
            message="f1_score receives model.predict(...) probabilities, not class labels",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import confusion_matrix

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            print(confusion_matrix(keras.utils.to_categorical(y, 3), np.argmax(model.predict(x), axis=1)))
            """,
            line=10,
            columns=(7, 94),
            message="confusion_matrix receives one-hot y_true; it needs class labels",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            pred = np.argmax(model.predict(x), axis=-1)
            print(f1_score(y, pred, average="macro"))
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import roc_auc_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            probs = model.predict(x).ravel()
            print(roc_auc_score(y, probs))
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            pred = (model.predict(x) > 0.5).astype(int)
            print(f1_score(y, pred))
            """,
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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    pred = np.argmax(model.predict(x_test), axis=-1)
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    pred = (model.predict(x_test) > 0.5).astype(int).ravel()
    ```
    """

    code = "KC206"
    name = "argmax-on-single-unit"
    severity = Severity.ERROR
    fix = "threshold instead: (model.predict(x) > 0.5).astype(int)"
    model_rule = False
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            pred = np.argmax(model.predict(x), axis=-1)
            print(f1_score(y, pred))
            """,
            line=10,
            columns=(8, 44),
            message="argmax over the last axis of a 1-unit output is always 0: every prediction is",
            fixed="""
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            pred = (model.predict(x) > 0.5).astype(int).ravel()
            print(f1_score(y, pred))
            """,
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            pred = model.predict(x).argmax(axis=1)
            print(f1_score(y, pred))
            """,
            line=10,
            columns=(8, 39),
            message="argmax over the last axis of a 1-unit output is always 0: every prediction is",
            fixed="""
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            pred = (model.predict(x) > 0.5).astype(int).ravel()
            print(f1_score(y, pred))
            """,
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            pred = np.argmax(model.predict(x), axis=-1)
            print(f1_score(y, pred, average="macro"))
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            pred = (model.predict(x) > 0.5).astype(int)
            print(f1_score(y, pred))
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for argmax in facts.argmaxes:
            model = facts.model_at(argmax.model)
            head = model.single_head if model is not None else None
            if head is None or head.units != 1 or argmax.axis not in (-1, 1) or argmax.width_guarded:
                continue
            yield self.report(
                argmax.anchor,
                "argmax over the last axis of a 1-unit output is always 0: every prediction is class 0",
            )

    @fixer(safe=False, title="threshold the single output instead of argmax")
    def fix_edits(self, diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
        """Unsafe: the predictions change (from always 0 to a real decision).

        ``np.argmax(p, axis=-1)`` becomes ``(p > 0.5).astype(int).ravel()`` for a
        sigmoid output, ``(p > 0).astype(int).ravel()`` for logits
        (``from_logits=True``); 0.5 is a choice of decision threshold the user
        may want to tune, so the fix is not applied without ``--unsafe-fixes``.
        """
        import libcst as cst

        from kerascheck.fix.edits import Replace
        from kerascheck.fix.transforms import atom, is_method_call, positional_args, prediction_head

        node = diagnostic.anchor.node
        if not isinstance(node, cst.Call):
            return None
        fact = next((a for a in context.facts.argmaxes if a.anchor.node is node), None)
        head = prediction_head(context, fact.model) if fact is not None else None
        if head is None or head.units != 1:
            return None
        if head.activation == "sigmoid":
            threshold = "0.5"
        elif head.activation == "linear" and head.loss is not None and head.loss.from_logits is True:
            threshold = "0"
        else:
            return None
        if is_method_call(context, node):
            predictions: cst.BaseExpression = node.func.value  # type: ignore[attr-defined]  # p.argmax(axis=-1)
        else:
            positional = positional_args(node)
            if not positional:
                return None
            predictions = positional[0].value  # np.argmax(p, axis=-1)
        return [Replace(node, f"({atom(context, predictions)} > {threshold}).astype(int).ravel()")]


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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
    classes = model.predict_classes(x_test)
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
    classes = np.argmax(model.predict(x_test), axis=-1)
    # one sigmoid unit: classes = (model.predict(x_test) > 0.5).astype(int)
    ```
    """

    code = "KC207"
    name = "predict-classes-removed"
    severity = Severity.ERROR
    fix = "np.argmax(model.predict(x), axis=-1) for softmax, (model.predict(x) > 0.5) for one sigmoid unit"
    model_rule = False
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            classes = model.predict_classes(x)
            """,
            line=10,
            columns=(11, 35),
            message="model.predict_classes() was removed from Keras: AttributeError",
            fixed="""
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            classes = model.predict(x).argmax(axis=-1)
            """,
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            probs = model.predict_proba(x)
            """,
            line=10,
            columns=(9, 31),
            message="model.predict_proba() was removed from Keras: AttributeError",
            fixed="""
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            probs = model.predict(x)
            """,
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.metrics import f1_score

            x = np.random.rand(32, 8).astype("float32")
            y = np.random.randint(0, 2, 32)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            classes = np.argmax(model.predict(x), axis=-1)
            """,
        ),
        Good(
            """
            from sklearn.linear_model import LogisticRegression
            import keras

            clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
            probs = clf.predict_proba([[0.5]])
            """,
        ),
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

    @fixer(safe=True, title="replace the removed method with model.predict")
    def fix_edits(self, diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
        """Safe: the replacement is what the removed method itself computed.

        Keras' ``predict_classes`` returned ``predict(x).argmax(axis=-1)`` for
        several outputs and ``(predict(x) > 0.5).astype("int32")`` for one;
        ``predict_proba`` returned ``predict(x)``. The call is rewritten to that,
        with the same arguments, for a model whose single output is known
        (softmax, or one sigmoid unit); otherwise no fix.
        """
        import libcst as cst

        from kerascheck.fix.edits import Replace
        from kerascheck.fix.transforms import prediction_head

        node = diagnostic.anchor.node
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            return None
        fact = next((c for c in context.facts.removed_calls if c.anchor.node is node), None)
        head = prediction_head(context, fact.model) if fact is not None else None
        if fact is None or head is None or head.units is None:
            return None
        predict = node.with_changes(func=node.func.with_changes(attr=cst.Name("predict")))
        code = context.code(predict)
        if fact.method == "predict_proba":
            if head.activation not in ("softmax", "sigmoid"):
                return None
            return [Replace(node, code)]
        if head.activation == "softmax" and head.units >= 2:
            return [Replace(node, f"{code}.argmax(axis=-1)")]
        if head.activation == "sigmoid" and head.units == 1:
            return [Replace(node, f'({code} > 0.5).astype("int32")')]
        return None


class ExactAccuracyOnProbabilities(Rule):
    """
    ## What it does
    Flags `keras.metrics.Accuracy()` (the class, not the string `"accuracy"`)
    on a sigmoid or softmax output.

    ## Why is this bad?
    `Accuracy()` counts a prediction as correct only when it is *exactly*
    equal to the label. A sigmoid or softmax output is a probability such as
    0.93, never exactly 1, so the metric sits near 0 while the model may be
    classifying almost everything right: the "loss goes down, accuracy does
    not move" question. The string `"accuracy"` is different: Keras turns it
    into binary or categorical accuracy, which threshold or take the argmax
    first.

    ## Example
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.Accuracy()])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.BinaryAccuracy()])
    # softmax: "accuracy", CategoricalAccuracy() or SparseCategoricalAccuracy()
    ```
    """

    code = "KC208"
    name = "exact-accuracy-on-probabilities"
    severity = Severity.WARNING
    fix = 'use "accuracy", BinaryAccuracy() (sigmoid) or CategoricalAccuracy() / SparseCategoricalAccuracy() (softmax)'
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.Accuracy()])
            """,
            line=12,
            message="Accuracy() counts only outputs exactly equal to the labels; sigmoid",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["mae", keras.metrics.Accuracy()])
            """,
            line=12,
            message="Accuracy() counts only outputs exactly equal to the labels; softmax",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.BinaryAccuracy()])
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(
                optimizer="adam",
                loss="binary_crossentropy",
                metrics=["accuracy", keras.metrics.AUC(), keras.metrics.Precision()],
            )
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model, head in trained_heads(facts):
            if head.activation not in ("sigmoid", "softmax") or not head.metrics:
                continue
            if any(m.kind == "exact_accuracy" for m in head.metrics):
                better = "BinaryAccuracy()" if head.activation == "sigmoid" else "CategoricalAccuracy()"
                yield self.report(
                    _compile_anchor(model, head),
                    f"Accuracy() counts only outputs exactly equal to the labels; {head.activation} "
                    f"probabilities never are, so it sits near 0 whatever the model learns (use {better})",
                )


class CategoricalAccuracyOnSingleUnit(Rule):
    """
    ## What it does
    Flags `categorical_accuracy` / `CategoricalAccuracy()` and the sparse
    variants on a model output with a single unit.

    ## Why is this bad?
    Both take the argmax over the output's last axis, and over one unit the
    argmax is always 0. Categorical accuracy then compares 0 with the argmax
    of a one-column label, also always 0: it reports 1.0 from the first
    batch. Sparse categorical accuracy compares 0 with the label itself: it
    reports the share of class 0, however well the model separates the
    classes.

    ## Example
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["categorical_accuracy"])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
    ```
    """

    code = "KC209"
    name = "categorical-accuracy-on-single-unit"
    severity = Severity.WARNING
    fix = 'use "binary_accuracy" / BinaryAccuracy() for a single output unit'
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["categorical_accuracy"])
            """,
            line=12,
            message="categorical_accuracy takes the argmax over a 1-unit output, which is",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(
                optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.SparseCategoricalAccuracy()]
            )
            """,
            line=12,
            message="sparse_categorical_accuracy takes the argmax over a 1-unit output,",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(4, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["categorical_accuracy"])
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model, head in trained_heads(facts):
            if head.units != 1 or not head.metrics:
                continue
            for metric in head.metrics:
                if metric.kind == "categorical_accuracy":
                    effect = "always 0 on both sides, so it reports 1.0 whatever the model does"
                elif metric.kind == "sparse_categorical_accuracy":
                    effect = "always 0, compared with the labels: it reports the share of class 0"
                else:
                    continue
                yield self.report(
                    _compile_anchor(model, head),
                    f"{metric.kind} takes the argmax over a 1-unit output, which is {effect}",
                )
                break
