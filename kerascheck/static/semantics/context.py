"""The explicit context every semantic handler receives.

A handler gets everything it may use through :class:`CallContext`: the
evaluated arguments, the source anchor of the call, the scope it runs in (to
rebind a name that the call changes in place, such as ``np.random.shuffle(x)``
or ``scaler.fit(X)``) and the program state (models, recorded facts). Nothing
is passed around through interpreter attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from kerascheck import facts as kf
from kerascheck.static.keras_api import Args
from kerascheck.static.semantics.state import ProgramState
from kerascheck.static.values import Env, Value


@dataclass(frozen=True)
class CallContext:
    """One call being evaluated: ``qualname(args)`` or ``receiver.method(args)``."""

    args: Args
    anchor: kf.Anchor
    env: Env
    state: ProgramState
    node: cst.Call | None = None
    qualname: str = ""  # canonical callee of a function call ("" for a method call)
    receiver: Value | None = None  # the value a method is called on
    method: str = ""  # the method's name ("__call__" when a value itself is called)
    # Assigns a value to a target expression in the caller's scope (a name, ``self.attr``).
    assign: Callable[[cst.BaseExpression, Value], None] | None = None

    @property
    def first(self) -> Value | None:
        """The first positional argument, if any."""
        return self.args.positional[0] if self.args.positional else None

    def arg(self, name: str, position: int | None = None) -> Value | None:
        """A parameter's value: ``None`` if certainly absent, ``UNKNOWN`` if maybe given."""
        return self.args.get(name, position)

    def rebind_argument(self, position: int, value: Value) -> None:
        """The call changed its positional argument in place: rebind the variable passed there."""
        if self.node is None:
            return
        positional = [arg for arg in self.node.args if arg.keyword is None]
        if position < len(positional):
            arg = positional[position]
            if not arg.star and isinstance(arg.value, cst.Name):
                self._assign(arg.value, value)

    def rebind_receiver(self, value: Value) -> None:
        """The method changed its receiver (``scaler.fit(X)``): rebind the receiver's name."""
        if self.node is not None and isinstance(self.node.func, cst.Attribute):
            receiver = self.node.func.value
            if isinstance(receiver, (cst.Name, cst.Attribute)):  # ``layers.append``, ``self.blocks.append``
                self._assign(receiver, value)

    def _assign(self, target: cst.Name | cst.Attribute, value: Value) -> None:
        if self.assign is not None:
            self.assign(target, value)
        elif isinstance(target, cst.Name):
            self.env[target.value] = value
