"""The language server end to end: a real LSP client talks to ``kerascheck server`` over stdio.

Each test starts the server as a subprocess (``python -m kerascheck server``)
and drives it with pygls' ``LanguageClient``: initialize, open documents,
receive diagnostics, request code actions, apply their edits to the text,
hover. Edits are applied here with UTF-16 columns, as an editor would.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

TIMEOUT = 60.0  # generous: CI machines share their cores; a healthy run answers in milliseconds

# The emoji makes UTF-16 columns differ from code points on the finding's line.
PY_SOURCE = """import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(4,), name="🚀"), layers.Dense(10, activation="softmax")])
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
seq = keras.Sequential([layers.Dense(3, activation="softmax"), layers.Activation("softmax")])
seq.compile(loss="categorical_crossentropy")
"""


class Session:
    """A client connected to a server subprocess, collecting diagnostics per URI."""

    def __init__(self) -> None:
        self.client = LanguageClient("kerascheck-tests", "1")
        self.diagnostics: dict[str, asyncio.Queue[types.PublishDiagnosticsParams]] = defaultdict(asyncio.Queue)

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri].put_nowait(params)

        self.messages: list[types.ShowMessageParams] = []

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def shown(params: types.ShowMessageParams) -> None:
            self.messages.append(params)

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def logged(params: types.LogMessageParams) -> None:
            pass

    async def start(self, root: Path) -> types.InitializeResult:
        await self.client.start_io(sys.executable, "-m", "kerascheck", "server", "--debounce-ms", "50")
        capabilities = types.ClientCapabilities(
            notebook_document=types.NotebookDocumentClientCapabilities(
                synchronization=types.NotebookDocumentSyncClientCapabilities()
            )
        )
        result = await asyncio.wait_for(
            self.client.initialize_async(
                types.InitializeParams(capabilities=capabilities, root_uri=root.as_uri(), process_id=None)
            ),
            TIMEOUT,
        )
        self.client.initialized(types.InitializedParams())
        return result

    async def next_diagnostics(self, uri: str) -> list[types.Diagnostic]:
        params = await asyncio.wait_for(self.diagnostics[uri].get(), TIMEOUT)
        return list(params.diagnostics)

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
            self.client.exit(None)
        finally:
            await self.client.stop()


def run(scenario: Callable[[Session], Awaitable[None]], root: Path) -> None:
    async def main() -> None:
        session = Session()
        await session.start(root)
        try:
            await scenario(session)
        finally:
            await session.stop()

    asyncio.run(main())


def utf16_to_index(line: str, units: int) -> int:
    count = 0
    for index, char in enumerate(line):
        if count >= units:
            return index
        count += 2 if ord(char) > 0xFFFF else 1
    return len(line)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions) the way an editor does: last first."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        return offsets[position.line] + utf16_to_index(lines[position.line], position.character)

    ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
    for edit in ordered:
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def by_code(diagnostics: list[types.Diagnostic]) -> dict[str, types.Diagnostic]:
    return {str(d.code): d for d in diagnostics}


async def code_actions(
    session: Session, uri: str, diagnostic: types.Diagnostic, only: list[str] | None = None
) -> list[types.CodeAction]:
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri),
        range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
    )
    result = await asyncio.wait_for(session.client.text_document_code_action_async(params), TIMEOUT)
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def test_python_document(tmp_path: Path) -> None:
    """Open, diagnostics (config applied), fix, noqa, hover, change, save, syntax error, close."""
    (tmp_path / "pyproject.toml").write_text('[tool.kerascheck]\nignore = ["KC402"]\n', encoding="utf-8")
    uri = (tmp_path / "model.py").as_uri()

    async def scenario(session: Session) -> None:
        client = session.client
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, PY_SOURCE))
        )
        found = by_code(await session.next_diagnostics(uri))
        assert set(found) == {"KC107"}  # KC402 is ignored by the nearest pyproject.toml
        kc107 = found["KC107"]
        assert kc107.source == "kerascheck" and kc107.severity == types.DiagnosticSeverity.Warning
        assert kc107.code_description is not None  # the code is a link to the rule's page
        assert kc107.code_description.href.endswith("docs/rules.md#kc107-double-activation-from-logits-warning")
        line = PY_SOURCE.splitlines()[3]
        start = line.index("layers.Dense")
        assert (kc107.range.start.line, kc107.range.start.character) == (3, start + 1)  # 🚀 is 2 UTF-16 units

        actions = {a.title: a for a in await code_actions(session, uri, kc107)}
        fix = actions["Fix KC107: set from_logits=False on the loss"]
        assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
        fixed = apply_edits(PY_SOURCE, list(fix.edit.changes[uri]))  # type: ignore[union-attr, index]
        assert fixed == PY_SOURCE.replace("from_logits=True", "from_logits=False")

        noqa = actions["Ignore KC107 on this line (# noqa: KC107)"]
        silenced = apply_edits(PY_SOURCE, list(noqa.edit.changes[uri]))  # type: ignore[union-attr, index]
        assert silenced.splitlines()[3] == line + "  # noqa: KC107"

        hover = await asyncio.wait_for(
            client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), kc107.range.start)),
            TIMEOUT,
        )
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        assert hover.contents.kind == types.MarkupKind.Markdown
        assert "# KC107 double-activation-from-logits" in hover.contents.value
        assert "## Why is this bad?" in hover.contents.value and "## Keras's own behaviour" in hover.contents.value
        assert "from the rule's tests" not in hover.contents.value  # the explanation, not the test examples
        nowhere = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 0))
        assert await asyncio.wait_for(client.text_document_hover_async(nowhere), TIMEOUT) is None

        # An edit (full-text change) that applies the noqa: the finding goes away after the debounce.
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                [types.TextDocumentContentChangeWholeDocument(text=silenced)],
            )
        )
        assert await session.next_diagnostics(uri) == []

        # An incremental edit that breaks the syntax: KC001, not a crash.
        broken = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(4, 0), types.Position(4, 0)), text="model.compile(\n"
        )
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=uri, version=3), [broken])
        )
        assert [d.code for d in await session.next_diagnostics(uri)] == ["KC001"]

        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=4),
                [types.TextDocumentContentChangeWholeDocument(text=PY_SOURCE)],
            )
        )
        assert set(by_code(await session.next_diagnostics(uri))) == {"KC107"}
        # Saving re-checks with the configuration as it is now (it changed on disk meanwhile).
        (tmp_path / "pyproject.toml").write_text("[tool.kerascheck]\n", encoding="utf-8")
        client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
        assert set(by_code(await session.next_diagnostics(uri))) == {"KC107", "KC402"}

        fix_all = await code_actions(session, uri, kc107, only=["source.fixAll"])
        assert [a.kind for a in fix_all] == ["source.fixAll.kerascheck"]
        everything = fixed.replace(', layers.Activation("softmax")])', "])")
        assert apply_edits(PY_SOURCE, list(fix_all[0].edit.changes[uri])) == everything  # type: ignore[union-attr, index]

        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
        assert await session.next_diagnostics(uri) == []

    run(scenario, tmp_path)


def test_unsafe_fix_is_offered_but_not_preferred(tmp_path: Path) -> None:
    uri = (tmp_path / "logits.py").as_uri()
    source = 'import keras\nm = keras.Sequential([keras.layers.Dense(3)])\nm.compile(loss="categorical_crossentropy")\n'

    async def scenario(session: Session) -> None:
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, source))
        )
        (kc101,) = await session.next_diagnostics(uri)
        actions = {a.title: a for a in await code_actions(session, uri, kc101)}
        fix = actions['Fix KC101: add activation="softmax" to the output layer (unsafe)']
        assert not fix.is_preferred
        fixed = apply_edits(source, list(fix.edit.changes[uri]))  # type: ignore[union-attr, index]
        assert 'Dense(3, activation="softmax")' in fixed

    run(scenario, tmp_path)


def cell(uri: str, text: str, language: str = "python") -> types.TextDocumentItem:
    return types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)


def test_notebook(tmp_path: Path) -> None:
    """Findings land on the right cell at the cell's line; a fix edits that cell; odd cells are skipped."""
    notebook_uri = (tmp_path / "analysis.ipynb").as_uri()
    cells_text = {
        "c1": "%matplotlib inline\nimport keras\nfrom keras import layers",
        "c2": "SELECT * FROM t WHERE (",  # a SQL cell: not Python, must not become KC001
        "c3": "!pip install keras\nmodel = keras.Sequential([\n    layers.Dense(10, activation='softmax'),\n"
        "    layers.Activation('softmax'),\n])\nmodel.compile(loss='categorical_crossentropy')",
    }
    uris = {name: f"vscode-notebook-cell:{tmp_path.as_posix()}/analysis.ipynb#{name}" for name in cells_text}

    async def scenario(session: Session) -> None:
        client = session.client
        cells = [
            types.NotebookCell(kind=types.NotebookCellKind.Markup, document=uris["c1"] + "md"),
            types.NotebookCell(kind=types.NotebookCellKind.Code, document=uris["c1"]),
            types.NotebookCell(kind=types.NotebookCellKind.Code, document=uris["c2"]),
            types.NotebookCell(kind=types.NotebookCellKind.Code, document=uris["c3"]),
        ]
        client.notebook_document_did_open(
            types.DidOpenNotebookDocumentParams(
                notebook_document=types.NotebookDocument(
                    uri=notebook_uri, notebook_type="jupyter-notebook", version=1, cells=cells
                ),
                cell_text_documents=[
                    cell(uris["c1"] + "md", "# Title", "markdown"),
                    cell(uris["c1"], cells_text["c1"]),
                    cell(uris["c2"], cells_text["c2"], "sql"),
                    cell(uris["c3"], cells_text["c3"]),
                ],
            )
        )
        first, third = await session.next_diagnostics(uris["c1"]), await session.next_diagnostics(uris["c3"])
        assert first == []
        (kc402,) = third
        assert kc402.code == "KC402"
        assert kc402.range.start == types.Position(3, 4)  # line 4 of the cell, not of the notebook
        assert session.diagnostics[uris["c2"]].empty()

        actions = {a.title: a for a in await code_actions(session, uris["c3"], kc402)}
        fix = actions["Fix KC402: remove the repeated activation layer"]
        assert list(fix.edit.changes) == [uris["c3"]]  # type: ignore[union-attr]
        fixed = apply_edits(cells_text["c3"], list(fix.edit.changes[uris["c3"]]))  # type: ignore[union-attr, index]
        assert fixed == cells_text["c3"].replace("    layers.Activation('softmax'),\n", "")
        noqa = actions["Ignore KC402 on this line (# noqa: KC402)"]
        silenced = apply_edits(cells_text["c3"], list(noqa.edit.changes[uris["c3"]]))  # type: ignore[union-attr, index]
        assert "layers.Activation('softmax'),  # noqa: KC402" in silenced

        hover = await asyncio.wait_for(
            client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(uris["c3"]), kc402.range.start)
            ),
            TIMEOUT,
        )
        assert hover is not None and "KC402 redundant-activation" in hover.contents.value  # type: ignore[union-attr]

        # The user applies the fix: a cell text change in the notebook protocol.
        client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(version=2, uri=notebook_uri),
                change=types.NotebookDocumentChangeEvent(
                    cells=types.NotebookDocumentCellChanges(
                        text_content=[
                            types.NotebookDocumentCellContentChanges(
                                document=types.VersionedTextDocumentIdentifier(uri=uris["c3"], version=2),
                                changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
                            )
                        ]
                    )
                ),
            )
        )
        await session.next_diagnostics(uris["c1"])
        assert await session.next_diagnostics(uris["c3"]) == []
        # Saving an unchanged notebook re-lints nothing: no new publication.
        client.notebook_document_did_save(
            types.DidSaveNotebookDocumentParams(types.NotebookDocumentIdentifier(notebook_uri))
        )
        await asyncio.sleep(0.3)
        assert session.diagnostics[uris["c3"]].empty()

    run(scenario, tmp_path)


def raw_message(payload: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(payload) + payload


def test_survives_malformed_requests(tmp_path: Path) -> None:
    uri = (tmp_path / "ok.py").as_uri()

    async def scenario(session: Session) -> None:
        client = session.client
        writer = client.protocol.writer
        assert writer is not None
        writer.write(raw_message(b"{this is not json"))  # type: ignore[union-attr]
        writer.write(raw_message(json.dumps({"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover"}).encode()))
        bad_params = {"jsonrpc": "2.0", "id": 100, "method": "textDocument/codeAction", "params": {"x": 1}}
        writer.write(raw_message(json.dumps(bad_params).encode()))  # type: ignore[union-attr]
        unknown_doc = {
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": "file:///nowhere.py", "version": 2}, "contentChanges": [{"text": "x"}]},
        }
        writer.write(raw_message(json.dumps(unknown_doc).encode()))  # type: ignore[union-attr]
        unknown_notebook = {
            "jsonrpc": "2.0",
            "method": "notebookDocument/didChange",
            "params": {"notebookDocument": {"uri": "file:///nb.ipynb", "version": 2}, "change": {}},
        }
        writer.write(raw_message(json.dumps(unknown_notebook).encode()))  # type: ignore[union-attr]
        # Still alive and still right:
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, PY_SOURCE))
        )
        assert {d.code for d in await session.next_diagnostics(uri)} == {"KC107", "KC402"}
        hover = types.HoverParams(types.TextDocumentIdentifier("file:///never-opened.py"), types.Position(0, 0))
        assert await asyncio.wait_for(client.text_document_hover_async(hover), TIMEOUT) is None

    run(scenario, tmp_path)


def test_broken_pyproject_falls_back_to_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.kerascheck]\nselct = ["KC1"]\n', encoding="utf-8")
    uri = (tmp_path / "m.py").as_uri()

    async def scenario(session: Session) -> None:
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, PY_SOURCE))
        )
        assert {d.code for d in await session.next_diagnostics(uri)} == {"KC107", "KC402"}
        (message,) = session.messages
        assert message.type == types.MessageType.Error
        assert "unknown key 'selct'" in message.message and message.message.endswith("using the default rules")

    run(scenario, tmp_path)


@pytest.mark.parametrize("argv", [["--bogus"], ["--debounce-ms", "soon"]])
def test_bad_server_arguments_are_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from kerascheck.lsp import serve

    assert serve(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("kerascheck: error: server: ") and err.count("\n") == 1


def test_invalid_toml_is_shown_and_the_defaults_apply(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.kerascheck\nignore = [", encoding="utf-8")
    uri = (tmp_path / "m.py").as_uri()

    async def scenario(session: Session) -> None:
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, PY_SOURCE))
        )
        assert {d.code for d in await session.next_diagnostics(uri)} == {"KC107", "KC402"}
        (message,) = session.messages
        assert message.type == types.MessageType.Error
        assert f"{(tmp_path / 'pyproject.toml').resolve()}: invalid TOML: " in message.message

    run(scenario, tmp_path)
