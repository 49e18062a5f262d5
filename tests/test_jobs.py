"""``--jobs``: worker processes give the same answer, and are started only when they pay."""

from __future__ import annotations

from pathlib import Path

import pytest

from kerascheck import runner
from kerascheck.api import check_paths
from kerascheck.cli import main
from kerascheck.config import Config
from kerascheck.static.project import Project

BAD = """import keras
model = keras.Sequential([keras.layers.Dense({units})])
model.compile(loss="categorical_crossentropy")
"""


def make_tree(root: Path, count: int) -> None:
    for i in range(count):
        folder = root / f"pkg{i % 3}"
        folder.mkdir(exist_ok=True)
        text = BAD.format(units=i + 2) if i % 2 else "import os\nprint(os.sep)\n"
        (folder / f"m{i:03d}.py").write_text(text, encoding="utf-8")
    (root / "pkg0" / "broken.py").write_text("import keras\nkeras.Sequential([\n", encoding="utf-8")


def findings(root: Path, jobs: int) -> list[tuple[object, ...]]:
    report = check_paths([root], Config(root=root), jobs=jobs)
    assert not report.errors
    return [(d.filename, d.code, d.span, d.message) for d in report.diagnostics]


def test_parallel_equals_serial(tmp_path: Path) -> None:
    make_tree(tmp_path, runner.PARALLEL_MIN_FILES + 8)
    serial = findings(tmp_path, 1)
    assert len(serial) == (runner.PARALLEL_MIN_FILES + 8) // 2 + 1
    assert findings(tmp_path, 2) == serial


def test_few_files_stay_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a process pool for a handful of files")

    monkeypatch.setattr(runner, "make_pool", no_pool)
    make_tree(tmp_path, 10)
    assert len(findings(tmp_path, 8)) == 6


def test_pool_failure_falls_back_to_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    make_tree(tmp_path, runner.PARALLEL_MIN_FILES + 8)
    serial = findings(tmp_path, 1)
    monkeypatch.setattr(runner, "make_pool", broken)
    assert findings(tmp_path, 4) == serial


def test_internal_error_in_one_file_is_reported_and_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path, 4)
    import kerascheck.static.lint as lint

    real = lint.analyse_bytes

    def flaky(raw: bytes, filename: str, selection: object, project: object = None, prune: bool = False) -> object:
        if filename.endswith("m001.py"):
            raise ValueError("boom")
        return real(raw, filename, selection, project, prune=prune)  # type: ignore[arg-type]

    monkeypatch.setattr(lint, "analyse_bytes", flaky)
    report = check_paths([tmp_path], Config(root=tmp_path))
    assert report.errors == [f"{tmp_path / 'pkg1' / 'm001.py'}: internal error: ValueError: boom"]
    assert {d.code for d in report.diagnostics} == {"KC101", "KC001"}


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_jobs_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--jobs", value, "."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kerascheck: error: ") and err.count("\n") == 1


def test_default_jobs_is_positive() -> None:
    assert runner.default_jobs() >= 1


def test_a_run_defers_full_collections_and_restores_the_thresholds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full GCs walk the project's live trees (35-40 % of a keras-tree run); young ones still run."""
    import gc

    make_tree(tmp_path, 6)
    expected = findings(tmp_path, 1)
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    real = runner.lint_task

    def spy(task: runner.Task, project: Project | None = None) -> runner.Outcome:
        seen.append(gc.get_threshold())
        return real(task, project)

    monkeypatch.setattr(runner, "lint_task", spy)
    assert any(code == "KC001" for _, code, *_ in expected)  # broken.py, among real findings
    assert findings(tmp_path, 1) == expected
    assert gc.get_threshold() == before
    assert len(seen) == 7
    assert all(t[:2] == before[:2] and t[2] > 1_000_000 for t in seen)


def test_thresholds_are_restored_when_linting_raises() -> None:
    import gc

    before = gc.get_threshold()
    with pytest.raises(RuntimeError), runner.young_collections_only():
        raise RuntimeError("a bug in a rule")
    assert gc.get_threshold() == before
