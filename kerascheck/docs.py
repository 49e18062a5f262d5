"""Rule documentation, rendered from each rule's docstring and its own examples.

The same text serves ``kerascheck rule KC101``, the generated ``docs/rules.md``
and the README table, so the three can never disagree (a test checks the
committed copies).
"""

from __future__ import annotations

import re
from pathlib import Path

from kerascheck.engine import Selection
from kerascheck.rules.base import Autofix, Rule, all_rules, option_infos


def _markdown(text: str) -> str:
    """Docstring text (reST literals) as Markdown."""
    return text.replace("``", "`")


def _why(fix: Autofix) -> str:
    """The fixer's docstring on one line, without its leading "Safe:"/"Unsafe:"."""
    text = " ".join(fix.why.split())
    for prefix in ("Safe: ", "Unsafe: "):
        text = text.removeprefix(prefix)
    return _markdown(text[:1].lower() + text[1:])


def fix_safety_section(rule: type[Rule]) -> list[str]:
    """The rule page's *Fix safety* section, from the rule's own ``@fixer`` (nothing if it has none)."""
    fix = rule.autofix
    if fix is None:
        return []
    if fix.safe:
        how = "applied by `--fix` and the editor's fix-all"
    else:
        how = "applied only with `--fix --unsafe-fixes`, or when chosen in the editor"
    return [
        "",
        "## Fix safety",
        "",
        f"**{fix.safety.capitalize()}** autofix, *{fix.title}* ({how}).",
        "",
        _markdown(fix.why),
    ]


def options_section(rule: type[Rule]) -> list[str]:
    """The rule page's *Options* section, from the rule's ``Options`` (nothing if it has none)."""
    infos = option_infos(rule)
    if not infos:
        return []
    lines = ["", "## Options", ""]
    for info in infos:
        bound = f", at least {info.minimum:g}" if info.minimum is not None else ""
        lines.append(f"- `{info.name}` ({info.type.__name__}, default `{info.default!r}`{bound}): {info.doc}.")
    first = infos[0]
    lines += [
        "",
        f"Set in `pyproject.toml` under `[tool.kerascheck.rules.{rule.code}]` (`{first.name} = {first.default!r}`),",
        f'or from Python: `options={{"{rule.code}": {{"{first.name.replace("-", "_")}": {first.default!r}}}}}`',
        "for `inspect`, `check_source` and the training callback.",
    ]
    return lines


def fixes_table() -> str:
    """``docs/editors.md``'s table of autofixes: safe ones first."""
    rows = ["| rule | fix | safety | why |", "|---|---|---|---|"]
    fixes = sorted(
        ((code, rule.autofix) for code, rule in all_rules().items() if rule.autofix), key=lambda f: not f[1].safe
    )
    rows += [f"| {code} | {fix.title} | {fix.safety} | {_why(fix)} |" for code, fix in fixes]
    return "\n".join(rows) + "\n"


RULES_PAGE_URL = "https://github.com/kerascheck/kerascheck/blob/main/docs/rules.md"


def rule_heading(rule: type[Rule]) -> str:
    return f"{rule.code} {rule.name} ({rule.severity.value})"


def rule_url(rule: type[Rule]) -> str:
    """The rule's section of docs/rules.md (GitHub's heading anchor), for editors' code links."""
    anchor = re.sub(r"[^a-z0-9 _-]", "", rule_heading(rule).lower()).replace(" ", "-")
    return f"{RULES_PAGE_URL}#{anchor}"


def notes_sections(rule: type[Rule]) -> list[str]:
    """*Known problems* and *Keras's own behaviour* (see :mod:`kerascheck.rule_notes`)."""
    from kerascheck.rule_notes import KERAS_BEHAVIOUR, KNOWN_PROBLEMS, STATIC_LIMITS, keras_behaviour_text

    lines: list[str] = []
    problems = [problem.text for problem in KNOWN_PROBLEMS.get(rule.code, ())]
    if rule.code[2] in "1234":
        problems.append(STATIC_LIMITS)
    if problems:
        lines += ["", "## Known problems", ""]
        lines += [f"- {text}" for text in problems]
    behaviour = KERAS_BEHAVIOUR.get(rule.code)
    if behaviour is not None:
        lines += ["", "## Keras's own behaviour", "", keras_behaviour_text(behaviour)]
    return lines


def rule_page(rule: type[Rule], *, examples: bool = True) -> str:
    """A rule's full page: header, docstring, notes, and (unless ``examples=False``) its tested examples."""
    lines = [
        f"# {rule_heading(rule)}",
        "",
        rule.documentation(),
        "",
        f"Fix: {rule.fix}.",
        *options_section(rule),
        *fix_safety_section(rule),
    ]
    if not Selection().enabled(rule):
        lines += ["", f"Not selected by default: enable with `--extend-select {rule.code}`."]
    lines += notes_sections(rule)
    if not examples:
        return "\n".join(lines) + "\n"
    if rule.BAD:
        lines += ["", "## Flagged (from the rule's tests)", ""]
        lines += [f"```python\n{example.source.strip()}\n```" for example in rule.BAD[:2]]
    if rule.GOOD:
        lines += ["", "## Not flagged (from the rule's tests)", ""]
        lines += [f"```python\n{example.source.strip()}\n```" for example in rule.GOOD[:2]]
    return "\n".join(lines) + "\n"


def rules_table() -> str:
    """The README's Markdown table of every rule."""
    rows = ["| Code | Name | Severity | What it catches |", "|---|---|---|---|"]
    for code, rule in all_rules().items():
        default = "" if Selection().enabled(rule) else " (opt-in)"
        rows.append(f"| {code} | `{rule.name}` | {rule.severity.value}{default} | {rule.summary()} |")
    return "\n".join(rows) + "\n"


def rules_document() -> str:
    """``docs/rules.md``: every rule page."""
    pages = [rule_page(rule) for rule in all_rules().values()]
    return "# kerascheck rules\n\nGenerated by `python -m kerascheck.docs`; do not edit.\n\n" + "\n".join(pages)


README_BEGIN, README_END = "<!-- rules-table:begin -->\n", "<!-- rules-table:end -->"
FIXES_BEGIN, FIXES_END = "<!-- fixes-table:begin -->\n", "<!-- fixes-table:end -->"


def _between(text: str, begin: str, end: str, content: str) -> str:
    head, rest = text.split(begin, 1)
    return head + begin + content + end + rest.split(end, 1)[1]


def refresh(root: Path) -> None:
    """Rewrite docs/rules.md, the README's rule table, docs/editors.md's table of fixes and the settings' schema."""
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "rules.md").write_text(rules_document(), encoding="utf-8")
    readme = root / "README.md"
    readme.write_text(_between(readme.read_text(encoding="utf-8"), README_BEGIN, README_END, rules_table()), "utf-8")
    editors = root / "docs" / "editors.md"
    editors.write_text(_between(editors.read_text(encoding="utf-8"), FIXES_BEGIN, FIXES_END, fixes_table()), "utf-8")
    from kerascheck.schema import SCHEMA_FILE, schema_text

    (root / SCHEMA_FILE).write_text(schema_text(), encoding="utf-8")


if __name__ == "__main__":
    refresh(Path.cwd())
