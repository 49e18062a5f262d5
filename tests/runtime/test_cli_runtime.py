"""The runtime front-ends through the command line: saved models and ``--model``."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from helpers import run_cli, run_subprocess

FACTORY = """
import keras
from keras import layers

def build():
    model = keras.Sequential([keras.Input((8,)), layers.Dense(4, name="scores")], name="cli_model")
    model.compile(loss="categorical_crossentropy")
    return model
"""


@pytest.fixture
def saved_model(tmp_path: Path) -> Path:
    import keras
    from keras import layers

    model = keras.Sequential([keras.Input((8,)), layers.Dense(4, name="scores")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    path = tmp_path / "model.keras"
    model.save(path)
    return path


def test_saved_model_on_the_command_line(saved_model: Path) -> None:
    result = run_subprocess(saved_model, "--output-format", "json")
    assert result.code == 1, result.err
    assert '"code": "KC101"' in result.out
    assert '"layer": "scores"' in result.out


def test_hostile_archive_is_one_kc002_line_and_other_files_go_on(tmp_path: Path, saved_model: Path) -> None:
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", b"{" + b" " * 120_000_000 + b"}")
    (tmp_path / "notzip.keras").write_bytes(b"not a zip at all")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run_cli(bomb, tmp_path / "notzip.keras", saved_model)
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if "KC002" in line]
    assert len(lines) == 2, result.out
    assert "KC101" in result.out
    assert "Traceback" not in result.out + result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_model_factory_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cli_factory_module.py").write_text(FACTORY)
    monkeypatch.syspath_prepend(str(tmp_path))
    result = run_cli("--model", "cli_factory_module:build", cwd=tmp_path)
    assert result.code == 1, result.err
    assert "KC101 [error]" in result.out
    missing = run_cli("--model", "cli_factory_module:nope", cwd=tmp_path)
    assert missing.code == 2
    assert missing.err.count("\n") == 1
    sys.modules.pop("cli_factory_module", None)
