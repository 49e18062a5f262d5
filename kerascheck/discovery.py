"""Which files to check, and reading them safely.

Discovery: recursion, ``.gitignore`` files and ``exclude`` patterns.
Patterns use gitignore syntax (via ``pathspec``), relative to the project root
(the directory of the pyproject.toml, or the current directory).

Reading: only regular files are read, and at most ``max_bytes`` of them. A
FIFO named ``pipe.py`` would block forever and a symlink ``evil.py`` to
``/dev/zero`` would fill memory, and git stores symlinks, so a pull request
can add one. In a directory walk, FIFOs, sockets and devices are skipped in
silence (they are never source code); a path named explicitly, a broken link,
an unreadable file or directory each get one line (:class:`BadPath`).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pathspec

from kerascheck.budget import MAX_FILE_BYTES, OverBudget

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


@dataclass(frozen=True)
class BadPath:
    """A path met during discovery that cannot be checked: one KC002 line, ``message`` says why."""

    path: Path
    message: str


# directory -> (exclude patterns, the root they are relative to): each directory's own configuration
Exclusion = Callable[[Path], tuple[tuple[str, ...], Path]]


def discover(
    paths: Iterable[Path],
    exclude: tuple[str, ...],
    root: Path,
    force_exclude: bool,
    exclusion: Exclusion | None = None,
) -> Iterator[Path | BadPath]:
    """Files to check, in a stable order, and the paths that cannot be checked.

    Paths named explicitly are always checked (unless ``force_exclude``),
    like ruff; directories are walked for ``.py`` and ``.ipynb`` files.
    With ``exclusion``, each directory's ``exclude`` comes from the
    configuration that applies there (``exclude`` and ``root`` are then unused).
    """
    for path in paths:
        if _is_dir(path):
            yield from _walk(path, exclude, root, exclusion)
        else:
            patterns, base = exclusion(path.parent) if exclusion is not None else (exclude, root)
            if not (force_exclude and matches_any(path, patterns, base)):
                yield path


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a symlink loop, a name too long: reading it will say which
        return False


def _walk(
    top: Path, exclude: tuple[str, ...], root: Path, exclusion: Exclusion | None = None
) -> Iterator[Path | BadPath]:
    ignores: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
    unlistable: list[OSError] = []
    for directory, subdirs, files in os.walk(top, onerror=unlistable.append):
        while unlistable:
            yield _unlistable(unlistable.pop(0))
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
                found = _walked_file(here / name)
                if found is not None:
                    yield found
    while unlistable:
        yield _unlistable(unlistable.pop(0))


def _unlistable(error: OSError) -> BadPath:
    return BadPath(Path(error.filename or "."), f"cannot list directory: {error.strerror or error}")


def _walked_file(path: Path) -> Path | BadPath | None:
    """A file met in a walk: checked if regular; a FIFO, socket or device is not source (skipped)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return BadPath(path, describe_error(error, path))
    if stat.S_ISREG(mode):
        return path
    return None


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


def describe_error(error: OSError, path: Path) -> str:
    """One line for a file that cannot be read, naming the cause a user can act on."""
    if error.errno == errno.ENOENT and os.path.islink(path):
        return "cannot read: broken symbolic link"
    if error.errno == errno.ELOOP:
        return "cannot read: symbolic link loop"
    return f"cannot read: {error.strerror or error}"


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))  # fmt: skip


def read_source(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most ``max_bytes`` of them.

    Raises ``OSError`` (message from :func:`describe_error`), ``NotRegular``
    or :class:`OverBudget`. The file is opened non-blocking and checked with
    ``fstat`` after opening, so a FIFO swapped in after a ``stat`` cannot block.
    """
    _require_regular(os.stat(path).st_mode)  # a socket cannot even be opened: say what it is
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags)
    try:
        info = os.fstat(descriptor)
        _require_regular(info.st_mode)
        if info.st_size > max_bytes:
            raise OverBudget(_too_large(info.st_size, max_bytes))
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(descriptor, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:  # it grew while being read
            raise OverBudget(_too_large(size, max_bytes))
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _require_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "an unknown kind")
        raise NotRegular(f"not a regular file ({kind}); skipped")


def _too_large(size: int, limit: int) -> str:
    return f"too large to check: {size} bytes, over the max-file-size limit of {limit} bytes"


class NotRegular(Exception):
    """A FIFO, socket, device or directory where a source file was expected (one KC002 line)."""
