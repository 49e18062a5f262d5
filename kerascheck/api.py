"""The library entry points for code: one source string, or files and directories."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kerascheck.config import Config
from kerascheck.diagnostics import Diagnostic
from kerascheck.discovery import MODEL_SUFFIXES
from kerascheck.engine import RuleOptions, Selection
from kerascheck.rules.tool import tool_diagnostic


def make_selection(select: Sequence[str] | None = None, ignore: Sequence[str] | None = None) -> Selection:
    return Selection(
        select=None if select is None else tuple(code.upper() for code in select),
        ignore=tuple(code.upper() for code in ignore or ()),
    )


def check_source(
    source: str,
    filename: str = "<string>",
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    options: RuleOptions | None = None,
) -> list[Diagnostic]:
    """Lint Python (or, if ``filename`` ends in ``.ipynb``, notebook JSON) source text.

    ``options`` sets rule options by code, as ``[tool.kerascheck.rules.KCnnn]`` does
    (``{"KC405": {"max_timesteps": 200}}``); a wrong one raises ``ValueError``.
    """
    from kerascheck.static.lint import lint_bytes  # libcst is imported only when something is linted

    return lint_bytes(source.encode("utf-8"), filename, make_selection(select, ignore).with_options(options))


@dataclass
class Report:
    """What a run over paths produced: findings, plus errors that are not findings."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: int = 0


def check_file(path: Path, config: Config, display: str | None = None) -> list[Diagnostic]:
    """One file: source, notebook or saved model. Unreadable files become KC002."""
    name = display or str(path)
    selection = config.selection_for(path)
    if path.suffix in MODEL_SUFFIXES:
        from kerascheck.runtime.saved import check_saved_model

        return check_saved_model(str(path), selection)
    try:
        raw = path.read_bytes()
    except OSError as error:
        return [tool_diagnostic("KC002", f"cannot read: {error.strerror or error}", name)]
    from kerascheck.static.lint import lint_bytes

    return lint_bytes(raw, name, selection)


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
