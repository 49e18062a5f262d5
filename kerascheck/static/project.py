"""Project-wide analysis: the project's own modules, followed across imports.

A training script rarely builds its model itself: ``from models import
build_model`` is the usual shape. This module resolves such imports to the
project's own files (scripts side by side in one folder, packages with
relative imports, ``src/`` layouts, names re-exported by ``__init__.py``),
runs each imported module's top level once per run (its *summary*: the
functions, classes, constants and models it binds), and hands the importer
those values. The importer's interpreter then follows a factory call into the
other file as it follows a local one.

What is never read: the standard library, Keras/TensorFlow (their semantics
are the interpreter's tables), and third-party packages (anything in a
``site-packages`` folder other than the linted file's own package). A module
that is too large, does not parse, or sits in an import cycle contributes
unknown values, never a crash or a guess, and says so in a *note* that
``--verbose``/``--statistics`` print.

Findings stay in the linted file. A fact whose anchor lies in another module
(the output ``Dense`` of an imported factory) is re-anchored at the linted
file's nearest point (the call that entered the other module, or the import
that brought the value in) and keeps the other module's node as a related
location.

The interpreter sees this module through four calls on :class:`Session`:
``bind_import`` (an import statement), ``saw_call`` (each call's anchor),
``enter``/``leave`` (a user function is run). Everything else is here.
"""

from __future__ import annotations

import os
import re
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from kerascheck import facts as kf
from kerascheck.budget import OverBudget
from kerascheck.diagnostics import Diagnostic, Related, Span
from kerascheck.static.names import dotted_name
from kerascheck.static.values import (
    UNKNOWN,
    Const,
    Function,
    Instance,
    ModelObj,
    Prediction,
    Seq,
    Value,
)
from kerascheck.vocabulary import KERAS_PREFIXES

if TYPE_CHECKING:
    from kerascheck.static.interpreter import Interpreter
    from kerascheck.static.positions import NodePositions

MODULE_KEY = "__file__"  # the env entry naming the file a scope belongs to (as Python's own globals do)
MAX_MODULE_BYTES = 1_000_000  # a larger (generated) module is not followed
MAX_IMPORT_DEPTH = 12  # nested summaries (a imports b imports c ...) before the rest is unknown
MAX_MODULES = 1000  # summaries per run
MAX_PREFILTER_DEPTH = 3  # import levels the prefilter follows to find a module that names keras
MAX_NOTES = 1000  # notes a long-lived project (the language server) keeps for its statistics
MAX_PARSED = 256  # parsed modules kept for reuse in one run (least recently used dropped)
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
_LIBRARY_TOPS = frozenset(prefix.split(".")[0] for prefix, _ in KERAS_PREFIXES) | {"keras", "tensorflow", "tf"}
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)
_THIRD_PARTY_DIRS = frozenset({"site-packages", "dist-packages"})


def _never_project(top: str) -> bool:
    """Names whose semantics are kerascheck's own tables or that Python takes from its library."""
    return top in _LIBRARY_TOPS or top in _STDLIB or top == "__future__"


def project_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` with a project marker (pyproject, setup, .git)."""
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return None


def _package_top(path: Path) -> Path:
    """The folder holding the outermost package that contains ``path`` (its own folder if none)."""
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def _third_party_part(path: Path) -> int | None:
    for index, part in enumerate(path.parts):
        if part in _THIRD_PARTY_DIRS:
            return index
    return None


class Resolver:
    """Module names to the project's own files, as Python would find them when running a script."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root.resolve() if root is not None else None
        self._roots: dict[Path, tuple[Path, ...]] = {}
        self._found: dict[tuple[tuple[Path, ...], str], Path | None] = {}

    def roots_for(self, importer: Path) -> tuple[Path, ...]:
        """Where ``import x`` looks from ``importer``: its folder, its package's parent, the project (and src/)."""
        folder = importer.parent
        cached = self._roots.get(folder)
        if cached is not None:
            return cached
        # A script's folder is on sys.path when it runs; a package module's own folder is not
        # (``import numpy`` inside ``pkg/ops/`` never means ``pkg/ops/numpy.py``).
        candidates = [] if (folder / "__init__.py").is_file() else [folder]
        candidates.append(_package_top(importer))
        nearest = project_root(folder)
        for root in (nearest, self.root if self.root is not None and _is_within(importer, self.root) else None):
            if root is not None:
                candidates.extend([root, root / "src"])
        roots = tuple(dict.fromkeys(c for c in candidates if c.is_dir()))
        self._roots[folder] = roots
        return roots

    def resolve(self, importer: Path, module: str, level: int = 0) -> Path | None:
        """The file of ``module`` (``level`` dots of a relative import), or None if it is not the project's."""
        parts = [p for p in module.split(".") if p]
        if level:
            base = importer.parent
            for _ in range(level - 1):
                base = base.parent
            return self._find(importer, (base,), parts)
        if not parts or _never_project(parts[0]):
            return None
        return self._find(importer, self.roots_for(importer), parts)

    def _find(self, importer: Path, roots: tuple[Path, ...], parts: list[str]) -> Path | None:
        key = (roots, ".".join(parts))
        if key in self._found:
            found = self._found[key]
        else:
            found = None
            for root in roots:
                stem = root.joinpath(*parts) if parts else root
                for candidate in (stem.with_name(stem.name + ".py") if parts else None, stem / "__init__.py"):
                    if candidate is not None and candidate.is_file():
                        found = candidate
                        break
                if found is not None:
                    break
            self._found[key] = found
        if found is None or not self._readable_from(importer, found):
            return None
        return found

    @staticmethod
    def _readable_from(importer: Path, found: Path) -> bool:
        """Never a third-party package: a ``site-packages`` file only within the importer's own package."""
        index = _third_party_part(found)
        if index is None:
            return True
        return _third_party_part(importer) == index and importer.parts[: index + 2] == found.parts[: index + 2]


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


@dataclass
class Summary:
    """What one project module binds at its top level, computed once per run."""

    path: Path
    digest: str
    env: dict[str, Value]
    module: cst.Module | None = None
    text: str = ""
    deps: dict[Path, str] = field(default_factory=dict)  # every project module it (transitively) imports
    problem: str | None = None  # why its names are unknown (does not parse, too large, ...)
    notes: list[str] = field(default_factory=list)  # what its own imports could not follow
    _positions: NodePositions | None = None

    def positions(self) -> NodePositions | None:
        if self.module is None:
            return None
        if self._positions is None:
            from kerascheck.static.positions import NodePositions

            self._positions = NodePositions(self.module, self.text)
        return self._positions


Reader = Callable[[Path], bytes | None]


def read_disk(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


@dataclass
class Statistics:
    """How much project work a run did (the benchmark asserts one summary per module)."""

    summaries: int = 0
    parses: int = 0
    notes: list[str] = field(default_factory=list)


class Project:
    """Per-run state shared by every file linted in one process: resolver, parses, summaries.

    ``read`` returns a file's current bytes: the disk for the command line, the
    editor's unsaved text for the language server.
    """

    def __init__(self, root: Path | None = None, read: Reader = read_disk, *, revalidate: bool = False) -> None:
        self.resolver = Resolver(root)
        self.read = read
        # A long-lived project (the language server) checks a summary's files are unchanged before reuse.
        self.revalidate = revalidate
        self.summaries: dict[Path, Summary] = {}
        self.in_progress: list[Path] = []
        self.parsed: OrderedDict[tuple[Path, str], cst.Module] = OrderedDict()
        self.statistics = Statistics()
        # id(call node) -> (node, module): calls run while summarising a module's top level.
        self.top_level_calls: dict[int, tuple[cst.CSTNode, Path]] = {}
        self.keras_modules: dict[Path, bool] = {}  # the prefilter's answers (see mentions_keras)

    def mentions_keras(self, path: Path, depth: int = 0) -> bool:
        """Whether the module or a project module it imports (a few levels deep) names keras/tensorflow."""
        known = self.keras_modules.get(path)
        if known is not None:
            return known
        self.keras_modules[path] = False  # a cycle ends here
        raw = self.read(path) or b""
        found = b"keras" in raw or b"tensorflow" in raw
        if not found and depth < MAX_PREFILTER_DEPTH:
            from kerascheck.static.prefilter import imported_modules

            text = raw.decode("utf-8", "replace")
            for module, level in imported_modules(text):
                target = self.resolver.resolve(path, module, level)
                if target is not None and self.mentions_keras(target, depth + 1):
                    found = True
                    break
        self.keras_modules[path] = found
        return found

    def forget(self, paths: set[Path] | None = None) -> None:
        """Drop summaries (all, or of these files and whatever imports them): their sources changed."""
        self.keras_modules.clear()
        if paths is None:
            self.summaries.clear()
            self.top_level_calls.clear()
            return
        stale = {p for p, s in self.summaries.items() if p in paths or paths & s.deps.keys()}
        for path in stale:
            del self.summaries[path]
        # Their old trees must not stay alive through this table (a long editing session).
        self.top_level_calls = {k: v for k, v in self.top_level_calls.items() if v[1] not in stale}

    def _unchanged(self, summary: Summary) -> bool:
        from kerascheck.cache import digest

        for path, content in ((summary.path, summary.digest), *summary.deps.items()):
            raw = self.read(path)
            if (digest(raw) if raw is not None else "") != content:
                return False
        return True

    def parse(self, path: Path, digest: str, text: str) -> cst.Module:
        """Parse once per content: the lint of a file and its summary share one tree."""
        key = (path, digest)
        module = self.parsed.get(key)
        if module is not None:
            self.parsed.move_to_end(key)
            return module
        from kerascheck.static.lint import parse_text

        self.statistics.parses += 1
        module = parse_text(text)
        self.parsed[key] = module
        if len(self.parsed) > MAX_PARSED:
            self.parsed.popitem(last=False)
        return module

    def summary(self, path: Path) -> Summary | None:
        """The module's summary; None while it is being summarised (an import cycle)."""
        found = self.summaries.get(path)
        if found is not None and self.revalidate and not self._unchanged(found):
            self.forget({path})
            found = None
        if found is not None:
            return found
        if path in self.in_progress:
            return None
        summary = self._summarise(path)
        self.summaries[path] = summary
        return summary

    def _summarise(self, path: Path) -> Summary:
        from kerascheck.cache import digest
        from kerascheck.static.source import UnreadableSource, decode

        raw = self.read(path)
        if raw is None:
            return Summary(path, "", {}, problem="cannot be read")
        content = digest(raw)
        if len(raw) > MAX_MODULE_BYTES:
            return Summary(path, content, {}, problem=f"larger than {MAX_MODULE_BYTES // 1_000_000} MB, not followed")
        if len(self.in_progress) >= MAX_IMPORT_DEPTH or len(self.summaries) >= MAX_MODULES:
            return Summary(path, content, {}, problem="import budget reached, not followed")
        try:
            text = decode(raw)
            module = self.parse(path, digest(text.encode("utf-8", "surrogatepass")), text)
        except UnreadableSource as error:
            return Summary(path, content, {}, problem=str(error))
        except (cst.ParserSyntaxError, SyntaxError, RecursionError, MemoryError, ValueError):
            return Summary(path, content, {}, problem="does not parse (KC001 there)")
        except OverBudget as error:
            return Summary(path, content, {}, problem=f"not followed: {error}")
        from kerascheck.static.interpreter import Interpreter, InvalidLiteral

        self.statistics.summaries += 1
        session = Session(self, path, summarising=True)
        interpreter = Interpreter(session=session)
        env: dict[str, Value] = {MODULE_KEY: Const(str(path))}
        self.in_progress.append(path)
        problem = None
        try:
            interpreter.exec_block(module.body, env)
        except RecursionError:
            env, problem = {}, "nested too deeply to follow"
        except (OverBudget, InvalidLiteral) as error:
            env, problem = {}, f"not followed: {error}"
        finally:
            self.in_progress.pop()
        deps = dict(session.deps)
        deps.pop(path, None)
        return Summary(path, content, env, module, text, deps, problem, session.notes)


@dataclass
class _Site:
    """Where a foreign node was reached from the linted file."""

    node: cst.CSTNode
    module: Path
    entry: kf.Anchor | None


class Session:
    """One file's view of the project during one interpretation (lint or summary)."""

    def __init__(self, project: Project, path: Path | None, *, summarising: bool = False) -> None:
        self.project = project
        self.path = path
        self.summarising = summarising
        self.deps: dict[Path, str] = {}
        self.notes: list[str] = []
        self.budgets: set[str] = set()  # interpreter budgets already noted
        self.text = ""  # the linted source (set by the linter): whether imported names are used
        self.imported_names: set[str] = set()  # local names bound by project imports
        self.used: bool | None = None
        self.sites: dict[int, _Site] = {}
        self.import_anchors: dict[Path, kf.Anchor] = {}
        self.first_import: kf.Anchor | None = None
        self.modules: list[Path | None] = []  # the module of each user function being run
        self.entry: kf.Anchor | None = None  # the linted file's call that entered another module
        self.pending: kf.Anchor | None = None  # the latest call anchor seen in the linted file

    def imports_keras_module(self, text: str) -> bool:
        """The prefilter's question: does this file import a project module that names keras?"""
        if self.path is None:
            return False
        from kerascheck.static.prefilter import imported_modules

        for module, level in imported_modules(text):
            target = self.project.resolver.resolve(self.path, module, level)
            if target is not None and target != self.path and self.project.mentions_keras(target):
                return True
        return False

    # -- the interpreter's hooks ------------------------------------------

    def bind_import(
        self, statement: cst.Import | cst.ImportFrom, env: dict[str, Value], interpreter: Interpreter
    ) -> bool:
        """Bind what a project import brings in; False leaves the statement to the default handling."""
        if self.path is None:
            return False
        anchor = kf.Anchor(node=statement, statement=statement)
        if isinstance(statement, cst.Import):
            return self._bind_import(statement, env, interpreter, anchor)
        return self._bind_from(statement, env, interpreter, anchor)

    def saw_call(self, node: cst.Call, anchor: kf.Anchor) -> None:
        if self.summarising and not self.modules:
            assert self.path is not None
            self.project.top_level_calls[id(node)] = (node, self.path)
        current = self.modules[-1] if self.modules else None
        if current is not None and current != self.path:
            self.sites[id(node)] = _Site(node, current, self.entry)
            statement = anchor.statement
            if statement is not None and id(statement) not in self.sites:
                self.sites[id(statement)] = _Site(statement, current, self.entry)
        elif not self.summarising:
            self.pending = anchor

    def enter(self, function: Function) -> None:
        module = _module_of(function.closure)
        self.modules.append(module)
        if module is not None and module != self.path and self.entry is None:
            self.entry = self.pending

    def leave(self) -> None:
        self.modules.pop()
        if not any(m is not None and m != self.path for m in self.modules):
            self.entry = None

    def budget_reached(self, budget: str, function: str) -> None:
        """The interpreter stopped following a call (its result is unknown): a note, once per budget."""
        if budget in self.budgets:
            return
        self.budgets.add(budget)
        where = _shown(self.path) if self.path is not None else "<input>"
        self._note(f"{where}: analysis cut short ({budget}, first at {function}()): those calls' results are unknown")

    # -- imports ----------------------------------------------------------

    def _bind_import(
        self, statement: cst.Import, env: dict[str, Value], interpreter: Interpreter, anchor: kf.Anchor
    ) -> bool:
        assert self.path is not None
        handled = True
        for alias in statement.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            parts = name.split(".")
            target = self.project.resolver.resolve(self.path, name)
            if target is None:
                handled = False
                continue
            module_value = self._module_value(target, interpreter, anchor)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                env[alias.asname.name.value] = module_value
                self.imported_names.add(alias.asname.name.value)
                continue
            # ``import pkg.sub`` binds ``pkg`` with ``sub`` reachable as an attribute.
            value = module_value
            for depth in range(len(parts) - 1, 0, -1):
                outer_path = self.project.resolver.resolve(self.path, ".".join(parts[:depth]))
                outer = self._module_value(outer_path, interpreter, anchor) if outer_path else Instance(None)
                if isinstance(outer, Instance):
                    outer.attrs[parts[depth]] = value
                value = outer
            env[parts[0]] = value
            self.imported_names.add(parts[0])
        return handled

    def _bind_from(
        self, statement: cst.ImportFrom, env: dict[str, Value], interpreter: Interpreter, anchor: kf.Anchor
    ) -> bool:
        assert self.path is not None
        level = len(statement.relative)
        module = dotted_name(statement.module) if statement.module is not None else ""
        if module is None:
            return False
        target = self.project.resolver.resolve(self.path, module, level)
        if target is None:
            if level:  # a relative import that resolves to nothing: its names are unknown
                self._note(f"{_shown(self.path)}: relative import {'.' * level}{module} resolves to no file")
                self._bind_unknown(statement, env)
                return True
            return False
        summary = self._use(target, anchor)
        exported = summary.env if summary is not None else {}
        if isinstance(statement.names, cst.ImportStar):
            for public, value in _public(exported):
                env[public] = self._imported(value, interpreter)
                self.imported_names.add(public)
            return True
        for alias in statement.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            found = exported.get(name)
            if found is None:
                submodule = self.project.resolver.resolve(self.path, f"{module}.{name}" if module else name, level)
                found = self._module_value(submodule, interpreter, anchor) if submodule is not None else UNKNOWN
            env[local] = self._imported(found, interpreter)
            self.imported_names.add(local)
        return True

    def _bind_unknown(self, statement: cst.ImportFrom, env: dict[str, Value]) -> None:
        if isinstance(statement.names, cst.ImportStar):
            return
        for alias in statement.names:
            local = alias.asname.name if alias.asname else alias.name
            if isinstance(local, cst.Name):
                env[local.value] = UNKNOWN

    def _module_value(self, target: Path | None, interpreter: Interpreter, anchor: kf.Anchor) -> Value:
        """A module as a value: an instance whose attributes are its top-level names."""
        if target is None:
            return UNKNOWN
        summary = self._use(target, anchor)
        module = Instance(None)
        if summary is not None:
            module.attrs.update((name, self._imported(value, interpreter)) for name, value in summary.env.items())
        return module

    def _use(self, target: Path, anchor: kf.Anchor) -> Summary | None:
        self.import_anchors.setdefault(target, anchor)
        if self.first_import is None:
            self.first_import = anchor
        summary = self.project.summary(target)
        if summary is None:
            self._note(f"{_shown(target)}: import cycle, names imported from it are unknown here")
            return None
        self.deps[target] = summary.digest
        self.deps.update(summary.deps)
        if summary.problem is not None:
            self._note(f"{_shown(target)}: {summary.problem}")
        for note in summary.notes:  # what its own imports could not follow
            self._note(note)
        return summary

    def _imported(self, value: Value, interpreter: Interpreter) -> Value:
        """The importer's own copy of a mutable value (a model compiled here must not change the summary)."""
        if isinstance(value, ModelObj):
            return interpreter.state.register(_copy_model(value))
        if isinstance(value, Instance):
            copy = Instance(value.cls)
            copy.attrs.update(value.attrs)
            return copy
        if isinstance(value, Prediction):  # indexes another interpreter's models
            return UNKNOWN
        return value

    def _note(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)
        kept = self.project.statistics.notes
        if note not in kept and len(kept) < MAX_NOTES:
            kept.append(note)

    # -- findings ---------------------------------------------------------

    def uses_imports(self) -> bool:
        """Whether the linted text uses a name a project import bound, outside import statements."""
        if self.used is None:
            code = "\n".join(line for line in self.text.splitlines() if not _IMPORT_LINE.match(line))
            words = set(_WORD.findall(code))
            self.used = bool(words & self.imported_names)
        return self.used

    def relocate(self, diagnostic: Diagnostic, display: str) -> Diagnostic | None:
        """Anchor a finding about another module's node in this file, that node as related location."""
        node = diagnostic.anchor.node
        if node is None:
            return diagnostic
        site = self.sites.get(id(node))
        if site is None or site.node is not node:
            statement = diagnostic.anchor.statement
            site = self.sites.get(id(statement)) if statement is not None else None
            if site is not None and site.node is not statement:
                site = None
        entry: kf.Anchor | None
        if site is not None:
            module, entry = site.module, site.entry
        else:
            top = self.project.top_level_calls.get(id(node))
            if top is None or top[0] is not node or top[1] == self.path:
                return diagnostic
            module, entry = top[1], None
            if not self.uses_imports():
                # Built when another module was imported, and this file does nothing with what it
                # imports (``from pipeline import *`` alone): that module reports it, not every importer.
                return None
        if entry is None:
            entry = self.import_anchors.get(module) or self.first_import
        if entry is None:
            return diagnostic
        related = self.related(module, diagnostic.anchor, display)
        return replace(diagnostic, anchor=entry, related=(*diagnostic.related, *related))

    def related(self, module: Path, anchor: kf.Anchor, display: str) -> tuple[Related, ...]:
        summary = self.project.summaries.get(module)
        positions = summary.positions() if summary is not None else None
        span = None
        if positions is not None:
            found = positions.range_of(anchor.node, anchor.statement)
            if found is not None:
                line, column, end_line, end_column = found
                span = Span(line, column + 1, end_line, end_column + 1)
        label = "defined here"
        if isinstance(anchor.node, cst.Call):
            callee = dotted_name(anchor.node.func)
            label = f"{callee.rpartition('.')[2]}(...) defined here" if callee else label
        return (Related(filename=_display(module, display), span=span, message=label),)


_IMPORT_LINE = re.compile(r"^\s*(?:from\s+\S+\s+import|import)\s")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _module_of(env: dict[str, Value]) -> Path | None:
    marker = env.get(MODULE_KEY)
    if isinstance(marker, Const) and isinstance(marker.value, str):
        return Path(marker.value)
    return None


def _public(env: dict[str, Value]) -> Iterator[tuple[str, Value]]:
    """What ``from m import *`` binds: ``__all__`` if it is a literal, else every public name."""
    listed = env.get("__all__")
    if isinstance(listed, Seq) and all(isinstance(i, Const) and isinstance(i.value, str) for i in listed.items):
        for item in listed.items:
            assert isinstance(item, Const)
            yield item.value, env.get(item.value, UNKNOWN)
        return
    for name, value in env.items():
        if not name.startswith("_"):
            yield name, value


def _copy_model(model: ModelObj) -> ModelObj:
    """A fresh model for the importer, its layers keyed apart from the importer's own ("L1" -> "import.L1")."""
    copy = ModelObj(model.anchor, model.kind, model.name)
    copy.layers = [_rekeyed(layer) for layer in model.layers]
    copy.outputs = [(tuple(_rekeyed(layer) for layer in chain), name) for chain, name in model.outputs]
    copy.loss_spec, copy.metric_spec = model.loss_spec, model.metric_spec
    copy.compiled, copy.compile_anchor = model.compiled, model.compile_anchor
    copy.fits = list(model.fits)
    copy.earlier_phases = list(model.earlier_phases)
    copy.trained, copy.nested, copy.inference = model.trained, model.nested, model.inference
    return copy


def _rekeyed(layer: kf.Layer) -> kf.Layer:
    return replace(layer, key=f"import.{layer.key}") if layer.key is not None else layer


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _display(module: Path, linted: str) -> str:
    """The related file named the way the linted file is (absolute, or relative to the working folder)."""
    if os.path.isabs(linted):
        return str(module)
    relative = _shown(module)
    return str(module) if relative.startswith("..") else relative
