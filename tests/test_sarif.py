"""``--output-format sarif``: valid against the official SARIF 2.1.0 schema, and says the right things."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from kerascheck.cli import main
from kerascheck.diagnostics import Diagnostic, Severity, Span
from kerascheck.report.sarif import artifact_uri, sarif_log

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0.json").read_text(encoding="utf-8"))

BAD = """import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])
model.compile(loss="categorical_crossentropy")
"""


def notebook(*cells: str) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "source": src, "metadata": {}, "outputs": [], "execution_count": None}
                for src in cells
            ],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def validate(log: object) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "broken.py").write_text("import keras\nmodel.compile(loss=\n", encoding="utf-8")
    (tmp_path / "nb.ipynb").write_text(notebook("import keras\nfrom keras import layers", BAD), encoding="utf-8")
    return tmp_path


def run_sarif(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code = main(["--output-format", "sarif", "--no-cache", *args])
    out = capsys.readouterr().out
    assert code == 1
    return json.loads(out)  # type: ignore[no-any-return]


def test_cli_output_is_valid_sarif(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = run_sarif(capsys, ".")
    validate(log)
    run = log["runs"][0]  # type: ignore[index]
    assert run["columnKind"] == "unicodeCodePoints"
    results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]}
    assert results == {("KC101", "model.py"), ("KC001", "broken.py"), ("KC101", "nb.ipynb")}


def test_rule_metadata(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = run_sarif(capsys, "model.py")
    driver = log["runs"][0]["tool"]["driver"]  # type: ignore[index]
    assert driver["name"] == "kerascheck"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    kc101 = rules["KC101"]
    assert kc101["name"] == "missing-softmax"
    assert kc101["defaultConfiguration"] == {"level": "error"}
    assert "multi-class output" in kc101["shortDescription"]["text"]
    assert "## What it does" not in kc101["fullDescription"]["text"]
    assert kc101["help"]["markdown"].startswith("# KC101 missing-softmax")
    assert "Use instead" in kc101["help"]["text"]
    levels = {rule["defaultConfiguration"]["level"] for rule in driver["rules"]}
    assert levels <= {"error", "warning", "note"} and "note" in levels  # info rules map to "note"
    result = log["runs"][0]["results"][0]  # type: ignore[index]
    assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"] == "KC101"


def test_region_is_one_based_and_matches_text_format(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = run_sarif(capsys, "model.py")
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]  # type: ignore[index]
    main(["--no-cache", "model.py"])
    text = capsys.readouterr().out
    assert text.startswith(f"model.py:{region['startLine']}:{region['startColumn']}: KC101")
    assert region == {"startLine": 4, "startColumn": 52, "endLine": 4, "endColumn": 67}


def test_notebook_cell_in_property_bag(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = run_sarif(capsys, "nb.ipynb")
    (result,) = log["runs"][0]["results"]  # type: ignore[index]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region["properties"] == {"cell": 2}
    assert region["startLine"] == 4
    assert result["message"]["text"].startswith("cell 2: ")


def test_runtime_finding_without_span_is_valid() -> None:
    diagnostic = Diagnostic(
        code="KC101",
        name="missing-softmax",
        severity=Severity.ERROR,
        message="m",
        fix="f",
        filename="/abs/model dir/m.keras",
        layer="dense_1",
    )
    log = sarif_log([diagnostic, Diagnostic("KC404", "x", Severity.INFO, "m", "f", "a.py", Span(1, 1, 1, 1))])
    validate(log)
    location = log["runs"][0]["results"][0]["locations"][0]  # type: ignore[index]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "file:///abs/model%20dir/m.keras"
    assert location["logicalLocations"] == [{"name": "dense_1", "kind": "member"}]


def test_empty_run_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ok.py").write_text("print('no model here')\n", encoding="utf-8")
    assert main(["--output-format", "sarif", "--no-cache", str(tmp_path)]) == 0
    log = json.loads(capsys.readouterr().out)
    validate(log)
    assert log["runs"][0]["results"] == []


def test_artifact_uri() -> None:
    assert artifact_uri("src/my model.py") == "src/my%20model.py"
    assert artifact_uri("/tmp/x.py") == "file:///tmp/x.py"
