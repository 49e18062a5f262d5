"""Line and column of a reported node, without libcst's whole-module position pass.

libcst's ``PositionProvider`` regenerates the entire module to learn where
every node is; for a file with one finding that costs more than parsing it.
Instead: the stdlib ``ast`` (an order of magnitude cheaper than libcst) gives
each *statement*'s start, the two statement trees are matched one to one, and
only the statement holding the reported node is regenerated to place the node
inside it. Any mismatch falls back to libcst's full provider, so a position is
never wrong, only occasionally slower.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
from collections.abc import Sequence
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import NEWLINE_RE, PositionProvidingCodegenState

# (start line, start column, end line, end column): 1-based lines, 0-based columns.
Range = tuple[int, int, int, int]


class _Mismatch(Exception):
    """The libcst and ast statement trees do not line up."""


class _Found(Exception):
    """The target node's range is known: stop generating the rest of the statement."""


class _StopAtNode(PositionProvidingCodegenState):
    """Generates code only until the node we want has been placed."""

    target: Any = None

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        if node is self.target:
            raise _Found


class NodePositions:
    """Positions of reported nodes in one parsed module."""

    def __init__(self, module: cst.Module, text: str) -> None:
        self.module = module
        self.text = text
        self._statements: dict[int, ast.stmt] | None = None
        self._full: Any = None
        self._line_cache: list[str] | None = None
        # Ranges already placed inside each regenerated statement (several findings often share one).
        self._placed: dict[int, dict[cst.CSTNode, Any]] = {}

    def range_of(self, node: cst.CSTNode, statement: cst.CSTNode | None) -> Range | None:
        if statement is not None:
            try:
                found = self._within_statement(node, statement)
            except Exception:  # any surprise in the fast path: use libcst's own provider
                found = None
            if found is not None:
                return found
        return self._from_full_pass(node)

    def _within_statement(self, node: cst.CSTNode, statement: cst.CSTNode) -> Range | None:
        twin = self._statement_twins().get(id(statement))
        if twin is None:
            return None
        if isinstance(node, cst.Call) and isinstance(statement, cst.BaseSmallStatement):
            found = self._call_by_order(node, statement, twin)
            if found is not None:
                return found
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.decorators:
            return None  # ast places these at `def`, libcst's code starts at the decorators
        line, byte_column = twin.lineno, twin.col_offset
        text = self._lines()[line - 1]
        indent = text[: len(text) - len(text.lstrip(" \t"))]
        column = len(text.encode("utf-8")[:byte_column].decode("utf-8", errors="replace"))
        compound = hasattr(statement, "leading_lines")
        placed = self._placed.setdefault(id(statement), {})
        if node not in placed:
            source = statement.with_changes(leading_lines=()) if compound else statement
            provider = PositionProvider()
            state = _StopAtNode(
                default_indent=self.module.default_indent,
                default_newline=self.module.default_newline,
                provider=provider,
                indent_tokens=[indent] if indent else [],
            )
            state.target = node
            with contextlib.suppress(_Found):
                source._codegen(state)
            placed.update(provider._computed)
        code_range = placed.get(node)
        if code_range is None:
            return None
        # Continuation lines carry the block's indentation (indent_tokens); a compound
        # statement emits it on its first line too, a small statement does not.
        shift = 0 if compound else column
        rel_start, rel_end = code_range.start, code_range.end
        return (
            line + rel_start.line - 1,
            rel_start.column + (shift if rel_start.line == 1 else 0),
            line + rel_end.line - 1,
            rel_end.column + (shift if rel_end.line == 1 else 0),
        )

    def _lines(self) -> list[str]:
        if self._line_cache is None:
            self._line_cache = NEWLINE_RE.split(self.text)  # the line breaks ast counts
        return self._line_cache

    def _call_by_order(self, node: cst.Call, statement: cst.CSTNode, twin: ast.stmt) -> Range | None:
        """A call's range from its ast twin: the k-th call of the statement in source order.

        Cheaper than regenerating code. libcst's fields of small statements and
        expressions are in source order, except ``a if test else b`` (then we
        decline); ast calls sort by start, outer before inner on ties.
        """
        try:
            ours = _calls_in_source_order(statement)
        except _Mismatch:
            return None
        theirs = sorted(
            (n for n in ast.walk(twin) if isinstance(n, ast.Call)),
            key=lambda c: (c.lineno, c.col_offset, -(c.end_lineno or 0), -(c.end_col_offset or 0)),
        )
        if len(ours) != len(theirs):
            return None
        for mine, call in zip(ours, theirs, strict=True):
            if mine is node and call.end_lineno is not None and call.end_col_offset is not None:
                return (
                    call.lineno,
                    self._chars(call.lineno, call.col_offset),
                    call.end_lineno,
                    self._chars(call.end_lineno, call.end_col_offset),
                )
        return None

    def _chars(self, line: int, byte_offset: int) -> int:
        """ast counts UTF-8 bytes; columns here count characters."""
        text = self._lines()[line - 1]
        if text.isascii():
            return byte_offset
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))

    def _statement_twins(self) -> dict[int, ast.stmt]:
        if self._statements is None:
            twins: dict[int, ast.stmt] = {}
            try:
                tree = ast.parse(self.text)
                _match_block(self.module.body, tree.body, twins)
            except (SyntaxError, ValueError, RecursionError, _Mismatch, StopIteration):
                twins = {}
            self._statements = twins
        return self._statements

    def _from_full_pass(self, node: cst.CSTNode) -> Range | None:
        if self._full is None:
            self._full = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        code_range = self._full.get(node)
        if code_range is None:
            return None
        return (code_range.start.line, code_range.start.column, code_range.end.line, code_range.end.column)


def _calls_in_source_order(node: cst.CSTNode) -> list[cst.Call]:
    """Every call under ``node``, outer before inner, left to right."""
    found: list[cst.Call] = []
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.IfExp):
            raise _Mismatch("IfExp fields are not in source order")
        if isinstance(current, cst.Call):
            found.append(current)
        children: list[cst.CSTNode] = []
        for name in _node_fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, cst.CSTNode):
                children.append(value)
            elif isinstance(value, (list, tuple)):
                children.extend(item for item in value if isinstance(item, cst.CSTNode))
        stack.extend(reversed(children))
    return found


_FIELDS: dict[type, tuple[str, ...]] = {}


def _node_fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def _match_block(statements: Sequence[cst.CSTNode], nodes: Sequence[ast.stmt], starts: dict[int, ast.stmt]) -> None:
    """Pair each libcst statement (small statements of a line one by one) with its ast twin."""
    remaining = iter(nodes)
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                twin = next(remaining)
                starts[id(small)] = twin
            continue
        twin = next(remaining)
        if type(twin).__name__.removeprefix("Async") != type(statement).__name__:
            raise _Mismatch(type(statement).__name__)
        starts[id(statement)] = twin
        for cst_body, ast_body in _bodies(statement, twin):
            _match_block(cst_body, ast_body, starts)
    if next(remaining, None) is not None:
        raise _Mismatch("extra statements")


def _block(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return suite.body  # IndentedBlock: statements; SimpleStatementSuite: small statements


def _bodies(statement: cst.CSTNode, twin: ast.stmt) -> list[tuple[Sequence[cst.CSTNode], Sequence[ast.stmt]]]:
    """The nested statement lists of a compound statement, paired with the ast ones."""
    pairs: list[tuple[Sequence[cst.CSTNode], Sequence[ast.stmt]]] = []
    node: Any = twin
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        pairs.append((_block(statement.body), node.body))
    elif isinstance(statement, cst.If):
        pairs.append((_block(statement.body), node.body))
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            pairs.append(([orelse], node.orelse))
        elif isinstance(orelse, cst.Else):
            pairs.append((_block(orelse.body), node.orelse))
    elif isinstance(statement, (cst.For, cst.While)):
        pairs.append((_block(statement.body), node.body))
        if statement.orelse is not None:
            pairs.append((_block(statement.orelse.body), node.orelse))
    elif isinstance(statement, cst.With):
        pairs.append((_block(statement.body), node.body))
    elif isinstance(statement, (cst.Try, cst.TryStar)):
        pairs.append((_block(statement.body), node.body))
        handlers: Sequence[cst.ExceptHandler | cst.ExceptStarHandler] = statement.handlers
        for handler, ast_handler in zip(handlers, node.handlers, strict=True):
            pairs.append((_block(handler.body), ast_handler.body))
        if statement.orelse is not None:
            pairs.append((_block(statement.orelse.body), node.orelse))
        if statement.finalbody is not None:
            pairs.append((_block(statement.finalbody.body), node.finalbody))
    elif isinstance(statement, cst.Match):
        for case, ast_case in zip(statement.cases, node.cases, strict=True):
            pairs.append((_block(case.body), ast_case.body))
    return pairs
