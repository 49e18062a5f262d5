"""What rule pages say beyond the rule's docstring: *Known problems* and *Keras's own behaviour*.

Both are claims a test checks, so the pages cannot drift from the truth:

- each known problem carries a program the rule misses although it should;
  ``tests/test_rule_notes.py`` asserts the miss (when a rule learns the case,
  the test fails and the note must go);
- each Keras behaviour is what Keras 3 on the TensorFlow backend does with
  the rule's mistake (warns and trains, raises, or trains silently), re-measured
  by ``tests/runtime/test_keras_behaviour.py`` with real Keras on every CI run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["warns", "raises", "silent"]


@dataclass(frozen=True)
class KerasBehaviour:
    """What Keras does with the mistake: ``message`` is the start of its warning or error."""

    outcome: Outcome
    when: str = "during fit"
    message: str = ""
    tensorflow_only: bool = False  # the warning lives in Keras's TensorFlow backend, not in JAX's or PyTorch's


@dataclass(frozen=True)
class KnownProblem:
    """A limitation, and a program showing it (the rule stays silent on it)."""

    text: str
    missed: str


_SILENT = KerasBehaviour("silent")

KERAS_BEHAVIOUR: dict[str, KerasBehaviour] = {
    "KC101": _SILENT,
    "KC102": _SILENT,
    "KC103": KerasBehaviour(
        "warns", message="In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes)"
    ),
    "KC104": KerasBehaviour("warns", message="You are using a softmax over axis -1 of a tensor of shape"),
    "KC105": _SILENT,
    "KC106": _SILENT,
    "KC107": KerasBehaviour(
        "warns",
        message="`categorical_crossentropy` received `from_logits=True`, but the `output` argument",
        tensorflow_only=True,
    ),
    "KC108": _SILENT,
    "KC109": _SILENT,
    "KC110": _SILENT,
    "KC207": KerasBehaviour("raises", when="when called", message="'Sequential' object has no attribute"),
    "KC301": KerasBehaviour("raises", message="Arguments `target` and `output` must have the same shape"),
    "KC302": KerasBehaviour("raises", message="Argument `output` must have rank (ndim) `target.ndim - 1`"),
    "KC303": KerasBehaviour("raises", message="Arguments `target` and `output` must have the same rank"),
    "KC304": KerasBehaviour("raises", message="Arguments `target` and `output` must have the same shape"),
    "KC401": _SILENT,
    "KC402": _SILENT,
    "KC404": _SILENT,
    "KC406": KerasBehaviour("raises", when="when the model is built", message="Input 0 with name"),
}

_HEAD = "import keras\nfrom keras import layers\n\n"

KNOWN_PROBLEMS: dict[str, tuple[KnownProblem, ...]] = {
    "KC101": (
        KnownProblem(
            "A softmax applied by something kerascheck cannot read (a custom layer, a `Lambda`) counts as "
            "unknown, so an output whose activation is hidden that way is not checked.",
            _HEAD + "model = keras.Sequential([keras.Input((4,)), layers.Dense(3), MyLayer()])\n"
            'model.compile(optimizer="adam", loss="categorical_crossentropy")\n',
        ),
    ),
    "KC107": (
        KnownProblem(
            "A custom loss function that calls a Keras loss with `from_logits=True` inside is not looked into.",
            _HEAD + "def loss(y_true, y_pred):\n"
            "    return keras.losses.categorical_crossentropy(y_true, y_pred, from_logits=True)\n\n"
            'model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])\n'
            'model.compile(optimizer="adam", loss=loss)\n',
        ),
    ),
}

# What every static check shares, said once on each page that has model facts.
STATIC_LIMITS = (
    "Like every kerascheck rule, it reads the code without running it: a value it cannot follow "
    "(read from a file or a hyper-parameter search, built by a function in a module it does not "
    "see) is unknown, and the rule stays silent rather than guess. `kerascheck --model module:factory` "
    "or `kerascheck.inspect(model)` checks the built model instead."
)


def keras_behaviour_text(behaviour: KerasBehaviour) -> str:
    """One paragraph for the page."""
    if behaviour.outcome == "silent":
        return "Keras 3 trains without a warning or an error: nothing but this rule points at the mistake."
    if behaviour.outcome == "warns":
        backend = (
            " Only the TensorFlow backend warns; on JAX and PyTorch Keras trains without a word."
            if behaviour.tensorflow_only
            else ""
        )
        return (
            f'Keras 3 warns {behaviour.when} ("{behaviour.message}...") and trains anyway; the warning is easy '
            f"to miss among the training logs. This rule reports it before anything runs.{backend}"
        )
    return (
        f'Keras 3 raises {behaviour.when} ("{behaviour.message}..."), after data loading and model building; '
        "this rule reports it before anything runs, at the line that causes it."
    )
