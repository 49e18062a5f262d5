"""Edits: what a fixer asks for (node-level), and the text edits it becomes.

A fixer names libcst nodes of the parsed program ("replace this call with
that code", "delete this statement's lines"). They become *text* edits on
the program's source using libcst's positions, so everything a fix does not
touch stays byte for byte as the user wrote it (comments, quotes, layout),
and the same edits serve ``--fix``, ``--diff``, notebooks (mapped into the
cell) and the language server's code actions.

Positions: lines 1-based, columns 0-based in code points (libcst's own);
a text edit's end is exclusive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from kerascheck.facts import ProgramFacts


@dataclass(frozen=True)
class Replace:
    """Replace the source of ``node`` with ``code`` (or the code of a new node)."""

    node: cst.CSTNode
    code: str | cst.CSTNode


@dataclass(frozen=True)
class DeleteLines:
    """Delete the whole lines ``node`` occupies (a statement or a list element alone on its lines)."""

    node: cst.CSTNode


NodeEdit = Replace | DeleteLines


@dataclass(frozen=True, order=True)
class TextEdit:
    """Replace ``[start, end)`` of the program text with ``text``."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int
    text: str

    def overlaps(self, other: TextEdit) -> bool:
        return (self.start_line, self.start_column) < (other.end_line, other.end_column) and (
            other.start_line,
            other.start_column,
        ) < (self.end_line, self.end_column)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split exactly where libcst and Python split (not at form feeds)."""
    return _LINE.findall(text)


class _ParentMap(cst.CSTVisitor):
    """Every node's parent, by node identity: a plain walk, several times cheaper than ParentNodeProvider."""

    def __init__(self) -> None:
        self.stack: list[cst.CSTNode] = []
        self.parents: dict[int, cst.CSTNode] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.stack:
            self.parents[id(node)] = self.stack[-1]
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


def _parents(module: cst.Module) -> dict[int, cst.CSTNode]:
    walker = _ParentMap()
    module.visit(walker)
    return walker.parents


@dataclass
class FixContext:
    """One parse of the program, its facts, and positions/parents resolved on demand."""

    module: cst.Module
    facts: ProgramFacts
    text: str
    _wrapper: MetadataWrapper | None = field(default=None, repr=False)
    _positions: Any = field(default=None, repr=False)
    _parents: Any = field(default=None, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)

    @property
    def wrapper(self) -> MetadataWrapper:
        if self._wrapper is None:
            # unsafe_skip_copy keeps node identity, so facts' anchors are keys of the metadata.
            self._wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        return self._wrapper

    def position(self, node: cst.CSTNode) -> CodeRange | None:
        if self._positions is None:
            self._positions = self.wrapper.resolve(PositionProvider)
        return self._positions.get(node)  # type: ignore[no-any-return]

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        if self._parents is None:
            self._parents = _parents(self.module)
        return self._parents.get(id(node))  # type: ignore[no-any-return]

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = split_lines(self.text)
        return self._lines

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def source_of(self, where: CodeRange) -> str:
        """The program text inside ``where``."""
        lines = self.lines
        if where.start.line == where.end.line:
            return lines[where.start.line - 1][where.start.column : where.end.column]
        parts = [lines[where.start.line - 1][where.start.column :]]
        parts += lines[where.start.line : where.end.line - 1]
        parts.append(lines[where.end.line - 1][: where.end.column])
        return "".join(parts)

    def alone_on_lines(self, node: cst.CSTNode, allow_comma: bool = False) -> bool:
        """Whether ``node`` (with an optional trailing comma and comment) fills its lines."""
        where = self.position(node)
        if where is None:
            return False
        before = self.lines[where.start.line - 1][: where.start.column]
        after = self.lines[where.end.line - 1][where.end.column :]
        tail = r"\s*,?\s*(#.*)?\s*" if allow_comma else r"\s*(;\s*)?(#.*)?\s*"
        return not before.strip() and re.fullmatch(tail, after) is not None

    def to_text_edit(self, edit: NodeEdit) -> TextEdit | None:
        """The text edit for a node edit, or ``None`` if the node's text is not where libcst says."""
        where = self.position(edit.node)
        if where is None:
            return None
        if isinstance(edit, DeleteLines):
            end_line = where.end.line
            if end_line < len(self.lines):
                return TextEdit(where.start.line, 0, end_line + 1, 0, "")
            # The last line of the file: delete up to its end, keeping the text before it intact.
            last = self.lines[end_line - 1]
            return TextEdit(where.start.line, 0, end_line, len(last), "")
        if self.source_of(where) != self.code(edit.node):
            return None  # never edit text we cannot vouch for
        code = edit.code if isinstance(edit.code, str) else self.code(edit.code)
        return TextEdit(where.start.line, where.start.column, where.end.line, where.end.column, code)


def line_offsets(text: str) -> list[int]:
    """The offset of each line's start (1-based line n starts at ``offsets[n - 1]``), plus the end."""
    offsets = [0]
    for line in split_lines(text):
        offsets.append(offsets[-1] + len(line))
    return offsets


def apply_text_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """Apply non-overlapping edits (later ones first, so earlier offsets stay valid)."""
    offsets = line_offsets(text)

    def offset(line: int, column: int) -> int:
        if line - 1 >= len(offsets):
            return len(text)
        return min(offsets[line - 1] + column, len(text))

    result = text
    for edit in sorted(edits, reverse=True):
        start = offset(edit.start_line, edit.start_column)
        end = offset(edit.end_line, edit.end_column)
        result = result[:start] + edit.text + result[end:]
    return result
