"""Whole realistic programs: every ``# expect: KCnnn`` marker fires on its line, nothing else does.

Markers sit on the reported line (for notebooks, the line within its cell).
A fixture whose first line is ``# kerascheck-test: select=ALL`` is checked
with every rule, info rules included; the others with the default selection.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kerascheck import check_source

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).parent.parent / "examples"
MARKER = re.compile(r"#\s*expect:\s*(?P<codes>KC\d{3}(?:\s*,\s*KC\d{3})*)")

Finding = tuple[int | None, int, str]  # (cell, line, code)


def _markers(lines: list[str], cell: int | None) -> set[Finding]:
    found: set[Finding] = set()
    for number, line in enumerate(lines, start=1):
        match = MARKER.search(line)
        if match:
            found |= {(cell, number, code.strip()) for code in match.group("codes").split(",")}
    return found


def expected_findings(path: Path) -> set[Finding]:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return _markers(text.splitlines(), None)
    found: set[Finding] = set()
    for number, cell in enumerate(json.loads(text)["cells"], start=1):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            found |= _markers(source.splitlines(), number)
    return found


def _programs() -> list[Path]:
    files = [*FIXTURES.rglob("*.py"), *FIXTURES.rglob("*.ipynb"), *EXAMPLES.glob("*.py")]
    # Multi-file projects (tests/fixtures/projects/) need their neighbours: tests/test_projects.py.
    return sorted(p for p in files if "scratch" not in p.parts and "projects" not in p.parts)


@pytest.mark.parametrize("path", _programs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    select = ["ALL"] if text.startswith("# kerascheck-test: select=ALL") else None
    actual = {(d.cell, d.line, d.code) for d in check_source(text, filename=path.name, select=select)}
    expected = expected_findings(path)
    missing = sorted(expected - actual, key=str)
    unexpected = sorted(actual - expected, key=str)
    assert not missing and not unexpected, f"{path.name}: missing {missing} (cell, line, code); unexpected {unexpected}"


def test_enough_fixtures() -> None:
    for folder, bad_needed, good_needed in (
        ("core", 25, 10),
        ("data", 25, 10),
        ("labels", 25, 15),
        ("shapes", 25, 15),
    ):
        bad = list((FIXTURES / folder).glob("bad_*.py"))
        good = list((FIXTURES / folder).glob("good_*.py"))
        assert len(bad) >= bad_needed and len(good) >= good_needed
        for path in bad:
            assert expected_findings(path), f"{path.name} has no expect markers"
        for path in good:
            assert not expected_findings(path), f"{path.name} is a good program with markers"


def test_enough_value_fixtures() -> None:
    """Issue 8's program shapes (lists, kwargs, partial, loops, Keras 1 spellings, unknown units)."""
    bad = list((FIXTURES / "values").glob("bad_*.py"))
    good = list((FIXTURES / "values").glob("good_*.py"))
    assert len(bad) >= 14 and len(good) >= 6
    for path in bad:
        assert expected_findings(path), f"{path.name} has no expect markers"
    for path in good:
        assert not expected_findings(path), f"{path.name} is a good program with markers"
