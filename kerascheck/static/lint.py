"""The static pipeline for one input: prefilter, parse, interpret, check, locate.

Positions and suppression comments are only computed for inputs that have
findings; most files have none, and libcst's position metadata costs more
than the parse.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst

from kerascheck import engine
from kerascheck.budget import OverBudget
from kerascheck.diagnostics import Diagnostic, Span
from kerascheck.facts import Anchor, ProgramFacts
from kerascheck.fix import mark_fix_safety
from kerascheck.fix.edits import FixContext
from kerascheck.rules.base import all_rules
from kerascheck.rules.tool import UnusedNoqaRule, tool_diagnostic
from kerascheck.static import guard
from kerascheck.static.interpreter import Interpreter, InvalidLiteral
from kerascheck.static.positions import NodePositions
from kerascheck.static.prefilter import text_to_parse
from kerascheck.static.project import Project, Session
from kerascheck.static.source import BrokenCell, Program, UnreadableSource, load_program, mentions_keras
from kerascheck.suppress import Suppressions, mentions_suppression, read_suppressions


def parse(program: Program) -> cst.Module:
    """libcst's parse behind the guard (see guard.py): raises SyntaxError,
    ``cst.ParserSyntaxError`` or :class:`OverBudget`, never crashes the process."""
    return parse_text(program.text)


def parse_text(text: str) -> cst.Module:
    guard.check(text)
    return cst.parse_module(text)


def extract_facts(module: cst.Module, session: Session | None = None) -> ProgramFacts:
    """Source facts for a parsed module (the static front-end's whole answer).

    Code nested deeper than the interpreter can follow yields no facts: silence,
    not a guess and not a crash. With a ``session``, imports of the project's own
    modules are followed (static/project.py).
    """
    try:
        return Interpreter(session=session).run(module)
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
        return program_span(self.program, *found)


def program_span(
    program: Program, start_line: int, start_column: int, end_line: int, end_column: int
) -> tuple[Span, int | None]:
    """A range of ``program.text`` (0-based columns) as a span in the user's file or cell.

    A range never leaves its cell: one that runs on into the next cell (a
    statement's trailing lines) ends at the end of its own cell's last line.
    """
    cell, line = program.cell_line(start_line)
    column = start_column + program.shift(start_line)
    if cell is not None:
        _first, last = program.cell_range(cell)
        if end_line > last:
            end_line = last
            end_column = len(program.text.split("\n")[last - 1])
    _, last_line = program.cell_line(end_line)
    end = end_column + program.shift(end_line)
    if (last_line, end) < (line, column):
        last_line, end = line, column
    return Span(line, column + 1, last_line, end + 1), cell


def syntax_error(error: cst.ParserSyntaxError, program: Program, filename: str) -> Diagnostic:
    """KC001 with CPython's wording and position where it has one (clearer than the parser's)."""
    try:
        compile(program.text, filename, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as python_error:
        if python_error.lineno:
            return python_syntax_error(python_error, program, filename)
    except (ValueError, RecursionError, MemoryError):
        pass
    else:
        if program.cell_starts == ():
            # Valid Python that libcst gives up on (e.g. 5 000 adjacent string literals): not the
            # user's syntax error. (A notebook's neutralised text may differ from what IPython runs.)
            return over_budget(
                "too complex to check: Python accepts this file but kerascheck's parser does not", filename
            )
    return _syntax_diagnostic(program, filename, error.raw_line, error.raw_column + 1, error.message)


def over_budget(message: str, filename: str) -> Diagnostic:
    return tool_diagnostic("KC003", message, filename)


def python_syntax_error(error: SyntaxError, program: Program, filename: str) -> Diagnostic:
    return _syntax_diagnostic(program, filename, error.lineno or 1, max(error.offset or 1, 1), error.msg)


def _syntax_diagnostic(program: Program, filename: str, raw_line: int, column: int, message: str) -> Diagnostic:
    cell, line = program.cell_line(raw_line)
    return _cell_syntax_diagnostic(filename, cell, line, column + program.shift(raw_line), message)


def _cell_syntax_diagnostic(filename: str, cell: int | None, line: int, column: int, message: str) -> Diagnostic:
    text = f"cannot parse: {message}".replace("\n", " ")
    fix = "fix the syntax error; the other cells were checked without this one" if cell is not None else None
    return tool_diagnostic("KC001", text, filename, Span(line, column, line, column), cell, fix=fix)


def parse_notebook(program: Program, filename: str) -> tuple[cst.Module | None, Program, list[Diagnostic]]:
    """Parse a notebook's program: the module (None if impossible), the program parsed, KC001s.

    Cells CPython rejects were already left out (``cells_program``), so one
    parse normally does. Where libcst alone rejects a cell, each remaining cell
    is parsed on its own to find the culprits, which are left out too: at most
    two whole-notebook parses, never one per broken cell, and never a cell
    silently skipped.
    """
    broken = [_broken_cell_diagnostic(filename, b) for b in program.broken]
    try:
        try:
            return parse(program), program, broken
        except (cst.ParserSyntaxError, SyntaxError, RecursionError, MemoryError, OverBudget):
            pass
        left_out = {b.cell for b in program.broken}
        for cell, _start in program.cell_starts:
            if cell in left_out:
                continue
            try:
                parse(Program(text=program.cell_text(cell)))
            except OverBudget as error:  # one cell over the budget: that cell's line, the rest is checked
                broken.append(replace(over_budget(str(error), filename), cell=cell))
                program = program.without_cell(cell)
            except (cst.ParserSyntaxError, SyntaxError, RecursionError, MemoryError) as error:
                line, column = _error_position(error)
                message = error.message if isinstance(error, cst.ParserSyntaxError) else _error_message(error)
                broken.append(_cell_syntax_diagnostic(filename, cell, line, column, message))
                program = program.without_cell(cell)
        try:
            return parse(program), program, sorted(broken, key=Diagnostic.sort_key)
        except (cst.ParserSyntaxError, SyntaxError, RecursionError, MemoryError) as error:
            message = f"the notebook's cells do not parse as one program ({_error_message(error)}); nothing was checked"
            return None, program, [*broken, tool_diagnostic("KC001", message, filename)]
    except OverBudget as error:  # the budget is the file's, not a cell's: one line for the notebook
        return None, program, [*broken, over_budget(str(error), filename)]


def _broken_cell_diagnostic(filename: str, broken: BrokenCell) -> Diagnostic:
    if broken.code == "KC003":
        return replace(over_budget(broken.message, filename), cell=broken.cell)
    return _cell_syntax_diagnostic(filename, broken.cell, broken.line, broken.column, broken.message)


def _error_position(error: Exception) -> tuple[int, int]:
    if isinstance(error, cst.ParserSyntaxError):
        return error.raw_line, error.raw_column + 1
    if isinstance(error, SyntaxError) and error.lineno:
        return error.lineno, max(error.offset or 1, 1)
    return 1, 1


def _error_message(error: Exception) -> str:
    if isinstance(error, cst.ParserSyntaxError):
        return error.message
    if isinstance(error, SyntaxError) and error.msg:
        return str(error.msg)
    if isinstance(error, (RecursionError, MemoryError)):
        return "nested too deeply"
    return type(error).__name__


@dataclass
class Analysis:
    """One program's located, unsuppressed findings, with the parse and facts behind them.

    ``module`` and ``facts`` are None when the program was skipped by the
    prefilter or does not parse; the fixer needs them, plain linting does not.
    """

    diagnostics: list[Diagnostic]
    module: cst.Module | None = None
    facts: ProgramFacts | None = None
    # Project modules the findings depend on (resolved path -> digest of its bytes), and notes on
    # what the analysis could not follow (an import cycle, a module that does not parse, ...).
    deps: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def session_for(project: Project | None, filename: str) -> Session | None:
    """A project session for a real file (``<string>`` and stdin without a name have no project)."""
    if project is None or not filename.endswith((".py", ".ipynb")):
        return None
    path = Path(filename).resolve()
    return Session(project, path) if path.parent.is_dir() else None


def analyse_program(
    program: Program,
    filename: str,
    selection: engine.Selection = engine.DEFAULT_SELECTION,
    project: Project | None = None,
    *,
    prune: bool = False,
) -> Analysis:
    """``prune``: parse only the definitions that can matter (for reporting; never for fixing)."""
    session = session_for(project, filename)
    original = program
    if program.cell_starts:  # a notebook is a program, never a library module: only the keras test
        if not (mentions_keras(program.text) if program.keras is None else program.keras):
            return Analysis([])
    elif selection.enabled(UnusedNoqaRule) and mentions_suppression(program.text):
        # KC010 judges every suppression comment of a Keras file: the whole file, parsed whole.
        asks = session.imports_keras_module if session is not None else None
        if not mentions_keras(program.text) and not (asks is not None and asks(program.text)):
            return Analysis([])
    else:
        asks = session.imports_keras_module if session is not None else None
        to_parse = text_to_parse(program.text, asks, pruning=prune)
        if to_parse is None:
            return Analysis([])  # nothing here can be a finding: not even parsed (static/prefilter.py)
        if to_parse is not program.text:
            program = replace(program, text=to_parse)  # same lines, unneeded definitions blanked
    broken: list[Diagnostic] = []
    if program.cell_starts:
        parsed, program, broken = parse_notebook(program, filename)
        if parsed is None:
            return Analysis(broken)
        module = parsed
    else:
        try:
            if session is not None and session.path is not None:
                from kerascheck.cache import digest

                text_digest = digest(program.text.encode("utf-8", "surrogatepass"))
                module = session.project.parse(session.path, text_digest, program.text)
            else:
                module = parse(program)
        except cst.ParserSyntaxError as error:
            return Analysis([syntax_error(error, program, filename)])
        except SyntaxError as error:
            if not error.lineno:  # the guard's: the whole file
                return Analysis([tool_diagnostic("KC001", f"cannot parse: {error.msg}", filename)])
            return Analysis([python_syntax_error(error, program, filename)])
        except OverBudget as error:
            return Analysis([over_budget(str(error), filename)])
        except (RecursionError, MemoryError):
            return Analysis([tool_diagnostic("KC001", "cannot parse: the file is nested too deeply", filename)])
    try:
        facts = extract_facts(module, session)
    except OverBudget as error:
        return Analysis([*broken, over_budget(str(error), filename)])
    except InvalidLiteral as error:
        return Analysis([*broken, invalid_literal(error, program, filename)])
    found = engine.run_rules(facts, selection)
    deps = {str(path): content for path, content in session.deps.items()} if session is not None else {}
    notes = list(session.notes) if session is not None else []
    if session is not None:
        session.text = original.text
        found = [moved for moved in (session.relocate(d, filename) for d in found) if moved is not None]
    unused_wanted = selection.enabled(UnusedNoqaRule) and mentions_suppression(original.text)
    if not found and not unused_wanted:
        return Analysis(broken, module, facts, deps, notes)
    table = read_suppressions(original.text)
    starts = dict(program.cell_starts)

    def suppressed(diagnostic: Diagnostic) -> bool:
        if diagnostic.span is None:
            return table.suppresses(diagnostic.code, 0, -1)  # only a file-level comment can
        first, last = diagnostic.span.line, diagnostic.span.end_line
        if diagnostic.cell is not None:
            first, last = starts[diagnostic.cell] + first - 1, starts[diagnostic.cell] + last - 1
        return table.suppresses(diagnostic.code, first, last)

    located = engine.finalize(found, filename=filename, locate=_Locator(module, program), is_suppressed=suppressed)
    if not broken:  # a notebook with a broken cell cannot be fixed: no fix would re-parse
        located = mark_fix_safety(located, FixContext(module=module, facts=facts, text=program.text), selection.rules())
        # A finding through another module's code is never fixed in this file (nor by the fixer).
        located = [replace(d, fix_safety=None) if d.related else d for d in located]
    if unused_wanted:
        located.extend(_unused_suppressions(table, program, filename, selection))
    return Analysis(sorted([*broken, *located], key=Diagnostic.sort_key), module, facts, deps, notes)


def _unused_suppressions(
    table: Suppressions, program: Program, filename: str, selection: engine.Selection
) -> list[Diagnostic]:
    """KC010: suppression comments naming unknown codes, or enabled codes that suppressed nothing."""
    rules = all_rules()

    def enabled(code: str) -> bool:
        return any(selection.enabled(rule) for rule_code, rule in rules.items() if rule_code.startswith(code))

    def known(code: str) -> bool:
        return any(rule_code.startswith(code) for rule_code in rules)

    found = []
    for comment, message in table.unused(enabled, known):
        span, cell = program_span(program, comment.line, comment.column, comment.line, comment.column)
        found.append(tool_diagnostic("KC010", message, filename, span, cell))
    return found


def invalid_literal(error: InvalidLiteral, program: Program, filename: str) -> Diagnostic:
    """A literal libcst accepted but cannot evaluate: CPython's own KC001 when it rejects the file."""
    try:
        compile(program.text, filename, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as python_error:
        return python_syntax_error(python_error, program, filename)
    except (ValueError, RecursionError, MemoryError):
        pass
    return tool_diagnostic("KC001", f"cannot parse: invalid literal ({error})", filename)


def lint_program(
    program: Program,
    filename: str,
    selection: engine.Selection = engine.DEFAULT_SELECTION,
    project: Project | None = None,
) -> list[Diagnostic]:
    return analyse_program(program, filename, selection, project).diagnostics


def analyse_bytes(
    raw: bytes,
    filename: str,
    selection: engine.Selection = engine.DEFAULT_SELECTION,
    project: Project | None = None,
    *,
    prune: bool = False,
) -> Analysis:
    """Analyse a file's bytes (``.py`` or ``.ipynb``); unreadable input becomes KC002."""
    try:
        program = load_program(raw, filename)
    except UnreadableSource as error:
        return Analysis([tool_diagnostic("KC002", str(error), filename)])
    return analyse_program(program, filename, selection, project, prune=prune)


def lint_bytes(
    raw: bytes, filename: str, selection: engine.Selection = engine.DEFAULT_SELECTION, project: Project | None = None
) -> list[Diagnostic]:
    """Lint a file's bytes; imports of the project's own modules are followed (a fresh project if none given)."""
    return analyse_bytes(raw, filename, selection, project if project is not None else Project()).diagnostics
