"""The GitHub Action's script: install kerascheck, write SARIF, print annotations, set outputs.

It reads the action's inputs from ``INPUT_*`` variables and GitHub's own
(``GITHUB_ACTION_PATH``, ``GITHUB_OUTPUT``), so it runs the same outside
GitHub (the test suite does exactly that). The SARIF run never fails the
step; the annotation run, which reuses the first run's cache, gives the exit
status. Errors are one line and exit 2, like kerascheck itself.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path


class ActionError(Exception):
    """A bad input or a failed install: one line, exit 2."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in ("true", "false"):
        raise SystemExit(
            f"kerascheck action: {name.removeprefix('INPUT_').lower()} must be true or false, not {value!r}"
        )
    return value == "true"


def install(python: str) -> None:
    requirement = os.environ.get("INPUT_INSTALL", "").strip()
    if requirement.lower() == "false":
        return
    if not requirement:
        requirement = os.environ.get("GITHUB_ACTION_PATH") or str(Path(__file__).resolve().parent.parent)
    done = subprocess.run([python, "-m", "pip", "install", "--quiet", requirement], check=False)
    if done.returncode != 0:
        raise ActionError(f"pip install {requirement} failed (exit {done.returncode})")


def set_output(name: str, value: str) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(f"{name}={value}\n")


def main() -> int:
    try:
        return run()
    except ActionError as error:
        print(f"kerascheck action: {error}", file=sys.stderr)
        return 2


def run() -> int:
    python = sys.executable
    annotations = _flag("INPUT_ANNOTATIONS", True)
    fail = _flag("INPUT_FAIL_ON_FINDINGS", True)
    try:
        args = shlex.split(os.environ.get("INPUT_ARGS", ".") or ".")
    except ValueError as error:
        raise ActionError(f"cannot split args: {error}") from None
    sarif = Path(os.environ.get("INPUT_SARIF_FILE") or "kerascheck.sarif")
    install(python)
    kerascheck = [python, "-m", "kerascheck", "check", *args]
    with sarif.open("w", encoding="utf-8") as out:
        first = subprocess.run([*kerascheck, "--output-format", "sarif", "--exit-zero"], stdout=out, check=False)
    set_output("sarif-file", str(sarif))
    if first.returncode != 0:
        set_output("exit-code", str(first.returncode))
        return first.returncode
    second = subprocess.run([*kerascheck, "--output-format", "github" if annotations else "concise"], check=False)
    set_output("exit-code", str(second.returncode))
    if second.returncode == 1 and not fail:
        return 0
    return second.returncode


if __name__ == "__main__":
    sys.exit(main())
