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
