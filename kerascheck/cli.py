"""The command line: ``kerascheck [check] [paths]``, ``kerascheck rule CODE|NAME``, ``kerascheck rules``.

Exit codes, as ruff: 0 no findings, 1 findings, 2 usage, configuration or
internal error. Every error is one line on stderr; no traceback reaches the
user. Each file is checked with its own configuration (the nearest
``kerascheck.toml`` or ``pyproject.toml`` above it), resolved by
:func:`kerascheck.config.resolve_config` as in pre-commit and the editor.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kerascheck import __version__
from kerascheck.api import Report, check_paths
from kerascheck.config import (
    Config,
    ConfigError,
    Overrides,
    Resolver,
    parse_override,
    rule_patterns,
)
from kerascheck.diagnostics import Diagnostic
from kerascheck.engine import Selection
from kerascheck.report import FORMATS, renderer

if TYPE_CHECKING:
    from kerascheck.rules.base import Rule

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
TEXT_FORMATS = ("full", "concise", "text")  # "text" is the old name of "concise"


class UsageError(Exception):
    """Bad arguments: one line for the user, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        command = self.prog.removeprefix("kerascheck").strip()  # "rule", "check" or "" for the bare form
        raise UsageError(f"{command}: {message}" if command else message)


def _codes(text: str) -> list[str]:
    return [code.strip() for code in text.split(",") if code.strip()]


def _patterns(text: str) -> list[str]:
    patterns = [pattern.strip() for pattern in text.split(",") if pattern.strip()]
    if not patterns:
        raise argparse.ArgumentTypeError("needs at least one pattern")
    return patterns


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs needs a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("--jobs needs at least 1")
    return value


def build_parser(prog: str = "kerascheck") -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog,
        description="Lint Keras model code, notebooks and saved models for silent mistakes.",
        epilog="Commands: 'kerascheck check [paths]' (the default), 'kerascheck rule KC101' explains a rule "
        "(by code or name), 'kerascheck rules [PREFIX]' lists them, 'kerascheck server' starts the language "
        "server. Each has --help.",
    )
    parser.add_argument("paths", nargs="*", help="files or directories (default: .); '-' reads stdin")
    parser.add_argument("--select", type=_codes, help="rule codes or prefixes to check (replaces defaults)")
    parser.add_argument("--extend-select", type=_codes, default=None, help="add rules to the selection")
    parser.add_argument("--ignore", type=_codes, default=None, help="rule codes or prefixes to skip")
    parser.add_argument(
        "--output-format",
        choices=[*sorted({*TEXT_FORMATS, *FORMATS} - {"text"}), "text"],
        default=None,
        help="full (source lines and carets; the default on a terminal), concise (the default into a pipe; "
        "'text' is its old name), json, sarif, github",
    )
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even if there are findings")
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="print counts per rule instead ([*] safe fix, [-] unsafe fix only, [ ] none); JSON with "
        "--output-format json",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print findings only: no summary, no warnings")
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="also say what the analysis could not follow (on stderr)"
    )
    parser.add_argument("--stdin-filename", help="the name to report for '-' (and to pick .ipynb parsing)")
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="PATH|KEY=VALUE",
        help="a configuration file to use for every file instead of the nearest one, or a TOML "
        "'KEY = VALUE' setting laid over each file's configuration (repeatable)",
    )
    parser.add_argument("--exclude", type=_patterns, default=None, help="patterns to exclude (replaces 'exclude')")
    parser.add_argument("--extend-exclude", type=_patterns, default=None, help="patterns to exclude, added")
    parser.add_argument("--force-exclude", action="store_true", help="apply 'exclude' to files named explicitly")
    parser.add_argument("--model", metavar="MODULE:FACTORY", help="import MODULE, call FACTORY(), inspect the model")
    parser.add_argument(
        "--jobs", "-j", type=_jobs, default=None, metavar="N", help="worker processes (default: all cores)"
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write .kerascheck_cache/")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes, then report what remains")
    parser.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff: also fixes that change the model"
    )
    parser.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff, write nothing (exit 1 if any)"
    )
    parser.add_argument(
        "--add-noqa", action="store_true", help="add '# noqa: KCnnn' to every line with a finding, then exit"
    )
    parser.add_argument("--show-settings", action="store_true", help="print the configuration for the first path")
    parser.add_argument("--show-files", action="store_true", help="print the files that would be checked")
    parser.add_argument("--version", "-V", action="version", version=f"kerascheck {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    tolerate_unencodable_output()
    try:
        command = args_list[0] if args_list else None
        if command == "rule":
            return explain_rule(args_list[1:])
        if command == "rules":
            return list_rules(args_list[1:])
        if command == "server":
            return start_server(args_list[1:])
        if command == "check":
            return check(build_parser("kerascheck check").parse_args(args_list[1:]))
        return check(build_parser().parse_args(args_list))
    except (UsageError, ConfigError) as error:
        print(f"kerascheck: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR


def tolerate_unencodable_output() -> None:
    """A file name that is not UTF-8 must not crash the output on a strict UTF-8 stream:
    such characters are printed as backslash escapes (the output stays valid UTF-8)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or exotic stream
                reconfigure(errors="backslashreplace")


def overrides_from(args: argparse.Namespace) -> tuple[Path | None, Overrides]:
    """``--config`` (a file, or ``KEY=VALUE`` settings) and the selection and exclusion flags."""
    config_file: Path | None = None
    table: dict[str, object] = {}
    for value in args.config:
        path = Path(value)
        if path.is_file():
            if config_file is not None:
                raise UsageError("--config names more than one configuration file")
            config_file = path
        elif "=" in value:
            table.update(parse_override(value))
        else:
            raise UsageError(f"config file not found: {value}")
    overrides = Overrides(
        table=table,
        select=None if args.select is None else rule_patterns(args.select, "--select", "command line"),
        extend_select=rule_patterns(args.extend_select or [], "--extend-select", "command line"),
        ignore=rule_patterns(args.ignore or [], "--ignore", "command line"),
        exclude=None if args.exclude is None else tuple(args.exclude),
        extend_exclude=tuple(args.extend_exclude or ()),
    )
    return config_file, overrides


def output_format(args: argparse.Namespace) -> str:
    if args.output_format is not None:
        return "concise" if args.output_format == "text" else str(args.output_format)
    return "full" if _isatty(sys.stdout) else "concise"


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def check(args: argparse.Namespace) -> int:
    if args.unsafe_fixes and not (args.fix or args.diff):
        raise UsageError("--unsafe-fixes applies to --fix or --diff; add one of them")
    exclusive = [name for name in ("fix", "diff", "add_noqa", "show_settings", "show_files") if getattr(args, name)]
    if len(exclusive) > 1 and set(exclusive) != {"fix", "diff"}:
        flags = ", ".join("--" + name.replace("_", "-") for name in exclusive)
        raise UsageError(f"{flags} cannot be combined")
    config_file, overrides = overrides_from(args)
    configs = Resolver(config_file=config_file, overrides=overrides)
    paths = args.paths or (["."] if args.model is None else [])
    # A broken link or a loop exists as a name: it gets its own KC002 line, not a usage error.
    missing = [p for p in paths if p != "-" and not os.path.lexists(p)]
    if missing:
        raise UsageError(f"path does not exist: {missing[0]}")
    if args.show_settings:
        return show_settings(paths, configs, args)
    report = Report()
    if args.model is not None:
        report.diagnostics.extend(check_model_factory(args.model, configs(Path.cwd()).selection))
    if "-" in paths:
        if len(paths) > 1:
            raise UsageError("'-' (stdin) cannot be combined with other paths")
        if args.add_noqa or args.show_files:
            raise UsageError("--add-noqa and --show-files need files, not stdin")
        from kerascheck.static.lint import lint_bytes

        name = args.stdin_filename or "<stdin>"
        config = configs(Path(args.stdin_filename) if args.stdin_filename else Path.cwd())
        raw = sys.stdin.buffer.read(config.max_file_size + 1)  # `< /dev/zero` must not fill memory
        if len(raw) > config.max_file_size:
            from kerascheck.rules.tool import tool_diagnostic

            message = f"too large to check: over the max-file-size limit of {config.max_file_size} bytes"
            report.diagnostics.append(tool_diagnostic("KC003", message, name))
            return emit(report, args, {})
        if args.fix or args.diff:
            return fix_stdin(raw, name, config, args)
        report.diagnostics.extend(lint_bytes(raw, name, config.selection_for(Path(name))))
        report.files = 1
        return emit(report, args, {name: raw})
    if paths:
        if args.show_files:
            return show_files(paths, configs, args)
        from kerascheck.runner import default_jobs

        found = check_paths(
            paths,
            configs,
            force_exclude=args.force_exclude,
            jobs=args.jobs or default_jobs(),
            use_cache=not args.no_cache,
        )
        report.errors.extend(found.errors)
        report.notes.extend(found.notes)
        report.files += found.files
        if found.files == 0 and not args.quiet:
            print("kerascheck: warning: no Python, notebook or saved-model file found in the given paths",
                  file=sys.stderr)  # fmt: skip
        if args.add_noqa:
            return add_noqa(found.diagnostics, report, configs)
        if args.fix or args.diff:
            return fix_and_emit(found.diagnostics, report, configs, args)
        report.diagnostics.extend(found.diagnostics)
    return emit(report, args)


def show_settings(paths: list[str], configs: Resolver, args: argparse.Namespace) -> int:
    """``--show-settings``: the configuration the first path is checked with, as TOML or JSON."""
    from kerascheck.rules.base import all_rules

    target = Path(paths[0]) if paths and paths[0] != "-" else Path(args.stdin_filename or ".")
    config = configs(target)
    selection = config.selection_for(target) if target.suffix else config.selection
    enabled = [code for code, rule in all_rules().items() if selection.enabled(rule)]
    data: dict[str, object] = {
        "path": str(target),
        "config-file": str(config.source) if config.source else None,
        "extends": [str(p) for p in config.sources[1:]],
        "root": str(config.root),
        "select": list(selection.select) if selection.select is not None else None,
        "extend-select": list(selection.extend_select),
        "ignore": list(selection.ignore),
        "exclude": list(config.exclude),
        "per-file-ignores": {pattern: list(codes) for pattern, codes in config.per_file_ignores},
        "rules": {code: dict(values) for code, values in selection.options},
        "enabled-rules": enabled,
    }
    if args.output_format == "json":
        print(json.dumps(data, indent=2))
        return EXIT_CLEAN
    print(f"Settings for {target}")
    for key, value in data.items():
        if key == "path":
            continue
        shown = "(defaults)" if value is None and key == "config-file" else json.dumps(value)
        if key == "select" and value is None:
            shown = "(default: every error and warning rule)"
        print(f"{key} = {shown}")
    return EXIT_CLEAN


def show_files(paths: list[str], configs: Resolver, args: argparse.Namespace) -> int:
    """``--show-files``: every file a check would read, with the configuration file it uses."""
    from kerascheck.discovery import BadPath, discover

    def exclusion(directory: Path) -> tuple[tuple[str, ...], Path]:
        found = configs(directory)
        return found.exclude, found.root

    files = list(discover((Path(p) for p in paths), (), Path.cwd(), args.force_exclude, exclusion))
    for path in files:
        if isinstance(path, BadPath):
            print(f"kerascheck: warning: {path.path}: {path.message}", file=sys.stderr)
            continue
        source = configs(path).source
        print(f"{path}" + ("" if args.quiet else f"  ({source if source else 'defaults'})"))
    if not files and not args.quiet:
        print("kerascheck: warning: no Python, notebook or saved-model file found in the given paths", file=sys.stderr)
    return EXIT_CLEAN


def add_noqa(found: list[Diagnostic], report: Report, configs: Resolver) -> int:
    from kerascheck.noqa import add_noqa as add

    run = add(found, lambda path: configs(path).selection_for(path))
    for problem in run.skipped:
        print(f"kerascheck: warning: {problem}", file=sys.stderr)
    for error in (*report.errors, *run.errors):
        print(f"kerascheck: error: {error}", file=sys.stderr)
    comments = f"{run.added} noqa comment{'s' if run.added != 1 else ''}"
    print(f"Added {comments} to {run.files} file{'s' if run.files != 1 else ''}.", file=sys.stderr)
    return EXIT_ERROR if report.errors or run.errors else EXIT_CLEAN


def fix_and_emit(found: list[Diagnostic], report: Report, configs: Resolver, args: argparse.Namespace) -> int:
    """``--fix``: write, then report what remains (like ruff); ``--diff``: print diffs, write nothing."""
    from kerascheck.fix.files import fix_findings

    run = fix_findings(found, configs, unsafe=args.unsafe_fixes, write=not args.diff)
    report.errors.extend(run.errors)
    for note in run.notes:
        print(f"kerascheck: note: {note}", file=sys.stderr)
    problems = f"{run.fixed} problem{'s' if run.fixed != 1 else ''}"
    files = f"{run.files} file{'s' if run.files != 1 else ''}"
    if args.diff:
        sys.stdout.write("".join(run.diffs))
        for error in report.errors:
            print(f"kerascheck: error: {error}", file=sys.stderr)
        if run.fixed:
            print(f"Would fix {problems} in {files}.", file=sys.stderr)
        if report.errors:
            return EXIT_ERROR
        return EXIT_FINDINGS if run.diffs and not args.exit_zero else EXIT_CLEAN
    if run.fixed:
        print(f"Fixed {problems} in {files}.", file=sys.stderr)
    report.diagnostics.extend(run.diagnostics)
    return emit(report, args)


def fix_stdin(raw: bytes, name: str, config: Config, args: argparse.Namespace) -> int:
    """Fixing stdin writes the fixed source (``--fix``) or its diff (``--diff``) to stdout."""
    from kerascheck.fix.apply import fix_bytes
    from kerascheck.fix.files import check_writable
    from kerascheck.report.text import render

    outcome = fix_bytes(raw, name, config.selection_for(Path(name)), unsafe=args.unsafe_fixes)
    error = outcome.error or (check_writable(outcome) if outcome.changed else None)
    for note in outcome.notes():
        print(f"kerascheck: note: {note}", file=sys.stderr)
    if error is not None:
        print(f"kerascheck: error: {error}", file=sys.stderr)
        if args.fix:
            sys.stdout.buffer.write(raw)
        return EXIT_ERROR
    if args.diff:
        sys.stdout.write(outcome.diff())
        return EXIT_FINDINGS if outcome.changed else EXIT_CLEAN
    sys.stdout.buffer.write(outcome.after.content() if outcome.changed else raw)  # type: ignore[union-attr]
    sys.stderr.write(render(outcome.remaining, summary=bool(outcome.remaining) and not args.quiet))
    return EXIT_FINDINGS if outcome.remaining and not args.exit_zero else EXIT_CLEAN


def check_model_factory(spec: str, selection: Selection) -> list[Diagnostic]:
    try:
        from kerascheck.runtime.factory import FactoryError, check_factory
    except ImportError as error:  # pragma: no cover - only without the runtime extra's deps
        raise UsageError(f"--model needs the runtime front-end: {error}") from None
    try:
        return check_factory(spec, selection)
    except FactoryError as error:
        raise UsageError(str(error)) from None


def emit(report: Report, args: argparse.Namespace, raw_by_name: dict[str, bytes] | None = None) -> int:
    from kerascheck.report.style import Painter, wants_colour

    diagnostics = sorted(report.diagnostics, key=Diagnostic.sort_key)
    form = output_format(args)
    if args.statistics:
        from kerascheck.report.text import statistics, statistics_json

        sys.stdout.write(statistics_json(diagnostics) if form == "json" else statistics(diagnostics))
    elif form in ("full", "concise"):
        from kerascheck.report.text import file_lines, render, render_full

        paint = Painter(wants_colour(sys.stdout))
        summary = not args.quiet
        if form == "full":
            text = render_full(diagnostics, sources=file_lines(raw_by_name), paint=paint, summary=summary)
        else:
            text = render(diagnostics, paint=paint, summary=summary)
        sys.stdout.write(text)
    else:
        sys.stdout.write(renderer(form)(diagnostics))
    if args.verbose or args.statistics:
        # Budgets and unfollowable imports cut analysis short: say so rather than stay silent.
        for note in report.notes:
            print(f"kerascheck: note: {note}", file=sys.stderr)
    if args.verbose:
        print(f"kerascheck: checked {report.files} file{'s' if report.files != 1 else ''}", file=sys.stderr)
    for error in report.errors:
        print(f"kerascheck: error: {error}", file=sys.stderr)
    if report.errors:
        return EXIT_ERROR
    if diagnostics and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def explain_rule(argv: list[str]) -> int:
    from kerascheck.docs import rule_page
    from kerascheck.rules.base import all_rules, get_rule

    parser = _Parser(prog="kerascheck rule", description="Print a rule's page: what it catches, why, examples.")
    parser.add_argument("rule", help="a rule code (KC101) or name (missing-softmax)")
    parser.add_argument("--output-format", choices=["text", "json"], default="text")
    args = parser.parse_args(argv)
    rule = get_rule(args.rule) or next((r for r in all_rules().values() if r.name == args.rule.lower()), None)
    if rule is None:
        raise UsageError(f"no rule {args.rule!r}; 'kerascheck rules' lists them")
    if args.output_format == "json":
        print(json.dumps(rule_record(rule) | {"explanation": rule_page(rule)}, indent=2))
    else:
        sys.stdout.write(rule_page(rule))
    return EXIT_CLEAN


def rule_record(rule: type[Rule]) -> dict[str, object]:
    from kerascheck.report.fixability import applicability

    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "summary": rule.summary(),
        "default": Selection().enabled(rule),
        "fix": applicability(rule.code),
    }


def list_rules(argv: list[str]) -> int:
    from kerascheck.rules.base import all_rules

    parser = _Parser(prog="kerascheck rules", description="List the rules, optionally those starting with PREFIX.")
    parser.add_argument("prefix", nargs="?", help="a code prefix such as KC1 (or ALL)")
    parser.add_argument("--output-format", choices=["text", "json"], default="text")
    args = parser.parse_args(argv)
    rules = all_rules()
    if args.prefix is not None:
        prefix = args.prefix.strip().upper()
        rules = {code: rule for code, rule in rules.items() if prefix == "ALL" or code.startswith(prefix)}
        if not rules:
            raise UsageError(f"no rule starts with {args.prefix!r}; 'kerascheck rules' lists them")
    if args.output_format == "json":
        print(json.dumps([rule_record(rule) for rule in rules.values()], indent=2))
        return EXIT_CLEAN
    for code, rule in rules.items():
        default = "" if Selection().enabled(rule) else "  (not selected by default)"
        print(f"{code}  {rule.name:<38} {rule.severity.value:<8}{default}")
    return EXIT_CLEAN


def start_server(argv: list[str]) -> int:
    try:
        from kerascheck.lsp import serve
    except ImportError as error:
        raise UsageError(
            "the language server needs the [lsp] extra (pygls and lsprotocol: pip install '.[lsp]' in a clone): "
            f"{error}"
        ) from None
    return serve(argv)
