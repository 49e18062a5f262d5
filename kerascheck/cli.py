"""The command line: ``kerascheck [paths]``, ``kerascheck rule CODE``, ``kerascheck rules``.

Exit codes, as ruff: 0 no findings, 1 findings, 2 usage, configuration or
internal error. Every error is one line on stderr; no traceback reaches the
user.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from kerascheck import __version__
from kerascheck.api import Report, check_paths
from kerascheck.config import Config, ConfigError, load_config, rule_patterns
from kerascheck.diagnostics import Diagnostic
from kerascheck.engine import Selection
from kerascheck.report import FORMATS, renderer
from kerascheck.report.text import statistics

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """Bad arguments: one line for the user, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _codes(text: str) -> list[str]:
    return [code.strip() for code in text.split(",") if code.strip()]


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs needs a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("--jobs needs at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kerascheck",
        description="Lint Keras model code, notebooks and saved models for silent mistakes.",
        epilog="Other commands: 'kerascheck rule KC101' explains a rule, 'kerascheck rules' lists them, "
        "'kerascheck server' starts the language server.",
    )
    parser.add_argument("paths", nargs="*", help="files or directories (default: .); '-' reads stdin")
    parser.add_argument("--select", type=_codes, help="rule codes or prefixes to check (replaces defaults)")
    parser.add_argument("--extend-select", type=_codes, default=None, help="add rules to the selection")
    parser.add_argument("--ignore", type=_codes, default=None, help="rule codes or prefixes to skip")
    parser.add_argument("--output-format", choices=sorted(FORMATS), default="text")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even if there are findings")
    parser.add_argument("--statistics", action="store_true", help="print counts per rule instead")
    parser.add_argument("--stdin-filename", help="the name to report for '-' (and to pick .ipynb parsing)")
    parser.add_argument("--config", type=Path, help="a pyproject.toml to use instead of the nearest one")
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
    parser.add_argument("--version", action="version", version=f"kerascheck {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    tolerate_unencodable_output()
    try:
        if args_list[:1] == ["rule"]:
            return explain_rule(args_list[1:])
        if args_list[:1] == ["rules"]:
            return list_rules()
        if args_list[:1] == ["server"]:
            return start_server(args_list[1:])
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


def effective_config(args: argparse.Namespace) -> Config:
    """The pyproject configuration with command-line options laid over it."""
    if args.config is not None and not args.config.is_file():
        raise UsageError(f"config file not found: {args.config}")
    config = load_config(args.config)
    selection = config.selection
    if args.select is not None:
        selection = replace(selection, select=rule_patterns(args.select, "--select", "command line"))
    if args.extend_select is not None:
        extra = rule_patterns(args.extend_select, "--extend-select", "command line")
        selection = replace(selection, extend_select=(*selection.extend_select, *extra))
    if args.ignore is not None:
        selection = selection.with_ignored(rule_patterns(args.ignore, "--ignore", "command line"))
    return replace(config, selection=selection)


def check(args: argparse.Namespace) -> int:
    if args.unsafe_fixes and not (args.fix or args.diff):
        raise UsageError("--unsafe-fixes applies to --fix or --diff; add one of them")
    config = effective_config(args)
    paths = args.paths or (["."] if args.model is None else [])
    report = Report()
    if args.model is not None:
        report.diagnostics.extend(check_model_factory(args.model, config.selection))
    if "-" in paths:
        if len(paths) > 1:
            raise UsageError("'-' (stdin) cannot be combined with other paths")
        from kerascheck.static.lint import lint_bytes

        name = args.stdin_filename or "<stdin>"
        if args.fix or args.diff:
            return fix_stdin(sys.stdin.buffer.read(), name, config, args)
        report.diagnostics.extend(lint_bytes(sys.stdin.buffer.read(), name, config.selection_for(Path(name))))
        report.files = 1
    elif paths:
        # A broken link or a loop exists as a name: it gets its own KC002 line, not a usage error.
        missing = [p for p in paths if not os.path.lexists(p)]
        if missing:
            raise UsageError(f"path does not exist: {missing[0]}")
        from kerascheck.runner import default_jobs

        found = check_paths(
            paths,
            config,
            force_exclude=args.force_exclude,
            jobs=args.jobs or default_jobs(),
            use_cache=not args.no_cache,
        )
        report.errors.extend(found.errors)
        report.files += found.files
        if args.fix or args.diff:
            return fix_and_emit(found.diagnostics, report, config, args)
        report.diagnostics.extend(found.diagnostics)
    return emit(report, args)


def fix_and_emit(found: list[Diagnostic], report: Report, config: Config, args: argparse.Namespace) -> int:
    """``--fix``: write, then report what remains (like ruff); ``--diff``: print diffs, write nothing."""
    from kerascheck.fix.files import fix_findings

    run = fix_findings(found, config, unsafe=args.unsafe_fixes, write=not args.diff)
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
    sys.stderr.write(render(outcome.remaining))
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


def emit(report: Report, args: argparse.Namespace) -> int:
    diagnostics = sorted(report.diagnostics, key=Diagnostic.sort_key)
    if args.statistics:
        sys.stdout.write(statistics(diagnostics))
    else:
        sys.stdout.write(renderer(args.output_format)(diagnostics))
    for error in report.errors:
        print(f"kerascheck: error: {error}", file=sys.stderr)
    if report.errors:
        return EXIT_ERROR
    if diagnostics and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def explain_rule(argv: list[str]) -> int:
    from kerascheck.docs import rule_page
    from kerascheck.rules.base import get_rule

    if len(argv) != 1:
        raise UsageError("usage: kerascheck rule CODE")
    rule = get_rule(argv[0])
    if rule is None:
        raise UsageError(f"no rule {argv[0]!r}; 'kerascheck rules' lists them")
    sys.stdout.write(rule_page(rule))
    return EXIT_CLEAN


def list_rules() -> int:
    from kerascheck.rules.base import all_rules

    for code, rule in all_rules().items():
        default = "" if Selection().enabled(rule) else "  (not selected by default)"
        print(f"{code}  {rule.name:<38} {rule.severity.value:<8}{default}")
    return EXIT_CLEAN


def start_server(argv: list[str]) -> int:
    try:
        from kerascheck.lsp import serve
    except ImportError as error:
        raise UsageError(
            f"the language server needs the [lsp] extra (pip install 'kerascheck[lsp]'): {error}"
        ) from None
    return serve(argv)
