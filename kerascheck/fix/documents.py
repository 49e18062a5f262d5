"""What a fix rewrites: a ``.py`` file's text, or the code cells of a notebook.

Fixes are computed on the *program* (for a notebook: its code cells as IPython
transforms them, joined by ``static.source.cells_program``) and applied as
text edits to the user's own text: for a notebook each edit is mapped to its cell and applied to that cell's
original source, so magics, outputs, metadata and every other cell stay as
they were. The notebook's JSON is written back in the layout it was read
in (indent, key order, ASCII escaping); a notebook in a layout we cannot
reproduce exactly is not fixed (one note), rather than reformatted whole.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kerascheck.fix.edits import TextEdit, apply_text_edits, split_lines
from kerascheck.static.source import (
    Program,
    UnreadableSource,
    cells_program,
    declared_encoding,
    decode,
    load_notebook,
    notebook_cells,
)

BOM = "\ufeff"


def edits_by_cell(
    program: Program, sources: dict[int, str], edits: Sequence[TextEdit]
) -> dict[int, list[TextEdit]] | None:
    """Program-coordinate edits as edits of each cell's own source, or ``None`` if one cannot be mapped.

    An edit must stay inside one cell and must not touch a line that IPython
    rewrites (a magic or shell escape): that text is not the user's Python. In
    a cell IPython dedents, columns move back by the indentation removed, and
    an edit that adds lines is declined (the new lines would change the
    indentation IPython removes).
    """
    result: dict[int, list[TextEdit]] = {}
    for edit in edits:
        cell, line = program.cell_line(edit.start_line)
        # A deletion of a cell's last line ends at the start of the next cell's first line.
        end_line = edit.end_line - 1 if edit.end_column == 0 and edit.end_line > edit.start_line else edit.end_line
        end_cell, _ = program.cell_line(end_line)
        if cell is None or cell != end_cell or cell not in sources:
            return None
        if any(number in program.rewritten for number in range(edit.start_line, end_line + 1)):
            return None
        first, last = program.cell_range(cell)
        shifted = any(program.shift(number) for number in range(first, last + 1))
        if shifted and ("\n" in edit.text or "\r" in edit.text or end_line != edit.start_line):
            return None
        end_shift = program.shift(edit.end_line) if edit.end_line <= last else 0
        result.setdefault(cell, []).append(
            replace(
                edit,
                start_line=line,
                start_column=edit.start_column + program.shift(edit.start_line),
                end_line=edit.end_line - first + 1,
                end_column=edit.end_column + end_shift,
            )
        )
    return result


def apply_to_cell(source: str, edits: Sequence[TextEdit]) -> str:
    """Apply cell edits; a cell that had no final newline does not gain one."""
    fixed = apply_text_edits(source, edits)
    if not source.endswith("\n") and fixed.endswith("\n"):
        fixed = fixed[:-1]
    return fixed


@dataclass(frozen=True)
class SourceDocument:
    """A ``.py`` file: its text, and how to write it back byte for byte.

    A fix is written in the file's own encoding (its PEP 263 declaration:
    writing a ``latin-1`` file as UTF-8 would turn ``"café"`` into
    ``"cafÃ©"``), with its BOM and its line endings; every byte outside the
    edits stays as it was. A file whose bytes do not survive a decode and
    encode round trip is not fixed.
    """

    text: str
    bom: bool = False
    encoding: str = "utf-8"
    newline: str = "\n"
    exact: bool = True

    @classmethod
    def load(cls, raw: bytes) -> SourceDocument:
        text = decode(raw)
        encoding = declared_encoding(raw)
        bom = raw.startswith(BOM.encode())
        if encoding == "utf-8-sig":
            encoding = "utf-8"
        newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"
        document = cls(text=text, bom=bom, encoding=encoding, newline=newline)
        try:
            exact = document.content() == raw
        except UnreadableSource:
            exact = False
        return replace(document, exact=exact)

    def program(self) -> Program:
        return Program(text=self.text)

    def apply(self, edits: Sequence[TextEdit]) -> SourceDocument | None:
        if self.newline != "\n":
            edits = [replace(e, text=e.text.replace("\r\n", "\n").replace("\n", self.newline)) for e in edits]
        return replace(self, text=apply_text_edits(self.text, edits))

    def content(self) -> bytes:
        if not self.exact:
            raise UnreadableSource(f"its bytes do not round-trip through {self.encoding}; it is left as it was")
        try:
            return (BOM if self.bom else "").encode("utf-8") + self.text.encode(self.encoding)
        except UnicodeEncodeError as error:
            raise UnreadableSource(
                f"the fixed text has {self.text[error.start]!r}, which {self.encoding} cannot encode"
            ) from None

    def diff(self, other: SourceDocument, name: str) -> str:
        before, after = _ended(split_lines(self.text)), _ended(split_lines(other.text))
        return "".join(difflib.unified_diff(before, after, name, name))


Dump = Callable[[Any], str]


def _layout(document: Any, original: str) -> Dump | None:
    """A ``json.dumps`` configuration that reproduces ``original`` exactly, if there is one."""
    for indent in (1, 2, 4, None):
        for sort_keys in (True, False):
            for ensure_ascii in (False, True):
                options = {"indent": indent, "sort_keys": sort_keys, "ensure_ascii": ensure_ascii}
                text = json.dumps(document, **options)  # type: ignore[arg-type]
                for ending in ("\n", ""):
                    if text + ending == original:
                        return lambda doc, o=options, e=ending: json.dumps(doc, **o) + e  # type: ignore[misc]
    return None


@dataclass(frozen=True)
class NotebookDocument:
    """A notebook: its JSON, and the code cells' sources by 1-based cell number."""

    original: str
    document: Any
    sources: dict[int, str]
    list_sources: frozenset[int]  # cells whose JSON source is a list of lines
    dump: Dump | None = field(default=None, compare=False)
    changed: frozenset[int] = frozenset()

    @classmethod
    def load(cls, raw: bytes) -> NotebookDocument:
        text = decode(raw, "notebook")
        document = load_notebook(text)  # the linter's own checks: valid JSON, a Python notebook
        if not isinstance(document.get("cells"), list):
            raise UnreadableSource("not a valid notebook: no 'cells' list")
        cells = notebook_cells(document)
        sources = {number: source for number, source, _listed in cells}
        as_list = frozenset(number for number, _source, listed in cells if listed)
        return cls(text, document, sources, as_list, _layout(document, text))

    def program(self) -> Program:
        return cells_program(sorted(self.sources.items()))

    def apply(self, edits: Sequence[TextEdit]) -> NotebookDocument | None:
        by_cell = edits_by_cell(self.program(), self.sources, edits)
        if by_cell is None:
            return None
        sources = dict(self.sources)
        for cell, cell_edits in by_cell.items():
            sources[cell] = apply_to_cell(sources[cell], cell_edits)
        return replace(self, sources=sources, changed=self.changed | frozenset(by_cell))

    def content(self) -> bytes:
        if not self.changed:
            return self.original.encode("utf-8")
        if self.dump is None:
            raise UnreadableSource("the notebook's JSON layout is not one kerascheck can write back")
        document = json.loads(self.original)  # a fresh copy; only the changed cells' sources differ
        for cell in self.changed:
            source = self.sources[cell]
            document["cells"][cell - 1]["source"] = (
                source.splitlines(keepends=True) if cell in self.list_sources else source
            )
        return self.dump(document).encode("utf-8")

    def diff(self, other: NotebookDocument, name: str) -> str:
        parts = []
        for cell in sorted(other.changed):
            where = f"{name}:cell {cell}"
            before, after = split_lines(self.sources[cell]), split_lines(other.sources[cell])
            parts.append("".join(difflib.unified_diff(_ended(before), _ended(after), where, where)))
        return "".join(parts)


def _ended(lines: list[str]) -> list[str]:
    """Diff lines all end in a newline (a cell's last line usually has none)."""
    return [line if line.endswith(("\n", "\r")) else line + "\n" for line in lines]


Document = SourceDocument | NotebookDocument


def load_document(raw: bytes, filename: str) -> Document:
    """The fixable form of a file's bytes; raises :class:`UnreadableSource` like the linter."""
    if filename.endswith(".ipynb"):
        return NotebookDocument.load(raw)
    return SourceDocument.load(raw)
