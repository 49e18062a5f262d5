"""The result cache: hits skip linting, changes invalidate, a broken cache is never fatal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kerascheck import cache as cache_module
from kerascheck import runner
from kerascheck.api import check_paths
from kerascheck.cli import main
from kerascheck.config import load_config
from kerascheck.static.project import Project

BAD = """import keras
model = keras.Sequential([keras.layers.Dense(3)])
model.compile(loss="categorical_crossentropy")
"""
NOTEBOOK = json.dumps(
    {
        "cells": [
            {"cell_type": "markdown", "source": "# title", "metadata": {}},
            {"cell_type": "code", "source": BAD, "metadata": {}, "outputs": [], "execution_count": None},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache_module.ENV_CACHE_DIR, raising=False)
    (tmp_path / "pyproject.toml").write_text("[tool.kerascheck]\n", encoding="utf-8")
    (tmp_path / "a.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "b.ipynb").write_text(NOTEBOOK, encoding="utf-8")
    (tmp_path / "c.py").write_text("print('no model')\n", encoding="utf-8")
    return tmp_path


class Counter:
    """Counts how many files really get linted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        real = runner.lint_task

        def counting(task: runner.Task, project: Project | None = None) -> runner.Outcome:
            self.names.append(task.filename)
            return real(task, project)

        monkeypatch.setattr(runner, "lint_task", counting)


def run(root: Path) -> list[tuple[object, ...]]:
    report = check_paths(["."], load_config(start=root), use_cache=True)
    assert not report.errors
    return [
        (d.filename, d.code, d.cell, d.span, d.message, d.fix, d.severity, d.fix_safety) for d in report.diagnostics
    ]


def test_second_run_is_served_from_the_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch)
    first = run(project)
    assert sorted(counter.names) == ["a.py", "b.ipynb", "c.py"]
    assert {(f[0], f[2]) for f in first} == {("a.py", None), ("b.ipynb", 2)}
    assert {f[-1] for f in first} == {"unsafe"}  # KC101's autofix: kept by the cache too
    counter.names.clear()
    assert run(project) == first
    assert counter.names == []
    directory = project / ".kerascheck_cache"
    assert (directory / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    assert len(list(directory.glob("results-*.json"))) == 1


def test_changed_file_is_relinted(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)
    counter = Counter(monkeypatch)
    (project / "a.py").write_text(BAD.replace("Dense(3)", 'Dense(3, activation="softmax")'), encoding="utf-8")
    found = run(project)
    assert counter.names == ["a.py"]
    assert [f[0] for f in found] == ["b.ipynb"]


def test_config_and_version_select_another_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)
    counter = Counter(monkeypatch)
    (project / "pyproject.toml").write_text('[tool.kerascheck]\nignore = ["KC101"]\n', encoding="utf-8")
    assert run(project) == []
    assert sorted(counter.names) == ["a.py", "b.ipynb", "c.py"]
    counter.names.clear()
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "kerascheck 99.0")
    run(project)
    assert len(counter.names) == 3
    assert len(list((project / ".kerascheck_cache").glob("results-*.json"))) == 3


@pytest.mark.parametrize(
    "garbage",
    [b"{not json", b"\xff\xfe\x00", b'{"key": "other", "entries": {}}', b"[]", b'{"key": null}'],
)
def test_corrupt_cache_is_ignored_and_rebuilt(project: Path, monkeypatch: pytest.MonkeyPatch, garbage: bytes) -> None:
    expected = run(project)
    (path,) = (project / ".kerascheck_cache").glob("results-*.json")
    path.write_bytes(garbage)
    counter = Counter(monkeypatch)
    assert run(project) == expected
    assert len(counter.names) == 3
    json.loads(path.read_text(encoding="utf-8"))  # rewritten whole


def test_corrupt_entry_is_recomputed(project: Path) -> None:
    expected = run(project)
    (path,) = (project / ".kerascheck_cache").glob("results-*.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["entries"]["a.py"][1] = [["KC101", "x", "no-such-severity", "m", "f", None, None, None]]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert run(project) == expected


def test_unwritable_cache_is_not_fatal(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Root ignores file modes, so make the directory impossible instead: a file is in the way.
    (project / ".kerascheck_cache").write_text("not a directory", encoding="utf-8")
    assert main(["."]) == 1
    captured = capsys.readouterr()
    assert "KC101" in captured.out and captured.err == ""


def test_read_only_cache_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)

    real_open = cache_module.os.open

    def refuse(name: str, flags: int, *args: object, **kwargs: object) -> int:
        if flags & cache_module.os.O_CREAT:
            raise PermissionError(13, "Permission denied")
        return real_open(name, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cache_module.os, "open", refuse)
    (project / "a.py").write_text(BAD + "\n", encoding="utf-8")
    assert [f[1] for f in run(project)] == ["KC101", "KC101"]


def test_no_cache_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-cache", "."]) == 1
    assert not (project / ".kerascheck_cache").exists()
    assert check_paths(["."]).diagnostics  # the library default writes nothing either
    assert not (project / ".kerascheck_cache").exists()


def test_cache_dir_from_environment(project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv(cache_module.ENV_CACHE_DIR, str(elsewhere))
    run(project)
    assert list(elsewhere.glob("results-*.json")) and not (project / ".kerascheck_cache").exists()


def test_concurrent_writers_merge(project: Path) -> None:
    directory = project / ".kerascheck_cache"
    first = cache_module.Cache.open(directory, "fp")
    second = cache_module.Cache.open(directory, "fp")
    first.put("x.py", "1", [])
    second.put("y.py", "2", [])
    first.save()
    second.save()
    merged = cache_module.Cache.open(directory, "fp")
    assert merged.get("x.py", "1") == cache_module.Entry([], {}, []) == merged.get("y.py", "2")
    assert merged.get("x.py", "other digest") is None
