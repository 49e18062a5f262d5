"""``[tool.kerascheck]`` in the nearest ``pyproject.toml``, validated strictly.

A typo in a config key or a rule code is reported as a one-line error (exit 2)
rather than silently ignored: a misspelt ``ignore`` that does nothing is the
kind of silent failure this tool exists to prevent.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from kerascheck.budget import MAX_FILE_BYTES
from kerascheck.engine import Selection

KNOWN_KEYS = frozenset(
    {"select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude", "max-file-size"}
)


class ConfigError(Exception):
    """A configuration problem; the message is one line for the user."""


@dataclass(frozen=True)
class Config:
    selection: Selection = field(default_factory=Selection)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None  # the pyproject.toml it came from
    max_file_size: int = MAX_FILE_BYTES  # sources and notebooks above this many bytes are KC003

    def selection_for(self, path: Path) -> Selection:
        """The selection with this file's ``per-file-ignores`` applied."""
        if not self.per_file_ignores:
            return self.selection
        from kerascheck.discovery import matches_any

        extra: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if matches_any(path, (pattern,), self.root):
                extra.extend(codes)
        return self.selection.with_ignored(extra)

    def fingerprint(self) -> str:
        """Identifies everything that changes results (cache key)."""
        return repr((self.selection, self.per_file_ignores, self.max_file_size))


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.kerascheck]`` table, walking up."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and "kerascheck" in data["tool"]:
                return candidate
    return None


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """Load ``path`` (or find the nearest pyproject.toml from ``start``); defaults if none."""
    if path is None:
        path = find_pyproject(start or Path.cwd())
        if path is None:
            return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}".splitlines()[0]) from None
    table = data.get("tool", {}).get("kerascheck", {}) if isinstance(data.get("tool"), dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.kerascheck] must be a table")
    return config_from_table(table, path)


def config_from_table(table: dict[str, object], path: Path) -> Config:
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {unknown[0]!r} in [tool.kerascheck] (known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    select = table.get("select")
    selection = Selection(
        select=None if select is None else rule_patterns(select, "select", path),
        extend_select=rule_patterns(table.get("extend-select", []), "extend-select", path),
        ignore=rule_patterns(table.get("ignore", []), "ignore", path),
    )
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{path}: 'per-file-ignores' must be a table of glob = [codes]")
    per_file_ignores = tuple(
        (str(pattern), rule_patterns(codes, f"per-file-ignores.{pattern}", path)) for pattern, codes in per_file.items()
    )
    exclude = (
        *string_list(table.get("exclude", []), "exclude", path),
        *string_list(table.get("extend-exclude", []), "extend-exclude", path),
    )
    max_file_size = table.get("max-file-size", MAX_FILE_BYTES)
    if not isinstance(max_file_size, int) or isinstance(max_file_size, bool) or max_file_size <= 0:
        raise ConfigError(f"{path}: 'max-file-size' must be a positive number of bytes")
    return Config(
        selection=selection,
        per_file_ignores=per_file_ignores,
        exclude=exclude,
        root=path.parent,
        source=path,
        max_file_size=max_file_size,
    )


def string_list(value: object, key: str, path: Path | str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return tuple(value)


def rule_patterns(value: object, key: str, path: Path | str) -> tuple[str, ...]:
    """Codes or prefixes (``KC101``, ``KC1``, ``ALL``), each of which must match a rule."""
    from kerascheck.rules.base import all_rules

    patterns = tuple(item.strip().upper() for item in string_list(value, key, path))
    codes = all_rules()
    for pattern in patterns:
        if pattern != "ALL" and not any(code.startswith(pattern) for code in codes):
            raise ConfigError(f"{path}: '{key}' names {pattern!r}, which matches no kerascheck rule")
    return patterns
