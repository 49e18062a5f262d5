"""What the server lints for a URI: a Python text document, or the notebook a cell belongs to.

A notebook is linted as one program (its Python code cells in order, as on
disk), and each finding is published on the cell's own URI at the cell's
line. Cells in another language (``%%sql`` aside, an R or SQL cell in a
polyglot notebook) and markup cells are left out of the program.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import Workspace

from kerascheck.fix.edits import split_lines
from kerascheck.static.source import Program, cells_program

PYTHON_LANGUAGES = frozenset({"python", "python3", "py", "ipython"})


@dataclass
class Target:
    """One program to lint, and where its lines live in the client's documents."""

    key: str  # the text document's or the notebook's URI
    filename: str  # how findings name the file
    path: Path | None  # on disk, for the configuration (None for untitled buffers)
    program: Program
    cell_uris: dict[int, str] = field(default_factory=dict)  # cell number -> cell URI
    sources: dict[int, str] = field(default_factory=dict)  # cell number -> cell text
    versions: dict[str, int | None] = field(default_factory=dict)  # URI -> document version

    @property
    def uris(self) -> list[str]:
        """Every document a publication must cover (to clear old findings too)."""
        return list(self.cell_uris.values()) if self.cell_uris else [self.key]

    def uri_for(self, cell: int | None) -> str:
        return self.cell_uris.get(cell, self.key) if cell is not None else self.key

    def lines(self, uri: str) -> list[str]:
        if not self.cell_uris:
            return split_lines(self.program.text)
        for cell, cell_uri in self.cell_uris.items():
            if cell_uri == uri:
                return split_lines(self.sources[cell])
        return []


def _path(uri: str) -> Path | None:
    try:
        fs_path = to_fs_path(uri)
    except Exception:  # an odd URI from a client is not our crash
        return None
    return Path(fs_path) if fs_path and uri.startswith("file:") else None


def text_target(workspace: Workspace, uri: str) -> Target | None:
    """The target for a plain text document (``None`` for a non-Python document)."""
    document = workspace.text_documents.get(uri) or workspace.text_documents.get(_unquoted(uri))
    if document is None:
        return None
    language = (document.language_id or "python").lower()
    if language not in PYTHON_LANGUAGES and not uri.endswith(".py"):
        return None
    path = _path(uri)
    return Target(
        key=uri,
        filename=str(path) if path else uri,
        path=path,
        program=Program(text=document.source),
        versions={uri: document.version},
    )


def notebook_target(workspace: Workspace, notebook: types.NotebookDocument) -> Target:
    """The target for a notebook: its Python code cells, numbered as in the notebook (1-based)."""
    cell_uris: dict[int, str] = {}
    sources: dict[int, str] = {}
    versions: dict[str, int | None] = {}
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.kind != types.NotebookCellKind.Code:
            continue
        document = workspace.text_documents.get(cell.document) or workspace.text_documents.get(_unquoted(cell.document))
        if document is None or (document.language_id or "python").lower() not in PYTHON_LANGUAGES:
            continue
        cell_uris[number] = cell.document
        sources[number] = document.source
        versions[cell.document] = document.version
    path = _path(notebook.uri)
    return Target(
        key=notebook.uri,
        filename=str(path) if path else notebook.uri,
        path=path,
        program=cells_program(sorted(sources.items())),
        cell_uris=cell_uris,
        sources=sources,
        versions=versions,
    )


def _unquoted(uri: str) -> str:
    from urllib.parse import unquote

    return unquote(uri)
