"""The static pipeline for one input: prefilter, parse, interpret, check, locate.

Positions and suppression comments are only computed for inputs that have
findings; most files have none, and libcst's position metadata costs more
than the parse.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass

import libcst as cst

from kerascheck import engine
from kerascheck.diagnostics import Diagnostic, Span
from kerascheck.facts import Anchor, ProgramFacts
from kerascheck.fix import mark_fix_safety
from kerascheck.fix.edits import FixContext
from kerascheck.rules.tool import tool_diagnostic
from kerascheck.static.interpreter import Interpreter
from kerascheck.static.positions import NodePositions
from kerascheck.static.source import Program, UnreadableSource, load_program, mentions_keras
from kerascheck.suppress import is_suppressed, suppressions


def parse(program: Program) -> cst.Module:
    if _may_nest_too_deeply(program.text):
        # libcst's native parser overflows its stack (a segfault, not an exception) on
        # brackets nested far beyond what CPython accepts; let CPython reject those first.
        compile(program.text, "<kerascheck>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    return cst.parse_module(program.text)


_BRACKETS = re.compile(r"[()\[\]{}]")
_DEPTH = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}
SUSPICIOUS_NESTING = 150  # CPython refuses more than 200 nested brackets


def _may_nest_too_deeply(text: str) -> bool:
    """A cheap upper bound on bracket nesting (brackets in strings may inflate it)."""
    if text.count("(") + text.count("[") + text.count("{") < SUSPICIOUS_NESTING:
        return False
    depth = itertools.accumulate(_DEPTH[b] for b in _BRACKETS.findall(text))
    return max(depth, default=0) >= SUSPICIOUS_NESTING


def extract_facts(module: cst.Module) -> ProgramFacts:
    """Source facts for a parsed module (the static front-end's whole answer).

    Code nested deeper than the interpreter can follow yields no facts: silence,
    not a guess and not a crash.
    """
    try:
        return Interpreter().run(module)
    except RecursionError:
        return ProgramFacts()


class _Locator:
    """Turns CST anchors into spans (only for reported findings: see positions.py)."""

    def __init__(self, module: cst.Module, program: Program) -> None:
        self.program = program
        self.positions = NodePositions(module, program.text)

    def __call__(self, anchor: Anchor) -> tuple[Span | None, int | None]:
        if anchor.node is None:
            return None, None
        found = self.positions.range_of(anchor.node, anchor.statement)
        if found is None:
            return None, None
        start_line, start_column, end_line, end_column = found
        cell, line = self.program.cell_line(start_line)
        _, last_line = self.program.cell_line(end_line)
        return Span(line, start_column + 1, last_line, end_column + 1), cell


def syntax_error(error: cst.ParserSyntaxError, program: Program, filename: str) -> Diagnostic:
    """KC001 with CPython's wording and position where it has one (clearer than the parser's)."""
    try:
        compile(program.text, filename, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as python_error:
        if python_error.lineno:
            return python_syntax_error(python_error, program, filename)
    except (ValueError, RecursionError, MemoryError):
        pass
    return _syntax_diagnostic(program, filename, error.raw_line, error.raw_column + 1, error.message)


def python_syntax_error(error: SyntaxError, program: Program, filename: str) -> Diagnostic:
    return _syntax_diagnostic(program, filename, error.lineno or 1, max(error.offset or 1, 1), error.msg)


def _syntax_diagnostic(program: Program, filename: str, raw_line: int, column: int, message: str) -> Diagnostic:
    cell, line = program.cell_line(raw_line)
    text = f"cannot parse: {message}".replace("\n", " ")
    fix = "fix the syntax error; the other cells were checked without this one" if cell is not None else None
    return tool_diagnostic("KC001", text, filename, Span(line, column, line, column), cell, fix=fix)


MAX_BROKEN_CELLS = 20


@dataclass
class Analysis:
    """One program's located, unsuppressed findings, with the parse and facts behind them.

    ``module`` and ``facts`` are None when the program was skipped by the
    prefilter or does not parse; the fixer needs them, plain linting does not.
    """

    diagnostics: list[Diagnostic]
    module: cst.Module | None = None
    facts: ProgramFacts | None = None


def analyse_program(
    program: Program, filename: str, selection: engine.Selection = engine.DEFAULT_SELECTION
) -> Analysis:
    if not mentions_keras(program.text):
        return Analysis([])
    broken: list[Diagnostic] = []
    while True:
        try:
            module = parse(program)
            break
        except (cst.ParserSyntaxError, SyntaxError) as error:
            if isinstance(error, SyntaxError):
                diagnostic = python_syntax_error(error, program, filename)
            else:
                diagnostic = syntax_error(error, program, filename)
            broken.append(diagnostic)
            if diagnostic.cell is None or len(broken) > MAX_BROKEN_CELLS:
                return Analysis(broken)
            # One bad cell should not hide the rest of the notebook: check it without that cell.
            program = program.without_cell(diagnostic.cell)
        except (RecursionError, MemoryError):
            return Analysis([tool_diagnostic("KC001", "cannot parse: the file is nested too deeply", filename)])
    facts = extract_facts(module)
    found = engine.run_rules(facts, selection)
    if not found:
        return Analysis(broken, module, facts)
    table = suppressions(program.text)
    starts = dict(program.cell_starts)

    def suppressed(diagnostic: Diagnostic) -> bool:
        if diagnostic.span is None:
            return False
        line = diagnostic.span.line
        if diagnostic.cell is not None:
            line = starts[diagnostic.cell] + line - 1
        return is_suppressed(diagnostic, table, line)

    located = engine.finalize(found, filename=filename, locate=_Locator(module, program), is_suppressed=suppressed)
    if not broken:  # a notebook with a broken cell cannot be fixed: no fix would re-parse
        located = mark_fix_safety(located, FixContext(module=module, facts=facts, text=program.text), selection.rules())
    return Analysis(sorted([*broken, *located], key=Diagnostic.sort_key), module, facts)


def lint_program(
    program: Program, filename: str, selection: engine.Selection = engine.DEFAULT_SELECTION
) -> list[Diagnostic]:
    return analyse_program(program, filename, selection).diagnostics


def lint_bytes(raw: bytes, filename: str, selection: engine.Selection = engine.DEFAULT_SELECTION) -> list[Diagnostic]:
    """Lint a file's bytes (``.py`` or ``.ipynb``); unreadable input becomes KC002."""
    try:
        program = load_program(raw, filename)
    except UnreadableSource as error:
        return [tool_diagnostic("KC002", str(error), filename)]
    return lint_program(program, filename, selection)
