"""Turning bytes on disk into a Python program to analyse.

Handles the three things that happen before parsing: decoding (UTF-8, a BOM,
binary files), Jupyter notebooks (code cells transformed as IPython does and
joined in order into one program, with a map back to cell, line and column),
and the cheap text prefilter that lets files which never mention Keras or
TensorFlow skip the parser altogether.
"""

from __future__ import annotations

import ast
import codecs
import io
import json
import tokenize
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kerascheck.static.ipython import CellCode, CellTransformError, bound_names, cell_lines, transform_cell


class UnreadableSource(Exception):
    """The input cannot become a program: the message is one line for the user."""


@dataclass(frozen=True)
class BrokenCell:
    """A notebook cell that is not valid Python once IPython has transformed it (a KC001)."""

    cell: int
    line: int  # 1-based, in the cell
    column: int  # 1-based, in the cell
    message: str
    code: str = "KC001"  # KC003 for valid Python too deeply nested to check


@dataclass(frozen=True)
class Program:
    """Python source text, plus for notebooks where each code cell starts.

    ``cell_starts`` holds (cell number, first line of that cell in ``text``),
    1-based, in order; empty for plain ``.py`` files. ``shifts`` maps a line
    of ``text`` to the columns IPython removed from its start (a dedented
    cell); ``rewritten`` holds the lines that are IPython's rewriting of a
    magic, not the user's text; ``broken`` the cells left out (blank lines)
    because they are not Python. ``keras`` is the prefilter's answer for the
    file as the user wrote it (None: ask ``text``).
    """

    text: str
    cell_starts: tuple[tuple[int, int], ...] = field(default=())
    shifts: tuple[tuple[int, int], ...] = field(default=())
    rewritten: frozenset[int] = field(default=frozenset())
    broken: tuple[BrokenCell, ...] = field(default=())
    keras: bool | None = None

    def without_cell(self, cell: int) -> Program:
        """The same program with one cell's lines blanked (line numbers unchanged)."""
        first, last = self.cell_range(cell)
        lines = self.text.split("\n")
        blanked = lines[: first - 1] + [""] * (last - first + 1) + lines[last:]
        return replace(self, text="\n".join(blanked))

    def cell_range(self, cell: int) -> tuple[int, int]:
        """First and last line of ``cell`` in ``text`` (1-based, inclusive)."""
        starts = dict(self.cell_starts)
        later = [start for _number, start in self.cell_starts if start > starts[cell]]
        last = (later[0] - 1) if later else self.text.count("\n")
        return starts[cell], max(last, starts[cell])

    def cell_text(self, cell: int) -> str:
        first, last = self.cell_range(cell)
        return "".join(line + "\n" for line in self.text.split("\n")[first - 1 : last])

    def cell_line(self, line: int) -> tuple[int | None, int]:
        """Map a line of ``text`` to (cell number, line within the cell)."""
        if not self.cell_starts:
            return None, line
        chosen = self.cell_starts[0]
        for start in self.cell_starts:
            if start[1] > line:
                break
            chosen = start
        return chosen[0], line - chosen[1] + 1

    def shift(self, line: int) -> int:
        """Columns IPython removed from the start of ``line`` of ``text`` (0 for plain files)."""
        if not self.shifts:
            return 0
        return dict(self.shifts).get(line, 0)


def cells_program(cells: Sequence[tuple[int, str]]) -> Program:
    """The code cells ``(cell number, source)`` as one program: the only place cells are joined.

    Each cell is transformed as IPython transforms it (line for line, see
    ``ipython.py``) and compiled alone with CPython's parser; a cell that
    IPython could not run (a syntax error after transformation) is reported as
    broken and left blank, so it costs one line and never hides the others.
    """
    lines: list[str] = []
    starts: list[tuple[int, int]] = []
    shifts: list[tuple[int, int]] = []
    rewritten: set[int] = set()
    broken: list[BrokenCell] = []
    bound: set[str] = set()
    for number, source in cells:
        first = len(lines) + 1
        starts.append((number, first))
        try:
            code = transform_cell(source, bound)
        except CellTransformError as error:
            broken.append(BrokenCell(number, 1, 1, f"IPython cannot transform this cell: {error}"))
            lines.extend([""] * max(len(cell_lines(source)), 1))
            continue
        tree = _compile(code)
        if isinstance(tree, BrokenCell):
            broken.append(replace(tree, cell=number))
            lines.extend([""] * max(len(code.lines), 1))
            continue
        bound.update(bound_names(tree))
        lines.extend(code.lines or [""])
        shifts.extend((first + index, shift) for index, shift in enumerate(code.shifts) if shift)
        rewritten.update(first + index for index in code.rewritten)
    return Program(
        text="".join(line + "\n" for line in lines),
        cell_starts=tuple(starts),
        shifts=tuple(shifts),
        rewritten=frozenset(rewritten),
        broken=tuple(broken),
        keras=any(mentions_keras(source) for _number, source in cells),
    )


def _compile(code: CellCode) -> ast.Module | BrokenCell:
    """The cell's tree from CPython's parser, or where and why it does not compile (cell number 0)."""
    try:
        with warnings.catch_warnings():  # an invalid escape in the user's string is not ours to print
            warnings.simplefilter("ignore")
            tree = compile(code.text, "<cell>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        line = min(max(error.lineno or 1, 1), max(len(code.lines), 1))
        shift = code.shifts[line - 1] if line <= len(code.shifts) else 0
        return BrokenCell(0, line, max(error.offset or 1, 1) + shift, str(error.msg).replace("\n", " "))
    except (RecursionError, MemoryError):  # valid Python, maybe, but beyond what can be checked
        return BrokenCell(0, 1, 1, "too complex to check: the cell is nested too deeply", code="KC003")
    except ValueError as error:  # e.g. a NUL character
        return BrokenCell(0, 1, 1, str(error).replace("\n", " "))
    assert isinstance(tree, ast.Module)
    return tree


def mentions_keras(text: str) -> bool:
    """The prefilter: no model code can exist in a file naming neither."""
    return "keras" in text or "tensorflow" in text


def decode(raw: bytes, what: str = "file") -> str:
    """Source text, honouring a PEP 263 ``# -*- coding: ... -*-`` line (UTF-8 by default).

    Like CPython, a NUL byte anywhere, a codec that is not a text encoding, a
    codec that fails and text with lone surrogates are all refused (KC002).
    """
    nul = raw.find(b"\x00")
    if nul >= 0:
        detail = "contains NUL bytes" if nul < 8192 else f"a NUL byte at offset {nul}"
        raise UnreadableSource(f"binary {what} ({detail}), not Python source")
    encoding = declared_encoding(raw) if what == "file" else "utf-8-sig"
    try:
        if not getattr(codecs.lookup(encoding), "_is_text_encoding", True):
            raise UnreadableSource(f"encoding {encoding!r} is not a text encoding")
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise UnreadableSource(f"not valid {encoding} (byte {error.start}): {error.reason}") from None
    except LookupError:
        raise UnreadableSource(f"unknown encoding {encoding!r}") from None
    except (UnicodeError, ValueError, TypeError) as error:  # codecs such as punycode raise their own
        raise UnreadableSource(f"cannot decode as {encoding}: {type(error).__name__}") from None
    if encoding not in ("utf-8", "utf-8-sig"):
        check_encodable(text, f"decoded as {encoding}")
    return text


def declared_encoding(raw: bytes) -> str:
    """The codec a ``.py`` file's bytes are in: its PEP 263 declaration, else UTF-8 (BOM allowed)."""
    if b"coding" not in raw[:400]:
        return "utf-8-sig"
    try:
        return tokenize.detect_encoding(io.BytesIO(raw).readline)[0]
    except SyntaxError as error:
        raise UnreadableSource(f"bad encoding declaration: {error.msg}") from None


def check_encodable(text: str, how: str) -> None:
    """Text with a lone surrogate is not Python source (and cannot be printed or written as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise UnreadableSource(f"{how}, the text has a lone surrogate (U+{ord(text[error.start]):04X})") from None


def notebook_program(text: str) -> Program:
    """The code cells of a notebook's JSON as one program, in order."""
    return cells_program([(number, source) for number, source, _listed in notebook_cells(load_notebook(text))])


def load_notebook(text: str) -> dict[str, Any]:
    """A notebook's JSON document, checked to be a Python notebook with a list of cells."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableSource(f"not a valid notebook: invalid JSON at line {error.lineno}") from None
    except (RecursionError, MemoryError):
        raise UnreadableSource("not a valid notebook: its JSON is nested too deeply") from None
    if _cells(document) is None:
        raise UnreadableSource("not a valid notebook: no 'cells' list")
    assert isinstance(document, dict)
    language = _notebook_language(document)
    if language not in (None, "python"):
        raise UnreadableSource(f"notebook language is {language!r}, not Python")
    return document


def notebook_cells(document: dict[str, Any]) -> list[tuple[int, str, bool]]:
    """(cell number, source, whether the JSON holds it as a list of lines) for each code cell."""
    found: list[tuple[int, str, bool]] = []
    for number, cell in enumerate(_cells(document) or [], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source: object = cell.get("source", cell.get("input", ""))  # nbformat 3 calls it "input"
        listed = isinstance(source, list) and all(isinstance(piece, str) for piece in source)
        if isinstance(source, list) and listed:
            source = "".join(source)
        if not isinstance(source, str):
            raise UnreadableSource(f"not a valid notebook: cell {number} has no text source")
        found.append((number, source, listed))
    return found


def _cells(document: object) -> list[object] | None:
    """Code cells of nbformat 4 (``cells``) or nbformat 3 (``worksheets[*].cells``)."""
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("cells"), list):
        return document["cells"]
    worksheets = document.get("worksheets")
    if isinstance(worksheets, list) and all(isinstance(w, dict) for w in worksheets):
        if not all(isinstance(sheet.get("cells", []), list) for sheet in worksheets):
            return None
        return [cell for sheet in worksheets for cell in sheet.get("cells", [])]
    return None


def _notebook_language(document: dict[str, object]) -> str | None:
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return None
    info = metadata.get("language_info")
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        return str(info["name"]).lower()
    return None


def load_program(raw: bytes, filename: str) -> Program:
    """Decode a ``.py`` or ``.ipynb`` file into a program."""
    if filename.endswith(".ipynb"):
        return notebook_program(decode(raw, "notebook"))
    return Program(text=decode(raw))
