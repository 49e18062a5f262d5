# Article tagging where each article can carry several tags (multi-label). Correct:
# multi-hot labels from MultiLabelBinarizer, one sigmoid per tag, binary cross-entropy.
import numpy as np
import pandas as pd
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MultiLabelBinarizer
from tensorflow import keras
from tensorflow.keras import layers

articles = pd.read_csv("articles.csv")
articles["tag_list"] = articles["tags"].fillna("").str.split(",")

train_df, test_df = train_test_split(articles, test_size=0.2, random_state=1)
mlb = MultiLabelBinarizer()
y_train = mlb.fit_transform(train_df["tag_list"]).astype("float32")
y_test = mlb.transform(test_df["tag_list"]).astype("float32")
n_tags = len(mlb.classes_)

vectorize = layers.TextVectorization(max_tokens=25000, output_sequence_length=300)
vectorize.adapt(train_df["body"].to_numpy())
x_train = vectorize(train_df["body"].to_numpy())
x_test = vectorize(test_df["body"].to_numpy())

inputs = keras.Input(shape=(300,), dtype="int64")
x = layers.Embedding(25000, 128)(inputs)
x = layers.Conv1D(128, 5, activation="relu")(x)
x = layers.GlobalMaxPooling1D()(x)
x = layers.Dense(128, activation="relu")(x)
x = layers.Dropout(0.4)(x)
outputs = layers.Dense(n_tags, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)

model.compile(
    optimizer="adam",
    loss="binary_crossentropy",
    metrics=[keras.metrics.Precision(name="precision"), keras.metrics.Recall(name="recall")],
)
model.fit(x_train, y_train, epochs=8, batch_size=32, validation_data=(x_test, y_test))

y_pred = (model.predict(x_test) > 0.5).astype(int)
print(classification_report(y_test, y_pred, target_names=mlb.classes_, zero_division=0))
print("average tags per article:", float(np.mean(y_pred.sum(axis=1))))
