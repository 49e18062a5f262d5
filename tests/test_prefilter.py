"""Lazy parsing: which files are parsed at all, and what of a large file is (static/prefilter.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from kerascheck.static import prefilter
from kerascheck.static.lint import analyse_bytes
from kerascheck.static.project import Project

HELPERS = """from tensorflow import keras


def conv_block(x, filters):
    return keras.layers.Conv2D(filters, 3, activation="relu")(x)
"""

FILLER = '''

def helper_{index}(values):
    """Docstring example, not code: model.fit(x, y) and keras.Sequential([...])."""
    total = 0
    for value in values:
        total += value * {index}
    return total
'''

LARGE = (
    "import numpy as np\nfrom tensorflow import keras\n"
    + "".join(FILLER.format(index=i) for i in range(60))
    + """

def make_model(shared):
    model = keras.Sequential()
    model.add(keras.layers.Dense(8, activation="relu"))
    if shared:
        model.add(keras.layers.Dense(1))
    return model


def run_experiment():
    model = make_model(shared=True)
    return model


class Trainer:
    def fit(self, data):
        return self.fit(data)

    def unrelated(self):
        return helper_3([1, 2])


compiled = run_experiment()
compiled.compile(optimizer="adam", loss="binary_crossentropy")
"""
)


def test_a_module_of_layer_helpers_is_not_parsed() -> None:
    assert not prefilter.may_contribute(HELPERS)
    assert prefilter.may_contribute(HELPERS + "\nmodel = keras.Sequential([keras.layers.Dense(1)])\n")


def test_docstring_examples_and_self_fit_do_not_count_in_large_files() -> None:
    text = "from tensorflow import keras\n" + "".join(FILLER.format(index=i) for i in range(60))
    text += "\n\nclass Trainer:\n    def fit(self, data):\n        return self.fit(data)\n"
    assert len(text) > prefilter.CONFIRM_ABOVE_BYTES
    assert prefilter.text_to_parse(text) is None


def test_pruning_keeps_what_matters_and_every_line_number() -> None:
    pruned = prefilter.text_to_parse(LARGE, pruning=True)
    assert pruned is not None and pruned != LARGE
    assert pruned.count("\n") == LARGE.count("\n")
    tree = ast.parse(pruned)
    kept = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    # make_model builds the model, run_experiment calls it with its argument, Trainer.unrelated
    # mentions helper_3 but nothing kept mentions either: only what is connected to a model stays.
    assert {"make_model", "run_experiment"} <= kept
    assert "helper_0" not in kept and "unrelated" not in kept
    assert "fit" in kept  # a method named like a model call is kept (over-approximation, never a loss)
    original, short = LARGE.splitlines(), pruned.splitlines()
    for number, line in enumerate(short):
        assert line in ("", original[number]) or line.strip() == "pass"


def test_pruned_and_whole_analysis_agree(tmp_path: Path) -> None:
    path = tmp_path / "experiment.py"
    path.write_text(LARGE, encoding="utf-8")
    whole = analyse_bytes(LARGE.encode(), str(path), project=Project()).diagnostics
    pruned = analyse_bytes(LARGE.encode(), str(path), project=Project(), prune=True).diagnostics
    assert [(d.code, d.span) for d in pruned] == [(d.code, d.span) for d in whole]
    assert [d.code for d in whole] == ["KC102"]
    line = LARGE.splitlines().index("        model.add(keras.layers.Dense(1))") + 1
    assert whole[0].line == line


def test_a_script_without_keras_that_imports_a_keras_module_is_linted(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text(HELPERS + "\n\ndef build():\n    return keras.Sequential()\n")
    script = "from helpers import build\n\nmodel = build()\nmodel.compile(loss='mse')\n"
    assert not prefilter.may_contribute(script)
    assert prefilter.may_contribute(script, lambda _text: True)
    project = Project()
    analysis = analyse_bytes(script.encode(), str(tmp_path / "train.py"), project=project)
    assert analysis.module is not None  # parsed: it uses a model from a project module
    assert set(analysis.deps) == {str((tmp_path / "helpers.py").resolve())}
    plain = "import json\n\nprint(json.dumps({'fit': 1}))\nmodel.fit(x)\n"
    assert analyse_bytes(plain.encode(), str(tmp_path / "other.py"), project=project).module is None


def test_other_libraries_functions_are_not_model_calls() -> None:
    body = "".join(FILLER.format(index=i).replace("model.fit(x, y) and keras.Sequential([...])", "") for i in range(60))
    other = "import re\nimport openvino as ov\nfrom keras.src import backend\n" + body
    other += "\n\ndef export(x):\n    pattern = re.compile('a')\n    return ov.Model(results=[x], parameters=[])\n"
    assert len(other) > prefilter.CONFIRM_ABOVE_BYTES and prefilter.text_to_parse(other) is None
    split = other + "\n\nfrom sklearn.model_selection import train_test_split\nparts = train_test_split([1, 2])\n"
    assert prefilter.text_to_parse(split) is not None
    keras_model = other + "\n\nfrom keras.src import models\nnet = models.Model(inputs, outputs)\n"
    assert prefilter.text_to_parse(keras_model) is not None
