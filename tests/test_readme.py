"""The README's rule table, docs/rules.md and docs/editors.md's fixes are generated from the rules and kept in sync."""

from __future__ import annotations

from pathlib import Path

from kerascheck.docs import FIXES_BEGIN, FIXES_END, fixes_table, rules_document, rules_table

ROOT = Path(__file__).parent.parent
BEGIN, END = "<!-- rules-table:begin -->\n", "<!-- rules-table:end -->"


def test_readme_rule_table_matches_registry() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split(BEGIN, 1)[1].split(END, 1)[0]
    assert table == rules_table(), "README rule table is stale: run `python -m kerascheck.docs`"


def test_docs_rules_page_matches_registry() -> None:
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == rules_document(), "docs/rules.md is stale: run `python -m kerascheck.docs`"


def test_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(line for line in ci.splitlines() if line.startswith("python3 -m venv"))
    assert test_command in readme
    assert "kerascheck examples/" in readme


def test_editors_fixes_table_matches_the_rules() -> None:
    page = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    table = page.split(FIXES_BEGIN, 1)[1].split(FIXES_END, 1)[0]
    assert table == fixes_table(), "docs/editors.md's table of fixes is stale: run `python -m kerascheck.docs`"
