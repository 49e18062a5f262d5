"""``kerascheck --model package.module:factory``: build a model with the user's code, then inspect it.

This is the one path that executes user code, and only because the user
named it: the module is imported (with the current directory on
``sys.path``, as ``python -m`` would) and the factory called with no
arguments. It may return a model, or ``(model, x, y)`` to check the data
too. Anything that goes wrong is a :class:`FactoryError` with a one-line
message; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kerascheck import engine
from kerascheck.diagnostics import Diagnostic
from kerascheck.runtime.inspect import inspect_with
from kerascheck.runtime.model import is_keras_model

_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


class FactoryError(Exception):
    """The factory could not be imported, called, or did not return a Keras model."""


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def parse_spec(spec: str) -> tuple[str, str]:
    """``"package.module:factory"`` -> (module, attribute path)."""
    module, colon, attribute = spec.strip().partition(":")
    if not colon or not _DOTTED.match(module) or not _DOTTED.match(attribute):
        raise FactoryError(f"--model expects package.module:factory, got {spec!r}")
    return module, attribute


@contextmanager
def _cwd_on_path() -> Iterator[None]:
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        yield
    finally:
        if added and cwd in sys.path:
            sys.path.remove(cwd)


def load_factory(spec: str) -> Callable[[], Any]:
    """Import the module and find the factory callable."""
    module_name, attribute = parse_spec(spec)
    try:
        target: Any = importlib.import_module(module_name)
    except (Exception, SystemExit) as error:
        raise FactoryError(f"cannot import {module_name!r}: {_one_line(error)}") from error
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError as error:
            raise FactoryError(f"{module_name!r} has no attribute {attribute!r}") from error
    if not callable(target):
        raise FactoryError(f"{spec} is not callable (it is a {type(target).__name__})")
    return target  # type: ignore[no-any-return]


def build_from_factory(spec: str) -> tuple[Any, Any, Any]:
    """(model, x, y) from the factory; ``x``/``y`` are None unless it returned them."""
    # TensorFlow's C++ start-up chatter (oneDNN, CPU features) is noise in a linter's output;
    # a level the user set explicitly is kept.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _cwd_on_path():
        factory = load_factory(spec)
        try:
            result = factory()
        except (Exception, SystemExit) as error:
            raise FactoryError(f"{spec}() raised {_one_line(error)}") from error
    x = y = None
    if isinstance(result, (tuple, list)) and result and is_keras_model(result[0]) and len(result) <= 3:
        result, x, y = (*result, None, None)[:3]
    if not is_keras_model(result):
        raise FactoryError(f"{spec}() returned a {type(result).__name__}, not a Keras model")
    return result, x, y


def check_factory(spec: str, selection: engine.Selection = engine.DEFAULT_SELECTION) -> list[Diagnostic]:
    """Diagnostics for the model a factory builds (filename ``<model NAME>``)."""
    model, x, y = build_from_factory(spec)
    return inspect_with(model, x, y, selection=selection)
