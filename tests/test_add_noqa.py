"""``--add-noqa``: a comment on every reported line, merged with what is there, never breaking a file."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import BAD_PROGRAM, run_cli

from kerascheck.noqa import Insertion, noqa_insertion

TWO_FINDINGS = """import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])  # noqa: E501
model.compile(optimizer="adam", loss="categorical_crossentropy")
preds = model.predict_classes(x)
"""


def test_adds_and_merges_comments_then_the_file_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(TWO_FINDINGS, encoding="utf-8")
    result = run_cli(path, "--add-noqa")
    assert result.code == 0, result.err
    assert result.err == "Added 2 noqa comments to 1 file.\n"
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[3].endswith("layers.Dense(3)])  # noqa: E501, KC101")
    assert text[5] == "preds = model.predict_classes(x)  # noqa: KC207"
    assert run_cli(path).code == 0
    again = run_cli(path, "--add-noqa")  # nothing reported, nothing written
    assert again.err == "Added 0 noqa comments to 0 files.\n"
    assert path.read_text(encoding="utf-8").splitlines() == text


def test_never_duplicates_a_code() -> None:
    lines = ["x = 1  # noqa: KC101\n"]
    assert noqa_insertion(lines, 0, ["KC101"]) is None
    assert noqa_insertion(lines, 0, ["KC101", "KC105"]) == Insertion(20, ", KC105")
    assert noqa_insertion(["x = 1  # noqa\n"], 0, ["KC101"]) is None  # a bare noqa already covers it
    assert noqa_insertion(["x = 1\n"], 0, ["KC101", "KC101"]) == Insertion(5, "  # noqa: KC101")


def test_lines_where_a_comment_cannot_go_are_left_alone() -> None:
    assert noqa_insertion(["x = 1 + \\\n", "    2\n"], 0, ["KC101"]) is None  # a backslash continuation
    source = ['s = """first\n', 'second"""\n']
    assert noqa_insertion(source, 0, ["KC101"]) is None  # inside a string: the comment would be text
    assert noqa_insertion(source, 1, ["KC101"]) == Insertion(9, "  # noqa: KC101")
    assert noqa_insertion(['s = "# not a comment"\n'], 0, ["KC1"]) == Insertion(21, "  # noqa: KC1")


def test_a_file_that_does_not_parse_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    broken = "import keras\nmodel.compile(loss='bce'\n"
    path.write_text(broken, encoding="utf-8")
    result = run_cli(path, "--add-noqa")
    assert path.read_text(encoding="utf-8") == broken
    assert "broken.py: does not parse; no noqa added" in result.err


def test_notebooks_get_the_comment_in_their_cell(tmp_path: Path) -> None:
    cells = [["import keras\n", "from keras import layers\n"], BAD_PROGRAM.splitlines(keepends=True)[3:]]
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None} for c in cells
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    assert run_cli(path).code == 1
    result = run_cli(path, "--add-noqa")
    assert result.err == "Added 1 noqa comment to 1 file.\n"
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["cells"][1]["source"][0].endswith("layers.Dense(3)])  # noqa: KC101\n")
    assert written["cells"][0]["source"] == cells[0]
    assert run_cli(path).code == 0
