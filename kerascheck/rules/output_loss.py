"""KC1xx: the output layer against the loss, head by head.

A cross-entropy loss assumes something about what the output layer emits:
probabilities (``from_logits=False``, the default) or raw scores
(``from_logits=True``). When the two disagree Keras trains anyway, and the
numbers it prints look plausible while meaning nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import Head, LabelEncoding, ProgramFacts, effective_output
from kerascheck.rules.base import Bad, Good, Rule, all_heads, fixer, heads_with_loss, unit_label

if TYPE_CHECKING:
    from kerascheck.fix.edits import FixContext, NodeEdit


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
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(10)])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    # or keep the logits and tell the loss:
    # model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    ```
    """

    code = "KC101"
    name = "missing-softmax"
    severity = Severity.ERROR
    fix = 'add activation="softmax" to the output layer, or pass from_logits=True to the loss'
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
            line=7,
            message="Dense outputs 10 units with no activation, but categorical_crossentropy expects",
            fixed="""
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="linear"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            """,
            line=7,
            message="Dense outputs 10 units with no activation, but sparse_categorical_crossentropy",
            fixed="""
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(3, activation=None),
            ])
            model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
            """,
            line=7,
            message="Dense outputs 3 units with no activation, but categorical_crossentropy expects",
            fixed="""
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
            """,
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10),
            ])
            model.compile(
                optimizer="adam",
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=["accuracy"],
            )
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10),
                layers.Activation("softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(2, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
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

    @fixer(safe=False, title='add activation="softmax" to the output layer')
    def fix_edits(self, diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
        """Unsafe: the model's outputs change from scores to probabilities.

        It is the fix that makes the loss right, but code downstream that treats
        the outputs as logits (applies its own softmax, thresholds at 0) changes
        meaning; the alternative, ``from_logits=True``, is equally valid and the
        choice is the user's.
        """
        from kerascheck.fix.transforms import set_activation

        return set_activation(context, diagnostic, "softmax")


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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    # or keep the logits: loss=keras.losses.BinaryCrossentropy(from_logits=True)
    ```
    """

    code = "KC102"
    name = "missing-sigmoid"
    severity = Severity.ERROR
    fix = 'add activation="sigmoid" to the output layer, or pass from_logits=True to the loss'
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
            line=7,
            message="Dense has no activation, but binary_crossentropy expects probabilities",
            fixed="""
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="bce", metrics=["accuracy"])
            """,
            line=7,
            message="Dense has no activation, but binary_crossentropy expects probabilities",
            fixed="""
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="bce", metrics=["accuracy"])
            """,
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(5),
            ])
            model.compile(optimizer="adam", loss=keras.losses.BinaryFocalCrossentropy(), metrics=["accuracy"])
            """,
            line=7,
            message="Dense has no activation, but binary_focal_crossentropy expects probabilities",
            fixed="""
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(5, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss=keras.losses.BinaryFocalCrossentropy(), metrics=["accuracy"])
            """,
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(
                optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"]
            )
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(5, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            if loss.kind in kv.BINARY_CE and loss.from_logits is False and head.activation == "linear":
                yield self.report(
                    head.activation_anchor,
                    f"{_where(head)} has no activation, but {loss.kind} expects probabilities (from_logits=False)",
                )

    @fixer(safe=False, title='add activation="sigmoid" to the output layer')
    def fix_edits(self, diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
        """Unsafe: predictions change from scores to probabilities, as with KC101."""
        from kerascheck.fix.transforms import set_activation

        return set_activation(context, diagnostic, "sigmoid")


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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```
    """

    code = "KC103"
    name = "single-unit-categorical"
    severity = Severity.ERROR
    fix = "use binary_crossentropy with 1 sigmoid unit, or N units + softmax for N classes"
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
            line=7,
            message="categorical_crossentropy on Dense with 1 unit: the loss is always 0 and nothing",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
            """,
            line=7,
            message="categorical_crossentropy on Dense with 1 unit: the loss is always 0 and nothing",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(4, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="softmax")])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    ```
    """

    code = "KC104"
    name = "single-unit-softmax"
    severity = Severity.ERROR
    fix = 'use Dense(1, activation="sigmoid") for a binary output'
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
            line=7,
            message="softmax over the single unit of Dense always outputs 1.0",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1),
                layers.Softmax(),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
            line=8,
            message="softmax over the single unit of Softmax always outputs 1.0",
        ),
        Bad(
            """
            import keras
            from keras import layers

            inputs = keras.Input(shape=(30, 8))
            h = layers.LSTM(16, return_sequences=True)(inputs)
            weights = layers.Activation("softmax")(layers.Dense(1)(h))
            pooled = layers.GlobalAveragePooling1D()(layers.Multiply()([weights, h]))
            model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(pooled))
            model.compile(optimizer="adam", loss="binary_crossentropy")
            """,
            line=6,
            columns=(11, 39),
            message="softmax over a single unit (Activation) always outputs 1.0",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(2, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            inputs = keras.Input(shape=(30, 8))
            h = layers.LSTM(16, return_sequences=True)(inputs)
            weights = layers.Softmax(axis=1)(layers.Dense(1)(h))
            pooled = layers.GlobalAveragePooling1D()(layers.Multiply()([weights, h]))
            model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(pooled))
            model.compile(optimizer="adam", loss="binary_crossentropy")
            """,
        ),
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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])  # with 0/1 labels
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    # or keep the softmax and use categorical_crossentropy
    ```
    """

    code = "KC105"
    name = "softmax-binary-crossentropy"
    severity = Severity.WARNING
    fix = "use 1 unit + sigmoid + binary_crossentropy, or keep softmax and use categorical_crossentropy"
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(2, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
            line=7,
            message="softmax over 2 units of Dense trained with binary_crossentropy: accuracy,",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(5, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(), metrics=["accuracy"])
            """,
            line=7,
            message="softmax over 5 units of Dense trained with binary_crossentropy: accuracy,",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(2, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
        ),
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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="relu")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```
    """

    code = "KC106"
    name = "non-probability-output"
    severity = Severity.ERROR
    fix = "use sigmoid (binary / multi-label) or softmax (multi-class) on the output layer"
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="relu"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
            line=7,
            message="Dense uses relu, which does not output probabilities, but binary_crossentropy",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="tanh"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
            line=7,
            message="Dense uses tanh, which does not output probabilities, but",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10),
                layers.Activation("elu"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            """,
            line=8,
            message="Activation uses elu, which does not output probabilities, but",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="relu"),
            ])
            model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
        ),
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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy())
    # or drop the activation and keep from_logits=True
    ```
    """

    code = "KC107"
    name = "double-activation-from-logits"
    severity = Severity.WARNING
    fix = "drop the output activation, or set from_logits=False"
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(
                optimizer="adam",
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=["accuracy"],
            )
            """,
            line=7,
            message="Dense already applies softmax, and sparse_categorical_crossentropy with",
            fixed="""
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(
                optimizer="adam",
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                metrics=["accuracy"],
            )
            """,
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(
                optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"]
            )
            """,
            line=7,
            message="Dense already applies sigmoid, and binary_crossentropy with from_logits=True",
            fixed="""
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(
                optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=False), metrics=["accuracy"]
            )
            """,
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10),
            ])
            model.compile(
                optimizer="adam",
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=["accuracy"],
            )
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(), metrics=["accuracy"])
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            if loss.from_logits is True and head.activation in ("sigmoid", "softmax"):
                yield self.report(
                    head.activation_anchor,
                    f"{_where(head)} already applies {head.activation}, and {loss.kind} with "
                    f"from_logits=True applies it again",
                )

    @fixer(safe=True, title="set from_logits=False on the loss")
    def fix_edits(self, diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
        """Safe: the model, its outputs and every prediction stay exactly the same.

        Only the loss stops applying sigmoid/softmax a second time, which is what
        the output layer already promised. The other fix (drop the activation)
        would change what ``predict`` returns, so it is not offered.

        Declines when the loss object is shared with a head whose output is not
        sigmoid/softmax (there ``from_logits=True`` is right), or when
        ``from_logits`` is not a keyword of the loss call.
        """
        import libcst as cst

        from kerascheck.fix.edits import Replace
        from kerascheck.fix.transforms import heads, keyword_arg

        node = diagnostic.anchor.node
        losses = {
            id(head.loss.anchor.node): head.loss.anchor.node
            for _model, head in heads(context)
            if head.activation_anchor.node is node and head.loss is not None and head.loss.from_logits is True
        }
        if len(losses) != 1:
            return None
        (loss_node,) = losses.values()
        if not isinstance(loss_node, cst.Call):
            return None
        for _model, head in heads(context):
            shared = head.loss is not None and head.loss.anchor.node is loss_node
            if shared and head.activation not in ("sigmoid", "softmax"):
                return None
        argument = keyword_arg(loss_node, "from_logits")
        if argument is None:
            return None
        return [Replace(argument.value, cst.Name("False"))]


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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(5, activation="sigmoid")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(5, activation="softmax")])  # one label per sample
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    # or, several labels per sample: keep the sigmoid with loss="binary_crossentropy"
    ```
    """

    code = "KC108"
    name = "sigmoid-categorical-crossentropy"
    severity = Severity.WARNING
    fix = "softmax for single-label classification; binary_crossentropy for multi-label"
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(5, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
            line=7,
            message="sigmoid over 5 units of Dense is not a distribution, but",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(5, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            """,
            line=7,
            message="sigmoid over 5 units of Dense is not a distribution, but",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(5, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(5, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
        ),
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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="mse")
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```
    """

    code = "KC109"
    name = "regression-loss-on-classifier"
    severity = Severity.WARNING
    fix = "use categorical_crossentropy (one-hot labels) or sparse_categorical_crossentropy (integers)"
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
            """,
            line=7,
            message="softmax classifier Dense trained with the regression loss mean_squared_error",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss=keras.losses.MeanAbsoluteError(), metrics=["accuracy"])
            """,
            line=7,
            message="softmax classifier Dense trained with the regression loss mean_absolute_error",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="mean_squared_error", metrics=["accuracy"])
            """,
        ),
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
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="hinge")
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1)])  # linear scores, labels in {-1, 1}
    model.compile(optimizer="adam", loss="hinge")
    ```
    """

    code = "KC110"
    name = "hinge-with-probabilities"
    severity = Severity.WARNING
    fix = "use a linear output with -1/1 labels, or switch to cross-entropy"
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="hinge", metrics=["accuracy"])
            """,
            line=7,
            message="hinge expects raw scores and -1/1 labels, but Dense outputs sigmoid",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss=keras.losses.SquaredHinge(), metrics=["accuracy"])
            """,
            line=7,
            message="squared_hinge expects raw scores and -1/1 labels, but Dense outputs softmax",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="hinge", metrics=["accuracy"])
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="tanh"),
            ])
            model.compile(optimizer="adam", loss="hinge", metrics=["accuracy"])
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head, loss in heads_with_loss(facts):
            if loss.kind in kv.HINGE_LOSSES and head.activation in ("sigmoid", "softmax"):
                yield self.report(
                    head.activation_anchor,
                    f"{loss.kind} expects raw scores and -1/1 labels, but {_where(head)} outputs "
                    f"{head.activation} probabilities",
                )


class RegressionLossOnClassLabels(Rule):
    """
    ## What it does
    Flags a regression loss (mse, mae, msle, huber, log-cosh) trained on
    labels known to be class labels: one-hot rows, integer class ids of three
    or more classes (from a label encoder or a class data set), or 0/1 labels
    with a relu output or with two or more output units.

    A single sigmoid (or linear) unit with mse on 0/1 labels is a legitimate,
    if unusual, classifier and is not flagged; a softmax output is KC109's.

    ## Why is this bad?
    Squared error treats class ids as quantities: predicting 2 for a true 0
    costs four times as much as predicting 1, as if "cat" were nearer "dog"
    than "car". The model learns the average id, and rounding it picks the
    middle classes; the loss falls, accuracy does not follow. On 0/1 labels a
    relu output is stuck at exactly 0 for every sample it once undershoots,
    and extra units are each fitted to the same column.

    ## Example
    ```python
    y = keras.utils.to_categorical(np.random.randint(0, 3, 100), 3)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.rand(100, 4), y)
    ```

    ## Use instead
    ```python
    y = keras.utils.to_categorical(np.random.randint(0, 3, 100), 3)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")  # integer ids: sparse_categorical_crossentropy
    model.fit(np.random.rand(100, 4), y)
    ```
    """

    code = "KC111"
    name = "regression-loss-on-class-labels"
    severity = Severity.WARNING
    fix = "use a softmax output with categorical_crossentropy (sparse_ for integer ids), or 1 sigmoid unit for 0/1"
    _ONE_HOT = "y = keras.utils.to_categorical(np.random.randint(0, 3, 64), 3)"
    _BINARY = 'y = np.random.randint(0, 2, 64).astype("float32")'
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 20).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 3, 64), 3)
            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(3),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="mean_squared_error trains Dense on one-hot labels from",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 20).astype("float32")
            y = np.random.randint(0, 2, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="relu"),
            ])
            model.compile(optimizer="adam", loss="mean_squared_error")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="mean_squared_error trains Dense on 0/1 labels on a relu output from",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 20).astype("float32")
            y = np.random.randint(0, 2, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(2),
            ])
            model.compile(optimizer="adam", loss=keras.losses.MeanAbsoluteError())
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="mean_absolute_error trains Dense on 0/1 labels from",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 20).astype("float32")
            y = np.random.randint(0, 2, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 20).astype("float32")
            y = np.random.randint(0, 2, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 20).astype("float32")
            y = np.random.normal(3.0, 1.0, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 20).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 3, 64), 3)
            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        from kerascheck.rules.data import labelled_fits

        for _model, fit, head, labels in labelled_fits(facts):
            loss = head.loss
            if loss is None or loss.kind not in kv.REGRESSION_LOSSES or head.activation == "softmax":
                continue
            encoding = labels.encoding
            if encoding is LabelEncoding.ONE_HOT and head.units != 1:  # one-hot into 1 unit: KC309
                what = "one-hot labels"
            elif encoding is LabelEncoding.INTEGER and not labels.from_values and (labels.num_classes or 0) >= 3:
                what = f"integer class ids ({labels.num_classes} classes)"
            elif encoding is LabelEncoding.BINARY and (head.activation == "relu" or (head.units or 0) >= 2):
                what = "0/1 labels" + (" on a relu output" if head.activation == "relu" else "")
            else:
                continue
            origin = f" from {labels.source}" if labels.source else ""
            yield self.report(
                fit.anchor if fit.anchor.is_known else head.anchor,
                f"{loss.kind} trains {_where(head)} on {what}{origin}: a regression loss on class labels",
            )
