"""A content-hash cache of results in ``.kerascheck_cache/``, so an unchanged tree costs almost nothing.

An entry is found by the file's name as reported and is valid while the
file's bytes hash to the same digest. The cache file itself is named by a
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

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kerascheck.diagnostics import Diagnostic, Severity, Span

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
    ]


def decode(item: list[object], filename: str) -> Diagnostic:
    code, name, severity, message, fix, span, cell, layer, fix_safety = item
    return Diagnostic(
        code=str(code),
        name=str(name),
        severity=Severity(severity),
        message=str(message),
        fix=str(fix),
        filename=filename,
        span=None if span is None else Span(*span),  # type: ignore[misc]
        cell=cell,  # type: ignore[arg-type]
        layer=layer,  # type: ignore[arg-type]
        fix_safety=fix_safety if fix_safety in ("safe", "unsafe") else None,  # type: ignore[arg-type]
    )


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
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return {}
        if not isinstance(data, dict) or data.get("key") != self.key or not isinstance(data.get("entries"), dict):
            return {}
        return data["entries"]  # type: ignore[no-any-return]

    def get(self, filename: str, file_digest: str) -> list[Diagnostic] | None:
        entry = self.entries.get(filename)
        if not isinstance(entry, list) or len(entry) != 2 or entry[0] != file_digest:
            return None
        items = entry[1]
        if not isinstance(items, list):
            return None
        try:
            return [decode(item, filename) for item in items]
        except (TypeError, ValueError):  # a hand-edited or truncated entry: recompute it
            return None

    def put(self, filename: str, file_digest: str, diagnostics: list[Diagnostic]) -> None:
        self.entries[filename] = [file_digest, [encode(d) for d in diagnostics]]
        self.dirty.add(filename)

    def save(self) -> None:
        """Write atomically (merged with the file on disk); any failure leaves the run unaffected."""
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _mark_directory(self.path.parent)
            merged = self._read()
            merged.update({name: self.entries[name] for name in self.dirty})
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump({"key": self.key, "entries": merged}, stream, separators=(",", ":"))
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            self.dirty.clear()
            _prune(self.path.parent, keep=self.path)
        except OSError:
            return


def _mark_directory(directory: Path) -> None:
    """Keep the cache out of git and out of backups, as ruff and pytest do."""
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by kerascheck automatically.\n*\n", encoding="utf-8")
    tag = directory / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by kerascheck.\n",
            encoding="utf-8",
        )


def _prune(directory: Path, keep: Path) -> None:
    """Drop the oldest result files of other versions/configurations beyond ``KEEP_FILES``."""
    others = sorted(
        (p for p in directory.glob("results-*.json") if p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for stale in others[KEEP_FILES - 1 :]:
        stale.unlink(missing_ok=True)
