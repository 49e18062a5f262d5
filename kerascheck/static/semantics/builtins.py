"""Python builtins: ``len`` of a literal, ``list(x)``; the names every module sees.

Python operators (arithmetic, subscripts, comparisons) are in :mod:`.operators`.
"""

from __future__ import annotations

from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.registry import REGISTRY
from kerascheck.static.values import UNKNOWN, Const, Data, Prediction, Ref, Seq, Value

BUILTIN_NAMES: dict[str, Value] = {
    "True": Const(True),
    "False": Const(False),
    "None": Const(None),
    "len": Ref("builtins.len"),
    "list": Ref("builtins.list"),
}
"""What a name means when no scope binds it."""

REGISTRY.pass_through(("builtins.list",), kinds=(Data, Prediction))


@REGISTRY.function("builtins.len")
def length(ctx: CallContext) -> Value:
    return Const(len(ctx.first.items)) if isinstance(ctx.first, Seq) else UNKNOWN
