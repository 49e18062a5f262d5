"""Benchmark: the runtime front-ends against ``model.summary()`` on the same model.

Absolute times depend on the machine; the ratio to ``summary()`` (which also
walks every layer, measured in the same process on the same model) says
whether ``inspect()`` is cheap enough to call on every model a script builds.

    python bench/bench_runtime.py [--runs 15]

Cases: ``inspect()`` on a 100-layer functional model and on a small CNN, and
reading a saved ``.keras`` file of the 100-layer model (``facts_from_saved_model``,
which never imports Keras: it only unzips and parses ``config.json``).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras
from keras import layers

from kerascheck.runtime.inspect import inspect
from kerascheck.runtime.saved import facts_from_saved_model


def deep_functional(depth: int = 100) -> keras.Model:
    """``depth`` layers: Dense blocks with a residual Add every fourth layer, softmax head."""
    inputs = keras.Input((64,), name="features")
    x = inputs
    count = 1
    while count < depth - 1:
        y = layers.Dense(64, activation="relu")(x)
        count += 1
        if count % 4 == 0 and count < depth - 1:
            y = layers.Add()([x, y])
            count += 1
        x = y
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name="deep")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def small_cnn() -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Rescaling(1 / 255),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="cnn",
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def median_seconds(action: Callable[[], Any], runs: int) -> float:
    action()  # warm up caches (and Keras's lazy imports)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def summary_of(model: keras.Model) -> Callable[[], Any]:
    def summarise() -> None:
        buffer = io.StringIO()
        model.summary(print_fn=lambda line, *args, **kwargs: buffer.write(line + "\n"))

    return summarise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    deep, cnn = deep_functional(), small_cnn()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / "deep.keras"
        deep.save(saved)
        cases: list[tuple[str, keras.Model, Callable[[], Any]]] = [
            (f"inspect(), {len(deep.layers)}-layer functional", deep, lambda: inspect(deep, select=["ALL"])),
            (f"inspect(), small CNN ({len(cnn.layers)} layers)", cnn, lambda: inspect(cnn, select=["ALL"])),
            (
                f"saved .keras, {len(deep.layers)} layers ({saved.stat().st_size // 1024} KiB)",
                deep,
                lambda: facts_from_saved_model(str(saved)),
            ),
        ]
        for label, model, action in cases:
            ours = median_seconds(action, runs)
            summary = median_seconds(summary_of(model), runs)
            rows.append((label, ours * 1000, summary * 1000, ours / summary))
    width = max(len(row[0]) for row in rows)
    print(f"{'case':<{width}}  {'ours ms':>8}  {'summary ms':>10}  {'ratio':>6}")
    for label, ours_ms, summary_ms, ratio in rows:
        print(f"{label:<{width}}  {ours_ms:8.2f}  {summary_ms:10.2f}  {ratio:5.2f}x")
    print(f"(median of {runs} runs each; keras {keras.__version__}, backend {keras.backend.backend()})")


if __name__ == "__main__":
    main()
