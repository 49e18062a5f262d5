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
