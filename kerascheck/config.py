"""Configuration: found per file, validated strictly, laid under the command line's overrides.

Each file is checked with the settings of the nearest configuration file
above it, as ruff does: a ``kerascheck.toml`` (the settings at top level) or
a ``pyproject.toml`` with a ``[tool.kerascheck]`` table; a ``pyproject.toml``
without one is passed over. ``extend = "../pyproject.toml"`` merges a shared
file underneath (its patterns stay relative to its own directory). The
command line, pre-commit and the language server all call
:func:`resolve_config`, so they agree on every file.

A typo in a key or a rule code, and a file that is not valid TOML, are
one-line errors (exit 2) rather than silently ignored: a misspelt ``ignore``
that does nothing is the kind of silent failure this tool exists to prevent.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from kerascheck.budget import MAX_FILE_BYTES
from kerascheck.engine import Selection
from kerascheck.rules.base import OptionError


@dataclass(frozen=True)
class Setting:
    """One key of ``[tool.kerascheck]``: validation, ``--show-settings`` and the JSON Schema read this."""

    name: str
    kind: str  # "rules", "strings", "per-file", "path", "rule-options"
    description: str


SETTINGS: tuple[Setting, ...] = (
    Setting("select", "rules", "Rule codes or prefixes to check (replaces the default: every error and warning rule)."),
    Setting("extend-select", "rules", "Rule codes or prefixes added to the selection (e.g. an opt-in info rule)."),
    Setting("ignore", "rules", "Rule codes or prefixes not to check."),
    Setting("per-file-ignores", "per-file", "Glob pattern (relative to this file) -> rule codes to ignore there."),
    Setting("exclude", "strings", "Files and directories not to check (gitignore syntax, relative to this file)."),
    Setting("extend-exclude", "strings", "More patterns to exclude, added to `exclude`."),
    Setting("extend", "path", "Another configuration file whose settings this one extends (relative to this file)."),
    Setting("rules", "rule-options", "Rule options by code, e.g. [tool.kerascheck.rules.KC501] patience = 5."),
    Setting("max-file-size", "bytes", "Sources and notebooks larger than this many bytes are not read (KC003)."),
)
KNOWN_KEYS = frozenset(setting.name for setting in SETTINGS)
CONFIG_FILES = ("kerascheck.toml", "pyproject.toml")  # the first found in a directory wins


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
    source: Path | None = None  # the configuration file it came from
    sources: tuple[Path, ...] = ()  # every file read for it: ``source`` and what it extends
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
        return repr(
            (
                self.selection,
                self.per_file_ignores,
                str(self.root) if self.per_file_ignores else "",
                self.max_file_size,
            )
        )


@dataclass(frozen=True)
class Overrides:
    """What the command line lays over every file's configuration.

    ``table`` holds ``--config KEY=VALUE`` settings (they replace the key);
    the flags follow ruff: ``--select`` and ``--exclude`` replace,
    ``--extend-select``, ``--ignore`` and ``--extend-exclude`` add.
    """

    table: Mapping[str, object] = field(default_factory=dict)
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()

    def apply(self, config: Config) -> Config:
        selection = config.selection
        if self.select is not None:
            selection = replace(selection, select=self.select)
        if self.extend_select:
            selection = replace(selection, extend_select=(*selection.extend_select, *self.extend_select))
        selection = selection.with_ignored(self.ignore)
        # Command-line patterns are relative to the working directory, as the paths typed next to them.
        cwd, root = Path.cwd().resolve(), config.root.resolve()
        moved = tuple(p for p in (reroot(p, cwd, root) for p in (*(self.exclude or ()), *self.extend_exclude)) if p)
        exclude = config.exclude if self.exclude is None else ()
        return replace(config, selection=selection, exclude=(*exclude, *moved))


NO_OVERRIDES = Overrides()


# -- finding and reading configuration files -----------------------------------


_PARSED: dict[tuple[Path, int, int], dict[str, object]] = {}


def _read_toml(path: Path) -> dict[str, object]:
    """The parsed file, parsed once per version of it: every directory of a tree asks about the same files."""
    try:
        stat = path.stat()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        _PARSED[key] = _parse_toml(path)
    return _PARSED[key]


def _parse_toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {str(error).splitlines()[0]}") from None


def settings_table(path: Path, data: dict[str, object]) -> dict[str, object] | None:
    """The kerascheck settings in a parsed file: ``[tool.kerascheck]``, or all of a ``kerascheck.toml``.

    A ``pyproject.toml`` without the table has no settings (``None``); another
    file (``kerascheck.toml``, ``--config x.toml``) may use either form.
    """
    tool = data.get("tool")
    if path.name != "pyproject.toml" and not (isinstance(tool, dict) and "kerascheck" in tool):
        return data
    if not isinstance(tool, dict) or "kerascheck" not in tool:
        return None
    table = tool["kerascheck"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.kerascheck] must be a table")
    return table


def find_config_file(start: Path) -> Path | None:
    """The nearest configuration file at or above ``start`` (a directory); invalid TOML on the way is an error."""
    start = start.resolve()
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file() and settings_table(candidate, _read_toml(candidate)) is not None:
                return candidate
    return None


def deciding_files(directory: Path, config: Config) -> tuple[Path, ...]:
    """Every file whose change could change ``directory``'s configuration (for a long-lived process).

    The files it was read from, and each candidate on the way up to them that
    was absent or passed over: creating or editing one can make it the nearest.
    """
    directory = directory.resolve()
    stop = config.source.parent if config.source is not None else None
    candidates: list[Path] = []
    for level in (directory, *directory.parents):
        candidates += [level / name for name in CONFIG_FILES]
        if level == stop:
            break
    return tuple(dict.fromkeys((*candidates, *config.sources)))


def find_pyproject(start: Path) -> Path | None:
    """Kept for callers of the old name: the nearest configuration file."""
    return find_config_file(start)


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """Load ``path`` (or the nearest configuration file from ``start``); defaults if none."""
    if path is None:
        path = find_config_file(start or Path.cwd())
        if path is None:
            return Config()
    path = path.resolve()
    table, sources = _merged_table(path, ())
    return config_from_table(table, path, sources=sources)


def _merged_table(path: Path, seen: tuple[Path, ...]) -> tuple[dict[str, object], tuple[Path, ...]]:
    """``path``'s settings over those it ``extend``s, with patterns re-rooted at ``path``'s directory."""
    if path in seen:
        raise ConfigError(f"{path}: 'extend' loops back to a file it extends")
    table = settings_table(path, _read_toml(path)) or {}  # a pyproject.toml without the table: defaults
    config_from_table({k: v for k, v in table.items() if k != "extend"}, path)  # errors name this file
    extend = table.get("extend")
    if extend is None:
        return dict(table), (path,)
    if not isinstance(extend, str):
        raise ConfigError(f"{path}: 'extend' must be a path (a string)")
    base_path = (path.parent / Path(extend).expanduser()).resolve()
    if not base_path.is_file():
        raise ConfigError(f"{path}: 'extend' names {extend!r}, which does not exist")
    base, sources = _merged_table(base_path, (*seen, path))
    base = _rerooted(base, base_path.parent, path.parent)
    merged = _laid_over(base, {key: value for key, value in table.items() if key != "extend"})
    return merged, (path, *sources)


def _rerooted(table: dict[str, object], origin: Path, root: Path) -> dict[str, object]:
    """Patterns written relative to ``origin`` rewritten relative to ``root`` (dropped if they cannot apply)."""
    out = dict(table)
    for key in ("exclude", "extend-exclude"):
        value = table.get(key)
        if isinstance(value, list):
            out[key] = [
                p for p in (reroot(item, origin, root) if isinstance(item, str) else item for item in value) if p
            ]
    per_file = table.get("per-file-ignores")
    if isinstance(per_file, dict):
        moved = {reroot(str(pattern), origin, root): codes for pattern, codes in per_file.items()}
        out["per-file-ignores"] = {pattern: codes for pattern, codes in moved.items() if pattern}
    return out


def reroot(pattern: str, origin: Path, root: Path) -> str | None:
    """A gitignore pattern relative to ``origin`` as one relative to ``root``; ``None`` if it matches nothing there.

    A pattern with no inner slash matches at any depth, so it means the same
    from anywhere below ``origin``; an anchored one is moved by the path between.
    """
    negated, body = (pattern.startswith("!"), pattern[1:] if pattern.startswith("!") else pattern)
    if "/" not in body.rstrip("/"):
        # Unanchored: it matches at any depth, so it means the same here, unless it came from below.
        return _prefixed(negated, body, origin, root) if root in origin.parents else pattern
    body = body.lstrip("/")
    if origin == root:
        return pattern
    if origin in root.parents:
        between = root.relative_to(origin).as_posix() + "/"
        if body.startswith(between):
            return ("!" if negated else "") + "/" + body[len(between) :]
        return None
    return _prefixed(negated, "/" + body, origin, root)


def _prefixed(negated: bool, body: str, origin: Path, root: Path) -> str | None:
    try:
        between = origin.relative_to(root).as_posix()
    except ValueError:
        return None  # a sibling's patterns cannot match below this root
    return ("!" if negated else "") + "/" + between + ("/" if body.startswith("/") else "/**/") + body.lstrip("/")


def config_from_table(
    table: Mapping[str, object], path: Path | str, *, root: Path | None = None, sources: tuple[Path, ...] = ()
) -> Config:
    """Validate a settings table (``path`` names it in errors) and build its :class:`Config`."""
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        where = "[tool.kerascheck]" if Path(str(path)).name == "pyproject.toml" else "the settings"
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} in {where} (known: {', '.join(sorted(KNOWN_KEYS))})")
    select = table.get("select")
    selection = Selection(
        select=None if select is None else rule_patterns(select, "select", path, lists_only=True),
        extend_select=rule_patterns(table.get("extend-select", []), "extend-select", path, lists_only=True),
        ignore=rule_patterns(table.get("ignore", []), "ignore", path, lists_only=True),
    )
    selection = with_rule_options(selection, table.get("rules", {}), path)
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{path}: 'per-file-ignores' must be a table of glob = [codes]")
    per_file_ignores = tuple(
        (str(pattern), rule_patterns(codes, f"per-file-ignores.{pattern}", path, lists_only=True))
        for pattern, codes in per_file.items()
    )
    exclude = (
        *string_list(table.get("exclude", []), "exclude", path),
        *string_list(table.get("extend-exclude", []), "extend-exclude", path),
    )
    max_file_size = table.get("max-file-size", MAX_FILE_BYTES)
    if not isinstance(max_file_size, int) or isinstance(max_file_size, bool) or max_file_size <= 0:
        raise ConfigError(f"{path}: 'max-file-size' must be a positive number of bytes")
    source = path if isinstance(path, Path) else None
    if root is None:
        root = source.parent if source is not None else Path.cwd()
    return Config(
        selection=selection,
        per_file_ignores=per_file_ignores,
        exclude=exclude,
        root=root,
        source=source,
        sources=sources or ((source,) if source is not None else ()),
        max_file_size=max_file_size,
    )


def with_rule_options(selection: Selection, value: object, path: Path | str) -> Selection:
    """``[tool.kerascheck.rules.KC501]`` tables (``patience = 5``): each rule's options, validated by the rule."""
    if not isinstance(value, dict) or not all(isinstance(options, dict) for options in value.values()):
        raise ConfigError(f"{path}: 'rules' must hold one table per rule, e.g. [tool.kerascheck.rules.KC501]")
    try:
        return selection.with_options(value)
    except OptionError as error:
        raise ConfigError(f"{path}: [tool.kerascheck.rules]: {error}") from None


def string_list(value: object, key: str, path: Path | str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return tuple(value)


def rule_patterns(value: object, key: str, path: Path | str, *, lists_only: bool = False) -> tuple[str, ...]:
    """Codes or prefixes (``KC101``, ``KC1``, ``ALL``), each of which must match a rule.

    The one validation of rule codes, for the configuration file, the command
    line, ``check_source()``, ``inspect()`` and the training callback.
    ``value`` is a list of them or one string, which may list several
    separated by commas (``"KC1,KC304"``): a lone string is never read
    character by character. The configuration file takes lists only
    (``lists_only``), as ruff's does.
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
    select: object = None, ignore: object = None, extend_select: object = None, *, where: Path | str = "argument"
) -> Selection:
    """A selection from ``select``/``ignore``/``extend_select`` values (the library's entry points).

    The configuration file and the command line build theirs with the same
    :func:`rule_patterns`, so every surface accepts the same values and
    rejects an unknown code with the same one-line :class:`ConfigError`.
    """
    return Selection(
        select=None if select is None else rule_patterns(select, "select", where),
        extend_select=() if extend_select is None else rule_patterns(extend_select, "extend-select", where),
        ignore=() if ignore is None else rule_patterns(ignore, "ignore", where),
    )


def parse_override(text: str) -> dict[str, object]:
    """``--config 'KEY = VALUE'``: one TOML assignment of a known setting."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"--config {text!r} is neither a file nor a TOML 'KEY = VALUE' ({str(error).splitlines()[0]})"
        ) from None
    if "extend" in table:
        raise ConfigError("--config cannot set 'extend'; pass the file itself with --config PATH")
    config_from_table(table, "--config")  # validates keys and values
    return table


# -- the one resolution everybody calls ------------------------------------------


def resolve_config(path: Path, *, config_file: Path | None = None, overrides: Overrides = NO_OVERRIDES) -> Config:
    """The configuration that applies to ``path`` (a file or a directory).

    ``config_file`` (``--config PATH``) replaces discovery for every file;
    otherwise the nearest configuration file above ``path`` decides, and
    without one the defaults apply with ``path``'s directory as the root.
    ``overrides`` (the command line) come last.
    """
    directory = (path if path.is_dir() else path.parent).resolve()
    source = config_file.resolve() if config_file is not None else find_config_file(directory)
    if source is None:
        table: dict[str, object] = {}
        sources: tuple[Path, ...] = ()
    else:
        table, sources = _merged_table(source, ())
    table = _laid_over(table, overrides.table)
    label: Path | str = source if source is not None else "--config"
    config = config_from_table(table, label, root=source.parent if source else Path.cwd(), sources=sources)
    return overrides.apply(replace(config, source=source))


def _laid_over(base: Mapping[str, object], top: Mapping[str, object]) -> dict[str, object]:
    """``top``'s keys over ``base``'s; tables (``rules``, ``per-file-ignores``) merge key by key, recursively."""
    merged = dict(base)
    for key, value in top.items():
        below = merged.get(key)
        if isinstance(value, dict) and isinstance(below, dict):
            merged[key] = _laid_over(below, value)
        else:
            merged[key] = value
    return merged


class Resolver:
    """:func:`resolve_config` remembered per directory, for a run over many files."""

    def __init__(self, *, config_file: Path | None = None, overrides: Overrides = NO_OVERRIDES) -> None:
        self.config_file = config_file
        self.overrides = overrides
        self._by_directory: dict[Path, Config] = {}
        self._by_given: dict[Path, Config] = {}

    def __call__(self, path: Path) -> Config:
        given = path if path.is_dir() else path.parent
        config = self._by_given.get(given)  # most calls: a file in a directory already seen, as spelt
        if config is None:
            directory = given.resolve()
            config = self._by_directory.get(directory)
            if config is None:
                config = resolve_config(directory, config_file=self.config_file, overrides=self.overrides)
                self._by_directory[directory] = config
            self._by_given[given] = config
        return config

    def fingerprint(self) -> str:
        return repr((self.config_file, dict(self.overrides.table), self.overrides))
