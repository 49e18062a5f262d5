"""Turning bytes on disk into a Python program to analyse.

Handles the three things that happen before parsing: decoding (UTF-8, a BOM,
binary files), Jupyter notebooks (code cells joined in order into one program,
IPython magics and shell escapes neutralised, a map back to cell and line),
and the cheap text prefilter that lets files which never mention Keras or
TensorFlow skip the parser altogether.
"""

from __future__ import annotations

import codecs
import io
import json
import keyword
import re
import tokenize
from dataclasses import dataclass, field


class UnreadableSource(Exception):
    """The input cannot become a program: the message is one line for the user."""


@dataclass(frozen=True)
class Program:
    """Python source text, plus for notebooks where each code cell starts.

    ``cell_starts`` holds (cell number, first line of that cell in ``text``),
    1-based, in order; empty for plain ``.py`` files.
    """

    text: str
    cell_starts: tuple[tuple[int, int], ...] = field(default=())

    def without_cell(self, cell: int) -> Program:
        """The same program with one cell's lines blanked (line numbers unchanged)."""
        starts = dict(self.cell_starts)
        lines = self.text.split("\n")
        first = starts[cell] - 1
        later = [start for _number, start in self.cell_starts if start > starts[cell]]
        last = (later[0] - 1) if later else len(lines)
        blanked = lines[:first] + [""] * (last - first) + lines[last:]
        return Program(text="\n".join(blanked), cell_starts=self.cell_starts)

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


# A cell magic whose body is still Python; any other %% magic makes the cell foreign.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3"})
_LINE_MAGIC = re.compile(r"^(\s*)(?:[%!]|\w+\s*=\s*[%!])")
# `%time model.fit(...)`: the timed statement is ordinary Python worth checking.
_TIMED = re.compile(r"^(\s*)(%timeit|%time)( +)(?=[A-Za-z_(\[])")
_HELP = re.compile(r"^(\s*)(?:[\w.]+\?\??|\?\??[\w.]+)\s*$")  # obj? obj?? ?obj ??obj


def neutralise_cell(source: str) -> str:
    """A code cell as plain Python with the same number of lines.

    IPython magics (``%matplotlib``), shell escapes (``!pip``), captured
    shell output (``files = !ls``) and help (``obj?``) become ``pass`` at the
    same indentation, so line numbers and enclosing blocks stay intact.
    """
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in _PYTHON_CELL_MAGICS:
            return "\n".join("" for _ in lines)
        lines[0] = ""
    out = []
    for line in lines:
        timed = _TIMED.match(line)
        if timed and not keyword.iskeyword(line[timed.end() :].split(maxsplit=1)[0].split("(")[0]):
            # `_=` plus spaces keeps every column; `%time x = f()` becomes `_= x = f()`.
            prefix = len(timed.group(2)) + len(timed.group(3))
            out.append(f"{timed.group(1)}_={' ' * (prefix - 2)}{line[timed.end() :]}")
            continue
        match = _LINE_MAGIC.match(line) or _HELP.match(line)
        out.append(f"{match.group(1)}pass" if match else line)
    return "\n".join(out)


def notebook_program(text: str) -> Program:
    """The code cells of a notebook's JSON as one program, in order."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableSource(f"not a valid notebook: invalid JSON at line {error.lineno}") from None
    except (RecursionError, MemoryError):
        raise UnreadableSource("not a valid notebook: its JSON is nested too deeply") from None
    cells = _cells(document)
    if cells is None:
        raise UnreadableSource("not a valid notebook: no 'cells' list")
    language = _notebook_language(document)
    if language not in (None, "python"):
        raise UnreadableSource(f"notebook language is {language!r}, not Python")
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    line = 1
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))  # nbformat 3 calls it "input"
        if isinstance(source, list) and all(isinstance(piece, str) for piece in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise UnreadableSource(f"not a valid notebook: cell {number} has no text source")
        code = neutralise_cell(source).rstrip("\n") + "\n"
        starts.append((number, line))
        parts.append(code)
        line += code.count("\n")
    return Program(text="".join(parts), cell_starts=tuple(starts))


def _cells(document: object) -> list[object] | None:
    """Code cells of nbformat 4 (``cells``) or nbformat 3 (``worksheets[*].cells``)."""
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("cells"), list):
        return document["cells"]
    worksheets = document.get("worksheets")
    if isinstance(worksheets, list) and all(isinstance(w, dict) for w in worksheets):
        cells = [cell for sheet in worksheets for cell in sheet.get("cells", [])]
        return cells if all(isinstance(sheet.get("cells", []), list) for sheet in worksheets) else None
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
