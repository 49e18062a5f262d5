"""``--output-format github``: GitHub Actions workflow commands, escaped as GitHub documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kerascheck.cli import main
from kerascheck.diagnostics import Diagnostic, Severity, Span
from kerascheck.report.github import annotation, escape_data, escape_property, render


def make(severity: Severity = Severity.ERROR, **changes: object) -> Diagnostic:
    fields: dict[str, object] = {
        "code": "KC101",
        "name": "missing-softmax",
        "severity": severity,
        "message": "Dense outputs 3 units",
        "fix": "add softmax",
        "filename": "src/model.py",
        "span": Span(4, 52, 4, 68),
    }
    fields.update(changes)
    return Diagnostic(**fields)  # type: ignore[arg-type]


def test_error_line() -> None:
    assert annotation(make()) == (
        "::error file=src/model.py,line=4,col=52,endLine=4,endColumn=68,"
        "title=KC101 missing-softmax::Dense outputs 3 units%0Afix: add softmax"
    )


@pytest.mark.parametrize(("severity", "command"), [(Severity.WARNING, "warning"), (Severity.INFO, "notice")])
def test_other_severities(severity: Severity, command: str) -> None:
    assert annotation(make(severity)).startswith(f"::{command} file=")


def test_escaping() -> None:
    assert escape_data("100% sure\r\nnext: a,b") == "100%25 sure%0D%0Anext: a,b"
    assert escape_property("a:b,c%d\n") == "a%3Ab%2Cc%25d%0A"
    line = annotation(make(filename="dir,1/x:y.py", message="50% of 2:1, then\nmore"))
    assert line.startswith("::error file=dir%2C1/x%3Ay.py,line=4,")
    assert line.endswith("::50%25 of 2:1, then%0Amore%0Afix: add softmax")
    assert line.count("\n") == 0


def test_notebook_cell_goes_into_the_message() -> None:
    line = annotation(make(filename="nb.ipynb", cell=3))
    assert line.startswith("::error file=nb.ipynb,title=KC101 missing-softmax::cell 3, line 4: ")


def test_layer_finding_without_span() -> None:
    line = annotation(make(filename="m.keras", span=None, layer="dense_1"))
    assert (
        line
        == "::error file=m.keras,title=KC101 missing-softmax::layer 'dense_1': Dense outputs 3 units%0Afix: add softmax"
    )


def test_render_one_line_per_finding() -> None:
    assert render([make(), make(Severity.WARNING)]).count("\n") == 2
    assert render([]) == ""


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("m.py").write_text(
        "import keras\nmodel = keras.Sequential([keras.layers.Dense(3)])\n"
        'model.compile(loss="categorical_crossentropy")\n',
        encoding="utf-8",
    )
    assert main(["--output-format", "github", "--no-cache", "m.py"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("::error file=m.py,line=2,col=27,")
    assert "title=KC101 missing-softmax::" in out
    json.dumps(out)  # plain text, one line per finding
