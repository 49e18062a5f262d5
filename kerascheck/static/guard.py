"""The parse guard: what libcst's native parser must never be given.

libcst's parser is native code that recurses once per level of nesting. On
deep brackets, on long chains without brackets (`a and a and ...`, `not not
... a`, `lambda: lambda: ...`) it overflows its stack and the process dies
with a segfault; on long left-recursive chains (`1+1+...`, `a.b.b...`,
`f()()...`) it is super-linear. Neither is an exception Python can catch,
so the only safe place to stop such input is before libcst sees it.

Measuring nesting exactly needs a parse, and CPython's own parser costs about
a tenth of libcst's: too much to pay on every file. So the guard is two-tier:

1. a cheap upper bound from the text alone (linear, C-speed string counts):
   a chain of depth ``n`` has at least ``n`` operator or bracket characters
   inside one logical line; logical lines are found by bracket balance
   (brackets in strings and comments only make the bound looser);
2. only for the rare file whose bound exceeds the budget, CPython's parser
   (whose own limits are checked, not recursive, and raise ordinary
   exceptions) and an iterative walk measure the real nesting depth.

The result is ``None`` (safe to parse), or an exception: ``SyntaxError``
(CPython rejects the file: KC001) or :class:`OverBudget` (valid Python too
complex to check: KC003).
"""

from __future__ import annotations

import ast
import itertools
import re

from kerascheck.budget import MAX_ELIF_CHAIN, MAX_NESTING, OverBudget

_BRACKETS = re.compile(r"[()\[\]{}]")
_DEPTH = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}
SUSPICIOUS_BRACKETS = 150  # CPython refuses more than 200 nested brackets
# Every way one expression level can start without a new bracket pair.
_CHAIN_MARKS = ("+", "-", "*", "/", "%", "@", "&", "|", "^", "~", "<", ">", ".", "(", "[", '"', "'")
_CHAIN_WORDS = ("not", "and", "or", "if", "lambda", "await")


def check(text: str) -> None:
    """Raise ``SyntaxError`` or :class:`OverBudget` if ``text`` must not reach libcst."""
    if len(text) < MAX_NESTING:
        return  # every level of nesting costs at least one character
    if _may_nest_brackets_too_deeply(text) or _may_chain_too_long(text) or text.count("elif") >= MAX_ELIF_CHAIN:
        _measure(text)


def _may_nest_brackets_too_deeply(text: str) -> bool:
    """A cheap upper bound on bracket nesting (brackets in strings may inflate it)."""
    if text.count("(") + text.count("[") + text.count("{") < SUSPICIOUS_BRACKETS:
        return False
    depth = itertools.accumulate(_DEPTH[b] for b in _BRACKETS.findall(text))
    return max(depth, default=0) >= SUSPICIOUS_BRACKETS


def _marks(text: str) -> int:
    return sum(text.count(mark) for mark in _CHAIN_MARKS) + sum(text.count(word) for word in _CHAIN_WORDS)


def _may_chain_too_long(text: str) -> bool:
    """Whether some logical line holds enough operators to chain ``MAX_NESTING`` deep."""
    if _marks(text) < MAX_NESTING:
        return False
    start = 0
    depth = 0
    position = 0
    for line in text.split("\n"):
        position += len(line) + 1
        depth += line.count("(") + line.count("[") + line.count("{")
        depth -= line.count(")") + line.count("]") + line.count("}")
        if depth > 0 or line.endswith("\\"):
            continue
        depth = 0
        if position - start >= MAX_NESTING and _marks(text[start:position]) >= MAX_NESTING:
            return True
        start = position
    return position - start >= MAX_NESTING and _marks(text[start:]) >= MAX_NESTING


def _measure(text: str) -> None:
    """CPython's verdict and the real nesting depth (only for suspicious files)."""
    try:
        tree = compile(text, "<kerascheck>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (RecursionError, MemoryError):
        raise SyntaxError("too deeply nested for Python's parser") from None
    except ValueError as error:  # e.g. NUL bytes
        raise SyntaxError(str(error)) from None
    depth = nesting_depth(tree)
    if depth > MAX_NESTING:
        raise OverBudget(f"too complex to check: code nested {depth} levels deep (the budget is {MAX_NESTING})")


def nesting_depth(tree: ast.AST) -> int:
    """How deep libcst would nest ``tree``: an n-term ``and``, a string of n adjacent
    literals and an n-branch ``elif`` ladder are n levels there (flat in CPython's tree)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.BoolOp):
            depth += len(node.values) - 1
        deepest = max(deepest, depth)
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1))
    return deepest
