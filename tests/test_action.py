"""The composite GitHub Action, run outside GitHub: its script with the variables GitHub would set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from helpers import BAD_PROGRAM, GOOD_PROGRAM

ROOT = Path(__file__).parent.parent


def run_action(workspace: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    output = workspace / "github_output.txt"
    env = {
        **os.environ,
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_OUTPUT": str(output),
        "INPUT_INSTALL": "false",  # kerascheck is installed in this interpreter already
        **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "action" / "run.py")], cwd=workspace, env=env, capture_output=True, text=True
    )
    outputs = (
        dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines()) if output.exists() else {}
    )
    return done, outputs


def test_action_metadata_runs_the_script_with_every_input() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    (step,) = action["runs"]["steps"]
    assert step["run"] == 'python3 "$GITHUB_ACTION_PATH/action/run.py"'
    for name in action["inputs"]:
        variable = "INPUT_" + name.upper().replace("-", "_")
        assert step["env"][variable] == "${{ inputs." + name + " }}"
    assert set(action["outputs"]) == {"sarif-file", "exit-code"}


def test_findings_give_sarif_annotations_and_a_failed_step(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(BAD_PROGRAM, encoding="utf-8")
    (tmp_path / "ok.py").write_text(GOOD_PROGRAM, encoding="utf-8")
    done, outputs = run_action(tmp_path, args="src ok.py", sarif_file="kerascheck.sarif")
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("::error file=src/train.py,line=4,col=52,endLine=4,endColumn=67,title=KC101")
    assert outputs == {"sarif-file": "kerascheck.sarif", "exit-code": "1"}
    sarif = json.loads((tmp_path / "kerascheck.sarif").read_text(encoding="utf-8"))
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "KC101"


def test_report_only_and_bad_inputs(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(BAD_PROGRAM, encoding="utf-8")
    done, outputs = run_action(tmp_path, fail_on_findings="false", annotations="false")
    assert done.returncode == 0 and outputs["exit-code"] == "1"
    assert "train.py:4:52: KC101 [error]" in done.stdout  # plain text instead of annotations
    bad, _ = run_action(tmp_path, annotations="yes")
    assert (
        bad.returncode != 0 and bad.stderr.strip() == "kerascheck action: annotations must be true or false, not 'yes'"
    )
    usage, outputs = run_action(tmp_path, args="--select KC999")
    assert usage.returncode == 2 and outputs["exit-code"] == "2"
    assert usage.stderr.count("\n") == 1 and "matches no kerascheck rule" in usage.stderr
