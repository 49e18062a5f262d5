"""Judgements about the data a ``fit`` or a metric call was given, shared by several rules.

The front-ends describe (``facts.ArrayInfo``: split side, identity, order,
transforms; ``facts.Operand``); the decisions made from those descriptions
("this trains on the test set", "this is an autoencoder") are written once,
here, and read by the rules.
"""

from __future__ import annotations

import re

from kerascheck.facts import ArrayInfo, Fit, LabelEncoding, Operand, Split

_TEST_NAME = re.compile(r"(?:^|_)(?:test|testing)(?:$|_)", re.I)
_TRAIN_NAME = re.compile(r"train", re.I)


def test_like(name: str | None) -> bool:
    """``x_test``, ``test_images``: a variable named as the test set (not ``x_train_test``)."""
    return bool(name and _TEST_NAME.search(name) and not _TRAIN_NAME.search(name))


def is_test_data(array: ArrayInfo | None) -> bool:
    """The test side of a split (or a test subset), or a variable named as the test set."""
    return array is not None and (array.split is Split.TEST or test_like(array.name))


def trains_on_test(fit: Fit) -> bool:
    return is_test_data(fit.x) or is_test_data(fit.y)


def same_array(first: ArrayInfo | None, second: ArrayInfo | None) -> bool:
    """The same variable, or the same tracked array object, in two places of one call."""
    if first is None or second is None:
        return False
    if first.name is not None and first.name == second.name:
        return True
    return first.identity is not None and first.identity == second.identity


def validates_on_training(fit: Fit) -> bool:
    """``validation_data`` holds the very arrays ``fit`` trains on."""
    x, validation = fit.x, fit.validation_x
    if x is None or validation is None:
        return False
    if x.name is not None and x.name == validation.name:
        return True
    return x.identity is not None and x.identity == validation.identity and x.split is not Split.TEST


def validation_cut_from_training(fit: Fit) -> bool:
    """``validation_data`` whose inputs are a slice of the very array ``fit`` still trains on."""
    return fit.validation_x is not None and fit.validation_x.cut_from == "x"


def ordered_validation_split(fit: Fit) -> bool:
    """``validation_split`` (which takes the last rows) over arrays in class order."""
    holds_out = fit.validation_split is not None and fit.validation_split > 0
    return holds_out and any(array is not None and array.ordered for array in (fit.x, fit.y))


def reconstructs(fit: Fit) -> bool:
    """Trained to reproduce its input: ``fit(x, x)``."""
    return same_array(fit.x, fit.y)


def raw_predictions(operand: Operand | None) -> bool:
    """``model.predict(...)`` scores that were never turned into labels."""
    return operand is not None and operand.predictions_of is not None and not operand.processed


def one_hot(operand: Operand | None) -> bool:
    labels = operand.labels if operand is not None else None
    return labels is not None and labels.encoding is LabelEncoding.ONE_HOT
