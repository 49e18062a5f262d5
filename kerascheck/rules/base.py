'''The rule contract and the registry.

A rule is a small class in a module of this package (``kerascheck/rules/<family>.py``):
a stable ``code``, a kebab-case ``name``, a ``severity``, a ``fix`` hint (one
line, shown with every finding), a ``check`` that reads facts and yields
diagnostics, and a docstring with ruff's headings (What it does / Why is this
bad? / Example / Use instead). Nothing else registers it: :func:`all_rules`
finds every ``Rule`` subclass with a ``code`` defined in a module of this
package, so a new module needs no import list, and a rule defined elsewhere
(in a test) never joins the global registry. A module of shared helpers, not
rules, is named in :data:`HELPER_MODULES` (a test checks that every other
module defines a rule).

Autofix
-------
A rule with an autofix declares it in one place, a method of the rule::

    @fixer(safe=True, title="set from_logits=False on the loss")
    def fix_edits(self, diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
        """Safe: why the program computes the same for the user's purpose (or, unsafe: what changes)."""

It returns libcst node edits (``kerascheck.fix.edits``), or ``None`` to leave
this occurrence alone; import libcst and the helpers of
``kerascheck.fix.transforms`` inside the method, so that reading the rules
(cached runs, the runtime front-end) never imports libcst. ``--fix``, the
language server's code actions, the rule page's *Fix safety* section (the
docstring) and the table of fixes in ``docs/editors.md`` all come from it.
A *safe* fix keeps what the program computes for the user's purpose and
only removes the mistake; an *unsafe* one changes what the model or the
script outputs, and is applied only with ``--unsafe-fixes``.

Options
-------
A threshold the user may want to change is an option of the rule, never a
field of the facts: a frozen dataclass named ``Options`` whose fields are
made with :func:`option` (a type, a default, one line of documentation)::

    @dataclass(frozen=True)
    class Options:
        patience: int = option(3, "epochs without a new best validation loss before it counts", minimum=1)

    options: Options  # read as self.options.patience in check()

Users set them in ``[tool.kerascheck.rules.KC501]`` (``patience = 5``), in
``inspect(..., options={"KC501": {"patience": 5}})`` or on the training
callback; an unknown option or a value of the wrong type is an error, and the
rule page lists every option. Names are snake_case in Python; the config and
the docs spell them in kebab-case (``max-timesteps``), and both are accepted.

Writing examples
----------------
Every rule carries ``BAD`` examples (must fire) and ``GOOD`` examples (must
stay silent), written out in full so a reader sees exactly what is checked.
One test runs them all through the static front-end, the runtime parity test
builds the model-level ones with Keras, and ``kerascheck rule CODE`` prints
them. A source is a complete, runnable program in a triple-quoted string,
indented with the code around it (it is dedented; line 1 is its first line)::

    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(10)])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            """,
            line=4,
            columns=(53, 69),  # optional: 1-based, end exclusive; give it when the line holds several candidates
            message="outputs 10 units with no activation",  # a fragment of the message
            fixed="""...""",  # the whole source after the rule's autofix (unsafe ones included)
        ),
    )
    GOOD = (Good("""..."""),)

A ``Bad`` must produce exactly one finding of its rule, on ``line`` (and
``columns``), whose message contains ``message``. If the rule has an autofix,
``fixed`` is what applying it gives (leave it out when the fixer declines on
this example: then the source must come back unchanged). No ``.format``
templates: repeat the few lines of setup instead, so each example reads as
written. Model examples should also run under Keras (small shapes, one epoch).

The docstring's *Example* and *Use instead* ``python`` blocks are checked too,
as short programs that may leave out ``import numpy as np``, ``import keras``
and ``from keras import layers``: the rule must flag the Example and stay
silent on Use instead (rules with no ``BAD`` examples, the runtime-only KC5xx,
are exempt).
'''

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import pkgutil
import re
import textwrap
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from kerascheck import vocabulary
from kerascheck.diagnostics import Diagnostic, FixSafety, Severity
from kerascheck.facts import NOWHERE, Anchor, ArrayInfo, Head, Loss, Model, ProgramFacts

if TYPE_CHECKING:
    from kerascheck.fix.edits import FixContext, NodeEdit

_CODE = re.compile(r"^KC\d{3}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _program(source: str) -> str:
    """An example's source as written in the rule, dedented, starting at its first line."""
    return textwrap.dedent(source).strip("\n") + "\n"


@dataclass(frozen=True)
class Good:
    """A program the rule must stay silent on."""

    source: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", _program(self.source))


@dataclass(frozen=True)
class Bad:
    """A program the rule must flag once, where and how it says (see the module docstring)."""

    source: str
    _: KW_ONLY
    line: int
    message: str
    columns: tuple[int, int] | None = None
    fixed: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", _program(self.source))
        if self.fixed is not None:
            object.__setattr__(self, "fixed", _program(self.fixed))


FixEdits = Callable[..., "list[NodeEdit] | None"]
_F = TypeVar("_F", bound=FixEdits)


@dataclass(frozen=True)
class Autofix:
    """A rule's autofix: safe or not, what an editor calls it, why (its docstring), and its edits."""

    safe: bool
    title: str
    why: str
    function: FixEdits

    @property
    def safety(self) -> FixSafety:
        return "safe" if self.safe else "unsafe"

    def edits(self, rule: Rule, diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
        """The edits that fix one of ``rule``'s findings, or ``None`` to leave it alone."""
        return self.function(rule, diagnostic, context)


def fixer(*, safe: bool, title: str) -> Callable[[_F], _F]:
    """Mark a rule's method as its autofix (see the module docstring)."""

    def mark(function: _F) -> _F:
        function.__kerascheck_fixer__ = (safe, title)  # type: ignore[attr-defined]
        return function

    return mark


class OptionError(ValueError):
    """A rule option that does not exist or has the wrong type or value; the message is one line."""


_T = TypeVar("_T", int, float, str, bool)


def option(default: _T, doc: str, *, minimum: float | None = None) -> _T:
    """A field of a rule's ``Options``: its default, what it means, and (for numbers) its least value."""
    return dataclasses.field(default=default, metadata={"doc": doc, "minimum": minimum})


@dataclass(frozen=True)
class NoOptions:
    """The options of a rule that has none."""


@dataclass(frozen=True)
class OptionInfo:
    """One option as the docs and error messages present it."""

    name: str  # kebab-case, as in pyproject.toml
    type: type
    default: object
    doc: str
    minimum: float | None


_OPTION_INFOS: dict[type, tuple[OptionInfo, ...]] = {}


def option_infos(rule: type[Rule]) -> list[OptionInfo]:
    """The rule's options, in declaration order."""
    if rule not in _OPTION_INFOS:
        _OPTION_INFOS[rule] = _read_option_infos(rule)
    return list(_OPTION_INFOS[rule])


def _read_option_infos(rule: type[Rule]) -> tuple[OptionInfo, ...]:
    hints = typing.get_type_hints(rule.Options)
    return tuple(
        OptionInfo(
            f.name.replace("_", "-"), hints[f.name], f.default, f.metadata.get("doc", ""), f.metadata.get("minimum")
        )
        for f in dataclasses.fields(rule.Options)
    )


def _checked(rule: type[Rule], info: OptionInfo, value: object) -> object:
    where = f"{rule.code} option {info.name!r}"
    wanted = info.type
    if wanted is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, wanted) or (wanted is not bool and isinstance(value, bool)):
        raise OptionError(f"{where} must be {wanted.__name__}, not {value!r}")
    if info.minimum is not None and isinstance(value, (int, float)) and value < info.minimum:
        raise OptionError(f"{where} must be at least {info.minimum:g}, not {value!r}")
    return value


def parse_options(rule: type[Rule], given: Mapping[str, object]) -> Any:
    """The rule's ``Options`` with ``given`` applied (names in snake_case or kebab-case); ``OptionError`` if wrong."""
    if not given:
        return rule.Options()
    infos = {info.name: info for info in option_infos(rule)}
    values: dict[str, object] = {}
    for key, value in given.items():
        info = infos.get(str(key).replace("_", "-"))
        if info is None:
            known = ", ".join(infos) if infos else "none"
            raise OptionError(f"{rule.code} has no option {key!r} (its options: {known})")
        values[info.name.replace("-", "_")] = _checked(rule, info, value)
    return rule.Options(**values)


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    fix: ClassVar[str]  # the one-line hint shown with every finding
    autofix: ClassVar[Autofix | None] = None  # set from the method marked with @fixer
    # Model rules are checked against real built models in the runtime tests.
    model_rule: ClassVar[bool] = True
    BAD: ClassVar[tuple[Bad, ...]] = ()
    GOOD: ClassVar[tuple[Good, ...]] = ()
    Options: ClassVar[type] = NoOptions
    options: object  # an instance of ``Options``; a rule with options narrows the type

    def __init__(self, options: Mapping[str, object] | None = None) -> None:
        self.options = parse_options(type(self), options or {})

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if inspect.isabstract(cls) or "code" not in cls.__dict__:
            return
        if not _CODE.match(cls.code):
            raise ValueError(f"{cls.__name__}: bad rule code {cls.code!r}")
        if not _NAME.match(cls.name):
            raise ValueError(f"{cls.__name__}: rule name {cls.name!r} is not kebab-case")
        marked = [f for f in cls.__dict__.values() if callable(f) and hasattr(f, "__kerascheck_fixer__")]
        if len(marked) > 1:
            raise ValueError(f"{cls.code}: one @fixer per rule")
        if marked:
            safe, title = marked[0].__kerascheck_fixer__
            why = inspect.cleandoc(marked[0].__doc__ or "")
            if not why:
                raise ValueError(f"{cls.code}: the fixer's docstring says why the fix is safe or unsafe")
            cls.autofix = Autofix(safe=safe, title=title, why=why, function=marked[0])
        if not dataclasses.is_dataclass(cls.Options):
            raise TypeError(f"{cls.code}: Options must be a @dataclass(frozen=True) of option(...) fields")
        for kind, wanted in (("BAD", Bad), ("GOOD", Good)):
            for example in getattr(cls, kind):
                if not isinstance(example, wanted):
                    raise TypeError(
                        f"{cls.code}: {kind} examples are {wanted.__name__}(...) objects, not "
                        f"{type(example).__name__} (see kerascheck/rules/base.py)"
                    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def report(self, anchor: Anchor, message: str, fix: str | None = None) -> Diagnostic:
        return Diagnostic(
            code=self.code,
            name=self.name,
            severity=self.severity,
            message=message,
            fix=fix or self.fix,
            anchor=anchor or NOWHERE,
            layer=anchor.layer if anchor else None,
        )

    @classmethod
    def summary(cls) -> str:
        """The first sentence of *What it does*, for tables."""
        doc = cls.documentation()
        match = re.search(r"## What it does\n(.+?)(?:\n\n|$)", doc, re.S)
        return " ".join(match.group(1).split()) if match else cls.name

    @classmethod
    def documentation(cls) -> str:
        return textwrap.dedent(cls.__doc__ or "").strip()


# Modules of this package that hold helpers shared by rules, not rules. Any other module (but
# ``_private`` ones) is a rule module and must define at least one rule: a test checks it.
HELPER_MODULES = frozenset({"base", "lineage"})


def rule_modules() -> list[str]:
    """The rule modules: every module of this package except the helpers and ``_private`` ones."""
    import kerascheck.rules as package

    return sorted(
        f"{package.__name__}.{info.name}"
        for info in pkgutil.iter_modules(package.__path__)
        if info.name not in HELPER_MODULES and not info.name.startswith("_")
    )


def rules_of(module: object) -> list[type[Rule]]:
    """The rules a module defines (not those it imports)."""
    name = getattr(module, "__name__", None)
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Rule) and "code" in value.__dict__ and value.__module__ == name
    ]


@functools.cache
def _registry() -> dict[str, type[Rule]]:
    found: dict[str, type[Rule]] = {}
    for module_name in rule_modules():
        for rule in rules_of(importlib.import_module(module_name)):
            if rule.code in found:
                other = found[rule.code]
                raise ValueError(f"duplicate rule code {rule.code}: {other.__qualname__} and {rule.__qualname__}")
            found[rule.code] = rule
    return dict(sorted(found.items()))


def all_rules() -> dict[str, type[Rule]]:
    """Every rule of the package by code, in code order (found by scanning ``kerascheck.rules``)."""
    return dict(_registry())


def get_rule(code: str) -> type[Rule] | None:
    return all_rules().get(code.upper())


def heads_with_loss(facts: ProgramFacts) -> Iterator[tuple[Model, Head, Loss]]:
    """Every (model, head, loss) where the head's loss is known and trains the model."""
    for model, head in trained_heads(facts):
        if head.loss is not None and head.loss.kind is not None:
            yield model, head, head.loss


def trained_heads(facts: ProgramFacts) -> Iterator[tuple[Model, Head]]:
    """Heads of models whose compiled loss and metrics are in use (see ``Model.loss_in_use``)."""
    for model in facts.models:
        if model.loss_in_use:
            for head in model.heads:
                yield model, head


def argument_anchor(argument: ArrayInfo | None, fallback: Anchor) -> Anchor:
    """Where a finding about a ``fit`` argument goes: the argument as written, else ``fallback``."""
    if argument is not None and argument.anchor.is_known:
        return argument.anchor
    return fallback


def all_heads(facts: ProgramFacts) -> Iterator[tuple[Model, Head]]:
    for model in facts.models:
        for head in model.heads:
            yield model, head


def unit_label(units: int) -> str:
    return "1 unit" if units == 1 else f"{units} units"


def is_classifier(head: Head) -> bool:
    """A classification head: a cross-entropy loss, or (loss unknown) a sigmoid/softmax output."""
    if head.loss is not None and head.loss.kind is not None:
        return head.loss.kind in vocabulary.CROSS_ENTROPY
    return head.activation in ("softmax", "sigmoid")
