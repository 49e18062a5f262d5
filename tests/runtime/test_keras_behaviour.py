"""What Keras 3 itself does with each mistake, measured: the claims of the rule pages' *Keras's own behaviour*.

Each case builds the mistake with real Keras (TensorFlow backend), compiles
it and fits one epoch on a few samples, recording Python warnings and
exceptions. The outcome and the start of Keras's message must be what
:data:`kerascheck.rule_notes.KERAS_BEHAVIOUR` (and so ``docs/rules.md``) says.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest

from kerascheck.rule_notes import KERAS_BEHAVIOUR

Case = Callable[[], None]


STAGES = {"during fit": "fit", "when the model is built": "build", "when called": "call"}


class Stages:
    """Where a case is (what the rule page's "when" says), and how many warnings had come by then."""

    def __init__(self) -> None:
        self.caught: list[warnings.WarningMessage] = []
        self.entered: list[tuple[str, int]] = [("build", 0)]

    def enter(self, name: str) -> None:
        self.entered.append((name, len(self.caught)))

    @property
    def current(self) -> str:
        return self.entered[-1][0]

    def of_warning(self, index: int) -> str:
        return [name for name, start in self.entered if start <= index][-1]


stages = Stages()


def _cases() -> dict[str, Case]:
    import keras
    from keras import layers

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    one_hot = keras.utils.to_categorical(rng.integers(0, 3, 32), 3)
    integers = rng.integers(0, 3, 32)
    binary = rng.integers(0, 2, (32, 1)).astype("float32")

    def fit(output: list[object], loss: object, y: np.ndarray, inputs: tuple[int, ...] = (4,)) -> None:
        stages.enter("build")
        model = keras.Sequential([keras.Input(inputs), *output])  # type: ignore[list-item]
        model.compile(optimizer="adam", loss=loss)
        stages.enter("fit")
        model.fit(x if inputs == (4,) else np.zeros((32, *inputs), "float32"), y, epochs=1, verbose=0)

    def predict_classes() -> None:
        stages.enter("build")
        model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
        stages.enter("call")
        model.predict_classes(x)  # type: ignore[attr-defined]

    softmax = {"activation": "softmax"}
    return {
        "KC101": lambda: fit([layers.Dense(3)], "categorical_crossentropy", one_hot),
        "KC102": lambda: fit([layers.Dense(1)], "binary_crossentropy", binary),
        "KC103": lambda: fit([layers.Dense(1, activation="sigmoid")], "categorical_crossentropy", binary),
        "KC104": lambda: fit([layers.Dense(1, **softmax)], "binary_crossentropy", binary),
        "KC105": lambda: fit([layers.Dense(2, **softmax)], "binary_crossentropy", np.hstack([binary, 1 - binary])),
        "KC106": lambda: fit([layers.Dense(3, activation="relu")], "categorical_crossentropy", one_hot),
        "KC107": lambda: fit(
            [layers.Dense(3, **softmax)], keras.losses.CategoricalCrossentropy(from_logits=True), one_hot
        ),
        "KC108": lambda: fit([layers.Dense(3, activation="sigmoid")], "categorical_crossentropy", one_hot),
        "KC109": lambda: fit([layers.Dense(3, **softmax)], "mse", one_hot),
        "KC110": lambda: fit([layers.Dense(1, activation="sigmoid")], "hinge", binary),
        "KC207": predict_classes,
        "KC301": lambda: fit([layers.Dense(1, activation="sigmoid")], "binary_crossentropy", one_hot),
        "KC302": lambda: fit([layers.Dense(3, **softmax)], "sparse_categorical_crossentropy", one_hot),
        "KC303": lambda: fit([layers.Dense(3, **softmax)], "categorical_crossentropy", integers),
        "KC304": lambda: fit([layers.Dense(2, **softmax)], "categorical_crossentropy", one_hot),
        "KC401": lambda: fit(
            [layers.Dense(8, **softmax), layers.Dense(3, **softmax)], "categorical_crossentropy", one_hot
        ),
        "KC402": lambda: fit(
            [layers.Dense(3, **softmax), layers.Activation("softmax")], "categorical_crossentropy", one_hot
        ),
        "KC404": lambda: fit([layers.Dense(8), layers.Dense(3, **softmax)], "categorical_crossentropy", one_hot),
        "KC406": lambda: fit(
            [layers.LSTM(8), layers.LSTM(8), layers.Dense(3, **softmax)], "categorical_crossentropy", one_hot, (5, 4)
        ),
    }


def measure(case: Case) -> tuple[str, str, str]:
    """("raises" | "warns" | "silent", Keras's first message, the stage it came in)."""
    global stages
    stages = Stages()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stages.caught = caught
        try:
            case()
        except Exception as error:
            return "raises", str(error), stages.current
    for index, message in enumerate(caught):
        if "keras" in message.filename.replace("\\", "/"):
            return "warns", str(message.message), stages.of_warning(index)
    return "silent", "", ""


def test_every_documented_behaviour_has_a_case() -> None:
    assert set(_cases()) == set(KERAS_BEHAVIOUR)


@pytest.mark.parametrize("code", sorted(KERAS_BEHAVIOUR))
def test_keras_behaves_as_the_rule_page_says(code: str) -> None:
    import keras

    assert keras.__version__.startswith("3."), keras.__version__
    assert keras.backend.backend() == "tensorflow"
    expected = KERAS_BEHAVIOUR[code]
    outcome, message, stage = measure(_cases()[code])
    assert outcome == expected.outcome, f"{code}: Keras now {outcome}: {message[:200]}"
    assert expected.message in message.lstrip('"'), f"{code}: Keras says {message[:200]!r}"
    if outcome != "silent":
        assert stage == STAGES[expected.when], f"{code}: Keras {outcome} at {stage}, the page says {expected.when}"
