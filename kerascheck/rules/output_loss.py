"""KC1xx: the output layer against the loss, head by head.

A cross-entropy loss assumes something about what the output layer emits:
probabilities (``from_logits=False``, the default) or raw scores
(``from_logits=True``). When the two disagree Keras trains anyway, and the
numbers it prints look plausible while meaning nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import Head, ProgramFacts, effective_output
from kerascheck.rules.base import Rule, all_heads, heads_with_loss, unit_label

_SEQ = """import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(20,)),
    layers.Dense(32, activation="relu"),
    {output}
])
model.compile(optimizer="adam", loss={loss}, metrics=["accuracy"])
"""


def _example(output: str, loss: str) -> str:
    """A small, runnable model: the rules' examples are also built by the runtime tests."""
    return _SEQ.format(output=output, loss=loss)


def _where(head: Head) -> str:
    layer = head.output_layer
    return layer.label if layer is not None else "the output layer"


class MissingSoftmax(Rule):
    """
    ## What it does
    Flags a multi-class output with no activation (a linear `Dense(n)`)
    trained with categorical or sparse categorical cross-entropy that expects
    probabilities (`from_logits=False`, the default). It also fires when the
    number of units is unknown (`Dense(num_classes)`): the pairing is wrong for
    every count (with one unit it is KC103's mistake).

    ## Why is this bad?
    The loss treats raw, unbounded scores as probabilities: it clips them
    into (0, 1) and the gradients are wrong or vanish. Training "runs", the
    loss wanders, and accuracy stays near chance.

    ## Example
    ```python
    model.add(layers.Dense(10))
    model.compile(loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(10, activation="softmax"))
    # or keep the logits and tell the loss:
    model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    ```
    """

    code = "KC101"
    name = "missing-softmax"
    severity = Severity.ERROR
    fix = 'add activation="softmax" to the output layer, or pass from_logits=True to the loss'
    BAD = (
        _example("layers.Dense(10),", '"categorical_crossentropy"'),
        _example('layers.Dense(10, activation="linear"),', '"sparse_categorical_crossentropy"'),
        _example("layers.Dense(3, activation=None),", "keras.losses.CategoricalCrossentropy()"),
    )
    GOOD = (
        _example('layers.Dense(10, activation="softmax"),', '"categorical_crossentropy"'),
        _example("layers.Dense(10),", "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"),
        _example('layers.Dense(10), layers.Activation("softmax"),', '"categorical_crossentropy"'),
        _example('layers.Dense(2, activation="softmax"),', '"sparse_categorical_crossentropy"'),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            if (
                loss.kind in kv.CATEGORICAL_CE | kv.SPARSE_CE
                and loss.from_logits is False
                and head.activation == "linear"
            ):
                if head.units is None:  # wrong for every count: 1 unit is KC103's mistake, n >= 2 this one
                    yield self.report(
                        head.activation_anchor,
                        f"{_where(head)} has no activation, but {loss.kind} expects probabilities "
                        "(from_logits=False); this is wrong for any number of units (with a single unit, "
                        "categorical cross-entropy cannot learn at all)",
                    )
                elif head.units >= 2:
                    yield self.report(
                        head.activation_anchor,
                        f"{_where(head)} outputs {unit_label(head.units)} with no activation, but "
                        f"{loss.kind} expects probabilities (from_logits=False)",
                    )


class MissingSigmoid(Rule):
    """
    ## What it does
    Flags a linear output trained with binary (or binary focal) cross-entropy
    that expects probabilities (`from_logits=False`, the default).

    ## Why is this bad?
    Binary cross-entropy clips the raw scores into (0, 1): every negative
    score counts as 0 and every score above 1 as 1. The model learns little,
    the loss plateaus and accuracy is stuck near the majority rate.

    ## Example
    ```python
    model.add(layers.Dense(1))
    model.compile(loss="binary_crossentropy")
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(1, activation="sigmoid"))
    # or
    model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))
    ```
    """

    code = "KC102"
    name = "missing-sigmoid"
    severity = Severity.ERROR
    fix = 'add activation="sigmoid" to the output layer, or pass from_logits=True to the loss'
    BAD = (
        _example("layers.Dense(1),", '"binary_crossentropy"'),
        _example("layers.Dense(1),", '"bce"'),
        _example("layers.Dense(5),", "keras.losses.BinaryFocalCrossentropy()"),
    )
    GOOD = (
        _example('layers.Dense(1, activation="sigmoid"),', '"binary_crossentropy"'),
        _example("layers.Dense(1),", "keras.losses.BinaryCrossentropy(from_logits=True)"),
        _example('layers.Dense(5, activation="sigmoid"),', '"binary_crossentropy"'),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            if loss.kind in kv.BINARY_CE and loss.from_logits is False and head.activation == "linear":
                yield self.report(
                    head.activation_anchor,
                    f"{_where(head)} has no activation, but {loss.kind} expects probabilities (from_logits=False)",
                )


class SingleUnitCategorical(Rule):
    """
    ## What it does
    Flags categorical cross-entropy on an output with a single unit.

    ## Why is this bad?
    Categorical cross-entropy sums `-y * log(p)` over the classes. With one
    unit there is one "class": after softmax (or normalisation) it is always
    1.0, the loss is identically 0 from the first epoch and nothing trains.
    This is the classic "loss is 0.0000 but accuracy is 50 %".

    ## Example
    ```python
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy")
    ```
    """

    code = "KC103"
    name = "single-unit-categorical"
    severity = Severity.ERROR
    fix = "use binary_crossentropy with 1 sigmoid unit, or N units + softmax for N classes"
    BAD = (
        _example('layers.Dense(1, activation="sigmoid"),', '"categorical_crossentropy"'),
        _example('layers.Dense(1, activation="softmax"),', "keras.losses.CategoricalCrossentropy()"),
    )
    GOOD = (
        _example('layers.Dense(1, activation="sigmoid"),', '"binary_crossentropy"'),
        _example('layers.Dense(4, activation="softmax"),', '"categorical_crossentropy"'),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            if loss.kind in kv.CATEGORICAL_CE and head.units == 1:
                yield self.report(
                    head.activation_anchor,
                    f"{loss.kind} on {_where(head)} with 1 unit: the loss is always 0 and nothing trains",
                )


class SingleUnitSoftmax(Rule):
    """
    ## What it does
    Flags a softmax over a single unit: at the output, or inside the model
    (attention weights computed as `Dense(1)` then `Activation("softmax")`).

    ## Why is this bad?
    Softmax normalises across units; over one unit it returns exactly 1.0 for
    every input. The model predicts the positive class for everything, and
    accuracy equals the share of positives in the data.

    ## Example
    ```python
    model.add(layers.Dense(1, activation="softmax"))
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(1, activation="sigmoid"))
    ```
    """

    code = "KC104"
    name = "single-unit-softmax"
    severity = Severity.ERROR
    fix = 'use Dense(1, activation="sigmoid") for a binary output'
    BAD = (
        _example('layers.Dense(1, activation="softmax"),', '"binary_crossentropy"'),
        _example("layers.Dense(1), layers.Softmax(),", '"binary_crossentropy"'),
        """import keras
from keras import layers

inputs = keras.Input(shape=(30, 8))
h = layers.LSTM(16, return_sequences=True)(inputs)
weights = layers.Activation("softmax")(layers.Dense(1)(h))
pooled = layers.GlobalAveragePooling1D()(layers.Multiply()([weights, h]))
model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(pooled))
model.compile(optimizer="adam", loss="binary_crossentropy")
""",
    )
    GOOD = (
        _example('layers.Dense(1, activation="sigmoid"),', '"binary_crossentropy"'),
        _example('layers.Dense(2, activation="softmax"),', '"sparse_categorical_crossentropy"'),
        """import keras
from keras import layers

inputs = keras.Input(shape=(30, 8))
h = layers.LSTM(16, return_sequences=True)(inputs)
weights = layers.Softmax(axis=1)(layers.Dense(1)(h))
pooled = layers.GlobalAveragePooling1D()(layers.Multiply()([weights, h]))
model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(pooled))
model.compile(optimizer="adam", loss="binary_crossentropy")
""",
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head in all_heads(facts):
            if head.activation == "softmax" and head.units == 1:
                yield self.report(
                    head.activation_anchor,
                    f"softmax over the single unit of {_where(head)} always outputs 1.0",
                )
            # Inside the model too: attention weights from Dense(1) then a softmax over that
            # same last axis are all 1.0, and the attention does nothing.
            for index, layer in enumerate(head.chain[:-1]):
                if layer.activation != "softmax":
                    continue
                units, activation, anchor = effective_output(head.chain[: index + 1])
                if activation == "softmax" and units == 1:
                    yield self.report(anchor, f"softmax over a single unit ({layer.label}) always outputs 1.0")


class SoftmaxBinaryCrossentropy(Rule):
    """
    ## What it does
    Flags a softmax output of two or more units trained with binary
    cross-entropy, or of an unknown number of units (wrong for every count:
    over one unit it is KC104's mistake).

    ## Why is this bad?
    Binary cross-entropy treats every unit as an independent yes/no question,
    while softmax makes the units compete. With one-hot labels, Keras's
    `accuracy` silently becomes `binary_accuracy` computed over every cell of
    the one-hot matrix, and `Precision()`/`Recall()` count every cell too: a
    2-unit softmax reports accuracy == precision == recall, all inflated and
    meaningless (the classic "accuracy, precision and recall are always the
    same" question).

    ## Example
    ```python
    model.add(layers.Dense(2, activation="softmax"))
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(1, activation="sigmoid"))  # with 0/1 labels
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    # or keep softmax and use categorical_crossentropy
    ```
    """

    code = "KC105"
    name = "softmax-binary-crossentropy"
    severity = Severity.WARNING
    fix = "use 1 unit + sigmoid + binary_crossentropy, or keep softmax and use categorical_crossentropy"
    BAD = (
        _example('layers.Dense(2, activation="softmax"),', '"binary_crossentropy"'),
        _example('layers.Dense(5, activation="softmax"),', "keras.losses.BinaryCrossentropy()"),
    )
    GOOD = (
        _example('layers.Dense(2, activation="softmax"),', '"categorical_crossentropy"'),
        _example('layers.Dense(1, activation="sigmoid"),', '"binary_crossentropy"'),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            if loss.kind in kv.BINARY_CE and loss.from_logits is False and head.activation == "softmax":
                if head.units is None:  # wrong for every count: 1 unit is KC104's mistake, n >= 2 this one
                    yield self.report(
                        head.activation_anchor,
                        f"softmax output of {_where(head)} trained with {loss.kind} is wrong for any number "
                        "of units: over one unit softmax always outputs 1.0; over several, accuracy, precision "
                        "and recall come out identical and inflated",
                    )
                elif head.units >= 2:
                    yield self.report(
                        head.activation_anchor,
                        f"softmax over {unit_label(head.units)} of {_where(head)} trained with {loss.kind}: "
                        "accuracy, precision and recall come out identical and inflated",
                    )


class NonProbabilityOutput(Rule):
    """
    ## What it does
    Flags a cross-entropy loss (expecting probabilities) on an output whose
    activation is neither sigmoid, softmax nor linear: relu, tanh, elu, selu,
    softplus, swish...

    ## Why is this bad?
    Cross-entropy needs values in [0, 1] (or raw logits with
    `from_logits=True`). relu outputs 0 for half the inputs (log(0) is
    clipped: the gradient dies), tanh goes negative, softplus above 1. The
    loss is computed on clipped nonsense.

    ## Example
    ```python
    model.add(layers.Dense(1, activation="relu"))
    model.compile(loss="binary_crossentropy")
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(1, activation="sigmoid"))
    ```
    """

    code = "KC106"
    name = "non-probability-output"
    severity = Severity.ERROR
    fix = "use sigmoid (binary / multi-label) or softmax (multi-class) on the output layer"
    BAD = (
        _example('layers.Dense(1, activation="relu"),', '"binary_crossentropy"'),
        _example('layers.Dense(10, activation="tanh"),', '"categorical_crossentropy"'),
        _example('layers.Dense(10), layers.Activation("elu"),', '"sparse_categorical_crossentropy"'),
    )
    GOOD = (
        _example('layers.Dense(1, activation="relu"),', '"mse"'),
        _example('layers.Dense(10, activation="softmax"),', '"categorical_crossentropy"'),
        _example('layers.Dense(1, activation="sigmoid"),', '"binary_crossentropy"'),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            activation = head.activation
            if (
                loss.kind in kv.CROSS_ENTROPY
                and loss.from_logits is False
                and activation is not None
                and activation != "linear"
                and activation not in kv.PROBABILITY_ACTIVATIONS
            ):
                yield self.report(
                    head.activation_anchor,
                    f"{_where(head)} uses {activation}, which does not output probabilities, "
                    f"but {loss.kind} expects them",
                )


class DoubleActivationFromLogits(Rule):
    """
    ## What it does
    Flags `from_logits=True` on a loss whose output layer already applies
    sigmoid or softmax.

    ## Why is this bad?
    The loss applies sigmoid/softmax again on top of the probabilities. The
    squashed values barely move, gradients shrink, training is slow and the
    reported loss is wrong, while predictions (already probabilities) look
    fine: a quiet, expensive mistake.

    ## Example
    ```python
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy())
    # or drop the activation and keep from_logits=True
    ```
    """

    code = "KC107"
    name = "double-activation-from-logits"
    severity = Severity.WARNING
    fix = "drop the output activation, or set from_logits=False"
    BAD = (
        _example(
            'layers.Dense(10, activation="softmax"),',
            "keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
        ),
        _example('layers.Dense(1, activation="sigmoid"),', "keras.losses.BinaryCrossentropy(from_logits=True)"),
    )
    GOOD = (
        _example("layers.Dense(10),", "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"),
        _example('layers.Dense(1, activation="sigmoid"),', "keras.losses.BinaryCrossentropy()"),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            if loss.from_logits is True and head.activation in ("sigmoid", "softmax"):
                yield self.report(
                    head.activation_anchor,
                    f"{_where(head)} already applies {head.activation}, and {loss.kind} with "
                    f"from_logits=True applies it again",
                )


class SigmoidCategoricalCrossentropy(Rule):
    """
    ## What it does
    Flags a sigmoid output with two or more units trained with categorical
    (or sparse categorical) cross-entropy, or with an unknown number of units
    (wrong for every count: over one unit it is KC103's mistake).

    ## Why is this bad?
    Independent sigmoids do not sum to 1, so they are not a distribution over
    classes; categorical cross-entropy only looks at the true class's unit
    and never pushes the others down. Single-label problems want softmax;
    multi-label problems want binary cross-entropy.

    ## Example
    ```python
    model.add(layers.Dense(5, activation="sigmoid"))
    model.compile(loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(5, activation="softmax"))  # one label per sample
    # or, several labels per sample:
    model.compile(loss="binary_crossentropy")
    ```
    """

    code = "KC108"
    name = "sigmoid-categorical-crossentropy"
    severity = Severity.WARNING
    fix = "softmax for single-label classification; binary_crossentropy for multi-label"
    BAD = (
        _example('layers.Dense(5, activation="sigmoid"),', '"categorical_crossentropy"'),
        _example('layers.Dense(5, activation="sigmoid"),', '"sparse_categorical_crossentropy"'),
    )
    GOOD = (
        _example('layers.Dense(5, activation="softmax"),', '"categorical_crossentropy"'),
        _example('layers.Dense(5, activation="sigmoid"),', '"binary_crossentropy"'),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            if (
                loss.kind in kv.CATEGORICAL_CE | kv.SPARSE_CE
                and loss.from_logits is False
                and head.activation == "sigmoid"
            ):
                if head.units is None:  # wrong for every count: 1 unit is KC103's mistake, n >= 2 this one
                    yield self.report(
                        head.activation_anchor,
                        f"sigmoid output of {_where(head)} trained with {loss.kind} is wrong for any number "
                        "of units: several sigmoids are not a distribution, and over a single unit "
                        "categorical cross-entropy cannot learn at all",
                    )
                elif head.units >= 2:
                    yield self.report(
                        head.activation_anchor,
                        f"sigmoid over {unit_label(head.units)} of {_where(head)} is not a distribution, "
                        f"but {loss.kind} treats it as one",
                    )


class RegressionLossOnClassifier(Rule):
    """
    ## What it does
    Flags a softmax output trained with a regression loss (mse, mae, msle,
    huber, log-cosh).

    ## Why is this bad?
    Squared or absolute error on probabilities gives tiny gradients when the
    model is confidently wrong, so classifiers learn slowly and calibrate
    badly; the reported "loss" says nothing about accuracy.

    ## Example
    ```python
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(loss="mse")
    ```

    ## Use instead
    ```python
    model.compile(loss="categorical_crossentropy")
    ```
    """

    code = "KC109"
    name = "regression-loss-on-classifier"
    severity = Severity.WARNING
    fix = "use categorical_crossentropy (one-hot labels) or sparse_categorical_crossentropy (integers)"
    BAD = (
        _example('layers.Dense(10, activation="softmax"),', '"mse"'),
        _example('layers.Dense(3, activation="softmax"),', "keras.losses.MeanAbsoluteError()"),
    )
    GOOD = (
        _example('layers.Dense(1, activation="sigmoid"),', '"mse"'),
        _example("layers.Dense(1),", '"mean_squared_error"'),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            if (
                loss.kind in kv.REGRESSION_LOSSES
                and head.activation == "softmax"
                and head.units is not None
                and head.units >= 2
            ):
                yield self.report(
                    head.activation_anchor,
                    f"softmax classifier {_where(head)} trained with the regression loss {loss.kind}",
                )


class HingeWithProbabilities(Rule):
    """
    ## What it does
    Flags hinge or squared-hinge loss on a sigmoid or softmax output.

    ## Why is this bad?
    Hinge loss expects raw scores and labels of -1/1: it wants the score
    past a margin of 1. A probability never exceeds 1, so the margin is never
    met and the loss never reaches zero; with 0/1 labels half the examples
    are read as the wrong class.

    ## Example
    ```python
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(loss="hinge")
    ```

    ## Use instead
    ```python
    model.add(layers.Dense(1))  # linear scores, labels in {-1, 1}
    model.compile(loss="hinge")
    ```
    """

    code = "KC110"
    name = "hinge-with-probabilities"
    severity = Severity.WARNING
    fix = "use a linear output with -1/1 labels, or switch to cross-entropy"
    BAD = (
        _example('layers.Dense(1, activation="sigmoid"),', '"hinge"'),
        _example('layers.Dense(3, activation="softmax"),', "keras.losses.SquaredHinge()"),
    )
    GOOD = (
        _example("layers.Dense(1),", '"hinge"'),
        _example('layers.Dense(1, activation="tanh"),', '"hinge"'),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            if loss.kind in kv.HINGE_LOSSES and head.activation in ("sigmoid", "softmax"):
                yield self.report(
                    head.activation_anchor,
                    f"{loss.kind} expects raw scores and -1/1 labels, but {_where(head)} outputs "
                    f"{head.activation} probabilities",
                )
