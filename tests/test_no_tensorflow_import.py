"""The static path must never import TensorFlow or Keras: it takes seconds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"

PROBE = """
import sys
from kerascheck.cli import main
code = main(sys.argv[1:] + ["--exit-zero", "--select", "ALL"])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "tf_keras", "h5py", "numpy"))
print("HEAVY:", heavy)
raise SystemExit(code)
"""


def test_linting_imports_neither_tensorflow_nor_keras() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(FIXTURES), str(FIXTURES.parent.parent / "examples")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "HEAVY: []" in done.stdout, done.stdout.splitlines()[-1]


CACHED_PROBE = """
import sys
from kerascheck.cli import main
code = main(sys.argv[1:])
print("PARSER:", sorted(m for m in sys.modules if m.split(".")[0] == "libcst"))
raise SystemExit(code)
"""


def test_a_cached_run_imports_no_parser(tmp_path: Path) -> None:
    """Every file answered from the cache: the one-file run on save costs the CLI, not libcst."""
    script = tmp_path / "train.py"
    script.write_text((FIXTURES.parent.parent / "examples" / "mnist_cnn.py").read_text())
    first = subprocess.run(
        [sys.executable, "-c", CACHED_PROBE, "train.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert "PARSER: ['libcst'" in first.stdout, first.stdout + first.stderr  # the cold run parses
    again = subprocess.run(
        [sys.executable, "-c", CACHED_PROBE, "train.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert again.returncode == first.returncode, again.stderr
    assert "PARSER: []" in again.stdout, again.stdout
    assert again.stdout.split("PARSER:")[0] == first.stdout.split("PARSER:")[0]  # the same findings
