"""The pre-commit hook works as users install it: ``pre-commit try-repo`` on a scratch repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import BAD_PROGRAM, GOOD_PROGRAM

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.tools


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed (the [test] extra installs it)")
    repo = tmp_path / "project"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    (repo / "train.py").write_text(BAD_PROGRAM)
    (repo / "ok.py").write_text(GOOD_PROGRAM)
    (repo / "README.md").write_text("not python\n")
    git("add", ".", cwd=repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip
    done = subprocess.run(
        [str(pre_commit), "try-repo", str(ROOT), "kerascheck", "--all-files"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "train.py:4:52: KC101" in done.stdout
    assert "ok.py" not in done.stdout.replace("kerascheck", "")

    (repo / "train.py").write_text(GOOD_PROGRAM)
    fixed = subprocess.run(
        [str(pre_commit), "try-repo", str(ROOT), "kerascheck", "--all-files"],
        cwd=repo, capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_pinned_to_a_commit_sha_as_the_readme_says(tmp_path: Path) -> None:
    """The README pins ``rev`` to a commit sha (there is no release tag): that form installs and runs."""
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed (the [test] extra installs it)")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "rev: 0123456789abcdef0123456789abcdef01234567  # a commit sha" in readme
    repo = tmp_path / "project"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    (repo / "train.py").write_text(BAD_PROGRAM)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {sha.strip()}\n    hooks:\n      - id: kerascheck\n"
    )
    git("add", ".", cwd=repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [str(pre_commit), "run", "--all-files"], cwd=repo, capture_output=True, text=True, env=env, timeout=900
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "train.py:4:52: KC101" in done.stdout
