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
   subclass, ``train_test_split``), or a functional graph starts (``Input(``:
   its shapes are checked without a model);
3. for larger files only (where docstrings full of examples are common, and
   the parse would be expensive): the stdlib ``ast`` confirms such a call is
   code, not an example inside a docstring or comment. ``self.fit(...)``
   inside a class is a library implementing ``fit``, not a program calling it.

The same ``ast`` tree then *prunes* a large file for linting (:func:`prune`):
a function or method with no such call that no kept code refers to by name is
replaced by ``pass`` and blank lines, so libcst parses only what can matter
while every kept line keeps its number and columns. The fixer and the
language server never prune (they need the whole tree to edit it).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from kerascheck.static.source import mentions_keras

# ``Input``: a functional graph's shapes are checked from its input on, model or not (KC6xx).
_CONSTRUCTORS = frozenset({"Sequential", "Model", "Functional", "Input", "load_model", "train_test_split"})
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
    r"\b(?:Sequential|Model|Functional|Input|load_model|train_test_split)\s*\("
    r"|\.(?:" + "|".join(sorted(_USES)) + r")\s*\("
    r"|^\s*class\s+\w+\s*\([^)]*Model\b",
    re.M,
)
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import\b|import[ \t]+([\w.]+))", re.M)
CONFIRM_ABOVE_BYTES = 8_000  # smaller files are parsed on the text signal alone


def has_model_signal(text: str) -> bool:
    """Step 2 (and 3 for large files): a call that builds, compiles, trains or uses a model."""
    return plan(text) is not None


def plan(text: str, *, pruning: bool = False) -> str | None:
    """None if ``text`` cannot contribute; else the text to parse (pruned if asked and worth it)."""
    if _SIGNAL.search(text) is None:
        return None
    if len(text) <= CONFIRM_ABOVE_BYTES:
        return text
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text  # let the real parse report it (KC001)
    if not _code_signal(tree):
        return None
    return prune(text, tree) if pruning else text


def prune(text: str, tree: ast.Module) -> str:
    """``text`` with the functions and methods that cannot matter blanked out (same line numbers).

    Kept: every module-level statement that is not a definition, every
    function or method with a model-building or model-using call, every
    ``Model`` subclass whole, and (transitively) every definition whose name
    kept code mentions, as a name or an attribute (``self._block(x)``), or
    that mentions a kept definition's name (it calls it with its arguments).

    Mentions and calls are read from each definition's source lines by regular
    expression (words in its strings count too): an over-approximation, so a
    definition may be kept that need not be, never dropped that matters.
    """
    lines = _LINE.findall(text)
    candidates: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    others: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            candidates.append(node)
        elif isinstance(node, ast.ClassDef) and not _is_model_class(node):
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    candidates.append(member)
                else:
                    others.append(member)
            others.extend((*node.bases, *node.decorator_list))  # type: ignore[arg-type]
        else:
            others.append(node)
    mentioned: set[str] = set()
    for node in others:
        mentioned.update(_WORD.findall(_segment(lines, node)))
    segments = {id(d): _segment(lines, d) for d in candidates}
    names = {id(d): set(_WORD.findall(segments[id(d)])) for d in candidates}
    kept = {id(d) for d in candidates if _SIGNAL.search(segments[id(d)]) is not None}
    pending = [d for d in candidates if id(d) in kept]
    while pending:
        current = pending.pop()
        mentioned |= names[id(current)]
        for definition in candidates:
            if id(definition) in kept:
                continue
            if definition.name in mentioned or current.name in names[id(definition)]:
                kept.add(id(definition))
                pending.append(definition)
    dropped = [d for d in candidates if id(d) not in kept]
    if not dropped:
        return text
    for definition in dropped:
        first = min([definition.lineno, *(d.lineno for d in definition.decorator_list)])
        last = definition.end_lineno or definition.lineno
        column = min([definition.col_offset, *(d.col_offset - 1 for d in definition.decorator_list)])
        if not _owns_lines(lines, first, last, column, definition.end_col_offset):
            continue
        head = lines[first - 1]
        lines[first - 1] = head[: len(head) - len(head.lstrip(" \t"))] + "pass" + _ending(head)
        for index in range(first, last):
            lines[index] = _ending(lines[index])
    return "".join(lines)


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _segment(lines: list[str], node: ast.AST) -> str:
    """A node's source lines, without its docstring (where keras's own examples live)."""
    first = getattr(node, "lineno", 1)
    decorators = getattr(node, "decorator_list", ())
    first = min([first, *(d.lineno for d in decorators)])
    last = getattr(node, "end_lineno", None) or first
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and _is_docstring(body[0]):
        doc = body[0]
        return "".join(lines[first - 1 : doc.lineno - 1] + lines[(doc.end_lineno or doc.lineno) : last])
    return "".join(lines[first - 1 : last])


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _owns_lines(lines: list[str], first: int, last: int, column: int, end_column: int | None) -> bool:
    """Whether a definition has its lines to itself (no code before it or after it on them)."""
    if last > len(lines) or end_column is None or column < 0:
        return False
    before = lines[first - 1].encode("utf-8")[:column].decode("utf-8", "replace")
    after = lines[last - 1].encode("utf-8")[end_column:].decode("utf-8", "replace").strip()
    return not before.strip() and (not after or after.startswith("#"))


def _is_model_class(node: ast.ClassDef) -> bool:
    for base in node.bases:
        name = base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else ""
        if name.endswith("Model"):
            return True
    return False


def _code_signal(tree: ast.AST) -> bool:
    """A model-building or model-using call in code (not in a docstring), or a ``Model`` subclass.

    Names another library provides do not count: ``re.compile(...)``, ``ov.Model(...)`` with
    ``import openvino as ov``, ``Model`` imported from a non-Keras module (imports at module
    level, or inside a module-level ``if``/``try``). Stops at the first call that counts.
    """
    foreign = _foreign_names(tree)
    pending: list[ast.AST] = [tree]
    while pending:  # ast.walk's generators cost twice this loop on a library's large files
        node = pending.pop()
        if isinstance(node, ast.Call):
            if _counts(node.func, foreign):
                return True
        elif isinstance(node, ast.ClassDef) and _is_model_class(node):
            return True
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                pending.extend(item for item in value if isinstance(item, ast.AST) and not isinstance(item, _LEAVES))
            elif isinstance(value, ast.AST) and not isinstance(value, _LEAVES):
                pending.append(value)
    return False


# Nodes that hold no call and no class: not walked.
_LEAVES = (ast.Name, ast.Constant, ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)


def _foreign_names(tree: ast.AST) -> set[str]:
    """Local names that module-level imports bind to modules other than keras/tensorflow."""
    foreign: set[str] = set()
    pending = list(getattr(tree, "body", ()))
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _keras_module(alias.name):
                    foreign.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and not _keras_module(node.module or ""):
                foreign.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, (ast.If, ast.Try)):
            pending.extend(node.body)
            pending.extend(node.orelse)
            if isinstance(node, ast.Try):
                pending.extend(node.finalbody)
                for handler in node.handlers:
                    pending.extend(handler.body)
    return foreign


def _counts(func: ast.expr, foreign: set[str]) -> bool:
    if isinstance(func, ast.Name):
        return func.id in _CONSTRUCTORS and (func.id not in foreign or func.id == "train_test_split")
    if not isinstance(func, ast.Attribute) or (func.attr not in _CONSTRUCTORS and func.attr not in _USES):
        return False
    root = func.value
    while isinstance(root, ast.Attribute):
        root = root.value
    if isinstance(root, ast.Name) and root.id in foreign and func.attr != "train_test_split":
        return False  # re.compile, ov.Model, np.linalg...: another library's function
    if func.attr in _CONSTRUCTORS:
        return True
    return not (isinstance(func.value, ast.Name) and func.value.id in ("self", "cls"))


def _keras_module(module: str) -> bool:
    top = module.split(".")[0]
    return top in ("keras", "tensorflow", "tf_keras", "tf")


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
    return text_to_parse(text, imports_keras_module) is not None


def text_to_parse(
    text: str, imports_keras_module: Callable[[str], bool] | None = None, *, pruning: bool = False
) -> str | None:
    """None if nothing in ``text`` can be a finding; else what to parse (see :func:`prune`)."""
    if mentions_keras(text):
        return plan(text, pruning=pruning)
    if imports_keras_module is None or _SIGNAL.search(text) is None:
        return None
    return plan(text, pruning=pruning) if imports_keras_module(text) else None
