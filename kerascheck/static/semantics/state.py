"""What one run of the interpreter has built so far, shared by every handler.

The models of the program (in creation order: a model's ``index`` is its key
in the facts), the evaluation facts recorded along the way (argmax over
predictions, scikit-learn metric calls, removed APIs, preprocessing leaks) and
the branch depth, so that a handler can tell a model changed inside an ``if``
from one changed unconditionally.
"""

from __future__ import annotations

import itertools

from kerascheck import facts as kf
from kerascheck.static.values import ModelObj


class ProgramState:
    """Mutable state of one interpretation; handlers reach it through their context."""

    def __init__(self) -> None:
        self.models: list[ModelObj] = []
        self.conditional = 0  # how many branches (if/loop/try) enclose the current statement
        self.width_guarded = 0  # how many enclosing `if`s test an output's width (`output_shape[-1] > 1`)
        self.argmaxes: list[kf.Argmax] = []
        self.metric_calls: list[kf.MetricCall] = []
        self.removed_calls: list[kf.RemovedApiCall] = []
        self.preprocessing_fits: list[kf.PreprocessingFit] = []
        self.splits: list[kf.DataSplit] = []
        # Shape inference: layers Keras could not build (once per place), and the input width
        # each Dense layer object was first called on (a second width is a conflict).
        self.shape_conflicts: list[kf.ShapeConflict] = []
        self.conflict_places: set[int] = set()
        self.dense_widths: dict[str, int] = {}
        self._instances = itertools.count(1)
        self._layers = itertools.count(1)

    def register(self, model: ModelObj) -> ModelObj:
        """Give a new model its stable key and remember where (which branch depth) it was made."""
        model.index = len(self.models)
        model.level = self.conditional
        self.models.append(model)
        return model

    def changed_conditionally(self, model: ModelObj) -> bool:
        """Whether a change to ``model`` now happens inside a branch it was not created in."""
        return self.conditional > model.level

    def layer_key(self) -> str:
        """A key naming the next layer built ("L1", "L2", ...: creation order in this program)."""
        return f"L{next(self._layers)}"

    def next_instance(self) -> int:
        """A fresh number telling two estimators of the same kind apart."""
        return next(self._instances)
