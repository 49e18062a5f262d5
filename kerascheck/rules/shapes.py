"""KC6xx: shapes. Data, labels and layers whose shapes cannot fit, from shape facts.

The front-ends fill the facts: the model's declared inputs (``Model.inputs``),
each head's per-sample output shape, the arrays handed to the model
(``Model.data_calls``) and the layers shape inference could not build
(``Model.shape_conflicts``). What Keras accepts is decided in
:mod:`kerascheck.shapes.keras_rules`; every rule here fires only on known
shapes, and a shape that depends on an unknown dimension is silence.
"""

from __future__ import annotations

from collections.abc import Iterator

from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import (
    ArrayShape,
    DataCall,
    Head,
    LabelEncoding,
    Layer,
    Model,
    ModelInput,
    ProgramFacts,
    ShapeConflict,
)
from kerascheck.rules.base import Bad, Good, Rule
from kerascheck.shapes import describe
from kerascheck.shapes import geometry as g
from kerascheck.shapes import keras_rules as kr
from kerascheck.shapes.layers import INCOMPATIBLE, NON_POSITIVE


def _where(array: ArrayShape) -> str:
    return f" ({array.source})" if array.source else ""


def _declared(model_input: ModelInput) -> str:
    return f" ({model_input.source})" if model_input.source else ""


def _method(call: DataCall) -> str:
    return "inspect()" if call.method == "inspect" else f"{call.method}()"


def _inputs_with_data(model: Model) -> Iterator[tuple[DataCall, ArrayShape, ModelInput]]:
    """Each (call, array, declared input) pair where both shapes are known."""
    for call in model.data_calls:
        if len(call.inputs) != len(model.inputs):
            continue
        for array, model_input in zip(call.inputs, model.inputs, strict=True):
            if array is not None and model_input.shape is not None:
                yield call, array, model_input


def _one_sample(array: ArrayShape, expected: tuple[int | None, ...]) -> tuple[int | None, ...] | None:
    """The array's whole shape, if it is one sample for an input declared ``expected``.

    Certain for a sample indexed out of an array (``x_test[0]``); for an array that
    kept its first axis, only when its whole shape is the declared one exactly.
    """
    whole = _whole_sample(array)
    if whole is None:
        return None
    if not array.batched:
        return whole if kr.input_fit(whole, expected) == kr.ACCEPTED else None
    exact = len(whole) == len(expected) and kr.input_fit(whole, expected) == kr.ACCEPTED
    return whole if exact else None


def _whole_sample(array: ArrayShape) -> tuple[int | None, ...] | None:
    """The array's whole shape read as one sample (what it is if it lost its batch axis)."""
    if not array.batched:
        return array.sample
    if array.count is None:
        return None
    return (array.count, *array.sample)


class InputShapeMismatch(Rule):
    """
    ## What it does
    Flags data whose per-sample shape is known and differs from the model's
    declared input shape when it reaches `fit`, `evaluate` or `predict`
    (directly, through a `tf.data` pipeline or a generator).

    ## Why is this bad?
    Keras checks the shape only when the first batch reaches the model:
    after the data has been loaded and preprocessed and the model compiled,
    `fit` stops with "Input 0 of layer ... is incompatible with the layer:
    expected shape=(None, 10), found shape=(None, 20)". The fix is nearly
    always in the model's input declaration (it was written for another data
    set) or in a preprocessing step that was skipped (`reshape`, `expand_dims`).
    A trailing axis of size 1 is added or removed by Keras itself and is not
    flagged.

    ## Example
    ```python
    x_train = np.random.rand(1000, 20)
    model = keras.Sequential([keras.Input(shape=(10,)), layers.Dense(1)])
    model.fit(x_train, y_train)
    ```

    ## Use instead
    ```python
    x_train = np.random.rand(1000, 20)
    model = keras.Sequential([keras.Input(shape=(x_train.shape[1],)), layers.Dense(1)])
    model.fit(x_train, y_train)
    ```
    """

    code = "KC601"
    name = "input-shape-mismatch"
    severity = Severity.ERROR
    fix = "declare the input with the data's per-sample shape, or reshape the data to the model's input"
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x_train = np.random.rand(1000, 20)
            y_train = np.random.randint(0, 2, size=(1000,))
            model = keras.Sequential([
                keras.Input(shape=(10,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x_train, y_train, epochs=1)
            """,
            line=13,
            message="gets data of shape (None, 20)",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.zeros((200, 32, 32, 1))
            y = np.random.randint(0, 10, size=(200,))
            model = keras.Sequential([
                layers.Conv2D(8, 3, activation="relu", input_shape=(32, 32, 3)),
                layers.GlobalAveragePooling2D(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=1)
            """,
            line=13,
            message="the model's input is (None, 32, 32, 3)",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x_train = np.random.rand(1000, 20)
            y_train = np.random.randint(0, 2, size=(1000,))
            model = keras.Sequential([
                keras.Input(shape=(x_train.shape[1],)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x_train, y_train, epochs=1)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.zeros((200, 28, 28))
            y = np.random.randint(0, 10, size=(200,))
            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(8, 3, activation="relu"),
                layers.GlobalAveragePooling2D(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=1)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            for call, array, model_input in _inputs_with_data(model):
                if not array.batched:
                    continue  # KC605
                assert model_input.shape is not None
                if kr.input_fit(array.sample, model_input.shape) != kr.REJECTED:
                    continue
                if _one_sample(array, model_input.shape) is not None:
                    continue  # one sample without its batch axis: KC605
                yield self.report(
                    call.anchor,
                    f"{_method(call)} gets data of shape {describe(array.sample)}{_where(array)}, "
                    f"but the model's input is {describe(model_input.shape)}{_declared(model_input)}: "
                    "Keras stops when the first batch reaches the model",
                )


class LabelShapeMismatch(Rule):
    """
    ## What it does
    Flags labels whose shape is known and cannot match the output head they
    train, by width or by rank, under the loss's own shape rules (Keras 3
    squeezes or adds a trailing axis of size 1 and nothing else).

    ## Why is this bad?
    It depends on the loss. Cross-entropies check shapes: `fit` stops at the
    first batch with "Arguments `target` and `output` must have the same
    shape". Regression and hinge losses work element by element and
    *broadcast*: labels of shape (N, 3) against a (None, 1) output, or
    integer labels (N, 1) against a (None, 3) output with mse, train without
    any error on a target that means nothing; the loss goes down while the
    predictions stay constant.

    ## Example
    ```python
    y = np.random.rand(500, 3)
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    y = np.random.rand(500, 3)
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(y.shape[1])])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y)
    ```
    """

    code = "KC602"
    name = "label-shape-mismatch"
    severity = Severity.ERROR
    fix = "give the output head one unit per label column (or reshape the labels to the output)"
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(500, 8)
            y = np.random.rand(500, 3)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(16, activation="relu"), layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1)
            """,
            line=9,
            message="broadcasts them",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(500, 8)
            y = np.random.randint(0, 4, size=(500, 2))
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(4, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=1)
            """,
            line=9,
            message="rejects them",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(500, 8)
            y = np.random.rand(500, 3)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(16, activation="relu"), layers.Dense(3)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(500, 8)
            y = np.random.randint(0, 5, size=(500, 1))
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(5, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=1)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            if not model.loss_in_use:
                continue
            for call in model.data_calls:
                if len(call.targets) != len(model.heads):
                    continue
                for index, (head, labels) in enumerate(zip(model.heads, call.targets, strict=True)):
                    if labels is None or not labels.batched or head.output_shape is None or head.loss is None:
                        continue
                    loss = head.loss.kind
                    verdict = kr.label_fit(loss, kr.batched(labels.sample), kr.batched(head.output_shape))
                    if verdict not in (kr.REJECTED, kr.BROADCAST) or _encoding_rule_applies(call, index, loss, head):
                        continue
                    consequence = (
                        f"with {loss} Keras broadcasts them and trains on a meaningless target without an error"
                        if verdict == kr.BROADCAST
                        else f"{loss} rejects them when the first batch reaches the loss"
                    )
                    output = head.output_layer.label if head.output_layer is not None else (head.name or "head")
                    yield self.report(
                        call.anchor,
                        f"{_method(call)} gets labels of shape {describe(labels.sample)}{_where(labels)} "
                        f"for the output {output} of shape {describe(head.output_shape)}: {consequence}",
                    )


def _encoding_rule_applies(call: DataCall, index: int, loss: str | None, head: Head) -> bool:
    """The labels' encoding is already flagged by a more specific rule, which says why in its terms.

    KC301/KC302/KC303 (one-hot or integer labels with the wrong cross-entropy), KC309
    (one-hot labels on one unit), KC310 (0/1 labels on several sigmoid units) and
    KC111 (class ids with a regression loss).
    """
    encoding = call.encodings[index] if index < len(call.encodings) else None
    if encoding is LabelEncoding.ONE_HOT and (loss in kv.SPARSE_CE or loss in kv.BINARY_CE or head.units == 1):
        return True  # KC302, KC301, KC309
    if encoding in (LabelEncoding.INTEGER, LabelEncoding.BINARY) and loss in kv.CATEGORICAL_CE:
        return True  # KC303
    integer = encoding in (LabelEncoding.INTEGER, LabelEncoding.BINARY)
    if integer and loss in kv.REGRESSION_LOSSES:
        return True  # KC111: class ids with a regression loss; the fix is the loss, not the width
    return integer and loss in kv.BINARY_CE and head.activation == "sigmoid" and (head.units or 0) >= 2  # KC310


_CHANNEL_COUNTS = frozenset({1, 3, 4})


class ChannelsFirstInput(Rule):
    """
    ## What it does
    Flags an image input declared channels-first, such as `(3, 32, 32)` or
    `(1, 28, 28)`, that feeds convolution or pooling layers using Keras's
    default `data_format="channels_last"`.

    ## Why is this bad?
    With channels last, `(3, 32, 32)` means 3 rows of 32 pixels with 32
    channels. Keras builds and trains the model without complaint: the 3x3
    kernels slide over the colour axis, the spatial structure is lost, and
    accuracy stays poor for no visible reason (or a pooling layer fails on
    the height of 3). Data from PyTorch-style loaders or old Theano-era code is
    channels-first.

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input(shape=(3, 32, 32)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.Input(shape=(32, 32, 3)),  # and x = np.transpose(x, (0, 2, 3, 1))
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "KC603"
    name = "channels-first-input"
    severity = Severity.WARNING
    fix = 'move the channels last (np.transpose(x, (0, 2, 3, 1))) or pass data_format="channels_first"'
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(3, 32, 32)),
                layers.Conv2D(32, 3, padding="same", activation="relu"),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            line=6,
            message="looks channels-first",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(32, 32, 3)),
                layers.Conv2D(32, 3, activation="relu"),
                layers.Flatten(),
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

            model = keras.Sequential([
                keras.Input(shape=(3, 32, 32)),
                layers.Conv2D(32, 3, activation="relu", data_format="channels_first"),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            if not model.inputs or not model.heads:
                continue
            model_input = model.inputs[0]
            shape = model_input.shape
            if shape is None or len(shape) not in (3, 4) or any(d is None for d in shape):
                continue
            first, last = shape[0], shape[-1]
            if first not in _CHANNEL_COUNTS or last in _CHANNEL_COUNTS or any((d or 0) < 8 for d in shape[1:]):
                continue
            layer = _first_spatial_layer(model)
            if layer is None or layer.geometry is None or layer.geometry.data_format != "channels_last":
                continue
            if g.spatial_rank(layer.kind or "") != len(shape) - 1:
                continue
            yield self.report(
                model_input.anchor if model_input.anchor.is_known else layer.anchor,
                f"the input {describe(shape)}{_declared(model_input)} looks channels-first ({first} channels), "
                f"but {layer.label} reads the last axis ({last}) as channels (data_format='channels_last')",
            )


def _first_spatial_layer(model: Model) -> Layer | None:
    """The first layer after the input that is not shape-preserving, if all heads agree on it."""
    found = None
    for head in model.heads:
        candidate = None
        for layer in head.chain:
            if layer.kind == "InputLayer" or layer.kind in g.SAME_SHAPE:
                continue
            candidate = layer
            break
        if candidate is None or (found is not None and candidate is not found):
            return None
        found = candidate
    return found


class NonPositiveDimension(Rule):
    """
    ## What it does
    Flags a convolution, pooling or cropping layer whose input is too small
    for it: shape inference from the declared input reaches a spatial size
    of zero or less.

    ## Why is this bad?
    Keras refuses to build the model ("Computed output size would be
    negative" / "Negative dimension size caused by subtracting 3 from 2"):
    a stack of valid-padded convolutions and poolings, each shrinking the
    image, was designed for larger inputs than the ones declared. The error
    comes from deep inside the layer; kerascheck names the layer and the
    size that reached it.

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 5), layers.MaxPooling2D(2),
        layers.Conv2D(64, 5), layers.MaxPooling2D(2),
        layers.Conv2D(128, 5),  # 4x4 left: a 5x5 kernel does not fit
    ])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 5), layers.MaxPooling2D(2),
        layers.Conv2D(64, 5), layers.MaxPooling2D(2),
        layers.Conv2D(128, 3, padding="same"),  # or fewer poolings, or larger inputs
    ])
    ```
    """

    code = "KC604"
    name = "non-positive-dimension"
    severity = Severity.ERROR
    fix = 'use padding="same", smaller kernels or fewer poolings, or feed larger inputs'
    model_rule = False  # Keras refuses to build these models, so there is no model to inspect
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, 5, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(64, 5, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(128, 5, activation="relu"),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            """,
            line=11,
            message="gets spatial size 4",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, 5, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(64, 5, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(128, 3, padding="same", activation="relu"),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for conflict in facts.shape_conflicts:
            if conflict.kind == NON_POSITIVE:
                yield self.report(conflict.anchor, conflict.detail)


class PredictOnUnbatchedSample(Rule):
    """
    ## What it does
    Flags `predict`, `evaluate` or a direct model call on a single sample
    that has lost its batch axis, such as `model.predict(x_test[0])`.

    ## Why is this bad?
    Keras reads the first axis as the batch: one 28x28 image becomes 28
    samples of shape (28,), and the call fails with an input-shape error
    (or, for a model that accepts that shape, returns 28 meaningless
    predictions).

    ## Example
    ```python
    x_test = np.random.rand(100, 28, 28)
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10)])
    prediction = model.predict(x_test[0])
    ```

    ## Use instead
    ```python
    x_test = np.random.rand(100, 28, 28)
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10)])
    prediction = model.predict(x_test[:1])  # or np.expand_dims(x_test[0], 0)
    ```
    """

    code = "KC605"
    name = "predict-on-unbatched-sample"
    severity = Severity.ERROR
    fix = "keep the batch axis: x[:1], x[i : i + 1] or np.expand_dims(x[i], 0)"
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x_test = np.random.rand(100, 28, 28)
            model = keras.Sequential([
                keras.Input(shape=(28, 28)),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            prediction = model.predict(x_test[0])
            """,
            line=11,
            message="one sample of shape (28, 28)",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x_test = np.random.rand(100, 28, 28)
            model = keras.Sequential([
                keras.Input(shape=(28, 28)),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            prediction = model.predict(x_test[:1])
            other = model.predict(np.expand_dims(x_test[5], 0))
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            for call, array, model_input in _inputs_with_data(model):
                assert model_input.shape is not None
                if array.batched and kr.input_fit(array.sample, model_input.shape) != kr.REJECTED:
                    continue
                whole = _one_sample(array, model_input.shape)
                if whole is None:
                    continue
                yield self.report(
                    call.anchor,
                    f"{_method(call)} gets one sample of shape {_plain(whole)}{_where(array)} without its batch "
                    f"axis; the model expects {describe(model_input.shape)}{_declared(model_input)}, and Keras "
                    f"reads the first axis ({whole[0]}) as the batch",
                )


def _plain(shape: tuple[int | None, ...]) -> str:
    return describe(shape, batch=False)


class IncompatibleLayerInput(Rule):
    """
    ## What it does
    Flags a layer that shape inference finds cannot take its input: a
    `Concatenate`/`Add` of mismatched shapes, a `Reshape` to a different
    number of elements, a recurrent or convolution layer given the wrong rank,
    a `Dense` layer reused on inputs of different widths.

    ## Why is this bad?
    Keras refuses to build the model, with an error about the layer's
    internals ("total size of new array must be unchanged", "A `Concatenate`
    layer requires inputs with matching shapes except for the concatenation
    axis", "expected ndim=3, found ndim=2"). The cause is usually one layer
    earlier: a missing `Flatten`, `return_sequences=True` or `Reshape`.

    ## Example
    ```python
    inputs = keras.Input(shape=(28, 28))
    x = layers.Reshape((30, 30))(inputs)
    model = keras.Model(inputs, x)
    ```

    ## Use instead
    ```python
    inputs = keras.Input(shape=(28, 28))
    x = layers.Reshape((28 * 28,))(inputs)  # the same number of elements
    model = keras.Model(inputs, x)
    ```
    """

    code = "KC606"
    name = "incompatible-layer-input"
    severity = Severity.ERROR
    fix = "make the shapes agree: check the layer before (Flatten, return_sequences, Reshape)"
    model_rule = False  # Keras refuses to build these models, so there is no model to inspect
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            inputs = keras.Input(shape=(28, 28))
            x = layers.Reshape((30, 30))(inputs)
            x = layers.Flatten()(x)
            outputs = layers.Dense(10, activation="softmax")(x)
            model = keras.Model(inputs, outputs)
            """,
            line=6,
            message="784 elements per sample",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            a = keras.Input(shape=(16,))
            b = keras.Input(shape=(8, 4))
            merged = layers.Concatenate()([a, b])
            outputs = layers.Dense(1, activation="sigmoid")(merged)
            model = keras.Model([a, b], outputs)
            """,
            line=7,
            message="different ranks",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Dense(32, activation="relu"),
                layers.LSTM(16),
                layers.Dense(1, activation="sigmoid"),
            ])
            """,
            line=8,
            message="expects 2 axes per sample",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            inputs = keras.Input(shape=(28, 28))
            x = layers.Reshape((784,))(inputs)
            outputs = layers.Dense(10, activation="softmax")(x)
            model = keras.Model(inputs, outputs)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            a = keras.Input(shape=(16,))
            b = keras.Input(shape=(8, 4))
            merged = layers.Concatenate()([a, layers.Flatten()(b)])
            outputs = layers.Dense(1, activation="sigmoid")(merged)
            model = keras.Model([a, b], outputs)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            model = keras.Sequential([
                keras.Input(shape=(20,)),
                layers.Reshape((20, 1)),
                layers.LSTM(16),
                layers.Dense(1, activation="sigmoid"),
            ])
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for conflict in facts.shape_conflicts:
            if conflict.kind == INCOMPATIBLE and not _recurrent_stack(conflict):
                yield self.report(conflict.anchor, conflict.detail)


_RECURRENT_OR_WRAPPED = kv.RECURRENT_LAYERS | {"Bidirectional"}


def _recurrent_stack(conflict: ShapeConflict) -> bool:
    """A recurrent layer fed by one that returns only its last state: KC406 says so, more precisely."""
    previous = conflict.previous
    return (
        conflict.layer.kind in _RECURRENT_OR_WRAPPED
        and previous is not None
        and previous.kind in _RECURRENT_OR_WRAPPED
        and previous.return_sequences is False
    )
