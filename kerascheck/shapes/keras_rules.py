"""What Keras 3 does with data and labels of a given shape: accept, broadcast or reject.

Written from Keras 3's own code and proved case by case against real Keras in
``tests/runtime/test_shape_semantics.py``:

* inputs (``Functional._adjust_input_rank`` and the model's ``InputSpec`` with
  ``allow_last_axis_squeeze``): the data's per-sample shape must equal the
  declared one, except that a trailing axis of size 1 may be added or removed;
* labels (``LossFunctionWrapper.call`` -> ``squeeze_or_expand_to_same_rank``,
  then the loss): cross-entropies check shapes and raise at the first batch;
  sparse cross-entropy squeezes a trailing 1 and needs the labels to be the
  output's shape without its last axis; regression and hinge losses work
  element by element and *broadcast*, so labels of another shape train
  silently on a meaningless target.

Shapes here include the batch axis as :data:`BATCH` so the alignment of
broadcasting is Keras's; per-sample shapes are turned into full ones with
:func:`batched`.
"""

from __future__ import annotations

from collections.abc import Sequence

from kerascheck import vocabulary as kv
from kerascheck.facts import Shape

ACCEPTED = "accepted"  # Keras uses the labels as they are meant
BROADCAST = "broadcast"  # Keras trains without complaint on broadcast labels: a silent mistake
REJECTED = "rejected"  # Keras raises when the first batch reaches the loss (or the model)

BATCH = "batch"
Full = tuple[int | str | None, ...]

_ELEMENTWISE_LOSSES = kv.REGRESSION_LOSSES | kv.HINGE_LOSSES


def batched(shape: Shape) -> Full:
    """A per-sample shape with the batch axis in front."""
    return (BATCH, *shape)


def _compatible(first: Sequence[int | str | None], second: Sequence[int | str | None]) -> bool | None:
    """Whether data of shape ``first`` fits the declared shape ``second``.

    Same rank, and every dimension equal; a ``None`` in ``second`` is a free
    dimension (variable length) that takes anything, a ``None`` in ``first``
    is a size we do not know, so it makes the answer unknown.
    """
    if len(first) != len(second):
        return False
    unknown = False
    for a, b in zip(first, second, strict=True):
        if b is None:
            continue
        if a is None:
            unknown = True
        elif a != b:
            return False
    return None if unknown else True


def input_fit(data: Shape, expected: Shape) -> str | None:
    """Whether Keras accepts data of per-sample shape ``data`` for an input declared ``expected``.

    ``None``: it depends on a dimension we do not know.
    """
    candidates: list[tuple[Shape, Shape]] = [(data, expected)]
    if len(data) == len(expected) + 1 and data and data[-1] == 1:
        candidates.append((data[:-1], expected))
    if len(data) + 1 == len(expected) and expected and expected[-1] == 1:
        candidates.append((data, expected[:-1]))
    if len(data) == len(expected) + 1 and data and data[-1] is None:
        return None
    verdicts = [_compatible(a, b) for a, b in candidates]
    if any(v is True for v in verdicts):
        return ACCEPTED
    if any(v is None for v in verdicts):
        return None
    return REJECTED


def _squeeze_or_expand(y: Full, p: Full) -> tuple[Full, Full] | None:
    """Keras's ``squeeze_or_expand_to_same_rank(y_true, y_pred)``; None when it depends on unknowns."""
    if len(y) == len(p):
        return y, p
    if len(y) == len(p) + 1:
        if y[-1] is None:
            return None
        if y[-1] == 1:
            return (y, (*p, 1)) if len(p) == 1 else (y[:-1], p)
    if len(p) == len(y) + 1:
        if p[-1] is None:
            return None
        if p[-1] == 1:
            return ((*y, 1), p) if len(y) == 1 else (y, p[:-1])
    return y, p


def _broadcast(y: Full, p: Full) -> Full | None:
    """numpy broadcasting of two shapes; None if they cannot broadcast (or unknowns decide it)."""
    result: list[int | str | None] = []
    for index in range(1, max(len(y), len(p)) + 1):
        a = y[-index] if index <= len(y) else 1
        b = p[-index] if index <= len(p) else 1
        if a is None or b is None:
            if a == 1 or b == 1 or a == b:
                result.append(None)
                continue
            return None
        if a == b or b == 1:
            result.append(a)
        elif a == 1:
            result.append(b)
        else:
            return None
    return tuple(reversed(result))


def label_fit(loss: str | None, labels: Full, output: Full) -> str | None:
    """What Keras does with labels of shape ``labels`` for an output of shape ``output``.

    ``None`` when the loss is not one whose shape rules are known here or an
    unknown dimension decides it.
    """
    if loss is None:
        return None
    adjusted = _squeeze_or_expand(labels, output)
    if adjusted is None:
        return None
    y, p = adjusted
    if loss in kv.SPARSE_CE:
        if len(y) == len(p) and y and y[-1] == 1:
            y = y[:-1]
        verdict = _compatible(y, p[:-1])
        return None if verdict is None else ACCEPTED if verdict else REJECTED
    if loss in kv.CATEGORICAL_CE or loss in kv.BINARY_CE:
        verdict = _compatible(y, p)
        return None if verdict is None else ACCEPTED if verdict else REJECTED
    if loss in _ELEMENTWISE_LOSSES:
        # The loss function squeezes/expands once more, then subtracts element by element.
        again = _squeeze_or_expand(y, p)
        if again is None:
            return None
        y, p = again
        if _compatible(y, p) is True:
            return ACCEPTED
        if any(d is None for d in (*y, *p)):
            return None
        shape = _broadcast(y, p)
        if shape is None:
            return REJECTED
        return ACCEPTED if shape == p and shape == y else BROADCAST
    return None
