"""``[tool.kerascheck]`` in the nearest ``pyproject.toml``, validated strictly.

A typo in a config key or a rule code is reported as a one-line error (exit 2)
rather than silently ignored: a misspelt ``ignore`` that does nothing is the
kind of silent failure this tool exists to prevent.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from kerascheck.engine import Selection

KNOWN_KEYS = frozenset({"select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude"})


class ConfigError(ValueError):
    """A configuration problem; the message is one line for the user.

    A ``ValueError``, so that a library caller passing ``select=["KC9"]`` can
    catch it as the bad argument it is.
    """


@dataclass(frozen=True)
class Config:
    selection: Selection = field(default_factory=Selection)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None  # the pyproject.toml it came from

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
        return repr((self.selection, self.per_file_ignores))


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
    selection = selection_from(
        table.get("select"), table.get("ignore"), table.get("extend-select"), where=path, lists_only=True
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
    return Config(
        selection=selection, per_file_ignores=per_file_ignores, exclude=exclude, root=path.parent, source=path
    )


def string_list(value: object, key: str, path: Path | str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return tuple(value)


def rule_patterns(value: object, key: str, path: Path | str, *, lists_only: bool = False) -> tuple[str, ...]:
    """Codes or prefixes (``KC101``, ``KC1``, ``ALL``), each of which must match a rule.

    ``value`` is a list of them or one string, which may list several
    separated by commas (``"KC1,KC304"``, as ``--select`` takes them): a lone
    string is never read character by character. The configuration file
    takes lists only (``lists_only``), as ruff's does.
    """
    from kerascheck.rules.base import all_rules

    items = value.split(",") if isinstance(value, str) and not lists_only else string_list(value, key, path)
    patterns = tuple(item.strip().upper() for item in items if item.strip())
    codes = all_rules()
    for pattern in patterns:
        if pattern != "ALL" and not any(code.startswith(pattern) for code in codes):
            raise ConfigError(f"{path}: '{key}' names {pattern!r}, which matches no kerascheck rule")
    return patterns


def selection_from(
    select: object = None,
    ignore: object = None,
    extend_select: object = None,
    *,
    where: Path | str = "argument",
    option: str = "",
    base: Selection | None = None,
    lists_only: bool = False,
) -> Selection:
    """The one way ``select``/``extend-select``/``ignore`` become a selection.

    Used by the configuration file, the command line (laid over the file's
    selection, ``base``), ``check_source()``, ``inspect()`` and the training
    callback, so every surface accepts the same values (a list or a string,
    any case) and rejects an unknown code with the same one-line
    :class:`ConfigError`. ``option`` prefixes the key in messages (``--``).
    """
    selection = base or Selection()
    if select is not None:
        selection = replace(selection, select=rule_patterns(select, f"{option}select", where, lists_only=lists_only))
    if extend_select is not None:
        extra = rule_patterns(extend_select, f"{option}extend-select", where, lists_only=lists_only)
        selection = replace(selection, extend_select=(*selection.extend_select, *extra))
    if ignore is not None:
        selection = selection.with_ignored(rule_patterns(ignore, f"{option}ignore", where, lists_only=lists_only))
    return selection
