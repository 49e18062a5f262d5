"""The kerascheck language server: diagnostics as you type, fixes, ``# noqa``, rule docs on hover.

Linting runs on the event loop (a check of a few hundred lines takes
milliseconds): on open and on save at once, on change after a short
debounce so that typing does not queue a lint per keystroke. Whatever goes
wrong while linting one document (a bug of ours, a broken pyproject) is
logged to the client and never takes the server down; a buffer that does
not parse gets a KC001 diagnostic like on the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import threading
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from kerascheck import __version__
from kerascheck.config import Config, ConfigError, deciding_files, resolve_config
from kerascheck.diagnostics import Diagnostic
from kerascheck.discovery import matches_any
from kerascheck.engine import Selection
from kerascheck.fix.apply import plan
from kerascheck.fix.documents import edits_by_cell
from kerascheck.lsp.convert import SOURCE, contains, lsp_diagnostic, noqa_edit, span_range, text_edit
from kerascheck.lsp.targets import Target, notebook_target, text_target
from kerascheck.rules.tool import tool_diagnostic
from kerascheck.static.lint import analyse_program
from kerascheck.static.project import Project

DEBOUNCE_SECONDS = 0.15
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.kerascheck"
log = logging.getLogger("kerascheck.lsp")


class _Protocol(LanguageServerProtocol):
    """pygls' protocol, except that a second ``initialize`` is refused instead of dropping every document."""

    initialized_once = False

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Generator[Any, Any, types.InitializeResult]:
        if self.initialized_once:
            raise JsonRpcInvalidRequest("the server is already initialized; its open documents are kept")
        self.initialized_once = True
        return (yield from super().lsp_initialize(params))


class KerascheckServer(LanguageServer):
    """pygls' server plus what kerascheck keeps per session: configs, timers, last results."""

    def __init__(self, debounce: float = DEBOUNCE_SECONDS) -> None:
        super().__init__(
            "kerascheck",
            __version__,
            protocol_cls=_Protocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(
                        notebook="*", cells=[types.NotebookCellLanguage(language="python")]
                    )
                ],
                save=True,
            ),
        )
        self.debounce = debounce
        self.timers: dict[str, asyncio.TimerHandle] = {}
        # URI -> what was published there last: (LSP diagnostic, kerascheck diagnostic)
        self.published: dict[str, list[tuple[types.Diagnostic, Diagnostic]]] = {}
        # directory -> (its config, the files that decide it, their mtimes when it was read)
        self.configs: dict[Path, tuple[Config, tuple[Path, ...], tuple[int, ...]]] = {}
        self.reported_config_errors: set[str] = set()
        # key -> (text, selection) of the last lint: a save or a metadata-only change re-lints nothing
        self.last_linted: dict[str, tuple[str, Selection | None, tuple[str, ...]]] = {}
        self.shut_down = False  # a ``shutdown`` request came: ``exit`` then means status 0, else 1
        self.exit_status: int | None = None
        # Project-wide analysis: imported modules are read from open documents first (unsaved
        # edits count); key -> resolved paths of the project modules its last lint depended on.
        self.project = Project(read=self.read_module, revalidate=True)
        self.dependencies: dict[str, set[Path]] = {}

    # -- transport --------------------------------------------------------------

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve over stdio with kerascheck's frame reader (see framing.py): garbage never ends the session."""
        from pygls.io_ import StdoutWriter

        from kerascheck.lsp.framing import StdinReader, read_messages

        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        protocol = self.protocol
        try:
            asyncio.run(
                read_messages(
                    StdinReader(stdin or sys.stdin.buffer),
                    parse=lambda body: json.loads(body, object_hook=protocol.structure_message),
                    handle=protocol.handle_message,
                    reply=protocol._send_data,
                    stopped=self._stop_event.is_set,
                )
            )
        except BrokenPipeError:
            log.error("the connection to the client is lost")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]  # pygls's own method is unannotated

    # -- configuration ------------------------------------------------------

    def config_for(self, path: Path | None) -> Config:
        """The file's configuration, resolved as on the command line (re-read when a source changes).

        A broken configuration is shown once as a message and the defaults apply
        meanwhile, so the editor keeps checking while the user fixes the file.
        """
        directory = (path.parent if path is not None else Path.cwd()).resolve()
        cached = self.configs.get(directory)
        if cached is not None and tuple(_mtime(p) for p in cached[1]) == cached[2]:
            return cached[0]
        try:
            config = resolve_config(directory)
        except ConfigError as error:
            message = f"kerascheck: {error}; using the default rules"
            if message not in self.reported_config_errors:
                self.reported_config_errors.add(message)
                self.window_show_message(types.ShowMessageParams(types.MessageType.Error, message))
            return Config(root=directory)  # not cached: the next lint tries the file again
        watched = deciding_files(directory, config)
        self.configs[directory] = (config, watched, tuple(_mtime(p) for p in watched))
        return config

    # -- linting --------------------------------------------------------------

    def target_for(self, uri: str) -> Target | None:
        notebook = self.workspace.get_notebook_document(cell_uri=uri) or self.workspace.get_notebook_document(
            notebook_uri=uri
        )
        if notebook is not None:
            return notebook_target(self.workspace, notebook)
        if uri.endswith(".ipynb"):
            return None  # a notebook opened as JSON text: the notebook protocol covers notebooks
        return text_target(self.workspace, uri)

    def schedule(self, key: str, delay: float | None = None) -> None:
        """Lint ``key`` after ``delay`` seconds, replacing a lint already waiting for it."""
        waiting = self.timers.pop(key, None)
        if waiting is not None:
            waiting.cancel()
        loop = asyncio.get_running_loop()
        self.timers[key] = loop.call_later(self.debounce if delay is None else delay, self.check, key)

    def check(self, key: str) -> None:
        """Lint the document or notebook ``key`` and publish, never raising."""
        self.timers.pop(key, None)
        started = time.perf_counter()
        try:
            target = self.target_for(key)
            if target is not None:
                self.lint_and_publish(target)
        except Exception as error:  # a bug of ours must not end the editing session
            log.exception("kerascheck failed on %s", key)
            self.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"kerascheck: internal error on {key}: {error!r}")
            )
        log.debug("checked %s in %.1f ms", key, (time.perf_counter() - started) * 1000)

    def selection_for(self, target: Target) -> Selection | None:
        """The rules for this document, or ``None`` if the configuration excludes the file."""
        config = self.config_for(target.path)
        if target.path is None:
            return config.selection
        if config.exclude and matches_any(target.path, config.exclude, config.root):
            return None
        return config.selection_for(target.path)

    def lint(self, target: Target) -> list[Diagnostic]:
        selection = self.selection_for(target)
        if selection is None:
            self.dependencies.pop(target.key, None)
            return []
        limit = self.config_for(target.path).max_file_size
        size = len(target.program.text.encode("utf-8", "surrogatepass"))
        if size > limit:  # the same budget as on the command line: one line, and the editor stays responsive
            message = f"too large to check: {size} bytes, over the max-file-size limit of {limit} bytes"
            return [tool_diagnostic("KC003", message, target.filename)]
        analysis = analyse_program(target.program, target.filename, selection, self.project)
        self.dependencies[target.key] = {Path(name) for name in analysis.deps}
        return analysis.diagnostics

    def read_module(self, path: Path) -> bytes | None:
        """An imported module's current text: the editor's buffer if it is open, else the disk."""
        try:
            document = self.workspace.text_documents.get(path.as_uri())
        except Exception:  # no workspace yet
            document = None
        if document is not None:
            source: str = document.source
            return source.encode("utf-8", "surrogatepass")
        try:
            return path.read_bytes()
        except OSError:
            return None

    def module_changed(self, uri: str) -> None:
        """A document changed: forget its summary and re-check the open documents that import it."""
        path = _fs_path(uri)
        if path is None:
            return
        self.project.forget({path})
        for key, deps in list(self.dependencies.items()):
            if path in deps and key != uri:
                self.last_linted.pop(key, None)
                self.schedule(key)

    def lint_and_publish(self, target: Target) -> None:
        state = (target.program.text, self.selection_for(target), tuple(target.uris))
        if self.last_linted.get(target.key) == state:
            return  # nothing that decides the findings changed since they were published
        self.publish(target, self.lint(target))
        self.last_linted[target.key] = state

    def publish(self, target: Target, diagnostics: Sequence[Diagnostic]) -> None:
        by_uri: dict[str, list[tuple[types.Diagnostic, Diagnostic]]] = {uri: [] for uri in target.uris}
        codec = self.workspace.position_codec
        lines = {uri: target.lines(uri) for uri in by_uri}
        for diagnostic in diagnostics:
            uri = target.uri_for(diagnostic.cell)
            if uri not in by_uri:
                continue
            by_uri[uri].append((lsp_diagnostic(codec, lines[uri], diagnostic, self.lines_of), diagnostic))
        for uri, pairs in by_uri.items():
            self.published[uri] = pairs
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=uri, diagnostics=[pair[0] for pair in pairs], version=target.versions.get(uri)
                )
            )

    def lines_of(self, filename: str) -> list[str]:
        """Another file's lines (for positions of related locations), open buffer first."""
        raw = self.read_module(Path(filename).resolve())
        return [] if raw is None else raw.decode("utf-8", "replace").splitlines(keepends=True)

    def clear(self, uris: Sequence[str]) -> None:
        for uri in uris:
            self.dependencies.pop(uri, None)
            self.last_linted.pop(uri, None)
            self.published.pop(uri, None)
            waiting = self.timers.pop(uri, None)
            if waiting is not None:
                waiting.cancel()
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # -- code actions and hover -----------------------------------------------

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        target = self.target_for(uri)
        if target is None:
            return []
        wanted = [d for d in params.context.diagnostics if d.source == SOURCE and isinstance(d.code, str)]
        only = params.context.only
        actions: list[types.CodeAction] = []
        if only is None or any(kind.startswith(types.CodeActionKind.QuickFix) for kind in only):
            actions += self.fix_actions(target, uri, wanted)
            actions += self.noqa_actions(target, uri, wanted)
        if not target.cell_uris and (only is None or any(FIX_ALL.startswith(kind) for kind in only)):
            actions += self.fix_all_action(target, uri)
        return actions

    def fix_actions(self, target: Target, uri: str, wanted: list[types.Diagnostic]) -> list[types.CodeAction]:
        if not wanted:
            return []
        codec = self.workspace.position_codec
        selection = self.selection_for(target)
        if selection is None:
            return []

        def matches(diagnostic: Diagnostic) -> types.Diagnostic | None:
            if target.uri_for(diagnostic.cell) != uri:
                return None
            where = span_range(codec, target.lines(uri), diagnostic.span)
            return next((w for w in wanted if w.code == diagnostic.code and w.range == where), None)

        planned = plan(target.program, target.filename, selection, unsafe=True, wanted=lambda d: bool(matches(d)))
        actions = []
        for fix in planned.fixes:
            changes = self.workspace_changes(target, fix.edits)
            client_diagnostic = matches(fix.diagnostic)
            if changes is None or client_diagnostic is None:
                continue
            title = f"Fix {fix.diagnostic.code}: {fix.fixer.title}" + ("" if fix.fixer.safe else " (unsafe)")
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[client_diagnostic],
                    edit=types.WorkspaceEdit(changes=changes),
                    is_preferred=fix.fixer.safe,
                )
            )
        return actions

    def workspace_changes(self, target: Target, edits: Sequence[object]) -> dict[str, list[types.TextEdit]] | None:
        codec = self.workspace.position_codec
        if not target.cell_uris:
            lines = target.lines(target.key)
            return {target.key: [text_edit(codec, lines, e) for e in edits]}  # type: ignore[arg-type]
        by_cell = edits_by_cell(target.program, target.sources, edits)  # type: ignore[arg-type]
        if by_cell is None:
            return None
        changes: dict[str, list[types.TextEdit]] = {}
        for cell, cell_edits in by_cell.items():
            uri = target.cell_uris[cell]
            lines = target.lines(uri)
            changes[uri] = [text_edit(codec, lines, e) for e in cell_edits]
        return changes

    def noqa_actions(self, target: Target, uri: str, wanted: list[types.Diagnostic]) -> list[types.CodeAction]:
        lines = target.lines(uri)
        actions = []
        for diagnostic in wanted:
            edit = noqa_edit(self.workspace.position_codec, lines, diagnostic.range.start.line, str(diagnostic.code))
            if edit is None:
                continue
            actions.append(
                types.CodeAction(
                    title=f"Ignore {diagnostic.code} on this line (# noqa: {diagnostic.code})",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=types.WorkspaceEdit(changes={uri: [edit]}),
                )
            )
        return actions

    def fix_all_action(self, target: Target, uri: str) -> list[types.CodeAction]:
        """``source.fixAll.kerascheck``: every safe fix of a Python file, as one whole-buffer edit."""
        from kerascheck.fix.apply import fix_document
        from kerascheck.fix.documents import SourceDocument

        selection = self.selection_for(target)
        if selection is None:
            return []
        before = SourceDocument(target.program.text)
        outcome = fix_document(before, target.filename, selection)
        if not outcome.changed or outcome.after is None:
            return []
        lines = target.lines(uri)
        end = types.Position(line=len(lines), character=0)
        edit = types.TextEdit(
            range=types.Range(start=types.Position(0, 0), end=end),
            new_text=outcome.after.text,  # type: ignore[union-attr]
        )
        return [
            types.CodeAction(
                title="Fix all safe kerascheck problems",
                kind=FIX_ALL,
                edit=types.WorkspaceEdit(changes={uri: [edit]}),
            )
        ]

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        from kerascheck.docs import rule_page
        from kerascheck.rules.base import get_rule

        hits = [
            pair
            for pair in self.published.get(params.text_document.uri, [])
            if contains(pair[0].range, params.position)
        ]
        pages = []
        for _shown, diagnostic in hits:
            rule = get_rule(diagnostic.code)
            if rule is not None:
                # The explanation without the rule's test examples: a hover is read mid-edit.
                pages.append(f"**{diagnostic.message}**\n\n{rule_page(rule, examples=False)}")
        if not pages:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(pages)),
            range=hits[0][0].range,
        )


def _mtime(path: Path | None) -> int:
    if path is None:
        return -1
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -2


def _fs_path(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    from pygls.uris import to_fs_path

    fs_path = to_fs_path(uri)
    return Path(fs_path).resolve() if fs_path else None


def create_server(debounce: float = DEBOUNCE_SECONDS) -> KerascheckServer:
    """A server with every feature registered (tests drive it in-process too)."""
    server = KerascheckServer(debounce)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: KerascheckServer, _params: None) -> None:
        ls.shut_down = True

    @server.feature(types.EXIT)
    def exit_(ls: KerascheckServer, _params: None) -> None:
        ls.exit_status = 0 if ls.shut_down else 1  # the protocol: exit without shutdown is status 1

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KerascheckServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, delay=0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KerascheckServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)
        ls.module_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: KerascheckServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, delay=0)
        ls.module_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KerascheckServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.clear([params.text_document.uri])
        ls.module_changed(params.text_document.uri)  # its importers now read the file on disk

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: KerascheckServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, delay=0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: KerascheckServer, params: types.DidChangeNotebookDocumentParams) -> None:
        closed = (
            params.change.cells.structure.did_close if params.change.cells and params.change.cells.structure else None
        )
        if closed:
            ls.clear([cell.uri for cell in closed])
        ls.schedule(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: KerascheckServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, delay=0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: KerascheckServer, params: types.DidCloseNotebookDocumentParams) -> None:
        waiting = ls.timers.pop(params.notebook_document.uri, None)
        if waiting is not None:
            waiting.cancel()
        ls.last_linted.pop(params.notebook_document.uri, None)
        ls.clear([cell.uri for cell in params.cell_text_documents])

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    def code_action(ls: KerascheckServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: KerascheckServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params)

    return server


class _Arguments(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise ValueError(message)


def serve(argv: Sequence[str]) -> int:
    """``kerascheck server [--stdio] [--debounce-ms N]``: speak LSP on stdin/stdout until exit."""
    parser = _Arguments(prog="kerascheck server", description="The kerascheck language server (stdio).")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    parser.add_argument(
        "--debounce-ms", type=int, default=int(DEBOUNCE_SECONDS * 1000), metavar="N", help="wait after edits"
    )
    try:
        args = parser.parse_args(list(argv))
    except ValueError as error:
        print(f"kerascheck: error: server: {error}", file=sys.stderr)
        return 2
    except SystemExit as stop:  # --help
        return 0 if stop.code == 0 else 2
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="kerascheck server: %(message)s")
    server = create_server(max(0, args.debounce_ms) / 1000)
    server.start_io()
    if server.exit_status is not None:
        return server.exit_status
    return 0 if server.shut_down else 1  # the client went away without shutdown and exit
