"""A content-hash cache of results in ``.kerascheck_cache/``, so an unchanged tree costs almost nothing.

An entry is found by the file's name as reported and is valid while the
file's bytes hash to the same digest and so does every project module it
imports (recorded with the entry: editing ``models.py`` re-checks ``train.py``). The cache file itself is named by a
key over everything else that decides the results: the kerascheck version
(plus the size and mtime of its own source files, so an editable install
whose rules change does not serve stale answers), the Python version and
the configuration's fingerprint. A cache from another version or config is
simply a different file and is never read.

The cache is an optimisation and must never be the reason a run fails: a
corrupt, unreadable or read-only cache is ignored (and rebuilt when it can
be written). Saving merges with what is on disk, because pre-commit runs
several kerascheck processes at once and the last writer would otherwise
drop the others' entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kerascheck.diagnostics import Diagnostic, Related, Severity, Span

CACHE_DIR_NAME = ".kerascheck_cache"
ENV_CACHE_DIR = "KERASCHECK_CACHE_DIR"
KEEP_FILES = 8  # result files for other versions/configs kept before the oldest are pruned
_PACKAGE = Path(__file__).resolve().parent


def digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def code_fingerprint() -> str:
    """The kerascheck version, Python version and a stat of the package's own sources."""
    from kerascheck import __version__

    parts = [__version__, f"{sys.version_info[0]}.{sys.version_info[1]}"]
    try:
        for path in sorted(_PACKAGE.rglob("*.py")):
            stat = path.stat()
            parts.append(f"{path.relative_to(_PACKAGE)}:{stat.st_size}:{stat.st_mtime_ns}")
    except OSError:
        parts.append("unstattable")
    return "\n".join(parts)


def default_directory(root: Path) -> Path:
    override = os.environ.get(ENV_CACHE_DIR)
    return Path(override) if override else root / CACHE_DIR_NAME


def encode(diagnostic: Diagnostic) -> list[object]:
    span = diagnostic.span
    return [
        diagnostic.code,
        diagnostic.name,
        diagnostic.severity.value,
        diagnostic.message,
        diagnostic.fix,
        None if span is None else [span.line, span.column, span.end_line, span.end_column],
        diagnostic.cell,
        diagnostic.layer,
        diagnostic.fix_safety,
        [[r.filename, None if r.span is None else _span(r.span), r.message] for r in diagnostic.related],
    ]


def _span(span: Span) -> list[int]:
    return [span.line, span.column, span.end_line, span.end_column]


def decode(item: object, filename: str) -> Diagnostic:
    """An entry as written by :func:`encode`; anything else (hand-edited, truncated, hostile) raises ValueError."""
    if not isinstance(item, list) or len(item) != 10:
        raise ValueError("not a cached diagnostic")
    code, name, severity, message, fix, span, cell, layer, fix_safety, related = item
    if not all(isinstance(text, str) for text in (code, name, message, fix)):
        raise ValueError("not a cached diagnostic")
    if span is not None and not (
        isinstance(span, list) and len(span) == 4 and all(_is_position(number) for number in span)
    ):
        raise ValueError("not a cached span")
    if not (cell is None or _is_position(cell)) or not (layer is None or isinstance(layer, str)):
        raise ValueError("not a cached cell or layer")
    if not isinstance(related, list):
        raise ValueError("not cached related locations")
    return Diagnostic(
        code=str(code),
        name=str(name),
        severity=Severity(severity),
        message=str(message),
        fix=str(fix),
        filename=filename,
        span=None if span is None else Span(*span),
        cell=cell,
        layer=layer,
        fix_safety=fix_safety if fix_safety in ("safe", "unsafe") else None,
        related=tuple(_related(item) for item in related),
    )


def _related(item: object) -> Related:
    """A related location as :func:`encode` writes it: [filename, span or null, message]."""
    if not isinstance(item, list) or len(item) != 3:
        raise ValueError("not a cached related location")
    filename, span, message = item
    if not isinstance(filename, str) or not isinstance(message, str):
        raise ValueError("not a cached related location")
    if span is not None and not (isinstance(span, list) and len(span) == 4 and all(_is_position(n) for n in span)):
        raise ValueError("not a cached span")
    return Related(filename, None if span is None else Span(*span), message)


def seal(entries: object) -> str:
    """A checksum of the entries as written, so that a damaged results file is never believed."""
    return hashlib.blake2b(json.dumps(entries, separators=(",", ":")).encode("utf-8"), digest_size=16).hexdigest()


def _is_position(value: object) -> bool:
    return type(value) is int and 0 < value < 1 << 31


MAX_CACHE_BYTES = 256 * 1024 * 1024  # a results file beyond this is not ours: ignored
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def _open_directory(directory: Path) -> int | None:
    """The cache directory, opened without following a symlink; None if it is one or not a directory.

    A committed ``ln -s . .kerascheck_cache`` would otherwise make kerascheck write its
    ``.gitignore`` of ``*`` into the repository root, and every later run checks nothing.
    All later file operations go through this descriptor, so the check cannot be raced.
    """
    try:
        return os.open(directory, os.O_RDONLY | _DIRECTORY | _NOFOLLOW)
    except OSError:
        return None


def _read_regular(name: str, directory: int, limit: int) -> bytes | None:
    """A regular file's bytes in ``directory`` (not through a symlink, never a FIFO), or None."""
    try:
        descriptor = os.open(name, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0), dir_fd=directory)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with os.fdopen(os.dup(descriptor), "rb") as stream:
            return stream.read(limit + 1)
    except OSError:
        return None
    finally:
        os.close(descriptor)


@dataclass
class Entry:
    """One file's cached result: findings, the project modules they depend on (path -> digest), notes."""

    diagnostics: list[Diagnostic]
    deps: dict[str, str]
    notes: list[str]


@dataclass
class Cache:
    """Results of one kerascheck version and configuration, by reported file name."""

    path: Path
    key: str
    entries: dict[str, list[object]] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)

    @classmethod
    def open(cls, directory: Path, config_fingerprint: str) -> Cache:
        key = hashlib.blake2b(f"{code_fingerprint()}\n{config_fingerprint}".encode(), digest_size=12).hexdigest()
        cache = cls(path=directory / f"results-{key}.json", key=key)
        cache.entries = cache._read()
        return cache

    def _read(self) -> dict[str, list[object]]:
        directory = _open_directory(self.path.parent)
        if directory is None:
            return {}
        try:
            return self._read_in(directory)
        finally:
            os.close(directory)

    def _read_in(self, directory: int) -> dict[str, list[object]]:
        raw = _read_regular(self.path.name, directory, MAX_CACHE_BYTES)
        if raw is None:
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: deeply nested JSON
            return {}
        if not isinstance(data, dict) or data.get("key") != self.key or not isinstance(data.get("entries"), dict):
            return {}
        if data.get("check") != seal(data["entries"]):
            return {}  # damaged (a flipped byte can still be valid JSON that says something else): start over
        return {
            name: entry
            for name, entry in data["entries"].items()
            if isinstance(entry, list)
            and len(entry) == 4
            and isinstance(entry[0], str)
            and isinstance(entry[1], list)
            and isinstance(entry[2], dict)
            and isinstance(entry[3], list)
        }

    def get(
        self, filename: str, file_digest: str, current: Callable[[str], str | None] = lambda _path: None
    ) -> Entry | None:
        """The cached result, valid while the file and every project module it imports are unchanged.

        ``current(path)`` is the digest of a dependency's bytes now (None if it is gone).
        """
        entry = self.entries.get(filename)
        if not isinstance(entry, list) or len(entry) != 4 or entry[0] != file_digest:
            return None
        items, deps, notes = entry[1], entry[2], entry[3]
        if not isinstance(items, list) or not isinstance(deps, dict) or not isinstance(notes, list):
            return None
        if any(not isinstance(path, str) or current(path) != content for path, content in deps.items()):
            return None  # an imported module changed: its importer is re-checked
        try:
            return Entry([decode(item, filename) for item in items], dict(deps), [str(n) for n in notes])
        except (TypeError, ValueError):  # a hand-edited or truncated entry: recompute it
            return None

    def put(
        self,
        filename: str,
        file_digest: str,
        diagnostics: list[Diagnostic],
        deps: dict[str, str] | None = None,
        notes: list[str] | None = None,
    ) -> None:
        self.entries[filename] = [file_digest, [encode(d) for d in diagnostics], deps or {}, notes or []]
        self.dirty.add(filename)

    def save(self) -> None:
        """Write atomically (merged with the file on disk); any failure leaves the run unaffected.

        Nothing is written when the cache directory or the results file is a symlink or
        not a regular file: a cache is an optimisation, never a reason to write elsewhere.
        """
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        directory = _open_directory(self.path.parent)
        if directory is None:
            return
        try:
            self._save_in(directory)
        except OSError:
            return
        finally:
            os.close(directory)

    def _save_in(self, directory: int) -> None:
        try:
            if not stat.S_ISREG(os.stat(self.path.name, dir_fd=directory, follow_symlinks=False).st_mode):
                return  # something that is not our results file sits under its name: leave it
        except FileNotFoundError:
            pass
        _mark_directory(directory)
        merged = self._read_in(directory)
        merged.update({name: self.entries[name] for name in self.dirty})
        document = {"key": self.key, "check": seal(merged), "entries": merged}
        payload = json.dumps(document, separators=(",", ":")).encode("utf-8")
        temporary = f".tmp-{os.getpid()}-{secrets.token_hex(6)}.json"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=directory)
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(payload)
            os.replace(temporary, self.path.name, src_dir_fd=directory, dst_dir_fd=directory)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=directory)
            raise
        self.dirty.clear()
        _prune(directory, keep=self.path.name)


def _create_new(name: str, text: str, directory: int) -> None:
    """Create a file only if nothing (not even a dangling symlink) has that name."""
    try:
        descriptor = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=directory)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)


def _mark_directory(directory: int) -> None:
    """Keep the cache out of git and out of backups, as ruff and pytest do."""
    _create_new(".gitignore", "# Created by kerascheck automatically.\n*\n", directory)
    _create_new(
        "CACHEDIR.TAG",
        "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by kerascheck.\n",
        directory,
    )


def _prune(directory: int, keep: str) -> None:
    """Drop the oldest result files of other versions/configurations beyond ``KEEP_FILES`` (regular files only)."""
    found: list[tuple[float, str]] = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name != keep and _RESULTS.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                found.append((entry.stat(follow_symlinks=False).st_mtime, entry.name))
    for _mtime, stale in sorted(found, reverse=True)[KEEP_FILES - 1 :]:
        with contextlib.suppress(OSError):
            os.unlink(stale, dir_fd=directory)


_RESULTS = re.compile(r"results-[0-9a-f]+\.json")
