# A CNN for MNIST pieced together from older tutorials. Three problems: the pixels are
# never scaled, the labels stay integers under categorical cross-entropy, and
# predict_classes() no longer exists in Keras.
import matplotlib.pyplot as plt
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 28, 28, 1).astype("float32")
x_test = x_test.reshape(-1, 28, 28, 1).astype("float32")

model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, (3, 3), activation="relu"),
    layers.MaxPooling2D((2, 2)),
    layers.Conv2D(64, (3, 3), activation="relu"),
    layers.MaxPooling2D((2, 2)),
    layers.Flatten(),
    layers.Dense(128, activation="relu"),
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])

history = model.fit(
    x_train,  # expect: KC307
    y_train,  # expect: KC303
    batch_size=128,
    epochs=10,
    validation_data=(x_test, y_test),
)

plt.plot(history.history["loss"], label="train loss")
plt.plot(history.history["val_loss"], label="validation loss")
plt.legend()
plt.savefig("mnist_loss.png")

predicted = model.predict_classes(x_test[:25])  # expect: KC207
print("predicted:", predicted)
print("actual:   ", y_test[:25])
print("errors in the first 25:", int(np.sum(predicted != y_test[:25])))
