"""False alarms found in public code, and divergences between front-ends (issue 11)."""

from __future__ import annotations

from kerascheck import check_source
from kerascheck import vocabulary as kv

MNIST = """\
import keras
from keras import layers

(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([
    keras.Input(shape=(28, 28)),
    {first}
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train, epochs=1)
"""


def _codes(source: str) -> list[str]:
    return [d.code for d in check_source(source)]


def test_input_scaling_layers_are_one_vocabulary() -> None:
    assert _codes(MNIST.format(first="")) == ["KC307"]
    for layer in sorted(kv.INPUT_SCALING_LAYERS):
        argument = "1 / 255" if layer == "Rescaling" else "lambda t: t / 255" if layer == "Lambda" else ""
        first = f"layers.{layer}({argument}),"
        if layer == "GroupNormalization":
            first = "layers.Reshape((28, 28, 1)), layers.GroupNormalization(groups=1), layers.Reshape((28, 28)),"
        assert "KC307" not in _codes(MNIST.format(first=first)), layer


def test_identity_activation_after_softmax_is_transparent_but_a_real_one_is_not() -> None:
    cast = """\
import keras
from keras import layers
inputs = keras.Input((8,))
x = layers.Dense(4)(inputs)
x = layers.Activation("{activation}")(x)
outputs = layers.Activation("linear", dtype="float32")(x)
model = keras.Model(inputs, outputs)
model.compile(loss="sparse_categorical_crossentropy")
"""
    assert _codes(cast.format(activation="softmax")) == []
    assert _codes(cast.format(activation="linear")) == ["KC101"]  # linear twice is still no softmax


def test_layer_after_output_needs_a_compiled_model_and_a_real_output_activation() -> None:
    stack = """\
import keras
from keras import layers
model = keras.Sequential([keras.Input((8,)), layers.Dense(1, activation="sigmoid"), layers.{after}])
{compile}
"""
    compiled = 'model.compile(loss="binary_crossentropy")'
    assert _codes(stack.format(after="Dropout(0.5)", compile=compiled)) == ["KC403"]
    assert _codes(stack.format(after="ActivityRegularization(l1=0.01)", compile=compiled)) == []
    assert _codes(stack.format(after="Dropout(0.5)", compile="")) == []  # not compiled: no output yet
