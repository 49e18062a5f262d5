"""The registry: which handler gives a call, method or attribute its meaning.

Three kinds of entries:

* **functions**, by canonical qualified name (``keras.utils.to_categorical``),
  or by a *family* predicate over names (``keras.layers.<Class>``,
  ``sklearn.metrics.*``);
* **methods**, by (receiver value kind, method name): ``(Data, "astype")``,
  ``(ModelObj, "fit")``; calling a value itself is the method ``"__call__"``;
* **attributes**, by (receiver value kind, attribute name): ``(Data, "values")``.

Precedence is explicit: every function entry has a :class:`Precedence`; for one
name the candidates are tried in order of (precedence, exact name before
family, registration order), and a handler that returns ``None`` declines, so
the next candidate is tried. Families registered at the same precedence must
not overlap (``tests/test_semantics_registry.py`` checks the known names).
Anything no handler claims is ``UNKNOWN``.

**Finishers** (``REGISTRY.finisher``) see every call's result after its handler
and may refine it: the element types of arrays (:mod:`.dtypes`) are decided
there, in one place, for every call at once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kerascheck.static.semantics.context import CallContext
from kerascheck.static.values import UNKNOWN, BoundMethod, Value

Handler = Callable[[CallContext], Value | None]
Finisher = Callable[[CallContext, Value], Value]
AttributeHandler = Callable[[Value], Value | None]
Kind = type[Value]


class Precedence(enum.IntEnum):
    """Which meaning of a call wins when several could apply (lower first)."""

    KERAS_BUILD = 0  # constructors of layers, models, losses, metrics
    TENSOR_OP = 10  # any other call applied to a symbolic tensor: a step of the functional graph
    LIBRARY = 20  # what numpy, scikit-learn, pandas, tf.data and builtins do to data


@dataclass(frozen=True)
class _Entry:
    precedence: Precedence
    exact: bool
    order: int
    name: str  # the qualified name, or the family's description
    handler: Handler

    @property
    def rank(self) -> tuple[int, int, int]:
        return (self.precedence, 0 if self.exact else 1, self.order)


@dataclass(frozen=True)
class _Family:
    entry: _Entry
    matches: Callable[[str], bool]


class Registry:
    """Handlers for library semantics; see the module docstring for the lookup rules."""

    def __init__(self) -> None:
        self._functions: dict[str, list[_Entry]] = {}
        self._families: list[_Family] = []
        self._methods: dict[tuple[Kind, str], Handler] = {}
        self._attributes: dict[tuple[Kind, str], AttributeHandler] = {}
        self._method_kinds: set[Kind] = set()
        self._finishers: list[Finisher] = []
        self._resolved: dict[str, tuple[_Entry, ...]] = {}
        self._order = 0

    # -- registration -----------------------------------------------------

    def _entry(self, precedence: Precedence, exact: bool, name: str, handler: Handler) -> _Entry:
        self._order += 1
        self._resolved.clear()
        return _Entry(precedence, exact, self._order, name, handler)

    def function(self, *qualnames: str, precedence: Precedence = Precedence.LIBRARY) -> Callable[[Handler], Handler]:
        """Decorator: ``handler`` gives calls of these canonical names their meaning."""

        def register(handler: Handler) -> Handler:
            for qualname in qualnames:
                self._functions.setdefault(qualname, []).append(self._entry(precedence, True, qualname, handler))
            return handler

        return register

    def family(
        self, description: str, matches: Callable[[str], bool], *, precedence: Precedence = Precedence.LIBRARY
    ) -> Callable[[Handler], Handler]:
        """Decorator: ``handler`` covers every canonical name ``matches`` accepts."""

        def register(handler: Handler) -> Handler:
            self._families.append(_Family(self._entry(precedence, False, description, handler), matches))
            return handler

        return register

    def method(self, kind: Kind, *names: str) -> Callable[[Handler], Handler]:
        """Decorator: ``handler`` gives ``receiver.name(...)`` its meaning for receivers of ``kind``."""

        def register(handler: Handler) -> Handler:
            for name in names:
                self._methods[(kind, name)] = handler
            return handler

        return register

    def attribute(self, kind: Kind, *names: str) -> Callable[[AttributeHandler], AttributeHandler]:
        """Decorator: ``handler(receiver)`` is the value of ``receiver.name``."""

        def register(handler: AttributeHandler) -> AttributeHandler:
            for name in names:
                self._attributes[(kind, name)] = handler
            return handler

        return register

    def keep(self, kind: Kind, names: Iterable[str]) -> None:
        """Table entry: these methods return their receiver unchanged (as far as we track)."""
        for name in names:
            self._methods[(kind, name)] = _receiver

    def pass_through(self, qualnames: Iterable[str], kinds: tuple[Kind, ...]) -> None:
        """Table entry: these functions return their first argument unchanged if it is of ``kinds``."""

        def first_argument(ctx: CallContext) -> Value:
            return ctx.first if isinstance(ctx.first, kinds) else UNKNOWN

        self.function(*qualnames)(first_argument)

    def finisher(self, finish: Finisher) -> Finisher:
        """Decorator: ``finish(ctx, result)`` refines the result of every function and method call."""
        self._finishers.append(finish)
        return finish

    def _finish(self, ctx: CallContext, result: Value) -> Value:
        for finish in self._finishers:
            result = finish(ctx, result)
        return result

    def methods_on(self, *kinds: Kind) -> None:
        """Any attribute of these kinds is a method to call later (``obj.name`` is a BoundMethod)."""
        self._method_kinds.update(kinds)

    # -- lookup -----------------------------------------------------------

    def candidates(self, qualname: str) -> tuple[_Entry, ...]:
        """The handlers that may give ``qualname`` its meaning, in the order they are tried."""
        found = self._resolved.get(qualname)
        if found is None:
            entries = [*self._functions.get(qualname, ()), *(f.entry for f in self._families if f.matches(qualname))]
            found = tuple(sorted(entries, key=lambda entry: entry.rank))
            self._resolved[qualname] = found
        return found

    def call_function(self, ctx: CallContext) -> Value:
        for entry in self.candidates(ctx.qualname):
            result = entry.handler(ctx)
            if result is not None:
                return self._finish(ctx, result)
        return UNKNOWN

    def call_method(self, ctx: CallContext) -> Value:
        receiver = ctx.receiver if ctx.receiver is not None else UNKNOWN
        handler = self._methods.get((type(receiver), ctx.method))
        if handler is None:
            return UNKNOWN
        result = handler(ctx)
        return UNKNOWN if result is None else self._finish(ctx, result)

    def attribute_of(self, owner: Value, name: str) -> Value:
        """``owner.name`` for a library value (names of modules and user classes are the interpreter's)."""
        handler = self._attributes.get((type(owner), name))
        if handler is not None:
            result = handler(owner)
            if result is not None:
                return result
        if type(owner) in self._method_kinds or (type(owner), name) in self._methods:
            return BoundMethod(owner, name)
        return UNKNOWN


def _receiver(ctx: CallContext) -> Value | None:
    return ctx.receiver


REGISTRY = Registry()
"""The one registry; the library modules of this package register into it when imported."""
