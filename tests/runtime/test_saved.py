"""Saved models: ``.keras`` round trips, legacy ``.h5``, Keras 2 configs, hostile archives."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any

import h5py
import keras
import pytest
from keras import layers

from kerascheck import engine
from kerascheck.diagnostics import Span
from kerascheck.rules.base import all_rules
from kerascheck.runtime.archive import SavedConfig
from kerascheck.runtime.inspect import inspect
from kerascheck.runtime.saved import check_saved_model, facts_from_config, facts_from_saved_model

ALL = engine.Selection(select=("ALL",))


def saved_codes(path: Path) -> list[str]:
    return sorted(d.code for d in check_saved_model(str(path), ALL))


def save(model: keras.Model, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns that .h5 is legacy
        model.save(path)
    return path


def classifier(*stack: layers.Layer, loss: Any = "categorical_crossentropy", **compile_args: Any) -> keras.Model:
    model = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu"), *stack])
    model.compile(optimizer="adam", loss=loss, **compile_args)
    return model


# -- round trips ----------------------------------------------------------------


def test_round_trip_keeps_the_findings(tmp_path: Path) -> None:
    model = classifier(layers.Dense(10, name="out"))  # KC101
    path = save(model, tmp_path / "m.keras")
    found = check_saved_model(str(path), ALL)
    assert [d.code for d in found] == ["KC101"]
    (finding,) = found
    assert finding.filename == str(path) and finding.span is None and finding.layer == "out"
    assert finding.message == inspect(model, select=["ALL"])[0].message


@pytest.mark.parametrize(
    ("stack", "loss", "expected"),
    [
        (lambda: [layers.Dense(10, activation="softmax")], "categorical_crossentropy", []),
        (lambda: [layers.Dense(1, activation="softmax")], "binary_crossentropy", ["KC104"]),
        (
            lambda: [layers.Dense(3), layers.Softmax()],
            keras.losses.CategoricalCrossentropy(from_logits=True),
            ["KC107"],
        ),
        (lambda: [layers.Dense(4, activation="sigmoid"), layers.Dropout(0.1), layers.Dense(4)], "mse", ["KC403"]),
        (lambda: [layers.Dense(8), layers.Dense(3, activation="softmax")], "mse", ["KC109", "KC404"]),
        (lambda: [layers.Dense(8, activation="softmax"), layers.Dense(3, activation="softmax")], "mse", ["KC401"]),
    ],
)
def test_round_trip_rules(tmp_path: Path, stack: Any, loss: Any, expected: list[str]) -> None:
    model = classifier(*stack(), loss=loss)
    runtime = sorted({d.code for d in inspect(model, select=["ALL"])})
    assert saved_codes(save(model, tmp_path / "m.keras")) == runtime
    assert set(expected) <= set(runtime)


def test_multi_output_and_nested_models_round_trip(tmp_path: Path) -> None:
    backbone = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu")], name="backbone")
    inputs = keras.Input((8,))
    features = backbone(inputs)
    kind = layers.Dense(3, name="kind")(features)  # linear with categorical cross-entropy: KC101
    score = layers.Dense(1, activation="sigmoid", name="score")(features)
    model = keras.Model(inputs, {"kind": kind, "score": score})
    model.compile(loss={"kind": "categorical_crossentropy", "score": "binary_crossentropy"}, metrics={"score": ["auc"]})
    path = save(model, tmp_path / "multi.keras")
    facts = facts_from_saved_model(str(path))
    heads = {head.name: head for head in facts.models[0].heads}
    assert set(heads) == {"kind", "score"}
    assert [layer.kind for layer in heads["kind"].chain] == ["InputLayer", "Dense", "Dense"]
    assert heads["score"].loss is not None and heads["score"].loss.kind == "binary_crossentropy"
    assert saved_codes(path) == sorted({d.code for d in inspect(model, select=["ALL"])}) == ["KC101"]


def test_uncompiled_model(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((8,)), layers.Dense(1, activation="softmax")])
    facts = facts_from_saved_model(str(save(model, tmp_path / "raw.keras")))
    assert not facts.models[0].compiled and facts.models[0].heads[0].loss is None
    assert saved_codes(tmp_path / "raw.keras") == ["KC104"]


def test_every_model_rule_example_reads_the_same_from_a_saved_file(tmp_path: Path) -> None:
    """The saved front-end sees what the runtime one sees (without data, which a file does not hold)."""
    from test_parity import MODEL_CODES, MODEL_RULES, MissingModule, _run_snippet

    divergences = []
    for code, rule in MODEL_RULES.items():
        for number, snippet in enumerate((e.source for e in (*rule.BAD, *rule.GOOD)), start=1):
            try:
                namespace, _fitted = _run_snippet(snippet)
            except (MissingModule, Exception):
                continue  # the parity test reports examples that do not build
            for name, model in namespace.items():
                if not isinstance(model, keras.Model) or not model.built:
                    continue
                runtime = {d.code for d in inspect(model, select=["ALL"])} & MODEL_CODES
                path = save(model, tmp_path / f"{code}_{number}_{name}.keras")
                saved = set(saved_codes(path)) & MODEL_CODES
                if runtime != saved:
                    divergences.append(
                        f"{code} example {number} ({name}): runtime {sorted(runtime)}, saved {sorted(saved)}"
                    )
    assert not divergences, "\n".join(divergences)


# -- legacy .h5 and Keras 2 configs ---------------------------------------------


def test_legacy_h5_round_trip(tmp_path: Path) -> None:
    model = classifier(layers.Dense(1), loss="binary_crossentropy", metrics=["accuracy"])
    path = save(model, tmp_path / "m.h5")
    assert saved_codes(path) == sorted({d.code for d in inspect(model, select=["ALL"])})
    assert "KC102" in saved_codes(path)


KERAS2_FUNCTIONAL = {
    "class_name": "Model",
    "keras_version": "2.4.0",
    "backend": "tensorflow",
    "config": {
        "name": "legacy",
        "layers": [
            {
                "class_name": "InputLayer",
                "name": "x",
                "config": {"batch_input_shape": [None, 8], "name": "x"},
                "inbound_nodes": [],
            },
            {
                "class_name": "Dense",
                "name": "hidden",
                "config": {"name": "hidden", "units": 16, "activation": "relu"},
                "inbound_nodes": [[["x", 0, 0, {}]]],
            },
            {
                "class_name": "Dense",
                "name": "logits",
                "config": {"name": "logits", "units": 3, "activation": "linear"},
                "inbound_nodes": [[["hidden", 0, 0, {}]]],
            },
            {
                "class_name": "Activation",
                "name": "probs",
                "config": {"name": "probs", "activation": "sigmoid"},
                "inbound_nodes": [[["logits", 0, 0, {}]]],
            },
        ],
        "input_layers": [["x", 0, 0]],
        "output_layers": [["probs", 0, 0]],
    },
}
KERAS2_TRAINING = {"loss": "categorical_crossentropy", "metrics": ["accuracy"], "loss_weights": None}


def test_keras2_functional_config() -> None:
    facts = facts_from_config(SavedConfig(model=KERAS2_FUNCTIONAL, compile=KERAS2_TRAINING))
    (head,) = facts.models[0].heads
    assert [layer.name for layer in head.chain] == ["x", "hidden", "logits", "probs"]
    assert head.chain[0].input_shape == (8,)
    assert (head.units, head.activation, head.loss.kind) == (3, "sigmoid", "categorical_crossentropy")  # type: ignore[union-attr]


def test_keras2_sequential_config_with_batch_input_shape() -> None:
    config = {
        "class_name": "Sequential",
        "config": {
            "name": "seq",
            "layers": [
                {"class_name": "SimpleRNN", "config": {"name": "rnn", "units": 8, "batch_input_shape": [None, 500, 1]}},
                {"class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "sigmoid"}},
            ],
        },
    }
    (head,) = facts_from_config(SavedConfig(model=config, compile=None)).models[0].heads
    assert [layer.kind for layer in head.chain] == ["InputLayer", "SimpleRNN", "Dense"]
    assert head.chain[0].input_shape == (500, 1)


def test_keras2_config_in_an_h5_file(tmp_path: Path) -> None:
    path = tmp_path / "legacy.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = json.dumps(KERAS2_FUNCTIONAL).encode()
        handle.attrs["training_config"] = json.dumps(KERAS2_TRAINING)
    assert "KC108" in saved_codes(path)  # sigmoid over 3 units with categorical cross-entropy


def test_custom_classes_are_unknown() -> None:
    config = {
        "module": "keras.src.models.sequential",
        "class_name": "Sequential",
        "config": {
            "name": "s",
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, 4], "name": "i"},
                },
                {"module": "my_package.layers", "class_name": "Dense", "config": {"name": "fake", "units": 3}},
            ],
        },
        "compile_config": {"loss": {"module": None, "class_name": "MyLoss", "config": {}, "registered_name": "MyLoss"}},
    }
    facts = facts_from_config(SavedConfig(model=config, compile=config["compile_config"]))  # type: ignore[arg-type]
    (head,) = facts.models[0].heads
    assert head.chain[-1].kind is None and head.units is None
    assert head.loss is not None and head.loss.kind is None


def test_subclassed_model_config_has_no_heads() -> None:
    config = {"module": "__main__", "class_name": "MyModel", "config": {"name": "m"}}
    assert facts_from_config(SavedConfig(model=config, compile=None)).models[0].heads == ()


def test_h5_without_h5py(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(classifier(layers.Dense(2)), tmp_path / "m.h5")
    monkeypatch.setitem(sys.modules, "h5py", None)
    (finding,) = check_saved_model(str(path), ALL)
    assert (finding.code, finding.message) == ("KC002", "reading .h5 models needs h5py: pip install h5py")


def test_h5_that_is_not_hdf5(tmp_path: Path) -> None:
    path = tmp_path / "fake.h5"
    path.write_bytes(b"not hdf5 at all")
    assert_one_kc002(path, "HDF5")


def test_h5_weights_only(tmp_path: Path) -> None:
    path = tmp_path / "weights.h5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("kernel", data=[1.0, 2.0])
    assert_one_kc002(path, "no model_config")


# -- hostile and broken archives ------------------------------------------------


def assert_one_kc002(path: Path, words: str) -> None:
    before = sorted(p.name for p in path.parent.iterdir())
    found = check_saved_model(str(path), ALL)
    assert len(found) == 1, found
    (finding,) = found
    assert finding.code == "KC002" and finding.filename == str(path)
    assert finding.span == Span(1, 1, 1, 1)
    assert "\n" not in finding.message and words in finding.message, finding.message
    assert sorted(p.name for p in path.parent.iterdir()) == before  # nothing extracted


def write_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def valid_config() -> str:
    return json.dumps(
        {
            "class_name": "Sequential",
            "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2}}]},
        }
    )


def patch_central_directory(path: Path, offset: int, fmt: str, value: int) -> None:
    """Overwrite one field of the (first) central directory header: what a forged archive does."""
    data = bytearray(path.read_bytes())
    start = data.index(b"PK\x01\x02")
    struct.pack_into(fmt, data, start + offset, value)
    path.write_bytes(bytes(data))


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "m.keras"
    path.write_bytes(b"\x89HDF\r\n not a zip")
    assert_one_kc002(path, "not a valid .keras archive")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert_one_kc002(tmp_path / "absent.keras", "cannot read")
    (tmp_path / "dir.keras").mkdir()
    assert_one_kc002(tmp_path / "dir.keras", "cannot read")


def test_missing_config(tmp_path: Path) -> None:
    assert_one_kc002(write_zip(tmp_path / "m.keras", {"metadata.json": "{}"}), "no config.json")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ("[1, 2, 3]", "not a JSON object"),
        ('{"class_name": "Sequential", "config": {"layers": []}, "evil": 1}', "unexpected key 'evil'"),
        ('{"config": {}}', "no class_name"),
        ('{"class_name": "Sequential", "config": {"layers": "all of them"}}', "layers are not a list"),
        ('{"class_name": "Sequential", "config": {"layers": [42]}}', "not a {class_name, config} object"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"class_name": "Sequential", "config": {"layers": []}, "compile_config": [1]}', "compile_config"),
    ],
)
def test_malformed_config(tmp_path: Path, content: str | bytes, words: str) -> None:
    assert_one_kc002(write_zip(tmp_path / "m.keras", {"config.json": content}), words)


def functional(layers_: list[dict[str, Any]], outputs: Any) -> str:
    return json.dumps(
        {"class_name": "Functional", "config": {"name": "f", "layers": layers_, "output_layers": outputs}}
    )


def keras3_node(source: str) -> list[dict[str, Any]]:
    return [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": [source, 0, 0]}}], "kwargs": {}}]


def test_keras3_tensor_passed_by_keyword(tmp_path: Path) -> None:
    node = [{"args": [], "kwargs": {"inputs": keras3_node("x")[0]["args"][0]}}]
    config = functional(
        [
            {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [None, 4]}, "inbound_nodes": []},
            {"class_name": "Dense", "name": "d", "config": {"units": 3}, "inbound_nodes": node},
        ],
        [["d", 0, 0]],
    )
    facts = facts_from_saved_model(str(write_zip(tmp_path / "m.keras", {"config.json": config})))
    assert [layer.kind for layer in facts.models[0].heads[0].chain] == ["InputLayer", "Dense"]


def test_graph_referencing_an_undefined_layer(tmp_path: Path) -> None:
    config = functional(
        [{"class_name": "Dense", "name": "d", "config": {"units": 1}, "inbound_nodes": keras3_node("ghost")}],
        [["d", 0, 0]],
    )
    assert_one_kc002(write_zip(tmp_path / "m.keras", {"config.json": config}), "'ghost' is used but not defined")


def test_graph_with_a_cycle(tmp_path: Path) -> None:
    config = functional(
        [
            {"class_name": "Dense", "name": "a", "config": {"units": 1}, "inbound_nodes": keras3_node("b")},
            {"class_name": "Dense", "name": "b", "config": {"units": 1}, "inbound_nodes": keras3_node("a")},
        ],
        [["a", 0, 0]],
    )
    assert_one_kc002(write_zip(tmp_path / "m.keras", {"config.json": config}), "cycle")


def test_deeply_nested_models(tmp_path: Path) -> None:
    entry: dict[str, Any] = {"class_name": "Dense", "config": {"name": "d", "units": 1}}
    for level in range(40):
        entry = {"class_name": "Sequential", "config": {"name": f"s{level}", "layers": [entry]}}
    assert_one_kc002(write_zip(tmp_path / "m.keras", {"config.json": json.dumps(entry)}), "nested more than")


@pytest.mark.parametrize("name", ["../config.json", "/etc/passwd", "assets\\..\\x", "C:/windows/x", "a/../../b"])
def test_odd_member_paths(tmp_path: Path, name: str) -> None:
    archive = write_zip(tmp_path / "m.keras", {"config.json": valid_config(), name: "x"})
    assert_one_kc002(archive, "suspicious member path")


def test_duplicate_members(tmp_path: Path) -> None:
    path = tmp_path / "m.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is told to write
        write_zip(path, {"config.json": valid_config()})
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("config.json", "{}")
    assert_one_kc002(path, "twice")


def test_huge_member_declared(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "m.keras", {"config.json": valid_config()})
    patch_central_directory(path, 24, "<I", 3_000_000_000)  # uncompressed size
    assert_one_kc002(path, "declares")


def test_zip_bomb_ratio(tmp_path: Path) -> None:
    bomb = '{"class_name": "Sequential", "config": {"layers": []}, "name": "' + " " * 5_000_000 + '"}'
    assert_one_kc002(write_zip(tmp_path / "m.keras", {"config.json": bomb}), "zip bomb")


def test_member_larger_than_its_header_says(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "m.keras", {"config.json": valid_config() + " " * 10_000})
    patch_central_directory(path, 24, "<I", 100)  # claims 100 bytes: the data does not match its CRC
    assert_one_kc002(path, "cannot read the archive")


def test_encrypted_member(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "m.keras", {"config.json": valid_config()})
    patch_central_directory(path, 8, "<H", 0x1)  # general purpose flag: encrypted
    assert_one_kc002(path, "encrypted")


def test_nested_zip(tmp_path: Path) -> None:
    inner = write_zip(tmp_path / "inner.zip", {"config.json": valid_config()}).read_bytes()
    (tmp_path / "inner.zip").unlink()
    assert_one_kc002(write_zip(tmp_path / "a.keras", {"model.keras": inner}), "no config.json")
    assert_one_kc002(write_zip(tmp_path / "b.keras", {"config.json": inner}), "config.json")


def test_a_valid_handmade_archive_is_read(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "m.keras", {"config.json": valid_config(), "assets/vocab.txt": "a b"})
    assert check_saved_model(str(path), ALL) == []


# -- no TensorFlow --------------------------------------------------------------


def test_reading_saved_models_imports_neither_tensorflow_nor_keras(tmp_path: Path) -> None:
    keras_path = save(classifier(layers.Dense(10)), tmp_path / "m.keras")
    h5_path = save(classifier(layers.Dense(10)), tmp_path / "m.h5")
    code = (
        "import sys\n"
        "from kerascheck.runtime.saved import check_saved_model\n"
        "from kerascheck.engine import Selection\n"
        f"paths = ({str(keras_path)!r}, {str(h5_path)!r})\n"
        "codes = [d.code for p in paths for d in check_saved_model(p, Selection())]\n"
        "assert codes == ['KC101', 'KC101'], codes\n"
        "loaded = [m for m in ('tensorflow', 'keras', 'tf_keras') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_all_rules_still_import_without_tensorflow() -> None:
    assert "KC002" in all_rules()
