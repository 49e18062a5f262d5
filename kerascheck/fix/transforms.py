"""Helpers for the rules' fixers (see ``@fixer`` in ``kerascheck/rules/base.py``).

A fixer finds what it needs from the diagnostic's anchor node and the
program's facts (by node identity, within one parse), and declines whenever
the code is not in the plain shape it knows how to rewrite: no fix is better
than a wrong one. These helpers read calls and layer lists the way every
fixer needs to; the fixers themselves live with their rules.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic
from kerascheck.facts import Head, Layer, Model
from kerascheck.fix.edits import FixContext, NodeEdit, Replace
from kerascheck.static.names import dotted_name, import_bindings


def heads(context: FixContext) -> Iterator[tuple[Model, Head]]:
    for model in context.facts.models:
        for head in model.heads:
            yield model, head


def layer_at(context: FixContext, node: cst.CSTNode) -> Layer | None:
    for _model, head in heads(context):
        for layer in head.chain:
            if layer.anchor.node is node:
                return layer
    return None


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional_args(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def has_star(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def string_literal(context: FixContext, call: cst.Call, value: str) -> str:
    """A string literal in the quote style the call already uses."""
    code = context.code(call)
    quote = "'" if "'" in code and '"' not in code else '"'
    return f"{quote}{value}{quote}"


def with_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``keyword=value`` appended, laid out like the arguments already there."""
    new = cst.Arg(
        keyword=cst.Name(keyword),
        value=value,
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    if not call.args:
        return call.with_changes(args=[new])
    *rest, last = call.args
    if isinstance(last.comma, cst.Comma):
        # A trailing comma: the new argument takes it (and the line break before ")"),
        # the old last argument gets the break-and-indent the first argument has.
        spacing = call.whitespace_before_args
        after = spacing if isinstance(spacing, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")
        last = last.with_changes(comma=last.comma.with_changes(whitespace_after=after))
        new = new.with_changes(comma=call.args[-1].comma)
    else:
        last = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*rest, last, new])


def set_activation(context: FixContext, diagnostic: Diagnostic, activation: str) -> list[NodeEdit] | None:
    node = diagnostic.anchor.node
    layer = layer_at(context, node) if isinstance(node, cst.Call) else None
    if layer is None or not isinstance(node, cst.Call):
        return None
    literal = cst.SimpleString(string_literal(context, node, activation))
    keyword = keyword_arg(node, "activation")
    if keyword is not None:
        return [Replace(keyword.value, literal)]
    positional = positional_args(node)
    if layer.kind in kv.ACTIVATION_LAYERS:
        # Activation("linear"): its first argument is the activation.
        return [Replace(positional[0].value, literal)] if len(positional) == 1 else None
    if layer.kind not in kv.UNIT_LAYERS or has_star(node):
        return None
    if layer.kind == "Dense" and len(positional) >= 2:
        return [Replace(positional[1].value, literal)]  # Dense(units, activation)
    if len(positional) > 1:
        return None  # a Conv layer's second positional is not the activation: do not guess
    return [Replace(node, with_keyword(node, "activation", literal))]


def imported_names(module: cst.Module) -> set[str]:
    """Local names bound by import statements anywhere in the module."""
    names: set[str] = set()

    class Imports(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            names.update(local for local, _ in import_bindings(node))

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            names.update(local for local, _ in import_bindings(node))

    module.visit(Imports())
    return names


def is_method_call(context: FixContext, call: cst.Call) -> bool:
    """``p.argmax(...)`` (a method of the value) rather than ``np.argmax(p, ...)`` (a module function)."""
    if not isinstance(call.func, cst.Attribute):
        return False
    root = dotted_name(call.func.value)
    return root is None or root.split(".")[0] not in imported_names(context.module)


def prediction_head(context: FixContext, model_index: int | None) -> Head | None:
    model = context.facts.model_at(model_index)
    return model.single_head if model is not None else None


def atom(context: FixContext, expression: cst.BaseExpression) -> str:
    """The code of ``expression``, parenthesised unless it binds tighter than a comparison."""
    code = context.code(expression)
    tight = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)
    return code if isinstance(expression, tight) or expression.lpar else f"({code})"


def without_element(container: cst.List | cst.Tuple, element: cst.BaseElement) -> cst.List | cst.Tuple:
    elements = list(container.elements)
    index = next(i for i, e in enumerate(elements) if e is element)
    removed = elements.pop(index)
    if index == len(elements) and index > 0:
        # The last one goes: its predecessor takes over its comma (or lack of one).
        elements[index - 1] = elements[index - 1].with_changes(comma=removed.comma)
    return container.with_changes(elements=elements)
