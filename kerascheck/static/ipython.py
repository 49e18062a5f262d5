"""IPython's input transformation of one notebook cell, keeping every line where it was.

A Jupyter code cell is IPython input, not Python: before compiling it, IPython
strips common indentation and pasted prompts, turns ``%%`` cell magics,
``%`` line magics, ``!`` shell escapes (with their backslash continuations),
``obj?`` help and, in a one-line cell, automagic commands such as
``ls ./data`` into calls. kerascheck must see the program IPython runs, or it
reports syntax errors that are not there and misses real ones.

This module follows IPython's rules (``IPython.core.inputtransformer2`` and the
one-line prefilter) step by step; ``tests/test_ipython_cells.py`` holds it to
IPython's own ``TransformerManager`` on thousands of cells. Two deliberate
differences, both for positions:

- the result has as many lines as the cell: a construct IPython folds into one
  line becomes that line followed by empty lines, so every reported line is a
  line of the user's cell; the characters IPython removes at the start of a line
  (indentation, prompts) are recorded per line, so columns map back too;
- ``%time stmt`` / ``%timeit stmt`` / ``%%time`` keep ``stmt`` as Python
  (``if 1: stmt`` in the same columns), because that is the code that runs.

IPython itself is never imported: kerascheck reads notebooks without Jupyter.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import sys
import textwrap
import tokenize
import warnings
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import partial

# Line magics of IPython's kernel (InteractiveShell plus ipykernel's own), the
# names automagic recognises in a one-line cell without the ``%``.
AUTOMAGIC_NAMES = frozenset(
    """alias alias_magic autoawait autocall automagic autosave bookmark cat cd clear code_wrap colors conda
    config connect_info cp debug dhist dirs doctest_mode ed edit env gui hist history killbgscripts ldir less
    lf lk ll load load_ext loadpy logoff logon logstart logstate logstop ls lsmagic lx macro magic mamba man
    matplotlib micromamba mkdir more mv notebook page pastebin pdb pdef pdoc pfile pinfo pinfo2 pip popd pprint
    precision prun psearch psource pushd pwd pycat pylab qtconsole quickref recall rehashx reload_ext rep rerun
    reset reset_selective rm rmdir run save sc set_env sx system tb time timeit unalias unload_ext uv who
    who_ls whos xdel xmode""".split()  # noqa: SIM905 (a word list reads better than 100 quoted names)
)
# Names a fresh kernel defines: like the user's own names, they are Python, not automagic.
_KERNEL_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "_", "__", "___", "_i", "_ii", "_iii", "_oh"})

# Cell magics whose body is IPython input that runs in the kernel (transformed again);
# `%%python` runs its body as a plain Python script; any other cell magic is not Python.
_IPYTHON_BODY_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
_PYTHON_BODY_MAGICS = frozenset({"python", "python3"})
_TIMED_MAGICS = frozenset({"time", "timeit"})
_LOOP_LIMIT = 500  # IPython gives up (an error) after this many rewrites of one cell

_NEWLINE = re.compile(r"\r\n|\r|\n")
_ESCAPES = {"!", "?", "%", ",", ";", "/"}
_DOCTEST_START = re.compile(r"^\s*>>>")
_DOCTEST_PS1 = re.compile(r"^\s*>>>[ \t]?")
_DOCTEST_PS2 = re.compile(r"^\s*\.\.\.[ \t]?")
_IPYTHON_PROMPT = re.compile(r"^(((\[nav\]|\[ins\])?\ )?In\ \[\d+\]:\ |\s*\.{3,}:\ ?)")
_HELP_TARGET = re.compile(r"(%{0,2}(?!\d)[\w*]+(\.(?!\d)[\w*]+|\[-?[0-9]+\])*)(\?\??)$")
_LINE_SPLIT = re.compile(r"^(\s*)([,;/%]|!!?|\?\??)?\s*(%{0,2}[\w\.\*]*)(.*?$|$)")
_TOKEN_ERRORS = (
    "unterminated string literal",
    "invalid non-printable character",
    "after line continuation character",
    "invalid decimal literal",
    "invalid binary literal",
    "invalid octal literal",
    "invalid hexadecimal literal",
    "in binary literal",
    "in octal literal",
    "expected EOF",
)


class CellTransformError(Exception):
    """IPython itself fails on this cell (its transformation raises): the cell cannot run."""


@dataclass(frozen=True)
class CellCode:
    """A cell as Python: ``lines`` (one per line of the cell), columns removed, lines rewritten.

    ``shifts[i]`` characters were removed from the start of line ``i`` (so a
    column in ``lines[i]`` is ``shifts[i]`` less than in the cell);
    ``rewritten`` holds the 0-based lines that are IPython's rewriting of a
    magic, escape or help query rather than the user's text.
    """

    lines: tuple[str, ...]
    shifts: tuple[int, ...]
    rewritten: frozenset[int]

    @property
    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)


def cell_lines(source: str) -> list[str]:
    """The cell's lines without their ends, split where Python splits (``\\r\\n``, ``\\r``, ``\\n``)."""
    lines = _NEWLINE.split(source)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def transform_cell(source: str, bound: Collection[str] = frozenset()) -> CellCode:
    """The Python IPython runs for ``source``; ``bound`` are names earlier cells defined.

    Raises :class:`CellTransformError` where IPython's own transformation raises.
    """
    work = _Work(cell_lines(source))
    work.transform(bound)
    return CellCode(tuple(work.lines), tuple(work.shifts), frozenset(work.rewritten))


class _Work:
    """The lines being transformed, with what was removed and rewritten so far."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.shifts = [0] * len(lines)
        self.rewritten: set[int] = set()
        self.padding: set[int] = set()  # empty lines standing in for lines IPython folded away

    # -- the steps, in IPython's order ------------------------------------------------

    def transform(self, bound: Collection[str], *, automagic: bool = True) -> None:
        first = next((i for i, line in enumerate(self.lines) if line.strip()), None)
        if first is None:
            self.lines = ["" for _ in self.lines]
            return
        for i in range(first):
            self.lines[i] = ""  # IPython drops leading blank lines; an empty line compiles the same
        self._dedent(first)
        self._doctest_prompts(first)
        self._ipython_prompts(first)
        if self.lines[first].startswith("%%") and not re.match(r"%%\w+\?", self.lines[first]):
            self._cell_magic(first, bound)
            return
        self._token_transforms()
        if automagic:
            self._automagic(first, bound)

    def _remove_prefix(self, index: int, new: str) -> None:
        self.shifts[index] += len(self.lines[index]) - len(new)
        self.lines[index] = new

    def _dedent(self, first: int, stop: int | None = None) -> None:
        """IPython removes the indentation common to all lines (``textwrap.dedent``)."""
        stop = len(self.lines) if stop is None else stop
        dedented = textwrap.dedent("".join(line + "\n" for line in self.lines[first:stop])).split("\n")[:-1]
        for index, line in enumerate(dedented, start=first):
            if self.lines[index].strip():
                self._remove_prefix(index, line)
            else:
                self.lines[index] = ""

    def _doctest_prompts(self, first: int) -> None:
        """Pasted ``>>>`` / ``...`` prompts are removed when a ``>>>`` line is present.

        Prompts inside a triple-quoted string that opens a line (a docstring
        with examples) are text, not prompts, and stay.
        """
        indices = range(first, len(self.lines))
        quoted = _in_docstring(self.lines[first:])
        if not any(not q and _DOCTEST_START.match(self.lines[i]) for i, q in zip(indices, quoted, strict=True)):
            return
        stripped: list[bool] = []
        for index, inside in zip(indices, quoted, strict=True):
            line = self.lines[index]
            match = None if inside else (_DOCTEST_PS1.match(line) or _DOCTEST_PS2.match(line))
            if match:
                self._remove_prefix(index, line[match.end() :])
            stripped.append(match is not None)
        start = 0
        while start < len(quoted):  # dedent each run of unquoted lines that lost a prompt
            stop = start
            while stop < len(quoted) and quoted[stop] == quoted[start]:
                stop += 1
            if not quoted[start] and any(stripped[start:stop]):
                self._dedent(first + start, first + stop)
            start = stop

    def _ipython_prompts(self, first: int) -> None:
        """Pasted ``In [3]:`` / ``...:`` prompts are removed when the first two lines show one."""
        lines = self.lines
        if _IPYTHON_PROMPT.match(lines[first]) or (first + 1 < len(lines) and _IPYTHON_PROMPT.match(lines[first + 1])):
            for index in range(first, len(lines)):
                self._remove_prefix(index, _IPYTHON_PROMPT.sub("", lines[index], count=1))

    def _cell_magic(self, first: int, bound: Collection[str]) -> None:
        name = self.lines[first][2:].rstrip().partition(" ")[0]
        self.lines[first] = ""
        self.rewritten.add(first)
        body = first + 1
        if name in _IPYTHON_BODY_MAGICS:
            inner = _Work(self.lines[body:])
            inner.transform(bound)
        elif name in _PYTHON_BODY_MAGICS:
            return
        else:
            self.lines[body:] = ["" for _ in self.lines[body:]]
            self.rewritten.update(range(body, len(self.lines)))
            return
        self.lines[body:] = inner.lines
        for index, shift in enumerate(inner.shifts, start=body):
            self.shifts[index] += shift
        self.rewritten.update(body + index for index in inner.rewritten)
        self.padding.update(body + index for index in inner.padding)

    def _token_transforms(self) -> None:
        for _ in range(_LOOP_LIMIT):
            if not self._one_token_transform():
                return
        raise CellTransformError(f"IPython stops after {_LOOP_LIMIT} rewrites of one cell")

    def _one_token_transform(self) -> bool:
        """Rewrite the first piece of IPython syntax (as IPython does, one at a time, retokenising)."""
        logical = _logical_lines(self.lines)
        candidates = [found for find in _FINDERS if (found := find(logical)) is not None]
        for found in sorted(candidates, key=lambda c: (c.line, c.column, c.priority)):
            try:
                found.apply(self)
            except SyntaxError:
                continue
            return True
        return False

    def replace(self, start: int, end: int, new: str, *, rewritten: bool = True) -> None:
        """Lines ``start..end`` (0-based, inclusive) become ``new`` and empty lines."""
        self.lines[start : end + 1] = [new] + [""] * (end - start)
        if rewritten:
            self.rewritten.add(start)
        self.rewritten.update(range(start + 1, end + 1))
        self.padding.update(range(start + 1, end + 1))

    def continued_end(self, start: int) -> int:
        """The last line of a construct continued with trailing backslashes."""
        end = start
        while self.lines[end].endswith("\\"):
            end += 1
            if end >= len(self.lines):
                end -= 1
                break
        return end

    def assemble(self, line: int, column: int, end: int) -> str:
        parts = [self.lines[line][column:], *self.lines[line + 1 : end + 1]]
        return " ".join([part.rstrip()[:-1] for part in parts[:-1]] + [parts[-1].rstrip()])

    def _automagic(self, first: int, bound: Collection[str]) -> None:
        """In a one-line cell, ``ls ./data`` is the ``%ls`` magic (unless ``ls`` is a Python name)."""
        kept = [index for index in range(first, len(self.lines)) if index not in self.padding]
        if len("".join(self.lines[index] + "\n" for index in kept).splitlines()) != 1:
            return
        index = kept[0]
        line = self.lines[index]
        if not line.strip() or line.endswith("# PYTHON-MODE"):
            return
        match = _LINE_SPLIT.match(line)
        if match is None:
            return
        pre, function, rest = match.group(1), match.group(3).strip(), match.group(4).lstrip()
        if rest[:1] in ("=", ","):
            return  # an assignment: `ls = 3`, `ls, x = 1, 2`
        head = function.split(".", 1)[0]
        if function not in AUTOMAGIC_NAMES or _shadowed(head, bound):
            return
        name, _, arguments = f"{function} {rest}".partition(" ")
        self.replace(index, index, f"{pre}get_ipython().run_line_magic({name.lstrip('%')!r}, {arguments!r})")


_TRIPLE_QUOTE = re.compile(r"(?<!\\)(\"\"\"|\'\'\')")
_STRING_PREFIX = re.compile(r"(?i)^[rubf]*$")


def _in_docstring(lines: list[str]) -> list[bool]:
    """Per line: inside a triple-quoted string that opened at the start of a line (IPython's heuristic)."""
    mask: list[bool] = []
    opened: str | None = None
    keep = False
    seen_prompt = False
    for line in lines:
        mask.append(opened is not None and keep)
        for match in _TRIPLE_QUOTE.finditer(line):
            quote = match.group(1)
            if opened is None:
                opened = quote
                before = line[: match.start()]
                rest = _DOCTEST_PS2.sub("", _DOCTEST_PS1.sub("", before, count=1), count=1)
                prompted = rest != before and seen_prompt
                keep = bool(not prompted and _STRING_PREFIX.match(rest.strip()))
                mask[-1] = keep
            elif opened == quote:
                opened = None
                keep = False
        seen_prompt = seen_prompt or bool(_DOCTEST_START.match(line))
    return mask


def _shadowed(name: str, bound: Collection[str]) -> bool:
    return name in bound or name in _KERNEL_NAMES or keyword.iskeyword(name) or hasattr(builtins, name)


# -- tokens ---------------------------------------------------------------------------

Token = tokenize.TokenInfo


def _tokens(lines: list[str]) -> Iterator[Token]:
    """Python's tokens for the lines, stopping (as IPython does) where tokenizing fails."""
    produced: list[Token] = []
    readline = iter([line + "\n" for line in lines]).__next__
    try:
        for token in tokenize.generate_tokens(readline):
            produced.append(token)
            yield token
    except tokenize.TokenError as error:
        if any(message in str(error.args[0]) for message in _TOKEN_ERRORS):
            start = (produced[-1].start[0], produced[-1].end[0]) if produced else (1, 0)
            yield Token(tokenize.ERRORTOKEN, "", start, start, produced[-1].line if produced else "")
        # otherwise the input ends inside a bracket or string: fine, as for IPython
    except (SyntaxError, ValueError) as error:  # e.g. an unindent to no outer level
        raise CellTransformError(str(error)) from None


def _logical_lines(lines: list[str]) -> list[list[Token]]:
    """Tokens grouped by logical line (a bracketed expression over several lines is one)."""
    groups: list[list[Token]] = [[]]
    depth = 0
    for token in _tokens(lines):
        groups[-1].append(token)
        if token.type == tokenize.NEWLINE or (token.type == tokenize.NL and depth <= 0):
            groups.append([])
        elif token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}" and depth > 0:
            depth -= 1
    if not groups[-1]:
        groups.pop()
    return groups


def _first_assignment(tokens: list[Token]) -> int | None:
    depth = 0
    for index, token in enumerate(tokens):
        if token.string == "=" and depth == 0:
            return index
        if token.string in ("(", "[", "{"):
            depth += 1
        elif token.string in (")", "]", "}") and depth > 0:
            depth -= 1
    return None


# -- the four rewrites ------------------------------------------------------------------


@dataclass
class _Found:
    line: int  # 0-based
    column: int
    priority: int
    apply: Callable[[_Work], None]


def _find_magic_assign(logical: list[list[Token]]) -> _Found | None:
    """``x = %magic args``."""
    for tokens in logical:
        at = _first_assignment(tokens)
        if at is None or len(tokens) <= at + 2:
            continue
        if tokens[at + 1].string == "%" and tokens[at + 2].type == tokenize.NAME:
            line, column = tokens[at + 1].start[0] - 1, tokens[at + 1].start[1]
            return _Found(line, column, 10, partial(_assign, line=line, column=column, escape="%"))
    return None


def _find_system_assign(logical: list[list[Token]]) -> _Found | None:
    """``files = !ls`` (the ``!`` is an error token before Python 3.12, an operator after)."""
    for tokens in logical:
        at = _first_assignment(tokens)
        if at is None or tokens[at].line.strip().startswith("=") or len(tokens) < at + 2:
            continue
        if sys.version_info >= (3, 12):
            if tokens[at + 1].type == tokenize.OP and tokens[at + 1].string == "!":
                return _system_assign(tokens[at + 1].start)
            continue
        index = at + 1
        while index < len(tokens) and tokens[index].type == tokenize.ERRORTOKEN:
            if tokens[index].string == "!":
                return _system_assign(tokens[index].start)
            if not tokens[index].string.isspace():
                break
            index += 1
    return None


def _system_assign(start: tuple[int, int]) -> _Found:
    line, column = start[0] - 1, start[1]
    return _Found(line, column, 10, partial(_assign, line=line, column=column, escape="!"))


def _assign(work: _Work, line: int, column: int, escape: str) -> None:
    left = work.lines[line][:column]
    end = work.continued_end(line)
    right = work.assemble(line, column, end)
    if escape == "%":
        name, _, arguments = right[1:].partition(" ")
        call = f"get_ipython().run_line_magic({name!r}, {arguments!r})"
    else:
        call = f"get_ipython().getoutput({right[1:]!r})"
    work.replace(line, end, left + call)


def _find_escaped(logical: list[list[Token]]) -> _Found | None:
    """A logical line that starts with ``%``, ``!``, ``?``, ``,``, ``;`` or ``/``."""
    for tokens in logical:
        index = 0
        while index < len(tokens) and tokens[index].type in (tokenize.INDENT, tokenize.DEDENT):
            index += 1
        if index < len(tokens) and tokens[index].string in _ESCAPES:
            line, column = tokens[index].start[0] - 1, tokens[index].start[1]
            return _Found(line, column, 10, partial(_escaped, line=line, column=column))
    return None


def _escaped(work: _Work, line: int, column: int) -> None:
    indent = work.lines[line][:column]
    end = work.continued_end(line)
    text = work.assemble(line, column, end)
    escape = text[:2] if text[:2] in ("!!", "??") else text[:1]
    content = text[len(escape) :]
    if escape == "%" and end == line and _keep_timed(work, line, column, content):
        return
    work.replace(line, end, indent + _escape_call(escape, content))


def _keep_timed(work: _Work, line: int, column: int, content: str) -> bool:
    """``%time stmt`` runs ``stmt``: keep it as Python, ``if 1: stmt`` in the same columns."""
    name, _, arguments = content.partition(" ")
    statement = arguments.strip()
    if name not in _TIMED_MAGICS or not statement:
        return False
    text = work.lines[line]
    at = text.index(statement, column + 1 + len(name))
    if at - column < 6 or not _compiles(f"if 1: {statement}\n"):
        return False
    work.lines[line] = f"{text[:column]}if 1:{' ' * (at - column - 5)}{text[at:]}"
    work.rewritten.add(line)
    return True


def _compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<cell>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


def _escape_call(escape: str, content: str) -> str:
    name, _, arguments = content.partition(" ")
    if escape == "!":
        return f"get_ipython().system({content!r})"
    if escape == "!!":
        return f"get_ipython().getoutput({content!r})"
    if escape in ("?", "??"):
        return _help_call(content, escape) if content else "get_ipython().show_usage()"
    if escape == "%":
        return f"get_ipython().run_line_magic({name!r}, {arguments!r})"
    if escape == ",":
        return '{}("{}")'.format(name, '", "'.join(arguments.split()))
    if escape == ";":
        return f'{name}("{arguments}")'
    if not name:  # "/"
        raise SyntaxError("'/' must be followed by a callable name")
    return "{}({})".format(name, ", ".join(arguments.split()))


def _help_call(target: str, escape: str) -> str:
    method = "pinfo2" if escape == "??" else "psearch" if "*" in target else "pinfo"
    name, _, arguments = f"{method} {target}".partition(" ")
    return f"get_ipython().run_line_magic({name.lstrip('%')!r}, {arguments!r})"


def _find_help_end(logical: list[list[Token]]) -> _Found | None:
    """``obj?`` / ``obj??`` at the end of a logical line."""
    for tokens in logical:
        if len(tokens) > 2 and tokens[-2].string == "?":
            index = 0
            while tokens[index].type in (tokenize.INDENT, tokenize.DEDENT):
                index += 1
            line, column = tokens[index].start[0] - 1, tokens[index].start[1]
            question = tokens[-2].start[0] - 1
            return _Found(line, column, 5, partial(_help_end, line=line, column=column, question=question))
    return None


def _help_end(work: _Work, line: int, column: int, question: int) -> None:
    piece = "".join(text + "\n" for text in work.lines[line : question + 1])
    match = _HELP_TARGET.search(piece[column:])
    if match is None:
        raise SyntaxError("not a help query")
    work.replace(line, question, piece[:column] + _help_call(match.group(1), match.group(3)))


_FINDERS = (_find_magic_assign, _find_system_assign, _find_escaped, _find_help_end)


def bound_names(module: ast.Module) -> set[str]:
    """Names a cell binds at the top level (they shadow automagic in later cells)."""
    names: set[str] = set()
    pending: list[ast.AST] = list(module.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return names
