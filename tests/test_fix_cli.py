"""``--fix``, ``--unsafe-fixes`` and ``--diff`` on files and notebooks: what is written, and what never is."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from kerascheck.cli import main
from kerascheck.fix.edits import Replace
from kerascheck.rules.architecture import RedundantActivation
from kerascheck.rules.base import Autofix

SAFE = """import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(8,)),
    layers.Dense(10, activation="softmax"),
    layers.Activation("softmax"),
])
model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
"""
SAFE_FIXED = SAFE.replace('    layers.Activation("softmax"),\n', "").replace("from_logits=True", "from_logits=False")
UNSAFE = """import keras
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3)])
model.compile(loss="categorical_crossentropy")
"""
UNSAFE_FIXED = UNSAFE.replace("Dense(3)", 'Dense(3, activation="softmax")')
CLEAN = """import keras
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])
model.compile(loss="categorical_crossentropy")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    files = {"safe.py": SAFE, "unsafe.py": UNSAFE, "clean.py": CLEAN, "other.py": "print('hi')\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.iterdir()
        if p.is_file() and p.suffix in (".py", ".ipynb")
    }


def test_diff_writes_nothing_and_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(project)
    assert main(["--diff", "--no-cache", "."]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("--- safe.py\n+++ safe.py\n")
    assert '-    layers.Activation("softmax"),' in out and "+model.compile(loss=keras.losses.Categorical" in out
    assert "unsafe.py" not in out
    assert err == "Would fix 2 problems in 1 file.\n"
    assert snapshot(project) == before
    assert main(["--diff", "--unsafe-fixes", "--no-cache", "."]) == 1
    assert "--- unsafe.py" in capsys.readouterr().out
    assert main(["--diff", "--no-cache", "clean.py", "other.py"]) == 0
    assert capsys.readouterr() == ("", "")


def test_fix_writes_only_changed_files_and_reports_the_rest(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(project)
    assert main(["--fix", "--no-cache", "."]) == 1  # the unsafe finding remains
    out, err = capsys.readouterr()
    assert err == "Fixed 2 problems in 1 file.\n"
    assert "unsafe.py:2:" in out and "KC101" in out and "safe.py:" not in out.replace("unsafe.py:", "")
    after = snapshot(project)
    assert after["safe.py"][0].decode() == SAFE_FIXED
    for name in ("unsafe.py", "clean.py", "other.py"):
        assert after[name] == before[name], f"{name} was touched"
    assert main(["--fix", "--unsafe-fixes", "--no-cache", "."]) == 0
    assert capsys.readouterr() == ("All checks passed!\n", "Fixed 1 problem in 1 file.\n")
    assert (project / "unsafe.py").read_text(encoding="utf-8") == UNSAFE_FIXED
    settled = snapshot(project)
    assert main(["--fix", "--unsafe-fixes", "--no-cache", "."]) == 0  # a second --fix changes nothing
    assert snapshot(project) == settled
    assert capsys.readouterr() == ("All checks passed!\n", "")


def test_fix_with_the_cache(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["."]) == 1  # fills the cache
    assert main(["--fix", "."]) == 1
    assert (project / "safe.py").read_text(encoding="utf-8") == SAFE_FIXED
    capsys.readouterr()
    assert main(["."]) == 1
    assert "safe.py" not in capsys.readouterr().out.replace("unsafe.py", "")


def test_unsafe_fixes_alone_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--unsafe-fixes", "."]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_fix_that_would_not_parse_is_not_written(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = Autofix(
        True, "break it", "a broken fixer", lambda _rule, d, c: [Replace(d.anchor.node, "layers.Activation(")]
    )
    monkeypatch.setattr(RedundantActivation, "autofix", broken)
    before = snapshot(project)
    assert main(["--fix", "--no-cache", "safe.py"]) == 2
    out, err = capsys.readouterr()
    assert err == "kerascheck: error: safe.py: the KC107, KC402 fix would not parse (a kerascheck bug); not fixed\n"
    assert "KC402" in out and "KC107" in out  # the findings are still reported
    assert snapshot(project) == before


def test_unwritable_file_is_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Path.write_bytes

    def refuse(self: Path, data: bytes) -> int:
        if self.name == "safe.py":
            raise PermissionError(13, "Permission denied")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", refuse)
    assert main(["--fix", "--no-cache", "safe.py"]) == 2
    err = capsys.readouterr().err
    assert err == "kerascheck: error: safe.py: cannot write: Permission denied\n"


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(SAFE.encode())))
    assert main(["--fix", "-"]) == 0
    out, err = capsys.readouterr()
    assert out == SAFE_FIXED and err == ""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(UNSAFE.encode())))
    assert main(["--diff", "--unsafe-fixes", "-", "--stdin-filename", "m.py"]) == 1
    assert '+model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])' in (
        capsys.readouterr().out
    )


def notebook_json(cells: list[dict[str, object]], **dump: object) -> str:
    document = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    options: dict[str, object] = {"indent": 1, "sort_keys": True, "ensure_ascii": False}
    options.update(dump)
    return json.dumps(document, **options) + "\n"  # type: ignore[arg-type]


def code_cell(source: list[str], outputs: list[object] | None = None) -> dict[str, object]:
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": outputs or [], "source": source}


NOTEBOOK_CELLS = [
    {"cell_type": "markdown", "metadata": {}, "source": ["# Fraud detector — ü\n"]},
    code_cell(["%matplotlib inline\n", "import keras\n", "from keras import layers"]),
    code_cell(
        [
            "!pip install keras\n",
            "model = keras.Sequential([\n",
            "    keras.Input(shape=(8,)),\n",
            '    layers.Dense(1, activation="sigmoid"),\n',
            '    layers.Activation("sigmoid"),\n',
            "])\n",
            'model.compile(loss="binary_crossentropy")',
        ],
        outputs=[{"name": "stdout", "output_type": "stream", "text": ["ok\n"]}],
    ),
]


def test_notebook_fix_rewrites_only_that_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fraud.ipynb"
    original = notebook_json(NOTEBOOK_CELLS)
    path.write_text(original, encoding="utf-8")
    assert main(["--diff", "--no-cache", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"--- {path}:cell 3\n+++ {path}:cell 3\n")
    assert '-    layers.Activation("sigmoid"),' in out
    assert path.read_text(encoding="utf-8") == original
    assert main(["--fix", "--no-cache", str(path)]) == 0
    fixed = path.read_text(encoding="utf-8")
    expected_cells = json.loads(original)["cells"]
    del expected_cells[2]["source"][4]
    assert fixed == notebook_json(expected_cells)  # same layout, only that line gone; magics kept
    assert main(["--fix", "--no-cache", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == fixed


def test_notebook_in_an_unknown_layout_is_not_rewritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "odd.ipynb"
    original = notebook_json(NOTEBOOK_CELLS).replace('\n "nbformat"', '\n\n "nbformat"')
    path.write_text(original, encoding="utf-8")
    assert main(["--fix", "--no-cache", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kerascheck: error: {path}: not fixed: the notebook's JSON layout") and err.count("\n") == 1
    assert path.read_text(encoding="utf-8") == original


def test_files_without_fixes_keep_their_inode(project: Path) -> None:
    inode = os.stat(project / "clean.py").st_ino
    main(["--fix", "--unsafe-fixes", "--no-cache", "."])
    assert os.stat(project / "clean.py").st_ino == inode


def test_notebook_with_a_broken_cell_is_reported_not_fixed(tmp_path: Path) -> None:
    cells = [
        "import keras\nfrom keras import layers\n",
        "print 'python 2'\n",
        "model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation='softmax')])\n",
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n",
    ]
    document = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None} for c in cells
        ],
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(document, indent=1) + "\n")
    before = path.read_bytes()
    assert main(["--no-cache", "--fix", str(path)]) == 1
    assert path.read_bytes() == before


def test_a_fix_in_a_dedented_cell_keeps_the_users_indentation(tmp_path: Path) -> None:
    """IPython dedents an indented cell: the fix is computed on the dedented code, applied to the user's."""
    cells = [
        "import keras\nfrom keras import layers\n",
        "    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation='softmax')])\n"
        "    model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n",
        "%%time\n!ls\n",
    ]
    document = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None} for c in cells
        ],
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(document, indent=1) + "\n")
    assert main(["--no-cache", "--fix", str(path)]) == 0
    fixed = json.loads(path.read_text())
    assert fixed["cells"][1]["source"] == cells[1].replace("from_logits=True", "from_logits=False")
    assert [cell["source"] for cell in fixed["cells"][::2]] == cells[::2]
