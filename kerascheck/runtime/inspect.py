"""``inspect(model, x, y)``: the runtime front-end's public entry point.

The same rules as the CLI run on the facts of a built model, so a model made
by a factory, a library or a hyper-parameter search gets the same codes as
one written out in a script.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from kerascheck import engine
from kerascheck.diagnostics import Diagnostic
from kerascheck.facts import ProgramFacts
from kerascheck.runtime.model import facts_from_model, model_name


def selection_from(select: Sequence[str] | str | None, ignore: Sequence[str] | str | None) -> engine.Selection:
    """An engine selection from ``select``/``ignore`` codes or prefixes, exactly as the CLI reads them."""
    from kerascheck.config import selection_from as parse_selection

    return parse_selection(select, ignore, where="kerascheck")


def model_filename(model: Any) -> str:
    """How diagnostics about a live model name their "file"."""
    return f"<model {model_name(model)}>"


def diagnostics_for(facts: ProgramFacts, selection: engine.Selection, filename: str) -> list[Diagnostic]:
    """Run the selected rules on runtime facts: no source positions, layer names instead."""
    found = engine.run_rules(facts, selection)
    return engine.finalize(found, filename=filename, locate=lambda _anchor: (None, None))


def inspect_with(model: Any, x: Any = None, y: Any = None, *, selection: engine.Selection) -> list[Diagnostic]:
    """:func:`inspect` with a ready-made selection (the CLI's ``--model`` and the callback use it)."""
    facts = facts_from_model(model, x, y)
    filename = model_filename(model)
    if unseen_facts(facts) or _unbuilt_subclassed(model):
        return unchecked(selection, filename, _UNBUILT)
    return diagnostics_for(facts, selection, filename)


_UNBUILT = (
    "the model was not checked: a subclassed model that has not been built shows no layers "
    "(call it on a batch of data first)"
)


def unseen_facts(facts: ProgramFacts) -> bool:
    """A model whose outputs could not be read at all (a saved subclassed model has no heads).

    An empty ``Sequential`` is seen: one head, no layers, nothing to report.
    """
    return bool(facts.models) and not any(model.heads for model in facts.models)


def _unbuilt_subclassed(model: Any) -> bool:
    """A subclassed model never called: its layers exist, how they connect is not known yet."""
    from kerascheck.runtime.graph import symbolic_outputs
    from kerascheck.runtime.subclassed import is_sequential

    return getattr(model, "built", True) is False and not is_sequential(model) and not symbolic_outputs(model)


def unchecked(selection: engine.Selection, filename: str, why: str) -> list[Diagnostic]:
    """KC009 (if selected): never "clean" on what was not seen."""
    from kerascheck.rules.tool import UncheckedModelRule, tool_diagnostic

    if not selection.enabled(UncheckedModelRule):
        return []
    return [replace(tool_diagnostic("KC009", why, filename), span=None)]


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
