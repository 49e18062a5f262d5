"""KC4xx: the layer stack itself, read along each head's chain of layers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import Head, Layer, Model, ProgramFacts, is_identity_activation
from kerascheck.rules import lineage
from kerascheck.rules.base import Bad, Good, Rule, all_heads, fixer, is_classifier, option

if TYPE_CHECKING:
    from kerascheck.fix.edits import FixContext, NodeEdit

_NORMALISATION = frozenset({"BatchNormalization", "LayerNormalization"})
_PLAIN_NEXT = frozenset({"Dense", "Conv1D", "Conv2D", "Conv3D", "SimpleRNN", "LSTM", "GRU"})


def _next_meaningful(chain: tuple[Layer, ...], index: int, skip: frozenset[str]) -> tuple[int, Layer] | None:
    """The next layer after ``index`` that is not one of ``skip``."""
    for position in range(index + 1, len(chain)):
        if chain[position].kind not in skip:
            return position, chain[position]
    return None


def _unique_layers(facts: ProgramFacts) -> Iterator[tuple[Head, tuple[Layer, ...], int, Layer]]:
    """Each (head, chain, index, layer) once, though heads share their trunk.

    A layer is the same layer by its ``key`` (the static front-end's build
    order, the runtime front-end's unique layer name), not by object identity:
    the runtime front-end builds one ``Layer`` fact per head, so two heads on
    one trunk would otherwise report the trunk twice.
    """
    seen: set[object] = set()
    for model, head in all_heads(facts):
        for index, layer in enumerate(head.chain):
            key: object = (model.key, layer.key) if layer.key is not None else id(layer)
            if key in seen:
                continue
            seen.add(key)
            yield head, head.chain, index, layer


class SoftmaxInHiddenLayer(Rule):
    """
    ## What it does
    Flags softmax on a hidden layer of a plain stack: a softmax layer that
    feeds another Dense, convolutional or recurrent layer.

    ## Why is this bad?
    Softmax squeezes a layer's activations onto a simplex: they sum to 1, so
    one unit grows only if another shrinks. As a hidden activation this
    throws away most of the layer's capacity and its gradients vanish.
    (Attention weights that multiply other tensors are not flagged.)

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input(shape=(20,)),
        layers.Dense(64, activation="softmax"),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.Input(shape=(20,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "KC401"
    name = "softmax-in-hidden-layer"
    severity = Severity.WARNING
    fix = "use relu (or no activation) in hidden layers; keep softmax for the output"
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(64, activation="softmax"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=6,
            message="softmax on hidden layer Dense, which feeds Dense",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(64),
                layers.Activation("softmax"),
                layers.Dropout(0.2),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=7,
            message="softmax on hidden layer Activation, which feeds Dense",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(64, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(12, 3)),
                layers.LSTM(16, return_sequences=True),
                layers.Dense(4, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _head, chain, index, layer in _unique_layers(facts):
            if layer.activation != "softmax":
                continue
            following = _next_meaningful(chain, index, kv.TRANSPARENT_LAYERS | _NORMALISATION)
            if following is not None and following[1].kind in _PLAIN_NEXT:
                yield self.report(
                    layer.anchor,
                    f"softmax on hidden layer {layer.label}, which feeds {following[1].label}",
                )


class RedundantActivation(Rule):
    """
    ## What it does
    Flags the same squashing activation applied twice in a row, e.g.
    `Dense(10, activation="softmax")` followed by `Activation("softmax")`.

    ## Why is this bad?
    Softmax of a softmax is almost uniform: every probability is pushed
    towards 1/n, the model looks unsure of everything and learns slowly.
    A sigmoid of a sigmoid lives in (0.5, 0.73): thresholding at 0.5 makes
    every prediction positive.

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input(shape=(20,)),
        layers.Dense(10, activation="softmax"),
        layers.Activation("softmax"),
    ])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.Input(shape=(20,)),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "KC402"
    name = "redundant-activation"
    severity = Severity.WARNING
    fix = "keep one of the two activations"
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(10, activation="softmax"),
                layers.Activation("softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=7,
            message="Activation applies softmax again after Dense already did",
            fixed="""
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(1, activation="sigmoid"),
                layers.Activation("sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            """,
            line=7,
            message="Activation applies sigmoid again after Dense already did",
            fixed="""
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
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
                layers.Dense(10),
                layers.Activation("softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(10, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _head, chain, index, layer in _unique_layers(facts):
            if layer.activation not in kv.SQUASHING_ACTIVATIONS:
                continue
            following = _next_meaningful(chain, index, kv.TRANSPARENT_LAYERS)
            if following is None:
                continue
            second = following[1]
            if second.kind in kv.ACTIVATION_LAYERS and second.activation == layer.activation:
                yield self.report(
                    second.anchor,
                    f"{second.label} applies {layer.activation} again after {layer.label} already did",
                )

    @fixer(safe=True, title="remove the repeated activation layer")
    def fix_edits(self, diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
        """Safe: the removed layer has no weights, and applying the same activation twice is never intended.

        Only in the two shapes where removing a layer is a local edit: an element
        of a layer list (``Sequential([...])``) and a ``model.add(...)``
        statement. In a functional graph (``x = Activation(...)(x)``) the name
        binding would have to change too, so there is no fix.
        """
        import libcst as cst

        from kerascheck.fix.edits import DeleteLines, Replace
        from kerascheck.fix.transforms import without_element

        node = diagnostic.anchor.node
        if not isinstance(node, cst.Call):
            return None
        parent = context.parent(node)
        if isinstance(parent, cst.Element):
            container = context.parent(parent)
            if not isinstance(container, (cst.List, cst.Tuple)) or len(container.elements) < 2:
                return None
            if context.alone_on_lines(node, allow_comma=True):
                return [DeleteLines(node)]
            return [Replace(container, without_element(container, parent))]
        if isinstance(parent, cst.Arg) and parent.keyword is None:
            add = context.parent(parent)
            if not (
                isinstance(add, cst.Call)
                and isinstance(add.func, cst.Attribute)
                and add.func.attr.value == "add"
                and len(add.args) == 1
            ):
                return None
            expression = context.parent(add)
            statement = context.parent(expression) if isinstance(expression, cst.Expr) else None
            if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
                return None
            block = context.parent(statement)
            if isinstance(block, cst.IndentedBlock) and len(block.body) < 2:
                return None  # the block would be left empty
            if not context.alone_on_lines(statement):
                return None
            return [DeleteLines(statement)]
        return None


class LayerAfterOutputActivation(Rule):
    """
    ## What it does
    Flags Dropout, BatchNormalization, LayerNormalization or a same-width
    Dense layer placed after the final softmax/sigmoid of a compiled model.

    The output activation is that of a Dense, Activation or Softmax layer (an
    LSTM's sigmoid is internal to the cell); an uncompiled model (an encoder,
    a feature extractor) has no output yet, and ActivityRegularization or
    `Activation("linear")` after the output change nothing.

    ## Why is this bad?
    Dropout after the output zeroes probabilities during training (and
    rescales the rest above 1), so the loss sees impossible values;
    normalisation after the output turns probabilities into unbounded scores.
    Training looks noisy and predictions are off.

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input(shape=(20,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
        layers.Dropout(0.5),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.Input(shape=(20,)),
        layers.Dense(64, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```
    """

    code = "KC403"
    name = "layer-after-output-activation"
    severity = Severity.WARNING
    fix = "move Dropout/normalisation before the output layer"
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(10, activation="softmax"),
                layers.Dropout(0.5),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=7,
            message="Dropout comes after the output softmax of Dense",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(1, activation="sigmoid"),
                layers.BatchNormalization(),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            """,
            line=7,
            message="BatchNormalization comes after the output sigmoid of Dense",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(1, activation="sigmoid"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
            """,
            line=7,
            message="Dense comes after the output sigmoid of Dense",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dropout(0.5),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="sigmoid"),
                layers.BatchNormalization(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model, head in all_heads(facts):
            if not model.compiled:
                continue  # an uncompiled encoder or feature extractor has no "output" yet
            trailing: list[Layer] = []
            for layer in reversed(head.chain):
                if layer.kind in _IDENTITY_AFTER_OUTPUT or is_identity_activation(layer):
                    continue
                if layer.activation in ("softmax", "sigmoid") and layer.kind in _OUTPUT_ACTIVATION_LAYERS and trailing:
                    if all(_recalibrates(later, layer) for later in trailing):
                        offender = trailing[-1]
                        yield self.report(
                            offender.anchor,
                            f"{offender.label} comes after the output {layer.activation} of {layer.label}",
                        )
                    break
                if layer.kind not in _AFTER_OUTPUT_SUSPECTS:
                    break
                trailing.append(layer)


# Identity in training as at inference (it only adds a loss term): never "after the output".
_IDENTITY_AFTER_OUTPUT = frozenset({"ActivityRegularization"})
_AFTER_OUTPUT_SUSPECTS = (kv.TRANSPARENT_LAYERS - _IDENTITY_AFTER_OUTPUT) | _NORMALISATION | {"Dense"}
# The layers whose softmax/sigmoid is a model's output activation (an LSTM's sigmoid is internal).
_OUTPUT_ACTIVATION_LAYERS = frozenset({"Dense", "Activation", "Softmax"})


def _recalibrates(later: Layer, output: Layer) -> bool:
    """A layer after the output activation that only re-processes the output.

    A Dense of the same width as the activated output (``Dense(1, "sigmoid")``
    then ``Dense(1)``) is a mistake; a Dense of another width means the
    sigmoid/softmax was a hidden layer, which other rules judge.
    """
    if later.kind == "Dense":
        # Dense(1, "sigmoid") then Dense(1): re-scoring the output. A later Dense with an
        # activation of its own is the real output, and the sigmoid/softmax was hidden.
        return later.units is not None and later.units == output.units and later.activation == "linear"
    return True


class LinearLayerStack(Rule):
    """
    ## What it does
    Flags two consecutive Dense layers with no activation between them.

    ## Why is this bad?
    A linear layer followed by another is a single linear map (W2 W1 x): the
    extra layer adds parameters, training time and overfitting, but no
    expressive power. Usually an `activation="relu"` was forgotten.

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input(shape=(20,)),
        layers.Dense(64),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.Input(shape=(20,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "KC404"
    name = "linear-layer-stack"
    severity = Severity.WARNING
    fix = 'add a nonlinearity (e.g. activation="relu") to the first Dense layer'
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(64),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=6,
            message="Dense has no activation and feeds Dense: together they are one linear map",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(64),
                layers.Dropout(0.3),
                layers.Dense(32, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=6,
            message="Dense has no activation and feeds Dense: together they are one linear map",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(64, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(64),
                layers.BatchNormalization(),
                layers.Activation("relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 20).astype("float32")
            inputs = keras.Input(shape=(20,))
            code = layers.Dense(5)(inputs)
            model = keras.Model(inputs, layers.Dense(20)(code))
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, x, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        # A linear layer whose output is itself a model's output (an encoder's code) is a
        # deliberate linear projection, as in a linear (PCA-like) autoencoder.
        outputs = {id(head.chain[-1]) for _model, head in all_heads(facts) if head.chain}
        reconstructing = {id(head) for model in facts.models if _reconstructs(model) for head in model.heads}
        for head, chain, index, layer in _unique_layers(facts):
            if layer.kind != "Dense" or layer.activation != "linear" or id(layer) in outputs:
                continue
            if id(head) in reconstructing:
                continue
            following = _next_meaningful(chain, index, kv.TRANSPARENT_LAYERS)
            if following is not None and following[1].kind == "Dense":
                yield self.report(  # at the layer that lacks the activation: that is what to change
                    layer.anchor if layer.anchor.is_known else following[1].anchor,
                    f"{layer.label} has no activation and feeds {following[1].label}: together they are one linear map",
                )


def _reconstructs(model: Model) -> bool:
    return any(lineage.reconstructs(fit) for fit in model.fits)


def _timesteps_before(chain: tuple[Layer, ...], index: int) -> int | None:
    """Sequence length reaching ``chain[index]``, if the input declares it and it survives."""
    length: int | None = None
    for layer in chain[: index + 1]:
        if layer.input_shape:
            length = layer.input_shape[0]
        if layer is chain[index]:
            return length
        keeps_time = layer.kind in kv.TIME_PRESERVING_LAYERS or (
            layer.kind in kv.RECURRENT_LAYERS and layer.return_sequences is True
        )
        if not keeps_time:
            length = None
    return None


class SimpleRnnLongSequence(Rule):
    """
    ## What it does
    Flags `SimpleRNN` on sequences known to be longer than 100 timesteps.

    ## Why is this bad?
    A SimpleRNN's gradient is multiplied by the same recurrent matrix at
    every step; over hundreds of steps it vanishes, so the layer only
    remembers the last few timesteps. Accuracy stalls at what the sequence's
    tail can tell.

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input(shape=(500, 8)),
        layers.SimpleRNN(32),
        layers.Dense(1, activation="sigmoid"),
    ])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.Input(shape=(500, 8)),
        layers.LSTM(32),  # or layers.GRU(32)
        layers.Dense(1, activation="sigmoid"),
    ])
    ```
    """

    code = "KC405"
    name = "simple-rnn-long-sequence"
    severity = Severity.WARNING
    fix = "use LSTM or GRU for long sequences"

    @dataclass(frozen=True)
    class Options:
        max_timesteps: int = option(100, "the longest sequence a SimpleRNN may run over unflagged", minimum=1)

    options: Options
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(500, 8)),
                layers.SimpleRNN(32),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=6,
            message="SimpleRNN over 500 timesteps: gradients vanish",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(200,)),
                layers.Embedding(1000, 16),
                layers.SimpleRNN(8),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            """,
            line=7,
            message="SimpleRNN over 200 timesteps: gradients vanish",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(40, 8)),
                layers.SimpleRNN(32),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(500, 8)),
                layers.LSTM(32),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _head, chain, index, layer in _unique_layers(facts):
            if layer.kind != "SimpleRNN":
                continue
            steps = _timesteps_before(chain, index)
            if steps is not None and steps > self.options.max_timesteps:
                yield self.report(layer.anchor, f"{layer.label} over {steps} timesteps: gradients vanish")


_RECURRENT_OR_WRAPPED = kv.RECURRENT_LAYERS | {"Bidirectional"}


class RnnStackMissingReturnSequences(Rule):
    """
    ## What it does
    Flags a recurrent layer that feeds another recurrent layer without
    `return_sequences=True`.

    ## Why is this bad?
    Without `return_sequences=True` a recurrent layer returns only its last
    state, a 2-D tensor; the next recurrent layer needs a 3-D sequence and
    the model fails to build (`expected ndim=3, found ndim=2`).

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input(shape=(30, 4)),
        layers.LSTM(64),
        layers.LSTM(32),
        layers.Dense(3, activation="softmax"),
    ])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.Input(shape=(30, 4)),
        layers.LSTM(64, return_sequences=True),
        layers.LSTM(32),
        layers.Dense(3, activation="softmax"),
    ])
    ```
    """

    code = "KC406"
    name = "rnn-stack-missing-return-sequences"
    severity = Severity.ERROR
    fix = "set return_sequences=True on every recurrent layer except the last"
    # The bad model cannot be built, so the runtime tests cannot see it.
    model_rule = False
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(30, 4)),
                layers.LSTM(64),
                layers.LSTM(32),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=6,
            message="LSTM feeds LSTM but returns only its last state (return_sequences=False)",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(30, 4)),
                layers.GRU(64),
                layers.Dropout(0.2),
                layers.GRU(32),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=6,
            message="GRU feeds GRU but returns only its last state (return_sequences=False)",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(30, 4)),
                layers.LSTM(64, return_sequences=True),
                layers.LSTM(32),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(30, 4)),
                layers.LSTM(64),
                layers.RepeatVector(30),
                layers.LSTM(32, return_sequences=True),
                layers.TimeDistributed(layers.Dense(4)),
            ])
            model.compile(optimizer="adam", loss="mse")
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _head, chain, index, layer in _unique_layers(facts):
            if layer.kind not in _RECURRENT_OR_WRAPPED or layer.return_sequences is not False:
                continue
            following = _next_meaningful(chain, index, kv.TRANSPARENT_LAYERS | _NORMALISATION)
            if following is not None and following[1].kind in _RECURRENT_OR_WRAPPED:
                yield self.report(
                    layer.anchor,
                    f"{layer.label} feeds {following[1].label} but returns only its last state "
                    "(return_sequences=False)",
                )


class DenseOnFeatureMaps(Rule):
    """
    ## What it does
    Flags a classifier whose Dense layer directly follows 1-D, 2-D or 3-D
    feature maps that were pooled (and not upsampled again), with no Flatten,
    global pooling or recurrent layer anywhere before the output. A Dense on
    full-resolution feature maps can be a per-pixel or per-timestep
    classifier (segmentation, sequence labelling) and is not flagged.

    ## Why is this bad?
    Dense acts on the last axis only: on a (height, width, channels) feature
    map it classifies every pixel separately, and on a (timesteps, channels)
    map from `Conv1D`/`MaxPooling1D` every timestep; the output has shape
    (batch, h, w, classes) or (batch, steps, classes) instead of (batch,
    classes). Keras then fails on the labels' shape at the first batch or,
    with a regression loss, broadcasts and reports nonsense metrics.

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),  # or layers.GlobalAveragePooling2D()
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "KC407"
    name = "dense-on-feature-maps"
    severity = Severity.WARNING
    fix = "add Flatten() or global pooling (GlobalAveragePooling2D(), GlobalMaxPooling1D()) before the Dense layers"
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(8, 3, activation="relu"),
                layers.MaxPooling2D(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=8,
            message="Dense is applied to the feature maps of MaxPooling2D with no Flatten or global",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(100, 8)),
                layers.Conv1D(32, 5, activation="relu"),
                layers.MaxPooling1D(2),
                layers.Dense(5, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=8,
            message="Dense is applied to the feature maps of MaxPooling1D",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(8, 3, activation="relu"),
                layers.MaxPooling2D(),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(8, 3, activation="relu"),
                layers.Dense(16, activation="relu"),
                layers.GlobalAveragePooling2D(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(64, 64, 3)),
                layers.Conv2D(8, 3, padding="same", activation="relu"),
                layers.Dense(4, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(100, 8)),
                layers.Conv1D(32, 5, activation="relu"),
                layers.MaxPooling1D(2),
                layers.GlobalMaxPooling1D(),
                layers.Dense(5, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(100, 8)),
                layers.Conv1D(32, 5, activation="relu"),
                layers.MaxPooling1D(2),
                layers.Dense(16, activation="relu"),
                layers.LSTM(16),
                layers.Dense(5, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(100, 8)),
                layers.Conv1D(32, 3, padding="same", activation="relu"),
                layers.TimeDistributed(layers.Dense(5, activation="softmax")),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head in all_heads(facts):
            if not is_classifier(head):
                continue
            chain = head.chain
            for index, layer in enumerate(chain):
                if layer.kind not in kv.FEATURE_MAP_LAYERS:
                    continue
                skip = kv.TRANSPARENT_LAYERS | kv.ACTIVATION_LAYERS | _NORMALISATION
                following = _next_meaningful(chain, index, skip)
                if following is None or following[1].kind != "Dense":
                    continue
                rest = chain[following[0] :]
                if not _downsampled_for_classification(chain[: index + 1]):
                    continue
                if all(later.kind is not None and later.kind not in _COLLAPSING for later in rest):
                    yield self.report(
                        following[1].anchor,
                        f"{following[1].label} is applied to the feature maps of {layer.label} "
                        "with no Flatten or global pooling",
                    )


# Layers that end the feature maps: flattening, global pooling, and recurrent layers over time.
_COLLAPSING = kv.FLATTENING_LAYERS | kv.RECURRENT_LAYERS | {"Bidirectional"}
_POOLING = frozenset(kind for kind in kv.FEATURE_MAP_LAYERS if "Pool" in kind)
_UPSAMPLING = frozenset(
    {
        "UpSampling1D",
        "UpSampling2D",
        "UpSampling3D",
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "Resizing",
        "ZeroPadding2D",
    }
)


def _downsampled_for_classification(stack: tuple[Layer, ...]) -> bool:
    """A conv stack that pools and never upsamples again: a classifier's trunk.

    A Dense straight after full-resolution (or upsampled) feature maps can be a
    per-pixel classifier (segmentation); after pooling it is the classic
    "forgot Flatten" image classifier.
    """
    pooled = False
    for layer in stack:
        if layer.kind in _POOLING:
            pooled = True
        elif layer.kind in _UPSAMPLING or layer.kind is None:
            pooled = False
    return pooled


_CONVOLUTIONS = frozenset({"Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv2D"})
# Layers that never bend the signal: affine at inference, or pick/average values. Max pooling
# is counted here too: it selects, but it does not replace the activation a conv stack needs.
_LINEAR_PASSAGE = frozenset(
    {
        "InputLayer",
        "BatchNormalization",
        "LayerNormalization",
        "ZeroPadding1D",
        "ZeroPadding2D",
        "ZeroPadding3D",
        "Cropping1D",
        "Cropping2D",
        "Rescaling",
        "Normalization",
        "Resizing",
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
        "RandomCrop",
        "MaxPooling1D",
        "AveragePooling1D",
        "MaxPool1D",
        "AvgPool1D",
    }
    | {kind for kind in kv.FEATURE_MAP_LAYERS if "Pool" in kind}
    | kv.TRANSPARENT_LAYERS
)
# Where the convolutional trunk ends and the classifier head begins.
_HEAD_START = kv.FLATTENING_LAYERS | {"Dense"}


class LinearConvStack(Rule):
    """
    ## What it does
    Flags a classifier whose convolutional trunk (from the input to the
    Flatten / global pooling / Dense that starts the head) has two or more
    convolutional layers and no nonlinearity at all: no activation on any
    convolution and no activation layer between them.

    ## Why is this bad?
    A convolution followed by another convolution, with nothing nonlinear in
    between, is a single (larger) convolution: the stack of 3x3 filters
    collapses into one linear filter bank, whatever its depth. The network
    can then only draw linear boundaries in pixel space; accuracy plateaus
    where a logistic regression on the pixels would, and adding layers does
    not help. Pooling picks or averages values but does not replace the
    activation `Conv2D` leaves out by default.

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    ```
    """

    code = "KC408"
    name = "linear-conv-stack"
    severity = Severity.WARNING
    fix = 'add activation="relu" to the convolutional layers'
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, 3),
                layers.Conv2D(64, 3),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=6,
            message="2 convolutional layers (Conv2D, Conv2D) with no activation anywhere",
        ),
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, 3),
                layers.MaxPooling2D(),
                layers.Conv2D(64, 3),
                layers.MaxPooling2D(),
                layers.Flatten(),
                layers.Dense(128, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=6,
            message="2 convolutional layers (Conv2D, Conv2D) with no activation anywhere",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, 3, activation="relu"),
                layers.MaxPooling2D(),
                layers.Conv2D(64, 3, activation="relu"),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, 3),
                layers.BatchNormalization(),
                layers.ReLU(),
                layers.Conv2D(64, 3),
                layers.GlobalAveragePooling2D(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, 3),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        seen: set[int] = set()
        for _model, head in all_heads(facts):
            if not is_classifier(head):
                continue
            convolutions = _linear_trunk(head.chain)
            if len(convolutions) < 2 or id(convolutions[0]) in seen:
                continue
            seen.add(id(convolutions[0]))
            kinds = ", ".join(layer.label for layer in convolutions)
            yield self.report(
                convolutions[0].anchor,
                f"{len(convolutions)} convolutional layers ({kinds}) with no activation anywhere before the "
                "classifier head: together they are one linear filter",
            )


def _linear_trunk(chain: tuple[Layer, ...]) -> list[Layer]:
    """The convolutions of a trunk that has no nonlinearity at all; [] if any layer may bend."""
    convolutions: list[Layer] = []
    for layer in chain:
        if layer.kind in _HEAD_START:
            return convolutions
        if layer.kind in _CONVOLUTIONS and layer.activation == "linear":
            convolutions.append(layer)
        elif layer.kind not in _LINEAR_PASSAGE:
            return []  # an activation, an unknown or custom layer: not provably linear
    return []
