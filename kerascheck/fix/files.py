"""``--fix`` and ``--diff`` over files: fix only what the lint found fixable, write only what changed.

The lint run (cached, parallel) comes first; only files with a finding that
has an allowed fixer are read again and fixed, so a large clean tree costs
no more than a plain check. A file is written only when its bytes change,
and never when the fix fails (the error is one line; the file is as it was).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kerascheck.config import Config
from kerascheck.diagnostics import Diagnostic
from kerascheck.discovery import SOURCE_SUFFIXES
from kerascheck.fix import all_autofixes
from kerascheck.fix.apply import FixOutcome, fix_bytes
from kerascheck.static.source import UnreadableSource


@dataclass
class FixRun:
    """What a ``--fix``/``--diff`` run did, for the command line to report."""

    diagnostics: list[Diagnostic] = field(default_factory=list)  # what remains
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # fixes declined by their fixer (not errors)
    diffs: list[str] = field(default_factory=list)
    fixed: int = 0
    files: int = 0


def fixable_codes(unsafe: bool) -> frozenset[str]:
    return frozenset(code for code, fixer in all_autofixes().items() if fixer.safe or unsafe)


def fix_findings(
    diagnostics: list[Diagnostic], config: Config | Callable[[Path], Config], *, unsafe: bool, write: bool
) -> FixRun:
    """Fix the files behind ``diagnostics`` (``config``: one for all, or each file's); remaining findings, diffs."""
    configs: Callable[[Path], Config] = config if callable(config) else (lambda _path: config)
    codes = fixable_codes(unsafe)
    by_file: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in diagnostics:
        by_file[diagnostic.filename].append(diagnostic)
    run = FixRun()
    for filename, found in by_file.items():
        if not filename.endswith(SOURCE_SUFFIXES) or not any(d.code in codes for d in found):
            run.diagnostics.extend(found)
            continue
        outcome = fix_file(Path(filename), filename, configs(Path(filename)), unsafe=unsafe)
        # Findings through another module's code (project-wide analysis) are never fixed here, and
        # the fixer's own analysis of this one file does not see them: they remain as they were.
        outcome.remaining = [*outcome.remaining, *(d for d in found if d.related)]
        run.notes.extend(outcome.notes())
        if outcome.error is not None or not outcome.changed:
            run.diagnostics.extend(found if outcome.error is not None else outcome.remaining)
            if outcome.error is not None:
                run.errors.append(outcome.error)
            continue
        problem = write_fixed(Path(filename), outcome) if write else check_writable(outcome)
        if problem is not None:
            run.errors.append(problem)
            run.diagnostics.extend(found)
            continue
        if not write:
            run.diffs.append(outcome.diff())
        run.fixed += len(outcome.fixed)
        run.files += 1
        run.diagnostics.extend(outcome.remaining)
    return run


def fix_file(path: Path, filename: str, config: Config, *, unsafe: bool) -> FixOutcome:
    from kerascheck.runner import read_or_diagnose

    raw = read_or_diagnose(path, filename, config.max_file_size)
    if isinstance(raw, Diagnostic):
        return FixOutcome(filename, None, None, error=f"{filename}: {raw.message}")
    try:
        return fix_bytes(raw, filename, config.selection_for(path), unsafe=unsafe)
    except Exception as error:  # a bug in a fixer must not stop the run or touch the file
        return FixOutcome(filename, None, None, error=f"{filename}: internal error while fixing: {error!r}")


def check_writable(outcome: FixOutcome) -> str | None:
    """``--diff`` shows only what ``--fix`` would really write."""
    try:
        outcome.after.content()  # type: ignore[union-attr]
    except UnreadableSource as error:
        return f"{outcome.filename}: not fixed: {error}"
    return None


def write_fixed(path: Path, outcome: FixOutcome) -> str | None:
    """Write the fixed bytes (only if they differ from what is on disk); an error message or None."""
    try:
        content = outcome.after.content()  # type: ignore[union-attr]
        if path.read_bytes() != content:
            path.write_bytes(content)
    except OSError as error:
        return f"{outcome.filename}: cannot write: {error.strerror or error}"
    except UnreadableSource as error:  # a notebook layout that cannot be written back
        return f"{outcome.filename}: not fixed: {error}"
    return None
