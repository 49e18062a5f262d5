"""Notebooks: code cells as one program, magics neutralised, findings by cell and line."""

from __future__ import annotations

import json

from kerascheck import check_source
from kerascheck.static.source import neutralise_cell


def notebook(*cells: tuple[str, str], language: str = "python") -> str:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"language_info": {"name": language}},
            "cells": [{"cell_type": kind, "metadata": {}, "source": text.splitlines(True)} for kind, text in cells],
        }
    )


def test_cells_form_one_program_and_findings_name_the_cell() -> None:
    text = notebook(
        ("markdown", "# Title"),
        ("code", "%matplotlib inline\n!pip install -q keras\nimport keras\nfrom keras import layers\n"),
        ("code", "N = 3\n"),
        ("code", "model = keras.Sequential([\n    keras.Input(shape=(4,)),\n    layers.Dense(N),\n])\n"),
        ("code", "model.compile(loss='categorical_crossentropy')"),
    )
    found = check_source(text, filename="nb.ipynb")
    assert [(d.code, d.cell, d.line, d.column) for d in found] == [("KC101", 4, 3, 5)]
    assert found[0].to_dict()["cell"] == 4


def test_noqa_works_inside_a_cell() -> None:
    text = notebook(
        ("code", "import keras\nfrom keras import layers\n"),
        ("code", "model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])  # noqa: KC101\n"),
        ("code", "model.compile(loss='categorical_crossentropy')"),
    )
    assert check_source(text, filename="nb.ipynb") == []


def test_syntax_error_is_reported_in_its_cell() -> None:
    text = notebook(("code", "import keras\n"), ("code", "x = (1,\n"))
    found = check_source(text, filename="nb.ipynb")
    assert [(d.code, d.cell) for d in found] == [("KC001", 2)]


def test_broken_cells_do_not_hide_the_rest_of_the_notebook() -> None:
    text = notebook(
        ("code", "import keras\nfrom keras import layers\n"),
        ("code", "print 'python 2'\n"),
        ("code", "model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])\n"),
        ("code", "for x in range(3)\n    pass\n"),
        ("code", "model.compile(loss='categorical_crossentropy')\n"),
    )
    found = check_source(text, filename="nb.ipynb")
    assert [(d.code, d.cell, d.line) for d in found] == [("KC001", 2, 1), ("KC101", 3, 1), ("KC001", 4, 1)]
    assert "other cells were checked" in found[0].fix


def test_magics_keep_lines_and_indentation() -> None:
    cell = "%%time\nfor i in range(3):\n    !echo {i}\n    files = !ls\nobj?\n"
    assert neutralise_cell(cell).split("\n") == ["", "for i in range(3):", "    pass", "    pass", "pass", ""]
    assert neutralise_cell("%%bash\necho hi\n") == "\n\n"


def test_broken_and_foreign_notebooks_are_kc002() -> None:
    for text in ("{not json", json.dumps({"cells": 3}), notebook(("code", "x <- 1"), language="R")):
        found = check_source(text, filename="nb.ipynb")
        assert [d.code for d in found] == ["KC002"], text
        assert "\n" not in found[0].message


def test_nbformat_3_worksheets_are_read() -> None:
    text = json.dumps(
        {
            "nbformat": 3,
            "worksheets": [
                {
                    "cells": [
                        {"cell_type": "markdown", "source": ["# old"]},
                        {
                            "cell_type": "code",
                            "input": ["import keras\n", "m = keras.Sequential([keras.layers.Dense(4)])"],
                        },
                        {"cell_type": "code", "input": "m.compile(loss='categorical_crossentropy')"},
                    ]
                }
            ],
        }
    )
    found = check_source(text, filename="old.ipynb")
    assert [(d.code, d.cell, d.line) for d in found] == [("KC101", 2, 2)]


def test_time_line_magic_keeps_its_statement_and_columns() -> None:
    assert neutralise_cell("%time model.fit(x, y)") == "_=    model.fit(x, y)"
    assert neutralise_cell("  %timeit f(x)") == "  _=      f(x)"
    assert neutralise_cell("%time import numpy") == "pass"
    text = notebook(
        ("code", "import keras\nfrom keras.utils import to_categorical\n"
                 "(x, y), _ = keras.datasets.mnist.load_data()\n"),
        ("code", "model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),\n"
                 "    keras.layers.Dense(10, activation='softmax')])\n"
                 "model.compile(loss='sparse_categorical_crossentropy')\n"),
        ("code", "%time model.fit(x / 255.0, to_categorical(y))"),
    )  # fmt: skip
    found = check_source(text, filename="nb.ipynb")
    assert [(d.code, d.cell, d.line, d.column) for d in found] == [("KC302", 3, 1, 7)]


def test_coding_declaration_is_honoured() -> None:
    from kerascheck.static.lint import lint_bytes

    raw = "# -*- coding: latin-1 -*-\n# café\nimport keras\n".encode("latin-1")
    assert lint_bytes(raw, "legacy.py") == []
