"""The code base stays ruff-clean, ruff-formatted and type-checked (CI enforces the style guide)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.tools


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("command", [("ruff", "check", "."), ("ruff", "format", "--check", ".")])
def test_ruff(command: tuple[str, ...]) -> None:
    done = run(*command)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy() -> None:
    """``mypy --strict``: every function typed, no ``Any`` leaking out, no stale ``type: ignore``."""
    done = run("mypy", "--strict", "kerascheck", "--ignore-missing-imports", "--cache-dir", "/dev/null")
    assert done.returncode == 0, done.stdout + done.stderr
