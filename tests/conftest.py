"""Suite-wide policy: in CI (``CI`` set) a skipped test is a failed test; and the markers of the fast loop.

The runtime tests need TensorFlow; a CI run that silently skipped them would
report green while testing half the product.

Markers (registered in ``pyproject.toml``): every test under ``tests/runtime``
is ``tensorflow`` (it builds real Keras models); the tool gates that run ruff,
mypy, pre-commit and the package build are ``tools``; the modules in
``PROCESSES`` below are ``processes`` (they drive language servers, terminals,
editors, many concurrent runs or crash-isolated children through subprocesses). The static inner loop
is ``pytest -m "not tensorflow and not tools and not processes"``; with
``not tensorflow`` in the expression the runtime modules are not even
imported (importing TensorFlow alone takes seconds).
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator
from pathlib import Path

import pytest

RUNTIME = Path(__file__).parent / "runtime"
# Test modules whose tests mostly run subprocesses: servers over stdio, pseudo-terminals, Neovim,
# the GitHub Action's script, the fuzzers' concurrent runs. A new such module belongs here.
PROCESSES = frozenset(
    {
        "test_lsp.py",
        "test_lsp_reliability.py",
        "test_terminal.py",
        "test_neovim.py",
        "test_action.py",
        "test_fuzz.py",
        "test_reliability.py",  # each pathological input is linted in a child process that may die
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if RUNTIME in item.path.parents:
            item.add_marker(pytest.mark.tensorflow)
        elif item.path.name in PROCESSES:
            item.add_marker(pytest.mark.processes)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    markexpr = str(config.getoption("markexpr") or "")
    if collection_path == RUNTIME and re.search(r"\bnot\s+tensorflow\b", markexpr):
        return True
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, and skips are failures there: {reason}"
