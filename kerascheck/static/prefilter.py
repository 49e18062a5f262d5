"""Which files can contribute a finding, decided before the (expensive) libcst parse.

A finding needs a model that is built, compiled, trained, evaluated or used
for predictions in the file (directly, or through a factory imported from a
project module), or a data split. A file that does none of these, such as a
module of layer helpers or a library's own source, is not parsed when it is
linted; if another file imports it, the project analysis parses it then, on
demand (static/project.py).

Three steps, each cheaper than the next:

1. text: the file names keras/tensorflow, or imports one of the project's own
   modules that does (a training script that only calls ``build_model()``);
2. text: a model-building or model-using call appears somewhere
   (``Sequential(``, ``.compile(``, ``.fit(``, ``load_model(``, a ``Model``
   subclass, ``train_test_split``);
3. for larger files only (where docstrings full of examples are common, and
   the parse would be expensive): the stdlib ``ast`` confirms such a call is
   code, not an example inside a docstring or comment. ``self.fit(...)``
   inside a class is a library implementing ``fit``, not a program calling it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from kerascheck.static.source import mentions_keras

_CONSTRUCTORS = frozenset({"Sequential", "Model", "Functional", "load_model", "train_test_split"})
_USES = frozenset(
    {
        "compile",
        "fit",
        "fit_generator",
        "evaluate",
        "evaluate_generator",
        "train_on_batch",
        "test_on_batch",
        "predict",
        "predict_on_batch",
        "predict_generator",
        "predict_classes",
        "predict_proba",
    }
)
_SIGNAL = re.compile(
    r"\b(?:Sequential|Model|Functional|load_model|train_test_split)\s*\("
    r"|\.(?:" + "|".join(sorted(_USES)) + r")\s*\("
    r"|^\s*class\s+\w+\s*\([^)]*Model\b",
    re.M,
)
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import\b|import[ \t]+([\w.]+))", re.M)
CONFIRM_ABOVE_BYTES = 8_000  # smaller files are parsed on the text signal alone


def has_model_signal(text: str) -> bool:
    """Step 2 (and 3 for large files): a call that builds, compiles, trains or uses a model."""
    if _SIGNAL.search(text) is None:
        return False
    if len(text) <= CONFIRM_ABOVE_BYTES:
        return True
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True  # let the real parse report it (KC001)
    return _code_signal(tree)


def _code_signal(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _CONSTRUCTORS:
                return True
            if isinstance(func, ast.Attribute):
                if func.attr in _CONSTRUCTORS:
                    return True
                if func.attr in _USES and not (isinstance(func.value, ast.Name) and func.value.id in ("self", "cls")):
                    return True
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else ""
                if name.endswith("Model"):
                    return True
    return False


def imported_modules(text: str) -> list[tuple[str, int]]:
    """(module, relative level) of every import statement, by a cheap line scan."""
    found: list[tuple[str, int]] = []
    for match in _IMPORT.finditer(text):
        spec = match.group(1) if match.group(1) is not None else match.group(2)
        level = len(spec) - len(spec.lstrip("."))
        found.append((spec[level:], level))
    return found


def may_contribute(text: str, imports_keras_module: Callable[[str], bool] | None = None) -> bool:
    """Whether parsing ``text`` can produce a finding (``imports_keras_module`` asks the project)."""
    if mentions_keras(text):
        return has_model_signal(text)
    if imports_keras_module is None or _SIGNAL.search(text) is None:
        return False
    return imports_keras_module(text) and has_model_signal(text)
