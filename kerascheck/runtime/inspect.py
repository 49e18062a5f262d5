"""``inspect(model, x, y)``: the runtime front-end's public entry point.

The same rules as the CLI run on the facts of a built model, so a model made
by a factory, a library or a hyper-parameter search gets the same codes as
one written out in a script.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kerascheck import engine
from kerascheck.diagnostics import Diagnostic
from kerascheck.facts import ProgramFacts
from kerascheck.runtime.model import facts_from_model, model_name


def selection_from(select: Sequence[str] | str | None, ignore: Sequence[str] | str | None) -> engine.Selection:
    """An engine selection from ``select``/``ignore`` codes or prefixes, as the CLI reads them.

    A lone string counts as one code (``select="KC1"`` must not become
    ``("K", "C", "1")``); codes are case-insensitive.
    """
    if isinstance(select, str):
        select = (select,)
    if isinstance(ignore, str):
        ignore = (ignore,)
    return engine.Selection(
        select=None if select is None else tuple(code.upper() for code in select),
        ignore=tuple(code.upper() for code in ignore or ()),
    )


def model_filename(model: Any) -> str:
    """How diagnostics about a live model name their "file"."""
    return f"<model {model_name(model)}>"


def diagnostics_for(facts: ProgramFacts, selection: engine.Selection, filename: str) -> list[Diagnostic]:
    """Run the selected rules on runtime facts: no source positions, layer names instead."""
    found = engine.run_rules(facts, selection)
    return engine.finalize(found, filename=filename, locate=lambda _anchor: (None, None))


def inspect_with(model: Any, x: Any = None, y: Any = None, *, selection: engine.Selection) -> list[Diagnostic]:
    """:func:`inspect` with a ready-made selection (the CLI's ``--model`` and the callback use it)."""
    return diagnostics_for(facts_from_model(model, x, y), selection, model_filename(model))


def inspect(
    model: Any,
    x: Any = None,
    y: Any = None,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    options: engine.RuleOptions | None = None,
) -> list[Diagnostic]:
    """Check a built Keras model (and, optionally, its training data) with kerascheck's rules.

    ``x``/``y`` may be numpy arrays, tensors, lists/dicts per input or output,
    a ``tf.data.Dataset`` or a generator of ``(x, y)`` batches (pass it as
    ``x``; up to 20 batches are read). ``select``/``ignore`` take codes or
    prefixes as in the CLI (``["KC1", "KC304"]``, ``["ALL"]``); ``options``
    sets rule options by code (``{"KC405": {"max_timesteps": 200}}``).

    Raises ``TypeError`` if ``model`` is not a Keras model, ``ValueError`` for
    an unknown rule option or a value of the wrong type.
    """
    return inspect_with(model, x, y, selection=selection_from(select, ignore).with_options(options))
