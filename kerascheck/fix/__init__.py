"""Autofixes: a registry from rule code to a fixer, kept apart from the rules.

Rules read facts and never import libcst; a fixer lives here, receives the
diagnostic (whose anchor holds the libcst node the rule pointed at) and a
:class:`~kerascheck.fix.edits.FixContext` (the parsed module and its facts),
and returns edits, or ``None`` when it cannot fix this occurrence safely.

Safety follows ruff: a *safe* fix keeps what the program computes for the
user's purpose and only removes the mistake; an *unsafe* fix changes what the
model or the script outputs, so it is applied only with ``--unsafe-fixes``
(or chosen by hand in the editor). Each fixer's docstring says why it is
safe or not; ``docs/editors.md`` lists them for users.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kerascheck.diagnostics import Diagnostic
    from kerascheck.fix.edits import FixContext, NodeEdit

FixFunction = Callable[["Diagnostic", "FixContext"], "list[NodeEdit] | None"]


@dataclass(frozen=True)
class Fixer:
    """How one rule's findings are fixed: ``title`` is what an editor shows."""

    code: str
    safe: bool
    title: str
    function: FixFunction


_FIXERS: dict[str, Fixer] = {}


def fixer(code: str, *, safe: bool, title: str) -> Callable[[FixFunction], FixFunction]:
    """Register ``function`` as the fixer for ``code`` (one per code)."""

    def register(function: FixFunction) -> FixFunction:
        if code in _FIXERS:
            raise ValueError(f"duplicate fixer for {code}")
        _FIXERS[code] = Fixer(code=code, safe=safe, title=title, function=function)
        return function

    return register


def all_fixers() -> dict[str, Fixer]:
    from kerascheck.fix import transforms  # noqa: F401  (registers the fixers)

    return dict(sorted(_FIXERS.items()))


def fixer_for(code: str) -> Fixer | None:
    return all_fixers().get(code)
