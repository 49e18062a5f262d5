# IMDB movie-review sentiment with an embedding + bidirectional LSTM. This one is
# correct: one sigmoid unit, binary cross-entropy, thresholded predictions, ROC AUC on probabilities.
import numpy as np
from sklearn.metrics import classification_report, roc_auc_score
from tensorflow import keras
from tensorflow.keras import layers

VOCAB_SIZE = 20000
MAXLEN = 200

(x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=VOCAB_SIZE)
x_train = keras.utils.pad_sequences(x_train, maxlen=MAXLEN)
x_test = keras.utils.pad_sequences(x_test, maxlen=MAXLEN)

model = keras.Sequential([
    keras.Input(shape=(MAXLEN,), dtype="int32"),
    layers.Embedding(VOCAB_SIZE, 128),
    layers.Bidirectional(layers.LSTM(64, return_sequences=True)),
    layers.Bidirectional(layers.LSTM(32)),
    layers.Dense(64, activation="relu"),
    layers.Dropout(0.5),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(
    optimizer="adam",
    loss="binary_crossentropy",
    metrics=["accuracy", keras.metrics.AUC(name="auc")],
)
early_stop = keras.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=2, restore_best_weights=True)
model.fit(
    x_train,
    y_train,
    batch_size=64,
    epochs=10,
    validation_split=0.2,
    callbacks=[early_stop],
)

probs = model.predict(x_test).ravel()
labels = (probs > 0.5).astype(int)
print("ROC AUC:", roc_auc_score(y_test, probs))
print(classification_report(y_test, labels, target_names=["negative", "positive"]))
print("share predicted positive:", np.mean(labels))
