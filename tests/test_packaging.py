"""Packaging that installs: build the sdist and wheel, ``twine check`` them, test from the unpacked sdist.

This is the README's "from a built wheel" path, run for real: ``python -m
build`` (an isolated build with the declared setuptools), then the wheel
installed into a fresh virtual environment and run on the bundled examples.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.tools  # builds the sdist and wheel, installs them: a packaging gate


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def only(directory: Path, pattern: str) -> Path:
    (found,) = directory.glob(pattern)
    return found


def test_twine_check_passes(dist: Path) -> None:
    files = [str(p) for p in sorted(dist.iterdir())]
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *files], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_metadata_has_an_spdx_license_and_the_python_versions(dist: Path) -> None:
    with zipfile.ZipFile(only(dist, "kerascheck-*.whl")) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(wheel.read(name))
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel.namelist())
        assert not any(n.startswith("tests/") for n in wheel.namelist())
    assert metadata["License-Expression"] == "MIT"
    assert metadata["License-File"] == "LICENSE"
    classifiers = metadata.get_all("Classifier") or []
    assert [c.rsplit(" ", 1)[1] for c in classifiers if c.startswith("Programming Language :: Python :: 3.")] == [
        "3.10",
        "3.11",
        "3.12",
        "3.13",
    ]
    assert not any(c.startswith("License ::") for c in classifiers)  # superseded by License-Expression


def test_the_sdist_carries_its_tests_and_they_pass_from_it(dist: Path, tmp_path: Path) -> None:
    with tarfile.open(only(dist, "kerascheck-*.tar.gz")) as archive:
        if hasattr(tarfile, "data_filter"):  # 3.10.12+, 3.11.4+: refuse paths outside the target
            archive.extractall(tmp_path, filter="data")
        else:  # pragma: no cover
            archive.extractall(tmp_path)
    unpacked = only(tmp_path, "kerascheck-*")
    for name in ("LICENSE", "CHANGELOG.md", "action.yml", "action/run.py", "tests/fixtures", "examples", ".ci/run"):
        assert (unpacked / name).exists(), f"{name} is missing from the sdist"
    assert not list(unpacked.rglob("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI")}
    where = subprocess.run(
        [sys.executable, "-c", "import kerascheck; print(kerascheck.__file__)"], cwd=unpacked, env=env,
        capture_output=True, text=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(unpacked)  # the tests below test the sdist's code
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_readme.py",
         "tests/test_suppression.py", "tests/test_fixtures.py"],
        cwd=unpacked, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_the_wheel_installs_into_a_fresh_environment_and_runs(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    wheel = only(dist, "kerascheck-*.whl")
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(wheel)], capture_output=True, text=True, timeout=900
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    done = subprocess.run(
        [str(venv / "bin" / "kerascheck"), "examples/", "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr
    assert "examples/spam_classifier.py:28:5: KC105 [warning] softmax over 2 units" in done.stdout
    version = subprocess.run([str(venv / "bin" / "kerascheck"), "-V"], capture_output=True, text=True)
    assert version.stdout.startswith("kerascheck 0.1.0")
