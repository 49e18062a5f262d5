"""The arguments a live model was compiled with, in Keras's serialized shape.

Keras's own ``get_compile_config()`` warns on lambdas and can fail on odd
objects; describing the raw arguments here keeps the real module of every
function (so a user's ``my_loss`` or ``binary_crossentropy`` is not mistaken
for Keras's) and hands :mod:`kerascheck.runtime.serialized` the same shape a
saved model has.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any


def compile_config_of(model: Any) -> tuple[bool, dict[str, Any] | None]:
    """(compiled?, the compile arguments in serialized form) without Keras's own serializer.

    Keras's ``get_compile_config()`` warns on lambdas and can fail on odd
    objects; describing the raw arguments ourselves keeps the real module of
    each function (so a user's ``my_loss`` is not mistaken for Keras's).
    """
    compiled = bool(getattr(model, "compiled", False) or getattr(model, "_is_compiled", False))
    raw = getattr(getattr(model, "_compile_config", None), "config", None)
    if not isinstance(raw, Mapping):
        if not compiled:
            return False, None
        metrics_container = getattr(model, "compiled_metrics", None)
        raw = {
            "loss": getattr(model, "loss", None),
            "metrics": getattr(metrics_container, "_user_metrics", None),
            "weighted_metrics": getattr(metrics_container, "_user_weighted_metrics", None),
        }
    described = {key: describe(raw.get(key)) for key in ("loss", "metrics", "weighted_metrics")}
    return True, described


def describe(value: Any, depth: int = 0) -> Any:
    """A live compile argument in Keras's serialized shape, read by :mod:`.serialized`."""
    if depth > 8 or value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {str(key): describe(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [describe(item, depth + 1) for item in value]
    cls = type(value)
    get_config = getattr(value, "get_config", None)
    if get_config is None and callable(value):
        return {
            "class_name": "function",
            "config": getattr(value, "__name__", None),
            "module": getattr(value, "__module__", None),
        }
    config: Any = {}
    if callable(get_config):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                config = get_config()
        except Exception:
            config = {}
    return {
        "class_name": cls.__name__,
        "module": cls.__module__,
        "config": config if isinstance(config, Mapping) else {},
    }
