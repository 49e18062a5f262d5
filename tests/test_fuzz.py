"""The fuzz suite (issue 14): seeded, bounded, and run in CI.

A CI-sized run takes well under a minute; ``KERASCHECK_FUZZ=N`` runs ``N``
cases per family instead (e.g. ``KERASCHECK_FUZZ=3000`` for a long run) and
``KERASCHECK_FUZZ_SEED`` picks another seed. A failure names the seed and
case; ``python tests/fuzzing.py show SEED CASE`` prints that input.

What fails a test: an exception escaping the API, a crash of the process,
a run that does not finish within its generous wall-clock ceiling (a hang,
not a performance figure), a malformed diagnostic, a fix that does not
re-parse, is not idempotent or changes bytes outside its edit, a hostile
archive that runs code or writes a file, a cache that changes results, a
language server that stops answering.
"""

from __future__ import annotations

import difflib
import json
import os
import pickle
import random
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fuzzing import CI_CASES, DEFAULT_SEED, corpus, generated_program, mutate

from kerascheck.engine import DEFAULT_SELECTION
from kerascheck.fix.apply import choose, fix_bytes, plan
from kerascheck.fix.documents import load_document

CASES = int(os.environ.get("KERASCHECK_FUZZ", CI_CASES))
SEED = int(os.environ.get("KERASCHECK_FUZZ_SEED", DEFAULT_SEED))
HANG_CEILING = 600 + CASES  # seconds for a whole family: only a hang gets near it
FUZZING = Path(__file__).with_name("fuzzing.py")


def test_lint_never_raises_crashes_or_hangs_on_mutated_generated_and_notebook_inputs() -> None:
    done = subprocess.run(
        [sys.executable, str(FUZZING), "lint", str(SEED), str(CASES)],
        capture_output=True,
        text=True,
        timeout=HANG_CEILING,
        check=False,
    )
    last_case = (done.stderr.strip().splitlines() or ["(none)"])[-1]
    assert done.returncode in (0, 1), f"the child died ({done.returncode}) at {last_case} (seed {SEED})"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0, f"seed {SEED}: {report}"
    assert report["cases"] == 3 * CASES


# -- --fix --unsafe-fixes over every fixture that has a fix, and generated programs ---------------


def fix_inputs() -> list[tuple[str, bytes]]:
    rng = random.Random(SEED)
    inputs = [(f"corpus-{i}.py", raw) for i, raw in enumerate(corpus())]
    inputs += [(f"generated-{i}.py", generated_program(rng).encode()) for i in range(CASES)]
    return inputs


def _edited_lines(raw: bytes, name: str) -> set[int] | None:
    """0-based lines the first pass of fixes touches, or None if the fix needs more than one pass."""
    document = load_document(raw, name)
    chosen = choose(plan(document.program(), name, DEFAULT_SELECTION, unsafe=True).fixes)
    edits = [edit for fix in chosen for edit in fix.edits]
    once = document.apply(list(dict.fromkeys(edits)))
    final = fix_bytes(raw, name, DEFAULT_SELECTION, unsafe=True).after
    if once is None or final is None or once.content() != final.content():
        return None
    return {line - 1 for edit in edits for line in range(edit.start_line, edit.end_line + 1)}


def test_unsafe_fixes_reparse_are_idempotent_and_touch_only_their_edits() -> None:
    fixed = 0
    for name, raw in fix_inputs():
        outcome = fix_bytes(raw, name, DEFAULT_SELECTION, unsafe=True)
        assert outcome.error is None, (name, outcome.error)
        if not outcome.changed:
            continue
        fixed += 1
        assert outcome.after is not None
        after = outcome.after.content()
        compile(after, name, "exec", dont_inherit=True)  # the result is Python
        again = fix_bytes(after, name, DEFAULT_SELECTION, unsafe=True)
        assert not again.changed, f"{name}: a second --fix changed it again"
        touched = _edited_lines(raw, name)
        if touched is None:
            continue
        before_lines, after_lines = raw.splitlines(keepends=True), after.splitlines(keepends=True)
        matcher = difflib.SequenceMatcher(a=before_lines, b=after_lines, autojunk=False)
        for tag, start, end, _b_start, _b_end in matcher.get_opcodes():
            if tag == "equal":
                continue
            changed = set(range(start, max(end, start + 1)))
            near = {line for t in touched for line in (t - 1, t, t + 1)}  # an insertion sits next to its edit
            assert changed <= near, f"{name}: lines {sorted(changed)} changed outside the edits {sorted(touched)}"
    assert fixed >= 10  # the corpus has fixable findings: the property was really exercised


# -- hostile saved models --------------------------------------------------------------------


class _Payload:
    """Unpickling this writes a marker file: the runtime front-end must never unpickle anything."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.marker, "pwned"))


def hostile_archives(directory: Path, marker: Path) -> list[Path]:
    rng = random.Random(SEED)
    payload = pickle.dumps(_Payload(marker))
    valid = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": []}})
    # Keras serialises a lambda as marshalled bytecode: a reader must never load it.
    function = {"class_name": "__lambda__", "config": {"code": payload.hex(), "defaults": None, "closure": None}}
    lambda_layer = {"class_name": "Lambda", "config": {"name": "l", "function": function}}
    members: list[dict[str, bytes | str]] = [
        {"config.json": b"\x00" * 60 * 1024 * 1024},  # a zip bomb: 60 MiB of zeros, ~60 KiB compressed
        {"../../escape.json": valid, "config.json": valid},
        {"/etc/passwd": valid, "config.json": valid},
        {"config.json": "[" * 100_000 + "]" * 100_000},
        {"config.json": json.dumps({"class_name": "Sequential", "config": {"layers": [{}] * 200_000}})},
        {"config.json": valid, "model.weights.pkl": payload, "metadata.json": payload},
        {"config.json": payload},
        {"config.json": json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [lambda_layer]}})},
    ]
    paths = []
    for index, member_set in enumerate(members):
        path = directory / f"hostile-{index}.keras"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in member_set.items():
                archive.writestr(name, data)
        paths.append(path)
    for index in range(max(8, CASES // 10)):  # damaged bytes of a valid archive
        data = bytearray((paths[1]).read_bytes())
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path = directory / f"damaged-{index}.keras"
        path.write_bytes(bytes(data))
        paths.append(path)
    fake_h5 = directory / "fake.h5"
    fake_h5.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(4096)))
    paths.append(fake_h5)
    return paths


def test_hostile_archives_are_one_line_each_and_never_run_or_write_anything(tmp_path: Path) -> None:
    from kerascheck.runtime.saved import check_saved_model

    archives = tmp_path / "archives"
    archives.mkdir()
    marker = tmp_path / "marker.txt"
    paths = hostile_archives(archives, marker)
    before = sorted(p.name for p in archives.iterdir())
    for path in paths:
        found = check_saved_model(str(path))
        assert all("\n" not in d.message for d in found), path
        assert all(d.code in ("KC002", "KC003") for d in found), (path, found)
    assert not marker.exists(), "a pickled payload ran"
    assert sorted(p.name for p in archives.iterdir()) == before, "something was extracted or written"
    assert not (tmp_path / "escape.json").exists()


# -- the cache: corrupted between runs, symlinked, and two runs at once ------------------------------


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kerascheck", "--output-format", "json", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=HANG_CEILING,
        check=False,
    )


def _findings(done: subprocess.CompletedProcess[str]) -> list[tuple[str, str, int]]:
    assert done.returncode in (0, 1), done.stderr
    return sorted((d["filename"], d["code"], d["line"]) for d in json.loads(done.stdout))


def _in_process(root: Path, *, use_cache: bool = True) -> list[tuple[str, str, int]]:
    from kerascheck.api import check_paths
    from kerascheck.config import load_config

    report = check_paths(["."], load_config(start=root), use_cache=use_cache)
    assert report.errors == []
    return sorted((d.filename, d.code, d.line) for d in report.diagnostics)


def test_cache_corruption_between_runs_never_changes_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kerascheck import cache as cache_module

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache_module.ENV_CACHE_DIR, raising=False)
    rng = random.Random(SEED)
    for index, raw in enumerate(corpus()[:12]):
        (tmp_path / f"f{index}.py").write_bytes(raw)
    expected = _in_process(tmp_path, use_cache=False)
    assert expected
    cache_dir = tmp_path / ".kerascheck_cache"
    assert _in_process(tmp_path) == expected
    for _ in range(max(10, CASES // 5)):
        (results,) = list(cache_dir.glob("results-*.json"))
        choice = rng.randrange(5)
        if choice == 0:
            results.write_bytes(mutate(rng, results.read_bytes()))
        elif choice == 1:
            data = json.loads(results.read_text(encoding="utf-8"))
            junk: list[Any] = [
                None,
                3,
                "x",
                [],
                {},
                [1, 2],
                ["KC101"] * 8,
                [["KC101", "n", "error", "m", "f", [0, 0, 0, 0], 0, 0]],
            ]
            for entry in data["entries"].values():
                entry[rng.randrange(2)] = rng.choice(junk)
            results.write_text(json.dumps(data), encoding="utf-8")
        elif choice == 2:
            results.unlink()
            os.symlink(tmp_path / "f0.py", results)
        elif choice == 3:
            results.unlink()
            os.mkfifo(results)
        else:
            results.write_text("[" * 50_000, encoding="utf-8")
        assert _in_process(tmp_path) == expected
        if results.is_symlink() or not results.is_file():
            results.unlink()
            assert _in_process(tmp_path) == expected
    assert (tmp_path / "f0.py").read_bytes() == corpus()[0]  # a symlinked results file never wrote through


def test_two_concurrent_runs_on_one_tree(tmp_path: Path) -> None:
    for index, raw in enumerate(corpus()[:20]):
        (tmp_path / f"f{index}.py").write_bytes(raw)
    expected = _findings(_cli(tmp_path, "--no-cache"))
    command = [sys.executable, "-m", "kerascheck", "--output-format", "json", "."]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for process in runs:
        out, err = process.communicate(timeout=HANG_CEILING)
        assert _findings(subprocess.CompletedProcess(command, process.returncode, out, err)) == expected
    (results,) = list((tmp_path / ".kerascheck_cache").glob("results-*.json"))
    assert json.loads(results.read_text(encoding="utf-8"))["entries"]
    assert _findings(_cli(tmp_path)) == expected


def test_symlinked_cache_directory_is_never_written_through(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / "m.py").write_bytes(corpus()[0])
    os.symlink(elsewhere, project / ".kerascheck_cache")
    expected = _findings(_cli(project, "--no-cache"))
    assert _findings(_cli(project)) == expected
    assert _findings(_cli(project)) == expected
    assert list(elsewhere.iterdir()) == []


# -- the language server under random traffic ---------------------------------------------------


def random_frames(rng: random.Random, count: int) -> list[bytes]:
    methods = [
        "textDocument/didOpen", "textDocument/didChange", "textDocument/hover", "textDocument/codeAction",
        "textDocument/didClose", "workspace/didChangeConfiguration", "$/cancelRequest", "nonsense/method",
        "initialize", "notebookDocument/didOpen",
    ]  # fmt: skip
    values: list[Any] = [None, 0, -1, 2**70, "", "x" * 1000, [], {}, {"uri": 3}, [[[[[]]]]], True]
    frames = []
    for _ in range(count):
        kind = rng.randrange(6)
        if kind == 0:
            frames.append(bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))))
        elif kind == 1:
            frames.append(f"Content-Length: {rng.choice(['', 'abc', '-3', '0', '1', '9' * 14])}\r\n\r\n".encode())
        else:
            message: dict[str, Any] = {"jsonrpc": "2.0", "method": rng.choice(methods)}
            if rng.random() < 0.5:
                message["id"] = rng.choice([1, "a", None, 2.5, [1]])
            message["params"] = rng.choice(values) if kind == 2 else {"textDocument": {"uri": rng.choice(values)}}
            body = json.dumps(message).encode()
            length = len(body) + rng.choice([0, 0, 0, -2, 3])
            frames.append(b"Content-Length: %d\r\n\r\n%s" % (max(length, 0), body))
    return frames


def test_random_lsp_traffic_leaves_the_server_answering(tmp_path: Path) -> None:
    from test_lsp_reliability import RawClient

    rng = random.Random(SEED)
    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path)
        for number, raw in enumerate(random_frames(rng, max(20, CASES // 4))):
            client.send(raw)
            client.send(b"\r\n\r\n")  # end a frame whose length was too long, as a client's next frame would
            assert client.alive(), f"seed {SEED}: no answer after frame {number}: {raw[:200]!r}"
            assert client.process.poll() is None, f"seed {SEED}: the server exited after frame {number}"
    finally:
        client.process.kill()
        client.process.wait(timeout=60)


@pytest.mark.parametrize("text", ["import keras\n" + "x = " + " and ".join(["a"] * 8000), "import keras\n\x00"])
def test_hostile_documents_over_lsp(tmp_path: Path, text: str) -> None:
    from test_lsp_reliability import RawClient

    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path)
        uri = (tmp_path / "m.py").as_uri()
        client.open(uri, text)
        assert len(client.diagnostics(uri)) <= 1
        assert client.alive()
    finally:
        client.process.kill()
        client.process.wait(timeout=60)
