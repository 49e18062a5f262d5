# kerascheck-test: select=ALL
# Credit-card fraud detection (492 frauds in 284,807 transactions). The model "reaches
# 99.8 % accuracy", yet it catches almost no fraud: accuracy is the only metric.
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from tensorflow import keras

df = pd.read_csv("creditcard.csv")
df["Amount"] = StandardScaler().fit_transform(df[["Amount"]])  # expect: KC306
df = df.drop(columns=["Time"])

X = df.drop(columns=["Class"]).to_numpy(dtype="float32")
y = df["Class"].to_numpy(dtype="float32")
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)

# roughly 1 fraud per 578 transactions
class_weight = {0: 1.0, 1: 578.0}

model = keras.Sequential([
    keras.Input(shape=(X.shape[1],)),
    keras.layers.Dense(32, activation="relu"),
    keras.layers.Dropout(0.2),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])  # expect: KC201
model.fit(
    X_train,
    y_train,  # expect: KC202
    epochs=10,
    batch_size=2048,
    class_weight=class_weight,
    validation_data=(X_test, y_test),
)

loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"test accuracy: {accuracy:.4f}")
flagged = (model.predict(X_test).ravel() > 0.5).astype(int)
print("transactions flagged as fraud:", int(flagged.sum()), "of", len(flagged))
