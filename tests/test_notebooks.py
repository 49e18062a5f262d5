"""Notebooks: code cells as one program, magics neutralised, findings by cell and line."""

from __future__ import annotations

import json

from kerascheck import check_source
from kerascheck.static.ipython import transform_cell


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
    assert transform_cell(cell).lines == (
        "",
        "for i in range(3):",
        "    get_ipython().system('echo {i}')",
        "    files = get_ipython().getoutput('ls')",
        "get_ipython().run_line_magic('pinfo', 'obj')",
    )
    assert transform_cell("%%bash\necho hi\n").lines == ("", "")


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
    assert transform_cell("%time model.fit(x, y)").lines == ("if 1: model.fit(x, y)",)
    assert transform_cell("for i in x:\n  %timeit f(x)").lines == ("for i in x:", "  if 1:   f(x)")
    assert transform_cell("%time import numpy").lines == ("if 1: import numpy",)
    assert transform_cell("%time model.fit(x,").lines == ("get_ipython().run_line_magic('time', 'model.fit(x,')",)
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


# -- cells read as IPython reads them (issue 11) and hostile notebooks (issue 14) --------------

MODEL = "import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])\n"
COMPILE = "model.compile(loss='categorical_crossentropy')\n"


def _found(*cells: str) -> list[tuple[str, int | None, int, int]]:
    text = notebook(*(("code", cell) for cell in cells))
    return [(d.code, d.cell, d.line, d.column) for d in check_source(text, filename="nb.ipynb")]


def test_a_continued_shell_escape_does_not_hide_the_cell() -> None:
    cell = "!pip install -q tensorflow \\\n    keras-tuner \\\n    scikit-learn\n" + MODEL + COMPILE
    assert _found(cell) == [("KC101", 1, 5, 46)]


def test_percent_and_not_equal_inside_brackets_are_python() -> None:
    cell = MODEL + "rate = (10\n% 3)\nsame = (rate\n!= 1)\n" + COMPILE
    assert _found(cell) == [("KC101", 1, 2, 46)]


def test_an_indented_cell_is_dedented_and_columns_stay_the_users() -> None:
    indented = "".join("    " + line + "\n" for line in (MODEL + COMPILE).splitlines())
    assert _found(indented) == [("KC101", 1, 2, 50)]


def test_cell_magics_keep_or_skip_the_body_as_ipython_runs_it() -> None:
    assert _found("%%capture log\n" + MODEL + COMPILE) == [("KC101", 1, 3, 46)]
    assert _found("%%time\n" + MODEL, COMPILE) == [("KC101", 1, 3, 46)]
    assert _found(MODEL, "%%writefile train.py\nmodel.compile(loss='categorical_crossentropy'\n") == []
    assert _found(MODEL, "%%bash\nls -la (\n", COMPILE) == [("KC101", 1, 2, 46)]


def test_automagic_and_help_cells_are_not_syntax_errors() -> None:
    assert _found(MODEL, "ls ./data", "pip install keras-tuner", "model.summary?", "cd ..", COMPILE) == [
        ("KC101", 1, 2, 46)
    ]


def test_real_syntax_errors_stay_kc001_in_their_cell() -> None:
    found = _found(MODEL, "print 'python 2'", "epochs = ?", "x\u00a0= 1", "pip install a\nimport b", COMPILE)
    assert found == [
        ("KC101", 1, 2, 46),
        ("KC001", 2, 1, 1),
        ("KC001", 3, 1, 10),
        ("KC001", 4, 1, 2),
        ("KC001", 5, 1, 5),
    ]


def test_bare_carriage_returns_do_not_shift_later_findings() -> None:
    assert _found("import keras\rx = 1\r\ry = 2\r", MODEL.replace("import keras\n", ""), COMPILE) == [
        ("KC101", 2, 1, 46)
    ]


def test_deeply_nested_notebook_json_is_one_kc002_line() -> None:
    found = check_source("[" * 100_000 + "]" * 100_000, filename="deep.ipynb")
    assert [(d.code, d.message) for d in found] == [("KC002", "not a valid notebook: its JSON is nested too deeply")]


def test_many_broken_cells_are_each_reported_and_the_rest_is_checked(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kerascheck.static import lint

    calls: list[int] = []
    real_parse = lint.parse
    monkeypatch.setattr(lint, "parse", lambda program: calls.append(1) or real_parse(program))
    broken = [f"x{n} = (\n" for n in range(40)]
    found = _found(MODEL, *broken, COMPILE)
    assert found[0] == ("KC101", 1, 2, 46)
    assert [(code, cell) for code, cell, _l, _c in found[1:]] == [("KC001", n) for n in range(2, 42)]
    assert len(calls) == 1, "broken cells are found by CPython per cell, not by re-parsing the notebook"


def test_spans_of_mutated_notebooks_stay_inside_their_cell() -> None:
    """A seeded mutation run: every span starts before it ends and lies inside its cell."""
    import random

    from kerascheck.static.ipython import cell_lines

    rng = random.Random(14)
    cells = [MODEL, "%matplotlib inline\n!pip install a \\\n  b\n", "  x = 1\n  y = (x,\n   2)\n", COMPILE]
    pieces = ["\r", "\r\n", "\n", "\\", "(", ")", "%", "!", "?", "    ", "\t", "\u00a0", '"""', "#", "%%time\n"]
    for _ in range(300):
        mutated = list(cells)
        for _ in range(rng.randint(1, 4)):
            index = rng.randrange(len(mutated))
            text = mutated[index]
            at = rng.randint(0, len(text))
            mutated[index] = text[:at] + rng.choice(pieces) + text[at + rng.randint(0, 3) :]
        text = notebook(*(("code", cell) for cell in mutated))
        for d in check_source(text, filename="nb.ipynb"):
            assert d.span is not None and d.cell is not None, d
            assert (d.span.line, d.span.column) <= (d.span.end_line, d.span.end_column), d
            source = json.loads(text)["cells"][d.cell - 1]["source"]
            assert 1 <= d.span.line <= d.span.end_line <= max(len(cell_lines("".join(source))), 1), d


def test_a_cell_too_deep_to_check_costs_that_cell_only() -> None:
    """Valid Python beyond the budgets (8 000 `and` terms, 5 000 `not`) is KC003 for its cell, not KC001."""
    found = _found(
        MODEL,
        "x = " + " and ".join(["a"] * 8000) + "\n",
        "y = " + "not " * 5000 + "a\n",
        COMPILE,
    )
    assert [(code, cell) for code, cell, _line, _column in found] == [("KC101", 1), ("KC003", 2), ("KC003", 3)]
