"""Static shape inference, asserted on the facts: data shapes, model shapes, conflicts, bad input."""

from __future__ import annotations

import libcst as cst
import pytest

from kerascheck import check_source
from kerascheck.facts import ArrayShape, Model, ProgramFacts
from kerascheck.static.lint import extract_facts

HEADER = "import numpy as np\nimport keras\nfrom keras import layers\n"


def facts(body: str) -> ProgramFacts:
    return extract_facts(cst.parse_module(HEADER + body))


def only_model(body: str) -> Model:
    (model,) = facts(body).models
    return model


def data_shape(expression: str, setup: str = "") -> ArrayShape | None:
    """The shape kerascheck infers for ``x = <expression>`` when it reaches predict()."""
    model = only_model(
        setup
        + f"x = {expression}\nmodel = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1)])\nmodel.predict(x)\n"
    )
    return model.data_calls[0].inputs[0] if model.data_calls else None


@pytest.mark.parametrize(
    ("expression", "setup", "sample", "count", "batched"),
    [
        ("np.random.rand(100, 20)", "", (20,), 100, True),
        ("np.random.randint(0, 2, size=(100, 3))", "", (3,), 100, True),
        ("np.random.normal(0, 1, (50, 8))", "", (8,), 50, True),
        ("np.zeros((10, 28, 28))", "", (28, 28), 10, True),
        ("np.ones(7)", "", (), 7, True),
        ("np.arange(12)", "", (), 12, True),
        ("np.linspace(0, 1)", "", (), 50, True),
        ("np.array([[1, 2], [3, 4], [5, 6]])", "", (2,), 3, True),
        ("a.reshape(-1, 28, 28, 1)", "a = np.zeros((10, 784))\n", (28, 28, 1), 10, True),
        ("np.expand_dims(a, -1)", "a = np.zeros((10, 28, 28))\n", (28, 28, 1), 10, True),
        ("a[..., None]", "a = np.zeros((10, 28, 28))\n", (28, 28, 1), 10, True),
        ("a[:, :, :, np.newaxis]", "a = np.zeros((10, 28, 28))\n", (28, 28, 1), 10, True),
        ("a[0]", "a = np.zeros((10, 28, 28))\n", (28, 28), None, False),
        ("a[:1]", "a = np.zeros((10, 28, 28))\n", (28, 28), 1, True),
        ("a[2:5, 1:]", "a = np.zeros((10, 28))\n", (27,), 3, True),
        ("np.expand_dims(a[3], 0)", "a = np.zeros((10, 28, 28))\n", (28, 28), 1, True),
        ("a[3].reshape(1, 28, 28)", "a = np.zeros((10, 28, 28))\n", (28, 28), 1, True),
        ("a.T", "a = np.zeros((4, 100))\n", (4,), 100, True),
        ("a / 255.0", "a = np.zeros((10, 28, 28))\n", (28, 28), 10, True),
        ("a.astype('float32')", "a = np.zeros((10, 28, 28))\n", (28, 28), 10, True),
        ("np.concatenate([a, a])", "a = np.zeros((10, 5))\n", (5,), 20, True),
        ("np.hstack([a, a])", "a = np.zeros((10, 5))\n", (10,), 10, True),
        ("np.stack([a, a, a], axis=-1)", "a = np.zeros((10, 5))\n", (5, 3), 10, True),
        ("keras.utils.to_categorical(y, 10)", "y = np.random.randint(0, 10, size=(60,))\n", (10,), 60, True),
        ("x_train", "(x_train, y_train), _ = keras.datasets.mnist.load_data()\n", (28, 28), 60000, True),
        ("y_train", "(x_train, y_train), _ = keras.datasets.cifar10.load_data()\n", (1,), 50000, True),
        ("X", "from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)\n", (4,), 150, True),
        ("iris.data", "from sklearn.datasets import load_iris\niris = load_iris()\n", (4,), 150, True),
        (
            "X_train",
            "from sklearn.datasets import make_classification\nfrom sklearn.model_selection import train_test_split\n"
            "X, y = make_classification(n_samples=1000, n_features=8)\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)\n",
            (8,),
            800,
            True,
        ),
        (
            "keras.utils.pad_sequences(s, maxlen=200)",
            "(s, _), _ = keras.datasets.imdb.load_data(num_words=5000)\n",
            (200,),
            25000,
            True,
        ),
    ],
)
def test_data_shapes(expression: str, setup: str, sample: tuple[int, ...], count: int | None, batched: bool) -> None:
    shape = data_shape(expression, setup)
    assert shape is not None
    assert (shape.sample, shape.count, shape.batched) == (sample, count, batched)


def test_shape_of_data_as_a_value() -> None:
    model = only_model(
        "x = np.random.rand(100, 13)\n"
        "model = keras.Sequential([layers.Dense(8, input_dim=x.shape[1]), layers.Dense(1)])\n"
    )
    assert [i.shape for i in model.inputs] == [(13,)]
    assert model.heads[0].output_shape == (1,)


def test_datasets_are_batched_by_batch() -> None:
    body = (
        "import tensorflow as tf\n"
        "x = np.random.rand(100, 20)\ny = np.random.randint(0, 2, size=(100,))\n"
        "ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(32).prefetch(2)\n"
        "model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy')\nmodel.fit(ds)\n"
    )
    (call,) = only_model(body).data_calls
    assert call.inputs[0] is not None and call.inputs[0].sample == (20,) and call.inputs[0].batched
    assert call.targets[0] is not None and call.targets[0].sample == ()


def test_generators_and_directory_datasets() -> None:
    body = (
        "from keras.preprocessing.image import ImageDataGenerator\n"
        "gen = ImageDataGenerator(rescale=1 / 255).flow_from_directory(\n"
        "    'd', target_size=(64, 64), color_mode='grayscale', class_mode='binary')\n"
        "ds = keras.utils.image_dataset_from_directory('d', image_size=(128, 128))\n"
        "model = keras.Sequential([keras.Input(shape=(64, 64, 1)), layers.Flatten(), layers.Dense(1)])\n"
        "model.fit(gen)\nmodel.predict(ds)\n"
    )
    first, second = only_model(body).data_calls
    assert first.inputs[0] is not None and first.inputs[0].sample == (64, 64, 1)
    assert first.targets[0] is not None and first.targets[0].sample == ()
    assert second.inputs[0] is not None and second.inputs[0].sample == (128, 128, 3)


def test_functional_graph_shapes_with_several_inputs_and_outputs() -> None:
    body = (
        "image = keras.Input(shape=(32, 32, 3))\ntext = keras.Input(shape=(100,))\n"
        "a = layers.Conv2D(8, 3, strides=2, padding='same')(image)\na = layers.GlobalAveragePooling2D()(a)\n"
        "b = layers.Embedding(1000, 16)(text)\nb = layers.LSTM(12)(b)\n"
        "merged = layers.Concatenate()([a, b])\n"
        "out1 = layers.Dense(4, activation='softmax', name='kind')(merged)\n"
        "out2 = layers.Dense(1, name='score')(merged)\n"
        "model = keras.Model(inputs=[image, text], outputs=[out1, out2])\n"
    )
    model = only_model(body)
    assert [i.shape for i in model.inputs] == [(32, 32, 3), (100,)]
    assert [h.output_shape for h in model.heads] == [(4,), (1,)]
    assert not facts(body).shape_conflicts


def test_conflicts_name_the_layer_and_the_sizes() -> None:
    found = facts(
        "model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(8, 5), layers.MaxPooling2D(),"
        " layers.Conv2D(8, 5), layers.MaxPooling2D(), layers.Conv2D(8, 5), layers.Conv2D(8, 5)])\n"
    ).shape_conflicts
    assert len(found) == 1
    assert found[0].kind == "non-positive" and found[0].layer.kind == "Conv2D" and found[0].inputs == ((4, 4, 8),)
    diagnostics = check_source(
        HEADER + "a = keras.Input(shape=(16,))\nshared = layers.Dense(8)\nx = shared(a)\n"
        "b = keras.Input(shape=(32,))\ny = shared(b)\nmodel = keras.Model([a, b], [x, y])\n",
        select=["KC606"],
    )
    assert [(d.code, d.line) for d in diagnostics] == [("KC606", 8)]
    assert "width 16" in diagnostics[0].message


def test_conflicts_inside_branches_stay_silent() -> None:
    body = (
        "import sys\nx = keras.Input(shape=(8,))\n"
        "if sys.argv:\n    y = layers.Reshape((3, 3))(x)\nelse:\n    y = layers.Reshape((2, 4))(x)\n"
    )
    assert not facts(body).shape_conflicts


@pytest.mark.parametrize(
    "body",
    [
        "x = np.zeros((-5, 20))\n",
        "x = np.zeros((10, 20)).reshape(-1, -1)\n",
        "x = np.zeros((10**6, 10**6))\n",
        "x = np.random.rand(n, 20)\n",
        "x = some_loader()\n",
        "x = np.zeros((10, 20))[:, ::0]\n",
        "x = np.zeros((10, 20))[1, 2, 3]\n",
        "x = np.zeros((10, 20)).reshape(3, 7)\n",
        "x = np.zeros(shape)\n",
        "x = np.random.rand(*dims)\n",
        "x = np.random.randint(0, 2, size=(-1, 4))\n",
    ],
)
def test_bad_or_unknown_shapes_are_silence(body: str) -> None:
    program = (
        HEADER + body + "model = keras.Sequential([keras.Input(shape=(10,)), layers.Dense(1)])\nmodel.predict(x)\n"
    )
    assert not [d for d in check_source(program, select=["KC6"])]


@pytest.mark.parametrize(
    "target",
    ["(-1, -1)", "(0, 4)", "(-3, 4)", "(10**12,)", "(n, 4)"],
)
def test_absurd_reshape_layers_are_silence(target: str) -> None:
    program = HEADER + f"x = keras.Input(shape=(8,))\ny = layers.Reshape({target})(x)\ny = layers.Dense(1)(y)\n"
    assert not [d for d in check_source(program, select=["KC6"])]


def test_text_vectorization_gives_the_sequence_length() -> None:
    body = (
        "vectorize = layers.TextVectorization(max_tokens=20000, output_sequence_length=120)\n"
        "text = keras.Input(shape=(1,), dtype='string')\n"
        "x = vectorize(text)\nx = layers.Embedding(20000, 16)(x)\nx = layers.Conv1D(8, 121)(x)\n"
    )
    (found,) = facts(body).shape_conflicts
    assert found.kind == "non-positive" and found.inputs == ((120, 16),)


def test_merge_functions_are_merge_layers() -> None:
    body = (
        "a = keras.Input(shape=(16,))\nb = keras.Input(shape=(8,))\n"
        "merged = layers.concatenate([a, b], axis=-1)\n"
        "model = keras.Model([a, b], layers.Dense(1)(merged))\n"
        "bad = layers.add([a, b])\n"
    )
    found = facts(body)
    assert [h.output_shape for h in found.models[0].heads] == [(1,)]
    assert [c.layer.kind for c in found.shape_conflicts] == ["Add"]


def test_embedding_input_length_declares_nothing() -> None:
    """Keras 3 ignores ``input_length`` (it only warns): the data decides the sequence length."""
    model = only_model(
        "x = np.random.randint(0, 100, size=(16, 20))\n"
        "model = keras.Sequential([layers.Embedding(100, 8, input_length=10), layers.GlobalAveragePooling1D(),"
        " layers.Dense(1)])\nmodel.predict(x)\n"
    )
    assert model.inputs == ()


def test_build_declares_the_input_of_a_model_without_one() -> None:
    body = (
        "x = np.random.rand(64, 12)\n"
        "model = keras.Sequential([layers.Dense(8, activation='relu'), layers.Dense(1)])\n"
        "model.build((None, 10))\nmodel.compile(loss='mse')\nmodel.fit(x, np.random.rand(64))\n"
    )
    model = only_model(body)
    assert [i.shape for i in model.inputs] == [(10,)] and model.heads[0].output_shape == (1,)
    assert [d.code for d in check_source(HEADER + body, select=["KC6"])] == ["KC601"]
