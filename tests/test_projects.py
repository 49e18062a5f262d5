"""Multi-file projects (tests/fixtures/projects/): findings across the project's own imports.

Each project is a folder. ``# expect: KCnnn`` marks the line a finding is
reported on (always in the file that was linted); ``# related: KCnnn`` marks
the line of another file that such a finding names as its related location
(the layer of an imported factory). Projects without markers are correct
programs and must stay clean. Every project runs through the command line
(JSON and text), the library API, and, for the entry scripts alone, as
pre-commit runs with only the changed files.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import run_cli
from lsprotocol import types
from test_lsp import Session, run

from kerascheck import check_source
from kerascheck.api import check_paths
from kerascheck.cli import main
from kerascheck.config import Config

PROJECTS = Path(__file__).parent / "fixtures" / "projects"
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>KC\d{3}(?:\s*,\s*KC\d{3})*)")
RELATED = re.compile(r"#\s*related:\s*(?P<codes>KC\d{3}(?:\s*,\s*KC\d{3})*)")

Mark = tuple[str, int, str]  # (path relative to the project, line, code)


def _marks(project: Path, pattern: re.Pattern[str]) -> set[Mark]:
    found: set[Mark] = set()
    for path in sorted(project.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = pattern.search(line)
            if match:
                relative = path.relative_to(project).as_posix()
                found |= {(relative, number, code.strip()) for code in match.group("codes").split(",")}
    return found


def _projects() -> list[Path]:
    return sorted(p for p in PROJECTS.iterdir() if p.is_dir())


def _relative(project: Path, filename: str) -> str:
    return Path(filename).resolve().relative_to(project.resolve()).as_posix()


def _check(project: Path, findings: list[dict[str, object]]) -> None:
    expected, related = _marks(project, EXPECT), _marks(project, RELATED)
    actual = {(_relative(project, str(f["filename"])), int(str(f["line"])), str(f["code"])) for f in findings}
    assert actual == expected, f"{project.name}: missing {expected - actual}; unexpected {actual - expected}"
    named: set[Mark] = set()
    for finding in findings:
        for item in finding.get("related", []):  # type: ignore[attr-defined]
            named.add((_relative(project, item["filename"]), item["line"], str(finding["code"])))
            assert item["message"].endswith("defined here")
    assert named == related, f"{project.name}: related {named} != marked {related}"


def test_there_are_enough_projects() -> None:
    projects = _projects()
    clean = [p for p in projects if not _marks(p, EXPECT)]
    assert len(projects) >= 10 and len(clean) >= 4


@pytest.mark.parametrize("project", _projects(), ids=lambda p: p.name)
def test_project_through_the_cli(project: Path) -> None:
    result = run_cli("--output-format", "json", "--no-cache", project)
    assert result.code == (1 if _marks(project, EXPECT) else 0), result.err
    _check(project, json.loads(result.out))


@pytest.mark.parametrize("project", _projects(), ids=lambda p: p.name)
def test_project_through_the_api(project: Path) -> None:
    report = check_paths([project], Config(root=project))
    assert not report.errors
    _check(project, [d.to_dict() for d in report.diagnostics])


@pytest.mark.parametrize("project", _projects(), ids=lambda p: p.name)
def test_each_file_alone_as_pre_commit_lints_it(project: Path) -> None:
    """Linting only the changed file still follows its imports (and finds the same)."""
    expected = _marks(project, EXPECT)
    for path in sorted(project.rglob("*.py")):
        relative = path.relative_to(project).as_posix()
        result = run_cli("--output-format", "json", "--no-cache", path)
        found = {(_relative(project, f["filename"]), f["line"], f["code"]) for f in json.loads(result.out)}
        assert found == {m for m in expected if m[0] == relative}, relative


def test_text_output_names_the_related_layer(capsys: pytest.CaptureFixture[str]) -> None:
    project = PROJECTS / "scripts_factory_bad"
    result = run_cli("--no-cache", "train.py", cwd=project)
    assert result.out.splitlines() == [
        "train.py:22:13: KC101 [error] Dense outputs 20 units with no activation, but categorical_crossentropy "
        "expects probabilities (from_logits=False)",
        '  fix: add activation="softmax" to the output layer, or pass from_logits=True to the loss',
        "  related: models.py:13:13: Dense(...) defined here",
        "Found 1 problem (1 error).",  # no "[*]" or fix count: nothing here can fix another file's layer
    ]


def test_json_and_sarif_carry_related_locations() -> None:
    project = PROJECTS / "scripts_factory_bad"
    [finding] = json.loads(run_cli("--output-format", "json", "--no-cache", "train.py", cwd=project).out)
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (22, 13, 22, 54)
    assert finding["related"] == [
        {
            "filename": "models.py",
            "line": 13,
            "column": 13,
            "end_line": 13,
            "end_column": 38,
            "message": "Dense(...) defined here",
        }
    ]
    log = json.loads(run_cli("--output-format", "sarif", "--no-cache", "train.py", cwd=project).out)
    [result] = log["runs"][0]["results"]
    assert result["relatedLocations"] == [
        {
            "id": 0,
            "physicalLocation": {
                "artifactLocation": {"uri": "models.py"},
                "region": {"startLine": 13, "startColumn": 13, "endLine": 13, "endColumn": 38},
            },
            "message": {"text": "Dense(...) defined here"},
        }
    ]


def test_check_source_with_a_real_path_follows_imports() -> None:
    path = PROJECTS / "subclass_model_bad" / "train.py"
    [finding] = check_source(path.read_text(encoding="utf-8"), filename=str(path))
    assert (finding.code, finding.line) == ("KC101", 9)
    assert [(Path(r.filename).name, r.span.line if r.span else None) for r in finding.related] == [("networks.py", 9)]


def test_editing_an_imported_module_rechecks_its_importer(tmp_path: Path) -> None:
    shutil.copytree(PROJECTS / "scripts_factory_bad", tmp_path / "p")
    project = tmp_path / "p"
    (project / "pyproject.toml").write_text("[tool.kerascheck]\n", encoding="utf-8")

    def run_cached() -> list[tuple[str, int, str]]:
        result = run_cli("--output-format", "json", ".", cwd=project)
        return [(f["filename"], f["line"], f["code"]) for f in json.loads(result.out)]

    assert run_cached() == [("train.py", 22, "KC101")]
    assert run_cached() == [("train.py", 22, "KC101")]  # served from the cache
    models = project / "models.py"
    models.write_text(
        models.read_text(encoding="utf-8").replace(
            "layers.Dense(num_classes),", 'layers.Dense(num_classes, activation="softmax"),'
        ),
        encoding="utf-8",
    )
    assert run_cached() == []  # train.py is unchanged, but what it imports is not


def test_unfollowable_imports_are_reported_with_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-cache", "--verbose", str(PROJECTS / "import_cycle")]) == 1
    err = capsys.readouterr().err
    assert "import cycle, names imported from it are unknown here" in err
    assert main(["--no-cache", "--statistics", str(PROJECTS / "broken_module")]) == 1
    captured = capsys.readouterr()
    assert "helpers.py: does not parse (KC001 there)" in captured.err
    assert "KC001" in captured.out and "KC101" in captured.out
    assert main(["--no-cache", str(PROJECTS / "broken_module")]) == 1
    assert "note:" not in capsys.readouterr().err  # only when asked


def test_huge_and_unreadable_modules_are_not_followed(tmp_path: Path) -> None:
    generated = "\n".join(f"WEIGHT_{i} = {i}" for i in range(90_000))
    (tmp_path / "generated.py").write_text(generated + "\nNUM_CLASSES = 10\n", encoding="utf-8")
    (tmp_path / "binary.py").write_bytes(b"\x00\x01 not python")
    (tmp_path / "train.py").write_text(
        "import keras\nfrom generated import NUM_CLASSES\nfrom binary import LOSS\n"
        "model = keras.Sequential([keras.layers.Dense(NUM_CLASSES, activation='softmax')])\n"
        "model.compile(loss=LOSS)\n",
        encoding="utf-8",
    )
    result = run_cli("--no-cache", "--verbose", "train.py", cwd=tmp_path)
    assert result.code == 0, result.out
    assert "generated.py: larger than 1 MB, not followed" in result.err
    assert "binary.py: binary file (contains NUL bytes), not Python source" in result.err


def test_a_deep_chain_of_imports_stops_at_the_budget(tmp_path: Path) -> None:
    for index in range(40):
        (tmp_path / f"m{index}.py").write_text(f"from m{index + 1} import UNITS\n", encoding="utf-8")
    (tmp_path / "m40.py").write_text("UNITS = 1\n", encoding="utf-8")
    (tmp_path / "train.py").write_text(
        "import keras\nfrom m0 import UNITS\n"
        "model = keras.Sequential([keras.layers.Dense(UNITS, activation='softmax')])\n",
        encoding="utf-8",
    )
    result = run_cli("--no-cache", "--verbose", "train.py", cwd=tmp_path)
    assert result.code == 0  # UNITS is unknown past the budget: silence, not KC104
    assert "import budget reached, not followed" in result.err


def test_language_server_relates_and_rechecks_importers(tmp_path: Path) -> None:
    shutil.copytree(PROJECTS / "scripts_factory_bad", tmp_path, dirs_exist_ok=True)
    train, models = tmp_path / "train.py", tmp_path / "models.py"
    train_uri, models_uri = train.as_uri(), models.as_uri()
    models_text = models.read_text(encoding="utf-8")

    async def scenario(session: Session) -> None:
        client = session.client
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(train_uri, "python", 1, train.read_text(encoding="utf-8"))
            )
        )
        [found] = await session.next_diagnostics(train_uri)
        assert found.code == "KC101" and (found.range.start.line, found.range.start.character) == (21, 12)
        [related] = found.related_information or []
        assert related.location.uri == models_uri and related.message == "Dense(...) defined here"
        assert (related.location.range.start.line, related.location.range.start.character) == (12, 12)
        # Editing models.py in the editor (unsaved) re-checks the open train.py.
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(models_uri, "python", 1, models_text))
        )
        assert await session.next_diagnostics(models_uri) == []
        fixed = models_text.replace("layers.Dense(num_classes),", 'layers.Dense(num_classes, activation="softmax"),')
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=2, uri=models_uri),
                [types.TextDocumentContentChangeWholeDocument(text=fixed)],
            )
        )
        assert await asyncio.wait_for(session.next_diagnostics(train_uri), 60) == []

    run(scenario, tmp_path)


def test_interpreter_budgets_are_reported_when_they_cut_analysis_short(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(
        "import keras\n\n\ndef grow(n):\n    return grow(n + 1)\n\n\n"
        "units = grow(0)\nmodel = keras.Sequential([keras.layers.Dense(units, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\n",
        encoding="utf-8",
    )
    result = run_cli("--no-cache", "--verbose", "train.py", cwd=tmp_path)
    assert result.code == 0  # units unknown: silence
    assert "train.py: analysis cut short (calls nested deeper than 4, first at grow())" in result.err
    assert result.err.count("analysis cut short") == 1


def test_a_changed_module_is_summarised_again_and_its_old_tree_released(tmp_path: Path) -> None:
    from kerascheck.static.lint import analyse_bytes
    from kerascheck.static.project import Project

    models, train = tmp_path / "models.py", tmp_path / "train.py"
    models.write_text("import keras\nmodel = keras.Sequential([keras.layers.Dense(1, activation='softmax')])\n")
    train.write_text("from models import model\nmodel.compile(loss='binary_crossentropy')\n")
    project = Project(revalidate=True)

    def codes() -> list[str]:
        return [d.code for d in analyse_bytes(train.read_bytes(), str(train), project=project).diagnostics]

    assert codes() == ["KC104"] and project.statistics.summaries == 1
    assert codes() == ["KC104"] and project.statistics.summaries == 1  # unchanged: reused
    models.write_text("import keras\nmodel = keras.Sequential([keras.layers.Dense(1, activation='sigmoid')])\n")
    assert codes() == [] and project.statistics.summaries == 2
    assert {path for _node, path in project.top_level_calls.values()} == {models.resolve()}
    assert len(project.top_level_calls) == 2  # Sequential(...) and Dense(...) of the new tree only
