"""KC4xx: the layer stack itself, read along each head's chain of layers."""

from __future__ import annotations

from collections.abc import Iterator

from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import Head, Layer, Model, ProgramFacts
from kerascheck.rules import lineage
from kerascheck.rules.base import Rule, all_heads, is_classifier

_STACK = """import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape={shape}),
    {body}
])
model.compile(optimizer="adam", loss={loss})
"""


def _example(body: str, shape: str = "(20,)", loss: str = '"sparse_categorical_crossentropy"') -> str:
    return _STACK.format(body=body, shape=shape, loss=loss)


_NORMALISATION = frozenset({"BatchNormalization", "LayerNormalization"})
_PLAIN_NEXT = frozenset({"Dense", "Conv1D", "Conv2D", "Conv3D", "SimpleRNN", "LSTM", "GRU"})


def _next_meaningful(chain: tuple[Layer, ...], index: int, skip: frozenset[str]) -> tuple[int, Layer] | None:
    """The next layer after ``index`` that is not one of ``skip``."""
    for position in range(index + 1, len(chain)):
        if chain[position].kind not in skip:
            return position, chain[position]
    return None


def _unique_layers(facts: ProgramFacts) -> Iterator[tuple[Head, tuple[Layer, ...], int, Layer]]:
    """Each (head, chain, index, layer) once, though heads share their trunk."""
    seen: set[int] = set()
    for _model, head in all_heads(facts):
        for index, layer in enumerate(head.chain):
            key = id(layer)
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
    layers.Dense(64, activation="softmax"),
    layers.Dense(10, activation="softmax"),
    ```

    ## Use instead
    ```python
    layers.Dense(64, activation="relu"),
    layers.Dense(10, activation="softmax"),
    ```
    """

    code = "KC401"
    name = "softmax-in-hidden-layer"
    severity = Severity.WARNING
    fix = "use relu (or no activation) in hidden layers; keep softmax for the output"
    BAD = (
        _example('layers.Dense(64, activation="softmax"),\n    layers.Dense(10, activation="softmax"),'),
        _example(
            'layers.Dense(64),\n    layers.Activation("softmax"),\n    layers.Dropout(0.2),\n'
            '    layers.Dense(10, activation="softmax"),'
        ),
    )
    GOOD = (
        _example('layers.Dense(64, activation="relu"),\n    layers.Dense(10, activation="softmax"),'),
        _example(
            'layers.LSTM(16, return_sequences=True),\n    layers.Dense(4, activation="softmax"),',
            shape="(12, 3)",
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
    layers.Dense(10, activation="softmax"),
    layers.Activation("softmax"),
    ```

    ## Use instead
    ```python
    layers.Dense(10, activation="softmax"),
    ```
    """

    code = "KC402"
    name = "redundant-activation"
    severity = Severity.WARNING
    fix = "keep one of the two activations"
    BAD = (
        _example('layers.Dense(10, activation="softmax"),\n    layers.Activation("softmax"),'),
        _example(
            'layers.Dense(1, activation="sigmoid"),\n    layers.Activation("sigmoid"),',
            loss='"binary_crossentropy"',
        ),
    )
    GOOD = (
        _example('layers.Dense(10),\n    layers.Activation("softmax"),'),
        _example('layers.Dense(10, activation="relu"),\n    layers.Dense(10, activation="softmax"),'),
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


class LayerAfterOutputActivation(Rule):
    """
    ## What it does
    Flags Dropout, BatchNormalization, LayerNormalization or a same-width
    Dense layer placed after the model's final softmax/sigmoid.

    ## Why is this bad?
    Dropout after the output zeroes probabilities during training (and
    rescales the rest above 1), so the loss sees impossible values;
    normalisation after the output turns probabilities into unbounded scores.
    Training looks noisy and predictions are off.

    ## Example
    ```python
    layers.Dense(10, activation="softmax"),
    layers.Dropout(0.5),
    ```

    ## Use instead
    ```python
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
    ```
    """

    code = "KC403"
    name = "layer-after-output-activation"
    severity = Severity.WARNING
    fix = "move Dropout/normalisation before the output layer"
    BAD = (
        _example('layers.Dense(10, activation="softmax"),\n    layers.Dropout(0.5),'),
        _example(
            'layers.Dense(1, activation="sigmoid"),\n    layers.BatchNormalization(),',
            loss='"binary_crossentropy"',
        ),
        _example(
            'layers.Dense(1, activation="sigmoid"),\n    layers.Dense(1),',
            loss="keras.losses.BinaryCrossentropy(from_logits=True)",
        ),
    )
    GOOD = (
        _example('layers.Dropout(0.5),\n    layers.Dense(10, activation="softmax"),'),
        _example(
            'layers.Dense(32, activation="sigmoid"),\n    layers.BatchNormalization(),\n'
            '    layers.Dense(10, activation="softmax"),'
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, head in all_heads(facts):
            trailing: list[Layer] = []
            for layer in reversed(head.chain):
                if layer.activation in ("softmax", "sigmoid") and trailing:
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


_AFTER_OUTPUT_SUSPECTS = kv.TRANSPARENT_LAYERS | _NORMALISATION | {"Dense"}


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


_LINEAR_AUTOENCODER = """import numpy as np
import keras
from keras import layers

x = np.random.rand(64, 20).astype("float32")
inputs = keras.Input(shape=(20,))
code = layers.Dense(5)(inputs)
model = keras.Model(inputs, layers.Dense(20)(code))
model.compile(optimizer="adam", loss="mse")
model.fit(x, x, epochs=1, verbose=0)
"""


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
    layers.Dense(64),
    layers.Dense(10, activation="softmax"),
    ```

    ## Use instead
    ```python
    layers.Dense(64, activation="relu"),
    layers.Dense(10, activation="softmax"),
    ```
    """

    code = "KC404"
    name = "linear-layer-stack"
    severity = Severity.WARNING
    fix = 'add a nonlinearity (e.g. activation="relu") to the first Dense layer'
    BAD = (
        _example('layers.Dense(64),\n    layers.Dense(10, activation="softmax"),'),
        _example(
            'layers.Dense(64),\n    layers.Dropout(0.3),\n    layers.Dense(32, activation="relu"),\n'
            '    layers.Dense(10, activation="softmax"),'
        ),
    )
    GOOD = (
        _example('layers.Dense(64, activation="relu"),\n    layers.Dense(10, activation="softmax"),'),
        _example(
            'layers.Dense(64),\n    layers.BatchNormalization(),\n    layers.Activation("relu"),\n'
            '    layers.Dense(10, activation="softmax"),'
        ),
        _LINEAR_AUTOENCODER,
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
                yield self.report(
                    following[1].anchor,
                    f"{following[1].label} follows the linear {layer.label} with no activation between: "
                    "together they are one linear map",
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
    keras.Input(shape=(500, 8)),
    layers.SimpleRNN(32),
    ```

    ## Use instead
    ```python
    keras.Input(shape=(500, 8)),
    layers.LSTM(32),  # or layers.GRU(32)
    ```
    """

    code = "KC405"
    name = "simple-rnn-long-sequence"
    severity = Severity.WARNING
    fix = "use LSTM or GRU for long sequences"
    LIMIT = 100
    BAD = (
        _example('layers.SimpleRNN(32),\n    layers.Dense(3, activation="softmax"),', shape="(500, 8)"),
        _example(
            'layers.Embedding(1000, 16),\n    layers.SimpleRNN(8),\n    layers.Dense(1, activation="sigmoid"),',
            shape="(200,)",
            loss='"binary_crossentropy"',
        ),
    )
    GOOD = (
        _example('layers.SimpleRNN(32),\n    layers.Dense(3, activation="softmax"),', shape="(40, 8)"),
        _example('layers.LSTM(32),\n    layers.Dense(3, activation="softmax"),', shape="(500, 8)"),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _head, chain, index, layer in _unique_layers(facts):
            if layer.kind != "SimpleRNN":
                continue
            steps = _timesteps_before(chain, index)
            if steps is not None and steps > self.LIMIT:
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
    layers.LSTM(64),
    layers.LSTM(32),
    ```

    ## Use instead
    ```python
    layers.LSTM(64, return_sequences=True),
    layers.LSTM(32),
    ```
    """

    code = "KC406"
    name = "rnn-stack-missing-return-sequences"
    severity = Severity.ERROR
    fix = "set return_sequences=True on every recurrent layer except the last"
    # The bad model cannot be built, so the runtime tests cannot see it.
    model_rule = False
    BAD = (
        _example(
            'layers.LSTM(64),\n    layers.LSTM(32),\n    layers.Dense(3, activation="softmax"),',
            shape="(30, 4)",
        ),
        _example(
            "layers.GRU(64),\n    layers.Dropout(0.2),\n    layers.GRU(32),\n"
            '    layers.Dense(3, activation="softmax"),',
            shape="(30, 4)",
        ),
    )
    GOOD = (
        _example(
            'layers.LSTM(64, return_sequences=True),\n    layers.LSTM(32),\n    layers.Dense(3, activation="softmax"),',
            shape="(30, 4)",
        ),
        _example(
            "layers.LSTM(64),\n    layers.RepeatVector(30),\n    layers.LSTM(32, return_sequences=True),\n"
            "    layers.TimeDistributed(layers.Dense(4)),",
            shape="(30, 4)",
            loss='"mse"',
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
    layers.Conv2D(32, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Dense(10, activation="softmax"),
    ```

    ## Use instead
    ```python
    layers.Conv2D(32, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),  # or layers.GlobalAveragePooling2D()
    layers.Dense(10, activation="softmax"),
    ```
    """

    code = "KC407"
    name = "dense-on-feature-maps"
    severity = Severity.WARNING
    fix = "add Flatten() or global pooling (GlobalAveragePooling2D(), GlobalMaxPooling1D()) before the Dense layers"
    BAD = (
        _example(
            'layers.Conv2D(8, 3, activation="relu"),\n    layers.MaxPooling2D(),\n'
            '    layers.Dense(10, activation="softmax"),',
            shape="(28, 28, 1)",
        ),
        _example(
            'layers.Conv1D(32, 5, activation="relu"),\n    layers.MaxPooling1D(2),\n'
            '    layers.Dense(5, activation="softmax"),',
            shape="(100, 8)",
        ),
    )
    GOOD = (
        _example(
            'layers.Conv2D(8, 3, activation="relu"),\n    layers.MaxPooling2D(),\n    layers.Flatten(),\n'
            '    layers.Dense(10, activation="softmax"),',
            shape="(28, 28, 1)",
        ),
        _example(
            'layers.Conv2D(8, 3, activation="relu"),\n    layers.Dense(16, activation="relu"),\n'
            '    layers.GlobalAveragePooling2D(),\n    layers.Dense(10, activation="softmax"),',
            shape="(28, 28, 1)",
        ),
        _example(
            'layers.Conv2D(8, 3, padding="same", activation="relu"),\n    layers.Dense(4, activation="softmax"),',
            shape="(64, 64, 3)",
        ),
        _example(
            'layers.Conv1D(32, 5, activation="relu"),\n    layers.MaxPooling1D(2),\n'
            '    layers.GlobalMaxPooling1D(),\n    layers.Dense(5, activation="softmax"),',
            shape="(100, 8)",
        ),
        _example(
            'layers.Conv1D(32, 5, activation="relu"),\n    layers.MaxPooling1D(2),\n'
            '    layers.Dense(16, activation="relu"),\n    layers.LSTM(16),\n'
            '    layers.Dense(5, activation="softmax"),',
            shape="(100, 8)",
        ),
        _example(
            'layers.Conv1D(32, 3, padding="same", activation="relu"),\n'
            '    layers.TimeDistributed(layers.Dense(5, activation="softmax")),',
            shape="(100, 8)",
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
