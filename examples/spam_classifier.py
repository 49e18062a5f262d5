# SMS spam filter on TF-IDF features. The author one-hot encoded the labels, used a
# 2-unit softmax with binary cross-entropy, and wonders why precision == recall == accuracy.
import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split
from tensorflow import keras

sms = pd.read_csv("spam.csv", encoding="latin-1")[["v1", "v2"]]
sms.columns = ["label", "text"]
sms["is_spam"] = (sms["label"] == "spam").astype(int)

text_train, text_test, label_train, label_test = train_test_split(
    sms["text"], sms["is_spam"].values, test_size=0.2, random_state=42, stratify=sms["is_spam"]
)

vectorizer = TfidfVectorizer(max_features=5000, ngram_range=(1, 2), stop_words="english")
x_train = vectorizer.fit_transform(text_train).toarray()
x_test = vectorizer.transform(text_test).toarray()
y_train = keras.utils.to_categorical(label_train, 2)
y_test = keras.utils.to_categorical(label_test, 2)

model = keras.Sequential([
    keras.Input(shape=(x_train.shape[1],)),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dropout(0.5),
    keras.layers.Dense(2, activation="softmax"),  # expect: KC105
])
model.compile(
    optimizer="adam",
    loss="binary_crossentropy",
    metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()],  # expect: KC203
)
model.fit(x_train, y_train, epochs=5, batch_size=32, validation_data=(x_test, y_test))

results = model.evaluate(x_test, y_test, return_dict=True)
print(results)

predicted = np.argmax(model.predict(x_test), axis=1)
print(classification_report(label_test, predicted, target_names=["ham", "spam"]))
