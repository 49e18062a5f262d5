"""Shapes: the one place that knows how Keras layers and losses treat shapes.

Shared by every front-end the way :mod:`kerascheck.layer_facts` is shared for
parameters: the static front-end propagates shapes from declared inputs
through the layers it reads from source, the runtime front-end reads the
same layer parameters from configs, and the rules compare what data and
labels look like against what the model expects, with the loss rules Keras 3
applies.

* :mod:`~kerascheck.shapes.geometry` reads a layer's shape parameters
  (kernel, strides, padding, data format, ...) into a
  :class:`~kerascheck.facts.Geometry`;
* :mod:`~kerascheck.shapes.layers` computes a layer's output shape from its
  geometry and input shapes, and says when Keras could not build it;
* :mod:`~kerascheck.shapes.keras_rules` says which data and label shapes Keras
  accepts, squeezes, broadcasts or rejects.

Shapes are per sample (the batch axis kept apart) with ``None`` for an unknown
dimension; unknown stays unknown and never produces a finding.
"""

from __future__ import annotations

from kerascheck.facts import Shape

__all__ = ["Shape", "describe"]


def describe(shape: Shape, *, batch: bool = True) -> str:
    """A shape as Keras prints it, with the batch axis: ``(None, 28, 28, 1)``."""
    dims = [("None" if d is None else str(d)) for d in shape]
    if batch:
        dims.insert(0, "None")
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
