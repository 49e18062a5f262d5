"""The README's rule table, docs/rules.md and docs/editors.md's fixes are generated from the rules and kept in sync."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from kerascheck.docs import FIXES_BEGIN, FIXES_END, fixes_table, rules_document, rules_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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


def code_blocks(language: str) -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", readme, re.S)


def test_every_kerascheck_command_in_the_readme_parses() -> None:
    """Each documented command line is accepted by the parser of its subcommand (flags, values, choices)."""
    from kerascheck.cli import build_parser

    commands = []
    for block in code_blocks("sh"):
        for line in block.splitlines():
            for part in line.split("&&"):
                part = part.split("|")[-1].split("  #")[0].strip()
                if part.startswith(("kerascheck ", ".venv/bin/kerascheck ")):
                    commands.append(shlex.split(part)[1:])
    assert len(commands) >= 20
    for argv in commands:
        if argv[0] in ("rule", "rules", "server") or argv == ["-V"]:
            continue  # their own parsers (and -V exits); exercised in test_cli
        build_parser().parse_args(argv[1:] if argv[0] == "check" else argv)


def test_readme_toml_examples_are_valid_settings() -> None:
    """Every TOML block loads, passes the configuration's own validation and the JSON Schema."""
    import jsonschema

    from kerascheck.config import config_from_table
    from kerascheck.schema import settings_schema

    blocks = code_blocks("toml")
    assert len(blocks) >= 2
    for block in blocks:
        data = tomllib.loads(block)
        table = data["tool"]["kerascheck"] if "tool" in data else data
        jsonschema.validate(table, settings_schema())
        config_from_table({k: v for k, v in table.items() if k != "extend"}, Path("pyproject.toml"))


def test_schema_is_generated_and_rejects_what_the_configuration_rejects() -> None:
    import jsonschema

    from kerascheck.schema import SCHEMA_FILE, schema_text, settings_schema

    assert (ROOT / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text(), "run `python -m kerascheck.docs`"
    for bad in ({"ignores": ["KC101"]}, {"ignore": "KC101"}, {"select": ["E501"]}, {"per-file-ignores": {"x": 3}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, settings_schema())
