"""Python builtins and the standard library: ``len``, ``range``, ``dict``, ``functools.partial``, list and dict methods.

Python operators (arithmetic, subscripts, comparisons) are in :mod:`.operators`.
"""

from __future__ import annotations

from kerascheck.static.keras_api import const_int
from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.operators import MAX_LIST_ITEMS
from kerascheck.static.semantics.registry import REGISTRY
from kerascheck.static.values import UNKNOWN, Const, Data, Mapping, Partial, Prediction, Ref, Seq, Value

MAX_LITERAL_ITEMS = 64  # longer literal ranges are not worth following item by item


def _grown(items: tuple[Value, ...]) -> Value:
    """A list that grew: known while it stays a size worth following."""
    return Seq(items) if len(items) <= MAX_LIST_ITEMS else UNKNOWN


BUILTIN_NAMES: dict[str, Value] = {
    "True": Const(True),
    "False": Const(False),
    "None": Const(None),
    "len": Ref("builtins.len"),
    "list": Ref("builtins.list"),
    "tuple": Ref("builtins.tuple"),
    "dict": Ref("builtins.dict"),
    "range": Ref("builtins.range"),
    "enumerate": Ref("builtins.enumerate"),
    "zip": Ref("builtins.zip"),
}
"""What a name means when no scope binds it."""

REGISTRY.pass_through(("builtins.list",), kinds=(Data, Prediction, Seq))


@REGISTRY.function("builtins.len")
def length(ctx: CallContext) -> Value:
    return Const(len(ctx.first.items)) if isinstance(ctx.first, Seq) and ctx.first.closed else UNKNOWN


@REGISTRY.function("builtins.range")
def range_(ctx: CallContext) -> Value:
    """``range(3)`` with literal bounds: the numbers (a loop over it runs item by item)."""
    bounds = [const_int(value) for value in ctx.args.positional]
    if ctx.args.keywords or ctx.args.has_star or not 1 <= len(bounds) <= 3 or None in bounds or bounds[2:] == [0]:
        return UNKNOWN
    numbers = range(*[b for b in bounds if b is not None])
    return Seq(tuple(Const(n) for n in numbers)) if len(numbers) <= MAX_LITERAL_ITEMS else UNKNOWN


@REGISTRY.function("builtins.dict")
def dict_(ctx: CallContext) -> Value:
    """``dict(units=10, activation="softmax")``: a mapping of its keywords."""
    if ctx.args.positional or ctx.args.has_star:
        return UNKNOWN
    return Mapping(tuple(ctx.args.keywords.items()))


@REGISTRY.function("builtins.tuple")
def tuple_(ctx: CallContext) -> Value:
    first = ctx.first
    return first if isinstance(first, Seq) and len(ctx.args.positional) == 1 else UNKNOWN


@REGISTRY.function("functools.partial")
def partial(ctx: CallContext) -> Value:
    """``partial(layers.Conv2D, kernel_size=3, padding="same")``: called later with the rest."""
    if not ctx.args.positional:
        return UNKNOWN
    func, *positional = ctx.args.positional
    return Partial(func, tuple(positional), tuple(ctx.args.keywords.items()), ctx.args.has_star)


# -- lists and dicts changed in place ------------------------------------


@REGISTRY.method(Seq, "append")
def append(ctx: CallContext) -> Value:
    assert isinstance(ctx.receiver, Seq)
    item = ctx.arg("object", 0)
    ctx.rebind_receiver(_grown((*ctx.receiver.items, item)) if item is not None else UNKNOWN)
    return Const(None)


@REGISTRY.method(Seq, "extend")
def extend(ctx: CallContext) -> Value:
    assert isinstance(ctx.receiver, Seq)
    items = ctx.arg("iterable", 0)
    ctx.rebind_receiver(_grown((*ctx.receiver.items, *items.items)) if isinstance(items, Seq) else UNKNOWN)
    return Const(None)


@REGISTRY.method(Seq, "insert")
def insert(ctx: CallContext) -> Value:
    assert isinstance(ctx.receiver, Seq)
    index, item = const_int(ctx.arg("index", 0)), ctx.arg("object", 1)
    if index is None or item is None or not ctx.receiver.closed:
        ctx.rebind_receiver(UNKNOWN)
    else:
        items = list(ctx.receiver.items)
        items.insert(index, item)
        ctx.rebind_receiver(_grown(tuple(items)))
    return Const(None)


@REGISTRY.method(Mapping, "update")
def update(ctx: CallContext) -> Value:
    """``cfg.update(other)`` or ``cfg.update(units=10)``."""
    assert isinstance(ctx.receiver, Mapping)
    args = ctx.args
    other = args.positional[0] if len(args.positional) == 1 and not args.keywords else None
    if not args.positional:
        other = Mapping(tuple(args.keywords.items()))
    if isinstance(other, Mapping) and not args.has_star:
        merged = dict(ctx.receiver.items)
        merged.update(other.items)
        ctx.rebind_receiver(Mapping(tuple(merged.items())))
    else:
        ctx.rebind_receiver(UNKNOWN)
    return Const(None)


@REGISTRY.method(Mapping, "get")
def get(ctx: CallContext) -> Value:
    assert isinstance(ctx.receiver, Mapping)
    key, default = ctx.arg("key", 0), ctx.arg("default", 1)
    if not isinstance(key, Const):
        return UNKNOWN
    for k, v in ctx.receiver.items:
        if k == key.value:
            return v
    return default if default is not None else Const(None)


def _forget_receiver(ctx: CallContext) -> Value:
    """A method that changes a list or dict in a way not followed: it becomes unknown."""
    ctx.rebind_receiver(UNKNOWN)
    return UNKNOWN


for _kind, _names in (
    (Seq, ("pop", "remove", "clear", "sort", "reverse")),
    (Mapping, ("pop", "popitem", "clear", "setdefault")),
):
    REGISTRY.method(_kind, *_names)(_forget_receiver)


@REGISTRY.function("builtins.enumerate")
def enumerate_(ctx: CallContext) -> Value:
    """``enumerate([64, 32])``: (index, item) pairs of a literal list."""
    items, start = ctx.arg("iterable", 0), ctx.arg("start", 1)
    first = 0 if start is None else const_int(start)
    if not isinstance(items, Seq) or not items.closed or first is None:
        return UNKNOWN
    return Seq(tuple(Seq((Const(first + index), item)) for index, item in enumerate(items.items)))


@REGISTRY.function("builtins.zip")
def zip_(ctx: CallContext) -> Value:
    """``zip(widths, activations)`` of literal lists: their items side by side (shortest wins)."""
    lists = ctx.args.positional
    if ctx.args.has_star or ctx.args.keywords or not lists:
        return UNKNOWN
    if not all(isinstance(items, Seq) and items.closed for items in lists):
        return UNKNOWN
    columns = [items.items for items in lists if isinstance(items, Seq)]
    return Seq(tuple(Seq(row) for row in zip(*columns, strict=False)))


@REGISTRY.method(Mapping, "items")
def items(ctx: CallContext) -> Value:
    assert isinstance(ctx.receiver, Mapping)
    return Seq(tuple(Seq((Const(key), value)) for key, value in ctx.receiver.items))


@REGISTRY.method(Mapping, "keys")
def keys(ctx: CallContext) -> Value:
    assert isinstance(ctx.receiver, Mapping)
    return Seq(tuple(Const(key) for key, _value in ctx.receiver.items))


@REGISTRY.method(Mapping, "values")
def values(ctx: CallContext) -> Value:
    assert isinstance(ctx.receiver, Mapping)
    return Seq(tuple(value for _key, value in ctx.receiver.items))


REGISTRY.keep(Seq, ("copy",))
REGISTRY.keep(Mapping, ("copy",))
