"""Which files to check: recursion, ``.gitignore`` files and ``exclude`` patterns.

Patterns use gitignore syntax (via ``pathspec``), relative to the project root
(the directory of the pyproject.toml, or the current directory).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import pathspec

SOURCE_SUFFIXES = (".py", ".ipynb")
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
ALWAYS_SKIPPED = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "__pycache__",
        "node_modules",
        ".ipynb_checkpoints",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".kerascheck_cache",
        "site-packages",
        "build",
        "dist",
    }
)


@lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def matches_any(path: Path, patterns: tuple[str, ...], root: Path) -> bool:
    """Whether ``path`` matches one of the gitignore-style ``patterns`` (relative to ``root``)."""
    if not patterns:
        return False
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = path.as_posix()
    if path.is_dir():
        relative += "/"
    return _spec(patterns).match_file(relative)


def _gitignore(directory: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        text = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(text.splitlines())


# directory -> (exclude patterns, the root they are relative to): each directory's own configuration
Exclusion = Callable[[Path], tuple[tuple[str, ...], Path]]


def discover(
    paths: Iterable[Path],
    exclude: tuple[str, ...],
    root: Path,
    force_exclude: bool,
    exclusion: Exclusion | None = None,
) -> Iterator[Path]:
    """Files to check, in a stable order.

    Paths named explicitly are always checked (unless ``force_exclude``),
    like ruff; directories are walked for ``.py`` and ``.ipynb`` files.
    With ``exclusion``, each directory's ``exclude`` comes from the
    configuration that applies there (``exclude`` and ``root`` are then unused).
    """
    for path in paths:
        if path.is_dir():
            yield from _walk(path, exclude, root, exclusion)
        else:
            patterns, base = exclusion(path.parent) if exclusion is not None else (exclude, root)
            if not (force_exclude and matches_any(path, patterns, base)):
                yield path


def _walk(top: Path, exclude: tuple[str, ...], root: Path, exclusion: Exclusion | None = None) -> Iterator[Path]:
    ignores: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
    for directory, subdirs, files in os.walk(top):
        here = Path(directory)
        if exclusion is not None:
            exclude, root = exclusion(here)
        ignores = [(base, spec) for base, spec in ignores if here == base or base in here.parents]
        spec = _gitignore(here)
        if spec is not None:
            ignores.append((here, spec))

        subdirs[:] = sorted(
            name
            for name in subdirs
            if name not in ALWAYS_SKIPPED and not _ignored(here / name, True, ignores, exclude, root)
        )
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES) and not _ignored(here / name, False, ignores, exclude, root):
                yield here / name


def _ignored(
    path: Path,
    is_dir: bool,
    ignores: list[tuple[Path, pathspec.GitIgnoreSpec]],
    exclude: tuple[str, ...],
    root: Path,
) -> bool:
    """Whether a .gitignore on the way down, or the ``exclude`` setting, drops this path."""
    for base, git_spec in ignores:
        relative = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        if git_spec.match_file(relative):
            return True
    return matches_any(path, exclude, root)
