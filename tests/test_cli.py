"""The command line: exit codes, formats, selection, stdin, rule docs."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import BAD_PROGRAM, GOOD_PROGRAM, run_cli, run_subprocess

from kerascheck.rules.base import all_rules


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_exit_codes(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.py", BAD_PROGRAM)
    good = write(tmp_path, "good.py", GOOD_PROGRAM)
    assert run_cli(good).code == 0
    result = run_cli(bad)
    assert result.code == 1
    assert "KC101 [error]" in result.out
    assert run_cli(bad, "--exit-zero").code == 0
    missing = run_cli(tmp_path / "nope.py")
    assert missing.code == 2
    assert "path does not exist" in missing.err
    assert run_cli("--output-format", "xml", good).code == 2


def test_text_format_has_position_and_fix_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.py", BAD_PROGRAM)
    lines = run_cli(bad).out.splitlines()
    assert lines[0] == (
        f"{bad}:4:52: KC101 [error] Dense outputs 3 units with no activation, but categorical_crossentropy "
        "expects probabilities (from_logits=False)"
    )
    assert lines[1].startswith("  fix: ")
    assert lines[-2:] == ["Found 1 problem (1 error).", "No fixes with `--fix` (1 with `--unsafe-fixes`)."]


def test_json_format_keys_and_columns_agree_with_text(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.py", BAD_PROGRAM)
    data = json.loads(run_cli(bad, "--output-format", "json").out)
    assert len(data) == 1
    item = data[0]
    for key in (
        "code",
        "name",
        "severity",
        "message",
        "fix",
        "filename",
        "line",
        "column",
        "end_line",
        "end_column",
    ):
        assert key in item
    assert (item["code"], item["name"], item["severity"]) == ("KC101", "missing-softmax", "error")
    text_position = run_cli(bad).out.split(": KC101")[0]
    assert text_position == f"{item['filename']}:{item['line']}:{item['column']}"
    assert (item["end_line"], item["end_column"]) == (4, 67)


def test_select_ignore_and_prefixes(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.py", BAD_PROGRAM)
    assert run_cli(bad, "--ignore", "KC101").code == 0
    assert run_cli(bad, "--ignore", "KC1").code == 0
    assert run_cli(bad, "--select", "KC4").code == 0
    assert run_cli(bad, "--select", "KC1").code == 1
    assert run_cli(bad, "--select", "KC4", "--extend-select", "KC101").code == 1
    unknown = run_cli(bad, "--select", "KC999")
    assert unknown.code == 2
    assert "matches no kerascheck rule" in unknown.err


def test_info_rules_are_opt_in(tmp_path: Path) -> None:
    program = (
        GOOD_PROGRAM.replace("layers.Dense(3", "layers.Dense(1")
        .replace('"softmax"', '"sigmoid"')
        .replace('loss="categorical_crossentropy"', 'loss="binary_crossentropy", metrics=["accuracy"]')
    )
    path = write(tmp_path, "binary.py", program)
    assert run_cli(path).code == 0
    result = run_cli(path, "--extend-select", "KC201")
    assert result.code == 1
    assert "KC201 [info]" in result.out


def test_statistics(tmp_path: Path) -> None:
    write(tmp_path, "a.py", BAD_PROGRAM)
    write(tmp_path, "b.py", BAD_PROGRAM)
    result = run_cli(tmp_path, "--statistics")
    assert result.code == 1
    assert result.out.split("\t") == ["    2", "KC101", "[-]", "missing-softmax\n"]  # [-]: an unsafe fix only


def test_stdin(tmp_path: Path) -> None:
    result = run_cli("-", "--stdin-filename", "model.py", stdin=BAD_PROGRAM)
    assert result.code == 1
    assert result.out.startswith("model.py:4:52: KC101")
    assert run_cli("-", stdin=GOOD_PROGRAM).code == 0
    assert run_cli("-", "other.py", stdin=GOOD_PROGRAM).code == 2


def test_rule_docs_and_list() -> None:
    result = run_cli("rule", "KC203")
    assert result.code == 0
    assert "accuracy three times" in result.out
    assert "## Why is this bad?" in result.out
    assert "```python" in result.out
    assert run_cli("rule", "kc101").code == 0
    assert run_cli("rule", "KC999").code == 2
    listing = run_cli("rules")
    assert listing.code == 0
    assert len(listing.out.splitlines()) == len(all_rules())


def test_directories_recurse_and_honour_gitignore(tmp_path: Path) -> None:
    write(tmp_path, "pkg/model.py", BAD_PROGRAM)
    write(tmp_path, "pkg/generated/model.py", BAD_PROGRAM)
    write(tmp_path, "pkg/.gitignore", "generated/\n")
    write(tmp_path, ".venv/lib/model.py", BAD_PROGRAM)
    write(tmp_path, "notes.txt", BAD_PROGRAM)
    result = run_cli(tmp_path, "--output-format", "json")
    files = {Path(item["filename"]).relative_to(tmp_path).as_posix() for item in json.loads(result.out)}
    assert files == {"pkg/model.py"}


def test_syntax_error_is_reported_and_other_files_still_linted(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "import keras\nmodel.compile(loss='bce'\n")
    write(tmp_path, "bad.py", BAD_PROGRAM)
    result = run_cli(tmp_path)
    assert result.code == 1
    assert "broken.py:" in result.out and "KC001 [error] cannot parse" in result.out
    assert "bad.py:4:52: KC101" in result.out
    assert "Traceback" not in result.out + result.err


def test_unreadable_inputs_are_one_line_kc002(tmp_path: Path) -> None:
    write(tmp_path, "binary.py", b"\x00\x01keras\x00")
    write(tmp_path, "latin.py", "# caf\xe9 keras\n".encode("latin-1"))
    write(tmp_path, "broken.ipynb", '{"cells": [')
    write(tmp_path, "other.ipynb", '{"nbformat": 4}')
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    result = run_cli(tmp_path)
    assert result.code == 1
    kc002 = [line for line in result.out.splitlines() if "KC002" in line]
    assert len(kc002) == 4
    assert "Traceback" not in result.out + result.err
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_python_m_and_console_script(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.py", BAD_PROGRAM)
    result = run_subprocess(bad)
    assert result.code == 1
    assert "KC101" in result.out
    assert run_subprocess("--version").out.startswith("kerascheck ")


def test_brackets_nested_beyond_python_are_kc001_not_a_crash(tmp_path: Path) -> None:
    # libcst's native parser overflows its stack on these: CPython must reject them first.
    # (a file that could contribute a finding: one that builds no model is not parsed at all)
    nested = "(" * 3000 + "1" + ")" * 3000
    deep = write(tmp_path, "deep.py", f"import keras\nx = {nested}\nm = keras.Sequential()\n")
    bad = write(tmp_path, "bad.py", BAD_PROGRAM)
    result = run_subprocess(deep, bad)
    assert result.code == 1, result.err
    assert "deep.py:2:" in result.out and "KC001 [error] cannot parse: too many nested parentheses" in result.out
    assert "bad.py:4:52: KC101" in result.out


# -- ruff's habits ------------------------------------------------------------------

SAFE_PROGRAM = """import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
"""


def test_check_subcommand_and_short_version(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.py", BAD_PROGRAM)
    assert run_cli("check", bad).out == run_cli(bad).out
    assert run_cli("check", bad).code == 1
    assert run_subprocess("-V").out == run_subprocess("--version").out
    assert run_subprocess("-V").out.startswith("kerascheck 0.")


def test_every_subcommand_has_help() -> None:
    for command in ([], ["check"], ["rule"], ["rules"], ["server"]):
        result = run_subprocess(*command, "--help")
        assert result.code == 0, (command, result.err)
        assert result.out.startswith("usage: kerascheck"), command
        assert "Traceback" not in result.err


def test_clean_run_says_so_and_quiet_says_nothing(tmp_path: Path) -> None:
    good = write(tmp_path, "good.py", GOOD_PROGRAM)
    assert run_cli(good).out == "All checks passed!\n"
    assert run_cli(good, "--quiet").out == ""
    bad = write(tmp_path, "bad.py", BAD_PROGRAM)
    quiet = run_cli(bad, "-q")
    assert quiet.code == 1 and "Found" not in quiet.out and quiet.out.startswith(f"{bad}:4:52: KC101")


def test_no_file_found_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "hello")
    result = run_cli(tmp_path)
    assert result.code == 0
    assert result.err == "kerascheck: warning: no Python, notebook or saved-model file found in the given paths\n"
    assert run_cli(tmp_path, "--quiet").err == ""


def test_safe_fixes_are_marked_and_counted(tmp_path: Path) -> None:
    write(tmp_path, "safe.py", SAFE_PROGRAM)
    write(tmp_path, "unsafe.py", BAD_PROGRAM)
    lines = run_cli(tmp_path, "--output-format", "concise").out.splitlines()
    assert [line.split(": ", 1)[1].split(" [", 1)[0] for line in lines if ": KC" in line] == ["KC107", "KC101"]
    assert any(" KC107 [*] [warning] " in line for line in lines)
    assert any(" KC101 [error] " in line for line in lines)
    assert lines[-1] == "[*] 1 fixable with `--fix` (1 more with `--unsafe-fixes`)."


def test_statistics_have_a_fix_column_and_json(tmp_path: Path) -> None:
    write(tmp_path, "safe.py", SAFE_PROGRAM)
    write(tmp_path, "a.py", BAD_PROGRAM)
    write(tmp_path, "b.py", BAD_PROGRAM)
    rows = [line.split("\t") for line in run_cli(tmp_path, "--statistics").out.splitlines()]
    assert rows == [
        ["    2", "KC101", "[-]", "missing-softmax"],
        ["    1", "KC107", "[*]", "double-activation-from-logits"],
    ]
    data = json.loads(run_cli(tmp_path, "--statistics", "--output-format", "json").out)
    assert data == [
        {"code": "KC101", "name": "missing-softmax", "count": 2, "fixable": 0, "fix": "unsafe"},
        {"code": "KC107", "name": "double-activation-from-logits", "count": 1, "fixable": 1, "fix": "safe"},
    ]


def test_rules_json_prefix_and_rule_by_name() -> None:
    listed = json.loads(run_cli("rules", "KC1", "--output-format", "json").out)
    assert [row["code"] for row in listed] == [code for code in all_rules() if code.startswith("KC1")]
    first = listed[0]
    assert first == {
        "code": "KC101",
        "name": "missing-softmax",
        "severity": "error",
        "summary": all_rules()["KC101"].summary(),
        "default": True,
        "fix": "unsafe",
    }
    assert len(run_cli("rules", "kc40").out.splitlines()) == len([c for c in all_rules() if c.startswith("KC40")])
    none = run_cli("rules", "KC9")
    assert none.code == 2 and "no rule starts with 'KC9'" in none.err
    assert run_cli("rule", "missing-softmax").out == run_cli("rule", "KC101").out
    assert json.loads(run_cli("rule", "missing-softmax", "--output-format", "json").out)["code"] == "KC101"
    bad = run_cli("rule", "KC101", "KC102")
    assert bad.code == 2 and bad.err.count("\n") == 1


def test_show_settings_names_the_file_and_the_rules(tmp_path: Path) -> None:
    write(
        tmp_path, "pyproject.toml", '[tool.kerascheck]\nignore = ["KC1"]\n[tool.kerascheck.rules.KC501]\npatience = 5\n'
    )
    write(tmp_path, "src/train.py", BAD_PROGRAM)
    result = run_cli("--show-settings", "src/train.py", cwd=tmp_path)
    assert result.code == 0
    assert f'config-file = "{(tmp_path / "pyproject.toml").resolve()}"' in result.out
    assert 'ignore = ["KC1"]' in result.out
    assert 'rules = {"KC501": {"patience": 5}}' in result.out
    assert '"KC101"' not in result.out and '"KC201"' not in result.out and '"KC203"' in result.out
    missing = run_cli("--show-settings", "nope.py", cwd=tmp_path)
    assert (missing.code, missing.err) == (2, "kerascheck: error: path does not exist: nope.py\n")
