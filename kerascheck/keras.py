"""Keras integration: ``from kerascheck.keras import KerasCheckCallback``.

This module imports Keras (the callback subclasses ``keras.callbacks.Callback``);
``import kerascheck`` itself never does, so the linter stays light.
"""

from __future__ import annotations

from kerascheck.runtime.callback import KerasCheckCallback, KerasCheckError, KerasCheckWarning

__all__ = ["KerasCheckCallback", "KerasCheckError", "KerasCheckWarning"]
