"""Shared helpers for the test suite: running the CLI in-process and as a subprocess."""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from kerascheck.cli import main

BAD_PROGRAM = """import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])
model.compile(optimizer="adam", loss="categorical_crossentropy")
"""
GOOD_PROGRAM = BAD_PROGRAM.replace("layers.Dense(3)", 'layers.Dense(3, activation="softmax")')


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path, cwd: Path | None = None, stdin: str | None = None) -> Result:
    """Run ``kerascheck`` in-process (fast) with a working directory and optional stdin."""
    import os

    out, err = io.StringIO(), io.StringIO()
    old_cwd = Path.cwd()
    old_stdin = sys.stdin
    try:
        if cwd is not None:
            os.chdir(cwd)
        if stdin is not None:
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
        with redirect_stdout(out), redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        os.chdir(old_cwd)
        sys.stdin = old_stdin
    return Result(code, out.getvalue(), err.getvalue())


def run_subprocess(*args: str | Path, cwd: Path | None = None) -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "kerascheck", *map(str, args)], capture_output=True, text=True, cwd=cwd
    )
    return Result(done.returncode, done.stdout, done.stderr)
