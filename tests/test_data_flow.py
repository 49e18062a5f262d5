"""Data-flow precision: encodings that only look one-hot stay unknown (silence, not a guess)."""

from __future__ import annotations

import pytest

from kerascheck import check_source

MODEL = """
import numpy as np
import pandas as pd
from sklearn.preprocessing import OneHotEncoder
from tensorflow import keras

df = pd.read_csv("data.csv")
{labels}
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(df[["a", "b", "c", "d"]].to_numpy(), y, epochs=3)
"""


@pytest.mark.parametrize(
    "labels",
    [
        'y = pd.get_dummies(df["label"], drop_first=True).to_numpy()',
        'y = OneHotEncoder(drop="if_binary", sparse_output=False).fit_transform(df[["label"]])',
        'y = keras.utils.to_categorical(df["label"].to_numpy(), 2)[:, 1]',
        'y = np.eye(2)[df["label"].to_numpy()][:, 1:]',
    ],
)
def test_binary_columns_cut_from_one_hot_are_not_one_hot(labels: str) -> None:
    assert [d.code for d in check_source(MODEL.format(labels=labels))] == []


@pytest.mark.parametrize(
    "labels",
    [
        'y = pd.get_dummies(df["label"]).to_numpy()',
        'y = keras.utils.to_categorical(df["label"].to_numpy(), 2)',
        'y = np.eye(2)[df["label"].to_numpy()][:1000]',
    ],
)
def test_one_hot_labels_on_a_sigmoid_still_fire(labels: str) -> None:
    assert [d.code for d in check_source(MODEL.format(labels=labels))] == ["KC301"]


SILENT = {
    "linear classifier with mse and binary accuracy on 0/1 targets": """
import numpy as np
import keras
x = np.random.rand(100, 2).astype("float32")
y = (x[:, 0] > 0.5).astype("float32")
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
model.compile(optimizer="rmsprop", loss="mse", metrics=[keras.metrics.BinaryAccuracy()])
model.fit(x, y, epochs=5)
""",
    "classes dropped by a boolean mask": """
import keras
(x, y), _ = keras.datasets.fashion_mnist.load_data()
keep = (y != 5) & (y != 6)
x, y = x[keep] / 255.0, y[keep]
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                          keras.layers.Dense(8, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x, y, epochs=1)
""",
    "predictions thresholded in place": """
import keras
from sklearn.metrics import accuracy_score
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
y_pred = model.predict(x_test)
y_pred[y_pred <= 0.5] = 0.0
y_pred[y_pred > 0.5] = 1.0
print(accuracy_score(y_test, y_pred))
""",
    "labels one-hot encoded and pixels rescaled inside Dataset.map": """
import tensorflow as tf
from tensorflow import keras
(x, y), _ = keras.datasets.cifar10.load_data()
def prep(image, label):
    return tf.cast(image, tf.float32) / 255.0, tf.one_hot(tf.squeeze(label), 10)
ds = tf.data.Dataset.from_tensor_slices((x, y)).map(prep).batch(64)
model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(ds, epochs=1)
""",
    "a hidden sigmoid layer of the output's width": """
from tensorflow import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="sigmoid"),
                          keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer="sgd", loss="categorical_crossentropy")
""",
}

FIRING = {
    "accuracy on continuous regression targets": ("""
import numpy as np
import keras
x = np.random.rand(100, 3)
y = np.random.normal(20.0, 5.0, 100)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
model.fit(x, y, epochs=5)
""", "KC204"),
    "flow_from_directory one-hot labels on one sigmoid unit": ("""
from keras.preprocessing.image import ImageDataGenerator
from tensorflow import keras
train = ImageDataGenerator(rescale=1.0 / 255).flow_from_directory("data/train", target_size=(64, 64))
model = keras.Sequential([keras.Input((64, 64, 3)), keras.layers.Flatten(),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(train, epochs=3)
""", "KC301"),
    "a scaler leak through iloc": ("""
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
data = pd.read_csv("cards.csv")
data["Amount"] = StandardScaler().fit_transform(data[["Amount"]])
X = data.iloc[:, data.columns != "Class"]
y = data.iloc[:, data.columns == "Class"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3)
import keras
""", "KC306"),
}  # fmt: skip


@pytest.mark.parametrize("source", SILENT.values(), ids=SILENT.keys())
def test_correct_code_found_in_public_projects_stays_silent(source: str) -> None:
    assert [d.code for d in check_source(source, select=["ALL"]) if d.severity.value != "info"] == []


@pytest.mark.parametrize(("source", "code"), FIRING.values(), ids=FIRING.keys())
def test_mistakes_found_in_public_projects_fire(source: str, code: str) -> None:
    assert code in [d.code for d in check_source(source)]


SILENT_MODELS = {
    "a generator compiled for form's sake and trained through the combined GAN": """
from keras.models import Sequential
from keras.layers import Dense, Activation
g = Sequential([Dense(784, input_dim=100), Activation("tanh")])
d = Sequential([Dense(1, input_dim=784), Activation("sigmoid")])
combined = Sequential([g, d])
g.compile(loss="binary_crossentropy", optimizer="SGD")
combined.compile(loss="binary_crossentropy", optimizer="SGD")
d.compile(loss="binary_crossentropy", optimizer="SGD")
d.train_on_batch(images, labels)
combined.train_on_batch(noise, ones)
""",
    "a compiled model that is only loaded and used for prediction": """
from keras.models import Sequential
from keras.layers import Dense
model = Sequential([Dense(784, input_dim=100, activation="tanh")])
model.compile(loss="binary_crossentropy", optimizer="SGD")
model.load_weights("generator.h5")
images = model.predict(noise)
""",
    "Keras 0 Dense(input_dim, output_dim)": """
from keras.models import Sequential
from keras.layers.core import Dense
from keras.utils import np_utils
y = np_utils.to_categorical(labels, 10)
model = Sequential()
model.add(Dense(100, 10, activation="softmax"))
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x, y)
""",
}


@pytest.mark.parametrize("source", SILENT_MODELS.values(), ids=SILENT_MODELS.keys())
def test_models_whose_loss_or_width_is_not_what_it_seems_stay_silent(source: str) -> None:
    assert [d.code for d in check_source(source, select=["ALL"]) if d.severity.value != "info"] == []


def test_a_compiled_generator_that_is_trained_directly_is_still_judged() -> None:
    source = SILENT_MODELS["a compiled model that is only loaded and used for prediction"].replace(
        'model.load_weights("generator.h5")', "model.fit(noise, images)"
    )
    assert [d.code for d in check_source(source)] == ["KC106"]


def test_a_linear_encoder_exposed_as_its_own_model_is_not_a_forgotten_activation() -> None:
    source = """
from keras.layers import Input, Dense
from keras.models import Model
inp = Input(shape=(60,))
encoded = Dense(35)(inp)
decoded = Dense(60, activation="linear")(encoded)
autoencoder = Model(inp, decoded)
encoder = Model(inp, encoded)
autoencoder.compile(optimizer="adam", loss="mse")
autoencoder.fit(x_noisy, x_clean, epochs=50)
"""
    assert check_source(source, select=["ALL"]) == []
    assert [d.code for d in check_source(source.replace("encoder = Model(inp, encoded)\n", ""))] == ["KC404"]


def test_raw_pixels_through_train_on_batch() -> None:
    source = """
import numpy as np
from tensorflow import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
for step in range(100):
    idx = np.random.randint(0, 60000, 32)
    model.train_on_batch(x_train[idx], y_train[idx])
"""
    assert [d.code for d in check_source(source)] == ["KC307"]


def test_softmax_op_over_another_axis_is_attention_pooling() -> None:
    source = """
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
inputs = keras.Input((16, 32))
representation = layers.LayerNormalization()(inputs)
weights = tf.nn.softmax(layers.Dense(1)(representation), axis=1)
pooled = tf.squeeze(tf.matmul(weights, representation, transpose_a=True), -2)
model = keras.Model(inputs, layers.Dense(10)(pooled))
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
"""
    assert check_source(source, select=["ALL"]) == []
    assert [d.code for d in check_source(source.replace(", axis=1)", ")"))] == ["KC104"]


def test_pixels_changed_in_place_are_not_raw() -> None:
    source = """
from tensorflow import keras
(x_train, y_train), _ = keras.datasets.cifar10.load_data()
x_train = x_train.astype("float32")
x_train[:, :, :, 0] = x_train[:, :, :, 0] - 123.68
model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train, epochs=1)
"""
    assert check_source(source) == []
