"""The library entry points for code: one source string, or files and directories."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kerascheck.config import Config, selection_from
from kerascheck.diagnostics import Diagnostic
from kerascheck.discovery import MODEL_SUFFIXES
from kerascheck.engine import RuleOptions, Selection
from kerascheck.rules.tool import tool_diagnostic


def make_selection(select: Sequence[str] | str | None = None, ignore: Sequence[str] | str | None = None) -> Selection:
    """The selection for library calls: the same parsing and validation as the CLI and config."""
    return selection_from(select, ignore, where="kerascheck")


def check_source(
    source: str,
    filename: str = "<string>",
    *,
    select: Sequence[str] | str | None = None,
    ignore: Sequence[str] | str | None = None,
    options: RuleOptions | None = None,
) -> list[Diagnostic]:
    """Lint Python (or, if ``filename`` ends in ``.ipynb``, notebook JSON) source text.

    ``select``/``ignore`` take codes or prefixes as the CLI does (``"KC2"``,
    ``["KC1", "KC304"]``); an unknown code raises ``ValueError``. ``options``
    sets rule options by code, as ``[tool.kerascheck.rules.KCnnn]`` does
    (``{"KC405": {"max_timesteps": 200}}``); a wrong one raises ``ValueError``.
    """
    from kerascheck.static.lint import lint_bytes  # libcst is imported only when something is linted
    from kerascheck.static.source import UnreadableSource, check_encodable

    try:
        check_encodable(source, "not Python source")
    except UnreadableSource as error:
        return [tool_diagnostic("KC002", str(error), filename)]
    return lint_bytes(source.encode("utf-8"), filename, make_selection(select, ignore).with_options(options))


@dataclass
class Report:
    """What a run over paths produced: findings, plus errors that are not findings."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: int = 0
    # What the analysis could not follow (an import cycle, a module that does not parse, a budget):
    # printed by ``--verbose`` and ``--statistics``, never a finding.
    notes: list[str] = field(default_factory=list)


def check_file(path: Path, config: Config, display: str | None = None) -> list[Diagnostic]:
    """One file: source, notebook or saved model. Unreadable files become KC002."""
    name = display or str(path)
    selection = config.selection_for(path)
    if path.suffix in MODEL_SUFFIXES:
        from kerascheck.runtime.saved import check_saved_model

        problem = not_a_regular_file(path, name)
        if problem is not None:
            return [problem]

        return check_saved_model(str(path), selection)
    from kerascheck.runner import read_or_diagnose
    from kerascheck.static.lint import lint_bytes

    raw = read_or_diagnose(path, name, config.max_file_size)
    if isinstance(raw, Diagnostic):
        return [raw]

    return lint_bytes(raw, name, selection)


def not_a_regular_file(path: Path, name: str) -> Diagnostic | None:
    """A saved model must be a regular file too: its reader would block on a FIFO."""
    import os
    import stat

    from kerascheck.discovery import describe_error

    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return tool_diagnostic("KC002", describe_error(error, path), name)
    return None if stat.S_ISREG(mode) else tool_diagnostic("KC002", "not a regular file; skipped", name)


def check_paths(
    paths: Iterable[str | Path],
    config: Config | Callable[[Path], Config] | None = None,
    force_exclude: bool = False,
    *,
    jobs: int = 1,
    use_cache: bool = False,
) -> Report:
    """Lint files and directories (recursively, honouring .gitignore and ``exclude``).

    ``jobs`` > 1 lints in worker processes when there are enough files;
    ``use_cache`` reads and writes ``.kerascheck_cache/`` under the project
    root (the command line turns it on; a library call writes nothing unless asked).
    ``config`` is one configuration for every file, or a function giving each
    file's own, such as :class:`kerascheck.config.Resolver` (what the command line uses).
    """
    from kerascheck.runner import run

    return run(paths, config or Config(), force_exclude=force_exclude, jobs=jobs, use_cache=use_cache)
