"""Terminal output, tested in a real pseudo-terminal (pexpect): full format and colour on a tty only.

The default format and colour depend on whether stdout is a terminal, so
these tests run kerascheck as a process behind a pty (as a user's shell
does) and behind a pipe (as pre-commit and CI do), with and without
``NO_COLOR`` / ``FORCE_COLOR``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from helpers import BAD_PROGRAM

ESC = "\x1b["


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    return {**env, "TERM": "xterm-256color", **extra}


def in_terminal(*args: str, cwd: Path, **env: str) -> tuple[int, str]:
    child = pexpect.spawn(
        sys.executable, ["-m", "kerascheck", *args], cwd=str(cwd), env=clean_env(**env), encoding="utf-8",
        dimensions=(50, 200), timeout=120,
    )  # fmt: skip
    output = child.read()
    child.close()
    return child.exitstatus, output.replace("\r\n", "\n")


def in_pipe(*args: str, cwd: Path, **env: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "kerascheck", *args], cwd=cwd, env=clean_env(**env), capture_output=True, text=True
    )
    return done.returncode, done.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(BAD_PROGRAM, encoding="utf-8")
    return tmp_path


def test_a_terminal_gets_the_full_format_in_colour(project: Path) -> None:
    status, out = in_terminal("train.py", "--no-cache", cwd=project)
    assert status == 1
    assert ESC in out
    plain = pexpect_strip(out)
    assert "train.py:4:52: KC101 [error] Dense outputs 3 units" in plain
    assert "4 | model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])" in plain
    caret_line = next(line for line in plain.splitlines() if "^" in line)
    assert caret_line == "  |" + " " * 52 + "^" * 15 + " KC101"
    assert "  = fix: " in plain
    assert plain.rstrip().endswith("No fixes with `--fix` (1 with `--unsafe-fixes`).")


def test_no_color_keeps_the_full_format_without_escapes(project: Path) -> None:
    status, out = in_terminal("train.py", "--no-cache", cwd=project, NO_COLOR="1")
    assert status == 1
    assert ESC not in out
    assert "^^^^^^^^^^^^^^^ KC101" in out
    _, dumb = in_terminal("train.py", "--no-cache", cwd=project, TERM="dumb")
    assert ESC not in dumb


def test_a_pipe_gets_the_concise_format_without_colour(project: Path) -> None:
    status, out = in_pipe("train.py", "--no-cache", cwd=project)
    assert status == 1
    assert ESC not in out
    assert out.splitlines()[0].startswith("train.py:4:52: KC101 [error] ")
    assert out.splitlines()[1].startswith("  fix: ")
    assert "^" not in out


def test_colour_reaches_a_pipe_only_when_forced(project: Path) -> None:
    _, forced = in_pipe("train.py", "--no-cache", cwd=project, FORCE_COLOR="1")
    assert ESC in forced
    _, refused = in_pipe("train.py", "--no-cache", cwd=project, FORCE_COLOR="1", NO_COLOR="1")
    assert ESC not in refused  # NO_COLOR wins, as in CPython's own colour handling
    _, machine = in_terminal("train.py", "--no-cache", "--output-format", "json", cwd=project)
    assert ESC not in machine


def test_a_clean_run_on_a_terminal(project: Path) -> None:
    (project / "train.py").write_text("import keras\n", encoding="utf-8")
    status, out = in_terminal("train.py", "--no-cache", cwd=project, NO_COLOR="1")
    assert (status, out) == (0, "All checks passed!\n")


def pexpect_strip(text: str) -> str:
    """The text without ANSI escape sequences."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_full_format_shows_the_notebook_cell_and_aligns_wide_characters(tmp_path: Path) -> None:
    import json

    from kerascheck.api import check_paths
    from kerascheck.report.text import file_lines, render_full

    cells = [["import keras\n", "from keras import layers\n"], BAD_PROGRAM.splitlines(keepends=True)[3:]]
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None} for c in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (tmp_path / "wide.py").write_text(BAD_PROGRAM.replace("model = ", "模型 = model = "), encoding="utf-8")
    found = check_paths([tmp_path / "nb.ipynb", tmp_path / "wide.py"]).diagnostics
    text = render_full(found, sources=file_lines(), summary=False)
    notebook_block, wide_block = text.split("\n\n")
    assert notebook_block.splitlines()[:4] == [
        f"{tmp_path / 'nb.ipynb'}:cell 2:1:52: KC101 [error] " + found[0].message,
        "  |",
        "1 | model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])",
        "  |" + " " * 52 + "^" * 15 + " KC101",
    ]
    source, carets = wide_block.splitlines()[3:5]
    assert source.startswith("4 | 模型 = model")
    assert carets == "  |" + " " * (52 + 2 + 5) + "^" * 15 + " KC101"  # two wide characters take four columns


def test_full_format_shows_the_text_of_a_notebook_cell_that_does_not_parse(tmp_path: Path) -> None:
    """A broken cell is blank in the checked program; its KC001 frame shows what the user wrote."""
    import json

    from kerascheck.api import check_paths
    from kerascheck.report.text import file_lines, render_full

    cells = [
        ["import keras\n"],
        ["def show(images, k):\n", "    print(k)\n", "      print(images[k])\n", "\n", "show([1], 0)\n"],
    ]
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None} for c in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    found = check_paths([tmp_path / "nb.ipynb"]).diagnostics
    assert [(d.code, d.cell, d.line) for d in found] == [("KC001", 2, 3)]
    frame = render_full(found, sources=file_lines(), summary=False).splitlines()
    assert frame[1:6] == ["  |", "2 |     print(k)", "3 |       print(images[k])", "  |      ^ KC001", "4 | "]
