"""Benchmark: the static front-end against libcst parse-only of the same files, in the same command.

Absolute times depend on the machine; each figure is also given as a ratio
to ``libcst.parse_module`` over the same corpus, measured in this process
just before, so the table says what kerascheck costs on top of parsing.

    python bench/bench_static.py [--files 300] [--runs 3] [--markdown]

The corpus replicates ``tests/fixtures/**/*.py`` and ``examples/*.py`` (each
copy with its own header comment, so no two files are equal) to ``--files``
Keras files in a temporary directory, plus 20 % non-Keras files from the
standard library that the prefilter skips without parsing. Rows:

* cold single-process run (``--jobs 1``, no cache)           target <= 1.5x parse-only
* cold run with ``--jobs`` = all cores (information)
* cached re-run of the unchanged tree (in-process)           target <= 0.1x parse-only
* cached re-run through the CLI (a new process, information)
* one-file CLI run, wall time with interpreter start-up      target <= 0.3 s
  next to ``python -c "import libcst"``
* language server: re-check of a 300-line file after an edit target <= 50 ms
  (in-process lint + conversion; and end to end over stdio with no debounce)
* the parse guard (``kerascheck/static/guard.py``) over the Keras files'
  texts, against libcst's parse of the same texts         target <= 0.05x
  (and, for information, over the large plain files, which the prefilter
  normally keeps from it)

Nothing here is asserted: the figures are printed as a table (``--markdown``
for ``docs/performance.md``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import libcst  # noqa: E402

from kerascheck.config import Config  # noqa: E402
from kerascheck.runner import default_jobs, run  # noqa: E402

TARGETS = {
    "cold": ("<= 1.5x", 1.5),
    "cached": ("<= 0.1x", 0.1),
    "one-file": ("<= 0.3 s", 0.3),
    "lsp": ("<= 50 ms", 0.05),
    "guard": ("<= 0.05x", 0.05),
}


def sources() -> list[Path]:
    found = sorted((ROOT / "tests" / "fixtures").rglob("*.py")) + sorted((ROOT / "examples").glob("*.py"))
    return [p for p in found if "scratch" not in p.parts and "projects" not in p.parts]


def stdlib_files(count: int) -> list[Path]:
    """Plain Python files that never mention Keras: what the prefilter must skip cheaply."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    chosen: list[Path] = []
    for path in sorted(stdlib.glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "keras" not in text and "tensorflow" not in text and 2_000 < len(text) < 60_000:
            chosen.append(path)
        if len(chosen) == count:
            break
    return chosen


def build_corpus(directory: Path, keras_files: int) -> list[Path]:
    files: list[Path] = []
    originals = sources()
    for index in range(keras_files):
        original = originals[index % len(originals)]
        folder = directory / f"pkg{index // 50:02d}"
        folder.mkdir(exist_ok=True)
        copy = folder / f"{original.stem}_{index:04d}.py"
        copy.write_text(f"# corpus copy {index}\n" + original.read_text(encoding="utf-8"), encoding="utf-8")
        files.append(copy)
    plain = directory / "plain"
    plain.mkdir()
    for path in stdlib_files(max(1, keras_files // 5)):
        target = plain / path.name
        shutil.copyfile(path, target)
        files.append(target)
    return files


def timed(function: Callable[[], object], runs: int) -> float:
    """The median wall time of ``runs`` calls, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def parse_only(files: list[Path]) -> None:
    for path in files:
        libcst.parse_module(path.read_text(encoding="utf-8"))


def guard_cost(files: list[Path], runs: int) -> tuple[float, float]:
    """(guard time, libcst parse time) over the same texts, read beforehand."""
    from kerascheck.static import guard

    texts = [path.read_text(encoding="utf-8") for path in files]
    parse = timed(lambda: [libcst.parse_module(text) for text in texts], runs)
    checked = timed(lambda: [guard.check(text) for text in texts], max(runs, 5))
    return checked, parse


def wall(command: list[str], runs: int, cwd: Path) -> float:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    subprocess.run(command, cwd=cwd, capture_output=True, env=env, check=False)  # warm the OS file cache
    return timed(lambda: subprocess.run(command, cwd=cwd, capture_output=True, env=env, check=False), runs)


def three_hundred_lines() -> str:
    """A realistic 300-line program: whole fixture programs, in order, until 300 lines."""
    parts: list[str] = []
    lines = 0
    for path in sources():
        text = path.read_text(encoding="utf-8")
        try:
            libcst.parse_module("".join(parts) + text)
        except libcst.ParserSyntaxError:
            continue
        parts.append(text)
        lines += text.count("\n")
        if lines >= 300:
            break
    return "".join(parts)


def lsp_in_process(text: str, runs: int) -> float:
    """What the server does after an edit: apply it, build the target, lint, convert to LSP diagnostics."""
    from lsprotocol import types
    from pygls.workspace import Workspace

    from kerascheck.lsp.server import KerascheckServer
    from kerascheck.lsp.targets import text_target

    server = KerascheckServer()
    server.text_document_publish_diagnostics = lambda params: None  # type: ignore[method-assign]
    server.protocol._workspace = Workspace(None)  # what ``initialize`` sets up
    uri = Path(tempfile.gettempdir(), "bench_lsp.py").as_uri()
    server.workspace.put_text_document(types.TextDocumentItem(uri, "python", 1, text))
    document = server.workspace.get_text_document(uri)
    edits = iter(range(10_000))

    def recheck() -> None:
        line = next(edits) % 200 + 1
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(line, 0), types.Position(line, 0)), text="# edited\n"
        )
        document.apply_change(change)
        target = text_target(server.workspace, uri)
        assert target is not None
        server.publish(target, server.lint(target))

    recheck()
    return timed(recheck, runs)


def lsp_end_to_end(text: str, runs: int) -> float:
    """didChange -> publishDiagnostics over stdio, with the debounce turned off."""
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    async def main() -> float:
        client = LanguageClient("bench", "1")
        queue: asyncio.Queue[object] = asyncio.Queue()

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            queue.put_nowait(params)

        await client.start_io(sys.executable, "-m", "kerascheck", "server", "--debounce-ms", "0")
        await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
        client.initialized(types.InitializedParams())
        uri = Path(tempfile.gettempdir(), "bench_lsp_e2e.py").as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
        await queue.get()
        times = []
        for version in range(2, runs + 2):
            change = types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(version, 0), types.Position(version, 0)), text="# edited\n"
            )
            start = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    types.VersionedTextDocumentIdentifier(uri=uri, version=version), [change]
                )
            )
            await queue.get()
            times.append(time.perf_counter() - start)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        return statistics.median(times)

    return asyncio.run(main())


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return f"nproc {default_jobs()}, {cpu}, Python {platform.python_version()}, libcst {version('libcst')}"


def verdict(key: str, value: float) -> str:
    limit = TARGETS[key][1]
    return "met" if value <= limit else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=300, help="Keras files in the corpus (plus 20%% plain)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions per figure (the median is shown)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kerascheck-bench-") as temporary:
        corpus = Path(temporary) / "corpus"
        corpus.mkdir()
        files = build_corpus(corpus, args.files)
        lines = sum(p.read_text(encoding="utf-8").count("\n") for p in files)
        config = Config(root=corpus)
        os.environ["KERASCHECK_CACHE_DIR"] = str(Path(temporary) / "cache")

        keras_files = files[: args.files]
        parse = timed(lambda: parse_only(files), args.runs)
        parse_keras = timed(lambda: parse_only(keras_files), args.runs)
        cold = timed(lambda: run([corpus], config, jobs=1, use_cache=False), args.runs)
        parallel = timed(lambda: run([corpus], config, jobs=default_jobs(), use_cache=False), args.runs)
        run([corpus], config, jobs=1, use_cache=True)  # fill the cache
        cached = timed(lambda: run([corpus], config, jobs=1, use_cache=True), args.runs)
        python = sys.executable
        cached_cli = wall([python, "-m", "kerascheck", "--exit-zero", "."], args.runs, corpus)
        one = files[0]
        one_file = wall([python, "-m", "kerascheck", "--no-cache", "--exit-zero", str(one)], max(5, args.runs), corpus)
        one_cached = wall([python, "-m", "kerascheck", "--exit-zero", str(one)], max(5, args.runs), corpus)
        import_libcst = wall([python, "-c", "import libcst"], max(5, args.runs), corpus)
        python_only = wall([python, "-c", "pass"], max(5, args.runs), corpus)
        guard_keras, parse_keras_texts = guard_cost(keras_files, args.runs)
        guard_plain, parse_plain_texts = guard_cost(files[args.files :], args.runs)
        text = three_hundred_lines()
        lsp = lsp_in_process(text, max(20, args.runs))
        lsp_e2e = lsp_end_to_end(text, max(20, args.runs))

    rows = [
        ("libcst parse-only, all files (baseline)", f"{parse:.3f} s", "1.00x", "", ""),
        ("libcst parse-only, the Keras files alone", f"{parse_keras:.3f} s", f"{parse_keras / parse:.2f}x", "", ""),
        ("cold run, 1 process, no cache", f"{cold:.3f} s", f"{cold / parse:.2f}x", TARGETS["cold"][0],
         verdict("cold", cold / parse)),
        ("  the same against the Keras files' parse alone", "", f"{cold / parse_keras:.2f}x", TARGETS["cold"][0],
         verdict("cold", cold / parse_keras)),
        (f"cold run, --jobs {default_jobs()}", f"{parallel:.3f} s", f"{parallel / parse:.2f}x", "", ""),
        ("cached re-run, unchanged tree", f"{cached:.3f} s", f"{cached / parse:.3f}x", TARGETS["cached"][0],
         verdict("cached", cached / parse)),
        ("cached re-run via the CLI (new process)", f"{cached_cli:.3f} s", f"{cached_cli / parse:.3f}x", "", ""),
        ("one-file CLI run (interpreter start included)", f"{one_file:.3f} s", "", TARGETS["one-file"][0],
         verdict("one-file", one_file)),
        ("one-file CLI run, result cached", f"{one_cached:.3f} s", "", TARGETS["one-file"][0],
         verdict("one-file", one_cached)),
        ('  next to: python -c "import libcst"', f"{import_libcst:.3f} s", "", "", ""),
        ('  next to: python -c "pass"', f"{python_only:.3f} s", "", "", ""),
        (f"LSP re-check after an edit ({text.count(chr(10))} lines, in-process)", f"{lsp * 1000:.1f} ms", "",
         TARGETS["lsp"][0], verdict("lsp", lsp)),
        ("LSP didChange -> publishDiagnostics (stdio, no debounce)", f"{lsp_e2e * 1000:.1f} ms", "", "", ""),
        ("parse guard over the Keras files (vs their parse)", f"{guard_keras:.4f} s",
         f"{guard_keras / parse_keras_texts:.3f}x", TARGETS["guard"][0],
         verdict("guard", guard_keras / parse_keras_texts)),
        ("  over the large plain files (vs their parse)", f"{guard_plain:.4f} s",
         f"{guard_plain / parse_plain_texts:.3f}x", "", ""),
    ]  # fmt: skip
    keras_count = args.files
    print(f"corpus: {len(files)} files ({keras_count} Keras, {len(files) - keras_count} plain), {lines} lines")
    print(f"machine: {machine()}")
    header = ("measure", "time", "vs parse-only", "target", "")
    if args.markdown:
        print("\n| " + " | ".join(header) + " |\n|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(str(r[i])) for r in (*rows, header)) for i in range(len(header))]
        for row in (header, *rows):
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
