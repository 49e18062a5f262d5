"""[tool.kerascheck] in pyproject.toml: selection, per-file ignores, exclude, strict validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import BAD_PROGRAM, run_cli


def project(tmp_path: Path, table: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'demo'\n\n[tool.kerascheck]\n{table}\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(BAD_PROGRAM)
    return tmp_path


def test_ignore_from_config(tmp_path: Path) -> None:
    root = project(tmp_path, 'ignore = ["KC101"]')
    assert run_cli("src", cwd=root).code == 0
    other = tmp_path / "b"
    other.mkdir()
    assert run_cli("src", cwd=project(other, "")).code == 1


def test_select_and_extend_select(tmp_path: Path) -> None:
    assert run_cli("src", cwd=project(tmp_path, 'select = ["KC4"]')).code == 0
    (tmp_path / "pyproject.toml").write_text('[tool.kerascheck]\nselect = ["KC4"]\nextend-select = ["KC101"]\n')
    assert run_cli("src", cwd=tmp_path).code == 1


def test_command_line_ignore_adds_to_config(tmp_path: Path) -> None:
    root = project(tmp_path, 'select = ["KC1"]')
    assert run_cli("src", cwd=root).code == 1
    assert run_cli("src", "--ignore", "KC101", cwd=root).code == 0


def test_per_file_ignores(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.kerascheck.per-file-ignores]\n"src/train.py" = ["KC1"]')
    assert run_cli("src", cwd=root).code == 0
    root2 = tmp_path / "other"
    root2.mkdir()
    project(root2, '[tool.kerascheck.per-file-ignores]\n"tests/*" = ["KC1"]')
    assert run_cli("src", cwd=root2).code == 1


def test_exclude(tmp_path: Path) -> None:
    root = project(tmp_path, 'exclude = ["src/"]')
    assert run_cli(".", cwd=root).code == 0
    # A file named explicitly is still checked, unless --force-exclude (as pre-commit passes it).
    assert run_cli("src/train.py", cwd=root).code == 1
    assert run_cli("src/train.py", "--force-exclude", cwd=root).code == 0


def test_unknown_key_is_a_one_line_error(tmp_path: Path) -> None:
    root = project(tmp_path, 'ignores = ["KC101"]')
    result = run_cli("src", cwd=root)
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "unknown key 'ignores'" in result.err
    assert "pyproject.toml" in result.err


def test_bad_values_are_errors(tmp_path: Path) -> None:
    for table in ('ignore = "KC101"', 'select = ["KC9"]', "per-file-ignores = 3", "exclude = [1]"):
        root = tmp_path / str(abs(hash(table)))
        root.mkdir()
        result = run_cli("src", cwd=project(root, table))
        assert result.code == 2, table
        assert result.err.startswith("kerascheck: error: ") and result.err.count("\n") == 1


def test_invalid_toml_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.kerascheck\nselect = [")
    result = run_cli(".", "--config", tmp_path / "pyproject.toml", cwd=tmp_path)
    assert result.code == 2
    assert "invalid TOML" in result.err


def test_explicit_missing_config_is_an_error(tmp_path: Path) -> None:
    assert run_cli(".", "--config", tmp_path / "missing.toml", cwd=tmp_path).code == 2


RNN_OVER_150_STEPS = """import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(150, 8)), layers.SimpleRNN(16), layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
"""


def test_rule_options_from_config(tmp_path: Path) -> None:
    """[tool.kerascheck.rules.KC405] changes the rule's threshold (kebab-case or snake_case names)."""
    (tmp_path / "model.py").write_text(RNN_OVER_150_STEPS)
    (tmp_path / "pyproject.toml").write_text("[tool.kerascheck]\n")
    default = run_cli("model.py", cwd=tmp_path)
    assert default.code == 1 and "KC405" in default.out and "over 150 timesteps" in default.out
    for spelling in ("max-timesteps", "max_timesteps"):
        (tmp_path / "pyproject.toml").write_text(f"[tool.kerascheck.rules.KC405]\n{spelling} = 200\n")
        assert run_cli("model.py", cwd=tmp_path).code == 0, spelling


def test_bad_rule_options_are_one_line_errors(tmp_path: Path) -> None:
    cases = {
        "[tool.kerascheck.rules.KC405]\nmax-steps = 1": "KC405 has no option 'max-steps' (its options: max-timesteps)",
        "[tool.kerascheck.rules.KC405]\nmax-timesteps = 'long'": "KC405 option 'max-timesteps' must be int, not 'long'",
        "[tool.kerascheck.rules.KC501]\npatience = 0": "KC501 option 'patience' must be at least 1, not 0",
        "[tool.kerascheck.rules.KC501]\ngap = true": "KC501 option 'gap' must be float, not True",
        "[tool.kerascheck.rules.KC101]\nthreshold = 1": "KC101 has no option 'threshold' (its options: none)",
        "[tool.kerascheck.rules.KC999]\npatience = 1": "options for 'KC999': there is no such rule",
        "[tool.kerascheck]\nrules = 3": "'rules' must hold one table per rule",
    }
    for number, (toml, message) in enumerate(cases.items()):
        root = tmp_path / str(number)
        root.mkdir()
        (root / "pyproject.toml").write_text(toml + "\n")
        result = run_cli(".", cwd=root)
        assert result.code == 2, toml
        assert result.err.count("\n") == 1 and message in result.err, result.err
        assert "pyproject.toml" in result.err


def test_rule_options_from_python() -> None:
    """``check_source(..., options=...)`` (as ``inspect`` and the callback) validates and applies them."""
    import pytest

    from kerascheck import check_source

    assert [d.code for d in check_source(RNN_OVER_150_STEPS)] == ["KC405"]
    assert check_source(RNN_OVER_150_STEPS, options={"KC405": {"max_timesteps": 150}}) == []
    with pytest.raises(ValueError, match="KC405 has no option 'limit'"):
        check_source(RNN_OVER_150_STEPS, options={"KC405": {"limit": 150}})


def test_rule_options_change_the_cache_key(tmp_path: Path) -> None:
    from kerascheck.config import load_config

    (tmp_path / "pyproject.toml").write_text("[tool.kerascheck.rules.KC405]\nmax-timesteps = 200\n")
    changed = load_config(tmp_path / "pyproject.toml").fingerprint()
    (tmp_path / "pyproject.toml").write_text("[tool.kerascheck.rules.KC405]\nmax-timesteps = 300\n")
    assert load_config(tmp_path / "pyproject.toml").fingerprint() != changed


# -- configuration found per file ------------------------------------------------


def test_configuration_is_found_from_each_file_not_the_working_directory(tmp_path: Path) -> None:
    root = project(tmp_path / "proj", 'ignore = ["KC101"]\nexclude = ["generated/"]')
    (root / "generated").mkdir()
    (root / "generated" / "model.py").write_text(BAD_PROGRAM)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli(root, "--output-format", "concise", cwd=elsewhere)  # `cd /tmp && kerascheck ~/proj`
    assert (result.code, result.out) == (0, "All checks passed!\n")
    shown = run_cli(root, "--show-files", cwd=elsewhere)
    assert shown.out == f"{root / 'src' / 'train.py'}  ({(root / 'pyproject.toml').resolve()})\n"


def test_nearest_file_wins_per_directory_and_kerascheck_toml_counts(tmp_path: Path) -> None:
    root = project(tmp_path, 'ignore = ["KC101"]')
    (root / "strict").mkdir()
    (root / "strict" / "train.py").write_text(BAD_PROGRAM)
    (root / "strict" / "kerascheck.toml").write_text("select = ['KC1']\n")  # top-level keys, no [tool] table
    (root / "plain").mkdir()
    (root / "plain" / "train.py").write_text(BAD_PROGRAM)
    (root / "plain" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no [tool.kerascheck]: passed over
    result = run_cli(".", "--output-format", "json", cwd=root)
    assert {item["filename"] for item in json.loads(result.out)} == {str(Path("strict") / "train.py")}


def test_extend_merges_a_shared_file_with_its_patterns_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kerascheck]\nignore = ["KC4"]\nexclude = ["app/legacy/", "*_gen.py"]\n'
        '[tool.kerascheck.per-file-ignores]\n"app/tests/*" = ["KC101"]\n'
    )
    app = tmp_path / "app"
    for name in ("legacy/old.py", "tests/t.py", "model_gen.py", "train.py"):
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(BAD_PROGRAM)
    (app / "pyproject.toml").write_text('[tool.kerascheck]\nextend = "../pyproject.toml"\nextend-select = ["KC201"]\n')
    result = run_cli(".", "--output-format", "json", cwd=app)
    assert {item["filename"] for item in json.loads(result.out)} == {"train.py"}
    settings = json.loads(run_cli("--show-settings", "train.py", "--output-format", "json", cwd=app).out)
    assert settings["extends"] == [str((tmp_path / "pyproject.toml").resolve())]
    assert (settings["ignore"], settings["extend-select"]) == (["KC4"], ["KC201"])
    assert settings["exclude"] == ["/legacy/", "*_gen.py"]
    assert settings["per-file-ignores"] == {"/tests/*": ["KC101"]}


def test_extend_errors_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.kerascheck]\nextend = "pyproject.toml"\n')
    looped = run_cli(".", cwd=tmp_path)
    assert looped.code == 2 and "'extend' loops back" in looped.err and looped.err.count("\n") == 1
    (tmp_path / "pyproject.toml").write_text('[tool.kerascheck]\nextend = "../nowhere.toml"\n')
    missing = run_cli(".", cwd=tmp_path)
    assert missing.code == 2 and "'extend' names '../nowhere.toml', which does not exist" in missing.err


def test_invalid_toml_found_by_discovery_is_an_error_naming_the_file(tmp_path: Path) -> None:
    root = project(tmp_path, "")
    (root / "pyproject.toml").write_text("[tool.kerascheck\nselect = [")
    result = run_cli("src", cwd=root)
    assert result.code == 2
    assert result.err.startswith(f"kerascheck: error: {(root / 'pyproject.toml').resolve()}: invalid TOML: ")
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_config_key_value_overrides_and_exclude_flags(tmp_path: Path) -> None:
    root = project(tmp_path, "")
    assert run_cli("src", "--config", 'ignore = ["KC101"]', cwd=root).code == 0
    assert run_cli("src", "--config", "select=['KC4']", cwd=root).code == 0
    assert run_cli(".", "--exclude", "src/", cwd=root).code == 0
    assert run_cli(".", "--extend-exclude", "*.py", cwd=root).code == 0
    assert run_cli(".", "--extend-exclude", "other/", cwd=root).code == 1
    # the path form of --config stays
    (tmp_path / "strict.toml").write_text('[tool.kerascheck]\nignore = ["KC1"]\n')
    assert run_cli("src", "--config", tmp_path / "strict.toml", cwd=root).code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--config", "ignore = KC101"], "is neither a file nor a TOML 'KEY = VALUE'"),
        (["--config", "ignores = ['KC101']"], "unknown key 'ignores'"),
        (["--config", "select = ['KC999']"], "matches no kerascheck rule"),
        (["--config", "extend = 'x.toml'"], "cannot set 'extend'"),
        (["--config", "missing.toml"], "config file not found: missing.toml"),
        (["--exclude", ","], "needs at least one pattern"),
        (["--output-format", "xml"], "invalid choice: 'xml'"),
        (["--jobs", "0"], "--jobs needs at least 1"),
        (["--fix", "--add-noqa"], "--fix, --add-noqa cannot be combined"),
    ],
)
def test_bad_flag_values_are_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    root = project(tmp_path, "")
    result = run_cli("src", *args, cwd=root)
    assert result.code == 2, result
    assert result.err.startswith("kerascheck: error: ") and result.err.count("\n") == 1
    assert message in result.err


def test_language_server_and_command_line_resolve_the_same_configuration(tmp_path: Path) -> None:
    from kerascheck.config import resolve_config
    from kerascheck.lsp.server import KerascheckServer

    root = project(tmp_path, 'ignore = ["KC101"]')
    (root / "src" / "kerascheck.toml").write_text('extend = "../pyproject.toml"\nextend-select = ["KC201"]\n')
    path = root / "src" / "train.py"
    assert KerascheckServer().config_for(path) == resolve_config(path)
    assert resolve_config(path).selection.extend_select == ("KC201",)


def test_command_line_excludes_are_relative_to_the_working_directory(tmp_path: Path) -> None:
    root = project(tmp_path, "")
    (root / "sub").mkdir()
    (root / "sub" / "kerascheck.toml").write_text("")
    (root / "sub" / "src").mkdir()
    (root / "sub" / "src" / "train.py").write_text(BAD_PROGRAM)
    result = run_cli(".", "--exclude", "sub/src/", "--output-format", "json", cwd=root)
    assert {item["filename"] for item in json.loads(result.out)} == {str(Path("src") / "train.py")}
    result = run_cli(".", "--exclude", "/src/", "--output-format", "json", cwd=root)
    assert {item["filename"] for item in json.loads(result.out)} == {str(Path("sub") / "src" / "train.py")}


def test_reroot_moves_anchored_patterns_and_keeps_unanchored_ones(tmp_path: Path) -> None:
    from kerascheck.config import reroot

    top, app = tmp_path, tmp_path / "app"
    assert reroot("*_gen.py", top, app) == "*_gen.py"
    assert reroot("*_gen.py", tmp_path / "elsewhere", app) == "*_gen.py"
    assert reroot("app/legacy/", top, app) == "/legacy/"
    assert reroot("!app/keep.py", top, app) == "!/keep.py"
    assert reroot("other/legacy/", top, app) is None  # cannot match below app/
    assert reroot("legacy/old.py", app, top) == "/app/legacy/old.py"
    assert reroot("*.py", app, top) == "/app/**/*.py"
    assert reroot("/x.py", tmp_path / "a", tmp_path / "b") is None


def test_language_server_notices_a_configuration_file_created_nearer(tmp_path: Path) -> None:
    from kerascheck.lsp.server import KerascheckServer

    root = project(tmp_path, 'ignore = ["KC101"]')
    path = root / "src" / "train.py"
    server = KerascheckServer()
    assert server.config_for(path).selection.ignore == ("KC101",)
    (root / "src" / "kerascheck.toml").write_text('ignore = ["KC4"]\n')
    assert server.config_for(path).selection.ignore == ("KC4",)  # nearer now, no restart needed
    (root / "src" / "kerascheck.toml").unlink()
    assert server.config_for(path).selection.ignore == ("KC101",)


def test_an_error_in_an_extended_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.kerascheck]\nignores = ["KC4"]\n')
    app = project(tmp_path / "app", 'extend = "../pyproject.toml"')
    result = run_cli("src", cwd=app)
    assert result.code == 2
    assert result.err.startswith(f"kerascheck: error: {(tmp_path / 'pyproject.toml').resolve()}: unknown key 'ignores'")


def test_config_overrides_merge_into_tables(tmp_path: Path) -> None:
    from kerascheck.config import Overrides, parse_override, resolve_config

    root = project(tmp_path, "[tool.kerascheck.rules.KC501]\npatience = 5\ngap = 0.2\n")
    overrides = Overrides(table=parse_override("rules.KC501.patience = 9"))
    options = dict(resolve_config(root / "src" / "train.py", overrides=overrides).selection.options)
    assert dict(options["KC501"]) == {"patience": 9, "gap": 0.2}


def test_the_schema_knows_each_rules_options() -> None:
    """Editors complete and check ``[tool.kerascheck.rules.KCnnn]`` from the rules' own options."""
    import jsonschema
    import pytest

    from kerascheck.schema import settings_schema

    schema = settings_schema()
    jsonschema.validate({"rules": {"KC405": {"max-timesteps": 200}, "KC501": {"patience": 5}}}, schema)
    for bad in ({"KC405": {"max-steps": 1}}, {"KC501": {"patience": 0}}, {"KC101": {"x": 1}}, {"KC405": 3}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"rules": bad}, schema)


def test_extended_rule_options_merge_option_by_option(tmp_path: Path) -> None:
    from kerascheck.config import load_config

    (tmp_path / "pyproject.toml").write_text(
        "[tool.kerascheck.rules.KC501]\npatience = 5\ngap = 0.2\n[tool.kerascheck.rules.KC405]\nmax-timesteps = 300\n"
    )
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "pyproject.toml").write_text(
        '[tool.kerascheck]\nextend = "../pyproject.toml"\n[tool.kerascheck.rules.KC501]\ngap = 0.3\n'
    )
    selection = load_config(tmp_path / "app" / "pyproject.toml").selection
    assert selection.options_for("KC501") == {"patience": 5, "gap": 0.3}
    assert selection.options_for("KC405") == {"max_timesteps": 300}
