"""``--model package.module:factory``: import, call, inspect; every failure a FactoryError."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from kerascheck import engine
from kerascheck.runtime.factory import FactoryError, check_factory, parse_spec

ALL = engine.Selection(select=("ALL",))

FACTORIES = """
import keras
import numpy as np
from keras import layers

def build():
    model = keras.Sequential([keras.Input((8,)), layers.Dense(10, name="logits")], name="from_factory")
    model.compile(loss="categorical_crossentropy")
    return model

def with_data():
    model = keras.Sequential([keras.Input((8,)), layers.Dense(3, activation="softmax")], name="with_data")
    model.compile(loss="categorical_crossentropy")
    return model, np.zeros((30, 8), "float32"), np.arange(30) % 3

def broken():
    raise RuntimeError("no GPU\\nfound")

def not_a_model():
    return {"model": None}

NOT_CALLABLE = 42

class Builders:
    @staticmethod
    def build():
        return build()
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A user project in the current directory: ``mypkg/models.py`` plus a module that fails to import."""
    package = tmp_path / "mypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(textwrap.dedent(FACTORIES))
    (package / "syntax.py").write_text("def build(:\n")
    (package / "needs.py").write_text("import not_installed_anywhere\n")
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for name in [m for m in sys.modules if m == "mypkg" or m.startswith("mypkg.")]:
        del sys.modules[name]


def test_factory_model_is_inspected(project: Path) -> None:
    (finding,) = check_factory("mypkg.models:build", ALL)
    assert (finding.code, finding.filename, finding.layer) == ("KC101", "<model from_factory>", "logits")
    assert str(project) not in sys.path  # the current directory is only on the path while importing


def test_factory_may_return_data_too(project: Path) -> None:
    codes = {d.code for d in check_factory("mypkg.models:with_data", ALL)}
    assert "KC303" in codes  # integer labels with categorical cross-entropy


def test_nested_attribute(project: Path) -> None:
    assert [d.code for d in check_factory("mypkg.models:Builders.build", ALL)] == ["KC101"]


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("mypkg.models", "expects package.module:factory"),
        ("mypkg.models:", "expects package.module:factory"),
        ("../evil:build", "expects package.module:factory"),
        ("mypkg.absent:build", "cannot import 'mypkg.absent': ModuleNotFoundError"),
        ("mypkg.syntax:build", "cannot import 'mypkg.syntax': SyntaxError"),
        ("mypkg.needs:build", "No module named 'not_installed_anywhere'"),
        ("mypkg.models:missing", "has no attribute 'missing'"),
        ("mypkg.models:NOT_CALLABLE", "is not callable"),
        ("mypkg.models:broken", "mypkg.models:broken() raised RuntimeError: no GPU found"),
        ("mypkg.models:not_a_model", "returned a dict, not a Keras model"),
    ],
)
def test_factory_errors_are_one_line(project: Path, spec: str, words: str) -> None:
    with pytest.raises(FactoryError) as raised:
        check_factory(spec, ALL)
    message = str(raised.value)
    assert words in message and "\n" not in message


def test_parse_spec() -> None:
    assert parse_spec(" pkg.mod:make.model ") == ("pkg.mod", "make.model")
