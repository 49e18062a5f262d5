"""Issue 14: one bad input costs one line, never the run: parse guard, budgets, decoding, odd paths.

Each pathological shape runs in a subprocess where a crash of the native
parser would be a signal (a negative return code) instead of taking pytest down.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import BAD_PROGRAM, run_cli

from kerascheck.api import check_source
from kerascheck.budget import MAX_NESTING
from kerascheck.config import Config, ConfigError, config_from_table
from kerascheck.runner import run
from kerascheck.static import guard

# A file that can contribute a finding (it builds a model): one that cannot is not parsed at all
# (static/prefilter.py), so its pathologies cost nothing and say nothing.
HEADER = "import keras\nmodel = keras.Sequential()\n"
# Valid or nearly valid Python that libcst's native parser crashes on or is super-linear on.
PATHOLOGICAL = {
    "and": "x = " + " and ".join(["a"] * 8000) + "\n",
    "not": "x = " + "not " * 8000 + "a\n",
    "minus": "x = " + "- " * 8000 + "a\n",
    "invert": "x = " + "~" * 8000 + "a\n",
    "lambda": "x = " + "lambda: " * 8000 + "1\n",
    "conditional": "x = " + "1 if a else " * 8000 + "1\n",
    "power": "x = " + "**".join(["2"] * 8000) + "\n",
    "elif": "if a:\n    pass\n" + "elif a:\n    pass\n" * 8000,
    "sum": "x = " + "+".join(["1"] * 5000) + "\n",
    "sum-over-lines": "x = (" + "+\n".join(["1"] * 5000) + ")\n",
    "attributes": "x = a" + ".b" * 5000 + "\n",
    "calls": "x = f" + "()" * 5000 + "\n",
    "subscripts": "x = a" + "[0]" * 5000 + "\n",
    "string-sum": "x = " + "+".join(['"a"'] * 5000) + "\n",
}

_CHILD = """
import json, sys
from kerascheck.api import check_source
found = check_source(sys.stdin.read())
print(json.dumps([[d.code, d.message] for d in found]))
"""


def lint_in_child(source: str) -> list[list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], input=source, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"child died ({done.returncode}): {done.stderr[-500:]}"
    result: list[list[str]] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("shape", sorted(PATHOLOGICAL))
def test_deep_nesting_without_brackets_is_one_line_not_a_crash(shape: str) -> None:
    found = lint_in_child(HEADER + PATHOLOGICAL[shape])
    assert len(found) == 1, found
    code, message = found[0]
    # CPython itself rejects most of these (KC001); what it accepts is over the budget (KC003).
    assert code in ("KC001", "KC003"), found
    assert message.startswith(("cannot parse:", "too complex to check:")), message


def test_valid_but_too_deep_chain_is_over_budget_with_its_depth() -> None:
    found = check_source(HEADER + PATHOLOGICAL["and"])
    assert [(d.code, d.name) for d in found] == [("KC003", "over-budget")]
    assert found[0].message == f"too complex to check: code nested 8003 levels deep (the budget is {MAX_NESTING})"


@pytest.mark.parametrize("shape", sorted(PATHOLOGICAL))
def test_pathological_file_that_builds_no_model_is_skipped_unparsed(shape: str) -> None:
    assert lint_in_child("import keras\n" + PATHOLOGICAL[shape]) == []


def test_long_elif_ladder_under_cpythons_limit_is_over_budget() -> None:
    found = check_source(HEADER + "if a:\n    pass\n" + "elif a:\n    pass\n" * 1000)
    assert [d.code for d in found] == ["KC003"]


def test_chains_within_the_budget_are_still_checked() -> None:
    chain = "n = " + "+".join(["1"] * 100) + "\n"
    found = check_source(chain + BAD_PROGRAM)
    assert [d.code for d in found] == ["KC101"]


def test_five_thousand_adjacent_string_literals_are_not_a_syntax_error() -> None:
    found = check_source(HEADER + "x = " + " ".join(['"a"'] * 5000) + "\n")
    assert [d.code for d in found] == ["KC003"]
    assert "Python accepts this file" in found[0].message


def test_guard_bound_skips_ordinary_code_without_parsing() -> None:
    text = BAD_PROGRAM * 50
    assert not guard._may_chain_too_long(text)
    guard.check(text)  # no exception


def test_guard_bound_sees_a_chain_split_over_lines_inside_brackets() -> None:
    assert guard._may_chain_too_long("x = (" + " +\n".join(["a"] * 500) + ")\n")


def test_integer_folding_is_bounded() -> None:
    # 30 squarings of an 8-digit number would be a billion digits; folding stops at the budget.
    source = HEADER + "x = 99999999\n" + "x = x * x\n" * 30 + BAD_PROGRAM
    assert [code for code, _message in lint_in_child(source)] == ["KC101"]


@pytest.mark.parametrize(
    ("literal", "wording"),
    [
        ('"\\x"', "unicode error"),
        ('"\\N{NO SUCH NAME}"', "unicode error"),
        ("1" * 4301, "Exceeds the limit (4300 digits)"),
    ],
)
def test_literals_python_rejects_are_kc001(literal: str, wording: str) -> None:
    found = check_source(f"import keras\nx = {literal}\nmodel = keras.Sequential([keras.layers.Dense(x)])\n")
    assert [d.code for d in found] == ["KC001"]
    assert wording in found[0].message
    assert found[0].span is not None and found[0].span.line == 2


def test_late_nul_byte_is_kc002() -> None:
    found = check_source("import keras\n" + "x = 'a" + " " * 9000 + "\x00'\n")
    assert [(d.code, d.message) for d in found] == [
        ("KC002", "binary file (a NUL byte at offset 9019), not Python source")
    ]


def test_lone_surrogate_through_check_source_is_kc002() -> None:
    found = check_source(HEADER + "x = '\ud800'\n")
    assert [(d.code, d.message) for d in found] == [
        ("KC002", "not Python source, the text has a lone surrogate (U+D800)")
    ]


@pytest.mark.parametrize(
    ("codec", "message"),
    [
        ("undefined", "cannot decode as undefined: UnicodeError"),
        ("punycode", "not valid punycode (byte 22): ordinal not in range(128)"),
        ("unicode_escape", "decoded as unicode_escape, the text has a lone surrogate (U+D800)"),
        ("rot13", "encoding 'rot13' is not a text encoding"),
    ],
)
def test_pep263_codecs_that_fail_are_kc002(tmp_path: Path, codec: str, message: str) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(f"# -*- coding: {codec} -*-\nimport keras\nx = 'caf\xe9 \\ud800'\n".encode("latin-1"))
    report = run([path], Config())
    assert report.errors == []
    assert [(d.code, d.message) for d in report.diagnostics] == [("KC002", message)]


# -- files that are not regular, links, sizes -------------------------------------------


def make_mixed_tree(root: Path) -> None:
    (root / "bad.py").write_text(BAD_PROGRAM, encoding="utf-8")
    os.mkfifo(root / "pipe.py")
    os.symlink("/dev/zero", root / "evil.py")
    os.symlink("loop.py", root / "loop.py")
    os.symlink("nowhere.py", root / "dangling.py")
    (root / "dir.py").mkdir()
    (root / "dir.py" / "inner.py").write_text(BAD_PROGRAM, encoding="utf-8")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "sock.py"))
    server.close()
    (root / os.fsdecode(b"caf\xe9.py")).write_text(BAD_PROGRAM, encoding="utf-8")
    (root / "bin.py").write_bytes(b"\x00\x01keras")


def codes_by_file(report_diagnostics: list[object]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for d in report_diagnostics:
        found.setdefault(Path(d.filename).name, []).append(d.code)  # type: ignore[attr-defined]
    return found


def test_directory_walk_over_a_mixed_tree(tmp_path: Path) -> None:
    make_mixed_tree(tmp_path)
    report = run([tmp_path], Config(root=tmp_path))
    assert report.errors == []
    by_file = codes_by_file(report.diagnostics)
    # FIFOs, sockets and devices met in a walk are not source: skipped in silence.
    assert by_file == {
        "bad.py": ["KC101"],
        "bin.py": ["KC002"],
        os.fsdecode(b"caf\xe9.py"): ["KC101"],
        "dangling.py": ["KC002"],
        "inner.py": ["KC101"],
        "loop.py": ["KC002"],
    }
    messages = {Path(d.filename).name: d.message for d in report.diagnostics}
    assert messages["dangling.py"] == "cannot read: broken symbolic link"
    assert messages["loop.py"] == "cannot read: symbolic link loop"


def test_explicit_odd_paths_each_get_one_line(tmp_path: Path) -> None:
    make_mixed_tree(tmp_path)
    names = ["pipe.py", "evil.py", "loop.py", "dangling.py", "sock.py", "bad.py"]
    result = run_cli("--no-cache", *(tmp_path / n for n in names), "/dev/null", cwd=tmp_path)
    assert result.code == 1, result.err
    lines = [line for line in result.out.splitlines() if ": KC" in line]
    assert len(lines) == 7, result.out
    assert any(line.startswith(f"{tmp_path}/pipe.py:1:1: KC002") and "(a FIFO); skipped" in line for line in lines)
    assert any("evil.py:1:1: KC002 [error] not a regular file (a character device)" in line for line in lines)
    assert any("sock.py:1:1: KC002 [error] not a regular file (a socket)" in line for line in lines)
    assert any(line.startswith("/dev/null:1:1: KC002") for line in lines)
    assert any("bad.py:4:52: KC101" in line for line in lines)


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_non_utf8_names_on_a_strict_utf8_stdout(tmp_path: Path, output_format: str) -> None:
    make_mixed_tree(tmp_path)
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    done = subprocess.run(
        [sys.executable, "-m", "kerascheck", "--no-cache", "--output-format", output_format, "."],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert done.returncode == 1, done.stderr.decode(errors="replace")
    out = done.stdout.decode("utf-8")  # valid UTF-8, whatever the names
    assert "caf" in out
    if output_format in ("json", "sarif"):
        document = json.loads(out)
        if output_format == "sarif":
            uris = [
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]
            ]
            assert "caf%E9.py" in uris


def test_size_cap_is_configurable_and_one_line(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    path.write_text(BAD_PROGRAM + "#" * 2000 + "\n", encoding="utf-8")
    config = config_from_table({"max-file-size": 1000}, tmp_path / "pyproject.toml")
    report = run([path], config)
    assert [(d.code, d.message) for d in report.diagnostics] == [
        ("KC003", f"too large to check: {path.stat().st_size} bytes, over the max-file-size limit of 1000 bytes")
    ]
    assert [d.code for d in run([path], Config()).diagnostics] == ["KC101"]
    with pytest.raises(ConfigError, match="max-file-size"):
        config_from_table({"max-file-size": "big"}, tmp_path / "pyproject.toml")


# -- the cache: never followed through a symlink, every entry validated ------------------


def cached_run(root: Path) -> list[tuple[str, str]]:
    from kerascheck.api import check_paths
    from kerascheck.config import load_config

    report = check_paths(["."], load_config(start=root), use_cache=True)
    assert report.errors == []
    return [(Path(d.filename).name, d.code) for d in report.diagnostics]


@pytest.fixture
def cache_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from kerascheck import cache as cache_module

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache_module.ENV_CACHE_DIR, raising=False)
    (tmp_path / "pyproject.toml").write_text("[tool.kerascheck]\n", encoding="utf-8")
    (tmp_path / "a.py").write_text(BAD_PROGRAM, encoding="utf-8")
    return tmp_path


def test_committed_cache_symlink_to_the_root_is_refused(cache_project: Path) -> None:
    os.symlink(".", cache_project / ".kerascheck_cache")
    before = sorted(p.name for p in cache_project.iterdir())
    assert cached_run(cache_project) == [("a.py", "KC101")]
    assert cached_run(cache_project) == [("a.py", "KC101")]  # still checked: no .gitignore of `*` written
    assert sorted(p.name for p in cache_project.iterdir()) == before


def test_results_file_that_is_a_symlink_or_fifo_is_neither_read_nor_written(
    cache_project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from kerascheck.cache import Cache, default_directory
    from kerascheck.config import load_config

    config = load_config(start=cache_project)
    results = Cache.open(default_directory(cache_project), config.fingerprint()).path
    results.parent.mkdir()
    outside = tmp_path_factory.mktemp("outside") / "victim.json"
    outside.write_text("precious", encoding="utf-8")
    os.symlink(outside, results)
    assert cached_run(cache_project) == [("a.py", "KC101")]
    assert outside.read_text(encoding="utf-8") == "precious" and results.is_symlink()
    results.unlink()
    os.mkfifo(results)
    assert cached_run(cache_project) == [("a.py", "KC101")]  # a FIFO would block a plain open()


@pytest.mark.parametrize(
    "entries",
    [
        {"a.py": ["DIGEST", [[1, 2, 3, 4, 5, 6, 7, 8]]]},
        {"a.py": ["DIGEST", [["KC101", "n", "error", "m", "f", ["x", 1, 1, 1], None, None]]]},
        {"a.py": ["DIGEST", [["KC101", "n", "nonsense", "m", "f", None, None, None]]]},
        {"a.py": ["DIGEST", [["KC101", "n", "error", "m", "f", None, -3, None]]]},
        {"a.py": ["DIGEST", "not a list"]},
        {"a.py": 7},
    ],
)
def test_ill_typed_cache_entries_are_recomputed(cache_project: Path, entries: dict[str, object]) -> None:
    from kerascheck.cache import Cache, default_directory, digest
    from kerascheck.config import load_config

    cached_run(cache_project)
    cache = Cache.open(default_directory(cache_project), load_config(start=cache_project).fingerprint())
    from kerascheck.cache import seal

    typed = json.loads(json.dumps(entries).replace("DIGEST", digest((cache_project / "a.py").read_bytes())))
    # A correct checksum: the entry itself must be rejected for its shape, not the file for its seal.
    cache.path.write_text(json.dumps({"key": cache.key, "check": seal(typed), "entries": typed}), encoding="utf-8")
    assert cached_run(cache_project) == [("a.py", "KC101")]


def test_deeply_nested_results_file_is_ignored(cache_project: Path) -> None:
    from kerascheck.cache import Cache, default_directory
    from kerascheck.config import load_config

    cached_run(cache_project)
    cache = Cache.open(default_directory(cache_project), load_config(start=cache_project).fingerprint())
    cache.path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert cached_run(cache_project) == [("a.py", "KC101")]
    assert cached_run(cache_project) == [("a.py", "KC101")]  # and rewritten, so later runs are served again
    assert json.loads(cache.path.read_text(encoding="utf-8"))["key"] == cache.key


# -- --fix keeps the file's encoding, line endings and BOM ---------------------------


def _common_prefix(a: bytes, b: bytes) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _changed_span(before: bytes, after: bytes) -> tuple[bytes, bytes]:
    """The bytes that differ (before, after), once the common prefix and suffix are cut."""
    prefix = _common_prefix(before, after)
    suffix = _common_prefix(before[prefix:][::-1], after[prefix:][::-1])
    return before[prefix : len(before) - suffix], after[prefix : len(after) - suffix]


FIX_PROGRAM = BAD_PROGRAM + 'name = "café"\n'


@pytest.mark.parametrize(
    ("layout", "raw"),
    [
        ("latin-1 cookie", ("# -*- coding: latin-1 -*-\n" + FIX_PROGRAM).encode("latin-1")),
        ("CRLF", FIX_PROGRAM.replace("\n", "\r\n").encode("utf-8")),
        ("BOM", b"\xef\xbb\xbf" + FIX_PROGRAM.encode("utf-8")),
        ("BOM and CRLF", b"\xef\xbb\xbf" + FIX_PROGRAM.replace("\n", "\r\n").encode("utf-8")),
    ],
)
def test_fix_writes_the_file_in_its_own_encoding_and_line_endings(tmp_path: Path, layout: str, raw: bytes) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(raw)
    result = run_cli("--no-cache", "--fix", "--unsafe-fixes", path, cwd=tmp_path)
    assert result.code == 0, (layout, result.err)
    after = path.read_bytes()
    assert _changed_span(raw, after) == (b"", b', activation="softmax"'), layout
    assert run_cli("--no-cache", path, cwd=tmp_path).code == 0


def test_fix_that_its_encoding_cannot_hold_is_declined(tmp_path: Path) -> None:
    from kerascheck.fix.documents import SourceDocument
    from kerascheck.static.source import UnreadableSource

    document = SourceDocument.load(b"# -*- coding: latin-1 -*-\nx = 1\n")
    fixed = document.apply([])
    assert fixed is not None
    with pytest.raises(UnreadableSource, match="latin-1 cannot encode"):
        SourceDocument(text=fixed.text + "y = '\u2603'\n", encoding="latin-1").content()


# -- smaller contract gaps --------------------------------------------------------------

CAST_AFTER_SOFTMAX = """import keras
from keras import layers

inputs = keras.Input(shape=(8,))
x = layers.Dense(10)(inputs)
x = layers.Activation("softmax")(x)
outputs = layers.Activation("linear", dtype="float32")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="categorical_crossentropy")
"""


def test_float32_linear_cast_after_softmax_is_not_a_missing_softmax(tmp_path: Path) -> None:
    assert check_source(CAST_AFTER_SOFTMAX) == []
    path = tmp_path / "m.py"
    path.write_text(CAST_AFTER_SOFTMAX, encoding="utf-8")
    result = run_cli("--no-cache", "--fix", "--unsafe-fixes", path, cwd=tmp_path)
    assert result.code == 0 and path.read_text(encoding="utf-8") == CAST_AFTER_SOFTMAX


def test_declined_fix_is_reported_to_the_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A finding marked fixable whose edits cannot be placed in the text (the one way left
    # for a fix to fall through) says so, instead of staying with no word.
    from kerascheck.fix.edits import FixContext

    monkeypatch.setattr(FixContext, "to_text_edit", lambda _self, _edit: None)
    path = tmp_path / "m.py"
    path.write_text(BAD_PROGRAM, encoding="utf-8")
    result = run_cli("--no-cache", "--fix", "--unsafe-fixes", path, cwd=tmp_path)
    assert result.code == 1
    assert f"kerascheck: note: {path}:4:52: KC101 has a fix, but it does not apply safely here" in result.err
    assert path.read_text(encoding="utf-8") == BAD_PROGRAM


def test_a_long_layer_chain_in_a_saved_model_is_over_budget_not_a_cycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    from kerascheck.runtime import saved

    monkeypatch.setattr(saved, "_MAX_CHAIN", 50)
    node = [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["d0", 0, 0]}}], "kwargs": {}}]
    layers_ = [{"class_name": "InputLayer", "name": "d0", "config": {"batch_shape": [None, 4]}, "inbound_nodes": []}]
    for index in range(1, 60):
        inbound = json.loads(json.dumps(node).replace('"d0"', f'"d{index - 1}"'))
        layers_.append({"class_name": "Dense", "name": f"d{index}", "config": {"units": 2}, "inbound_nodes": inbound})
    config = {"class_name": "Functional", "config": {"name": "f", "layers": layers_, "output_layers": [["d59", 0, 0]]}}
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
    found = saved.check_saved_model(str(path))
    assert [(d.code, d.message) for d in found] == [
        ("KC003", "too complex to check: the model config chains more than 50 layers")
    ]


def test_unreadable_files_and_directories_are_one_line_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite runs as root in CI, where file modes do not deny anything (and an unprivileged
    # user cannot reach this interpreter): the permission errors are injected where they arise.
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "m.py").write_text(BAD_PROGRAM, encoding="utf-8")
    (tmp_path / "secret.py").write_text(BAD_PROGRAM, encoding="utf-8")
    (tmp_path / "ok.py").write_text(BAD_PROGRAM, encoding="utf-8")
    real_scandir, real_open = os.scandir, os.open

    def scandir(path: object = ".") -> object:
        if Path(str(path)).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    def open_(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if Path(str(path)).name == "secret.py":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "open", open_)
    report = run([tmp_path], Config(root=tmp_path))
    assert report.errors == []
    by_name = {Path(d.filename).name: (d.code, d.message) for d in report.diagnostics}
    assert by_name["locked"] == ("KC002", "cannot list directory: Permission denied")
    assert by_name["secret.py"] == ("KC002", "cannot read: Permission denied")
    assert by_name["ok.py"][0] == "KC101"
    assert len(report.diagnostics) == 3


def test_stdin_is_read_up_to_the_size_cap(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zeros:
        done = subprocess.run(
            [sys.executable, "-m", "kerascheck", "--config", "max-file-size = 1000", "-"],
            stdin=zeros,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            check=False,
        )
    assert done.returncode == 1, done.stderr
    assert "<stdin>:1:1: KC003 [warning] too large to check: over the max-file-size limit of 1000 bytes" in done.stdout


def test_a_worker_that_dies_costs_its_file_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Defence in depth behind the guard: if native code ever kills a worker, the run goes on.
    from kerascheck import runner

    for index in range(33):  # enough files for worker processes
        (tmp_path / f"m{index:02d}.py").write_text(BAD_PROGRAM, encoding="utf-8")
    (tmp_path / "m07.py").write_text(BAD_PROGRAM + "# KILL-THE-WORKER\n", encoding="utf-8")
    monkeypatch.setattr(runner, "lint_task", _lint_or_die)
    report = run([tmp_path], Config(root=tmp_path), jobs=2)
    assert report.errors == []
    by_file = {Path(d.filename).name: (d.code, d.message) for d in report.diagnostics}
    assert len(by_file) == 33
    assert by_file["m07.py"] == ("KC003", runner.CRASHED)
    assert all(code == "KC101" for name, (code, _message) in by_file.items() if name != "m07.py")


def _lint_or_die(task: object) -> object:
    if b"KILL-THE-WORKER" in task.raw:  # type: ignore[attr-defined]
        os._exit(139)  # what a segfault in native code looks like from outside
    return _REAL_LINT_TASK(task)  # type: ignore[arg-type]


from kerascheck.runner import lint_task as _REAL_LINT_TASK  # noqa: E402  (before any test patches it)
