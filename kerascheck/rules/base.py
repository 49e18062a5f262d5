"""The rule contract and the registry.

A rule is a small class: a stable ``code``, a kebab-case ``name``, a
``severity``, a ``check`` that reads facts and yields diagnostics, and a
docstring with ruff's headings (What it does / Why is this bad? / Example /
Use instead). It carries its own ``BAD`` examples (must fire) and ``GOOD``
examples (must stay silent); one test runs them all, the runtime parity test
builds the model-level ones, and ``kerascheck rule CODE`` prints them.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Iterator
from typing import ClassVar

from kerascheck import vocabulary
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import NOWHERE, Anchor, Head, Loss, Model, ProgramFacts

_REGISTRY: dict[str, type[Rule]] = {}
_CODE = re.compile(r"^KC\d{3}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    fix: ClassVar[str]
    # Model rules are checked against real built models in the runtime tests.
    model_rule: ClassVar[bool] = True
    BAD: ClassVar[tuple[str, ...]] = ()
    GOOD: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if inspect.isabstract(cls) or "code" not in cls.__dict__:
            return
        if not _CODE.match(cls.code):
            raise ValueError(f"{cls.__name__}: bad rule code {cls.code!r}")
        if not _NAME.match(cls.name):
            raise ValueError(f"{cls.__name__}: rule name {cls.name!r} is not kebab-case")
        if cls.code in _REGISTRY and _REGISTRY[cls.code] is not cls:
            raise ValueError(f"duplicate rule code {cls.code}: {cls.__name__} and {_REGISTRY[cls.code].__name__}")
        _REGISTRY[cls.code] = cls

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


def all_rules() -> dict[str, type[Rule]]:
    """Every registered rule by code, in code order (imports the rule modules)."""
    from kerascheck.rules import architecture, data, metrics, output_loss, shapes, tool, training  # noqa: F401

    return dict(sorted(_REGISTRY.items()))


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
