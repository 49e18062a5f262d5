"""The fixers, one per rule code. Each returns node edits, or ``None`` to leave the finding alone.

A fixer finds what it needs from the diagnostic's anchor node and the
program's facts (by node identity, within one parse), and declines whenever
the code is not in the plain shape it knows how to rewrite: no fix is better
than a wrong one.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic
from kerascheck.facts import Head, Layer, Model
from kerascheck.fix import fixer
from kerascheck.fix.edits import DeleteLines, FixContext, NodeEdit, Replace
from kerascheck.static.names import dotted_name, import_bindings

# -- helpers -------------------------------------------------------------------


def _heads(context: FixContext) -> Iterator[tuple[Model, Head]]:
    for model in context.facts.models:
        for head in model.heads:
            yield model, head


def _layer_at(context: FixContext, node: cst.CSTNode) -> Layer | None:
    for _model, head in _heads(context):
        for layer in head.chain:
            if layer.anchor.node is node:
                return layer
    return None


def _keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def _positional(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def _has_star(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def _string(context: FixContext, call: cst.Call, value: str) -> str:
    """A string literal in the quote style the call already uses."""
    code = context.code(call)
    quote = "'" if "'" in code and '"' not in code else '"'
    return f"{quote}{value}{quote}"


def _with_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call:
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


def _set_activation(context: FixContext, diagnostic: Diagnostic, activation: str) -> list[NodeEdit] | None:
    node = diagnostic.anchor.node
    layer = _layer_at(context, node) if isinstance(node, cst.Call) else None
    if layer is None or not isinstance(node, cst.Call):
        return None
    literal = cst.SimpleString(_string(context, node, activation))
    keyword = _keyword(node, "activation")
    if keyword is not None:
        return [Replace(keyword.value, literal)]
    positional = _positional(node)
    if layer.kind in kv.ACTIVATION_LAYERS:
        # Activation("linear"): its first argument is the activation.
        return [Replace(positional[0].value, literal)] if len(positional) == 1 else None
    if layer.kind not in kv.UNIT_LAYERS or _has_star(node):
        return None
    if layer.kind == "Dense" and len(positional) >= 2:
        return [Replace(positional[1].value, literal)]  # Dense(units, activation)
    if len(positional) > 1:
        return None  # a Conv layer's second positional is not the activation: do not guess
    return [Replace(node, _with_keyword(node, "activation", literal))]


# -- KC1xx -----------------------------------------------------------------------


@fixer("KC101", safe=False, title='add activation="softmax" to the output layer')
def add_softmax(diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
    """Unsafe: the model's outputs change from scores to probabilities.

    It is the fix that makes the loss right, but code downstream that treats
    the outputs as logits (applies its own softmax, thresholds at 0) changes
    meaning; the alternative, ``from_logits=True``, is equally valid and the
    choice is the user's.
    """
    return _set_activation(context, diagnostic, "softmax")


@fixer("KC102", safe=False, title='add activation="sigmoid" to the output layer')
def add_sigmoid(diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
    """Unsafe, for the same reason as KC101: predictions change from scores to probabilities."""
    return _set_activation(context, diagnostic, "sigmoid")


@fixer("KC107", safe=True, title="set from_logits=False on the loss")
def from_logits_false(diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
    """Safe: the model, its outputs and every prediction stay exactly the same.

    Only the loss stops applying sigmoid/softmax a second time, which is what
    the output layer already promised. The other fix (drop the activation)
    would change what ``predict`` returns, so it is not offered.

    Declines when the loss object is shared with a head whose output is not
    sigmoid/softmax (there ``from_logits=True`` is right), or when
    ``from_logits`` is not a keyword of the loss call.
    """
    node = diagnostic.anchor.node
    losses = {
        id(head.loss.anchor.node): head.loss.anchor.node
        for _model, head in _heads(context)
        if head.activation_anchor.node is node and head.loss is not None and head.loss.from_logits is True
    }
    if len(losses) != 1:
        return None
    (loss_node,) = losses.values()
    if not isinstance(loss_node, cst.Call):
        return None
    for _model, head in _heads(context):
        shared = head.loss is not None and head.loss.anchor.node is loss_node
        if shared and head.activation not in ("sigmoid", "softmax"):
            return None
    argument = _keyword(loss_node, "from_logits")
    if argument is None:
        return None
    return [Replace(argument.value, cst.Name("False"))]


# -- KC2xx -----------------------------------------------------------------------


def _imported_names(module: cst.Module) -> set[str]:
    """Local names bound by import statements anywhere in the module."""
    names: set[str] = set()

    class Imports(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            names.update(local for local, _ in import_bindings(node))

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            names.update(local for local, _ in import_bindings(node))

    module.visit(Imports())
    return names


def _is_method_call(context: FixContext, call: cst.Call) -> bool:
    """``p.argmax(...)`` (a method of the value) rather than ``np.argmax(p, ...)`` (a module function)."""
    if not isinstance(call.func, cst.Attribute):
        return False
    root = dotted_name(call.func.value)
    return root is None or root.split(".")[0] not in _imported_names(context.module)


def _prediction_head(context: FixContext, model_index: int | None) -> Head | None:
    model = context.facts.model_at(model_index)
    return model.single_head if model is not None else None


def _atom(context: FixContext, expression: cst.BaseExpression) -> str:
    """The code of ``expression``, parenthesised unless it binds tighter than a comparison."""
    code = context.code(expression)
    tight = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)
    return code if isinstance(expression, tight) or expression.lpar else f"({code})"


@fixer("KC206", safe=False, title="threshold the single output instead of argmax")
def threshold_instead_of_argmax(diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
    """Unsafe: the predictions change (from always 0 to a real decision).

    ``np.argmax(p, axis=-1)`` becomes ``(p > 0.5).astype(int).ravel()`` for a
    sigmoid output, ``(p > 0).astype(int).ravel()`` for logits
    (``from_logits=True``); 0.5 is a choice of decision threshold the user
    may want to tune, so the fix is not applied without ``--unsafe-fixes``.
    """
    node = diagnostic.anchor.node
    if not isinstance(node, cst.Call):
        return None
    fact = next((a for a in context.facts.argmaxes if a.anchor.node is node), None)
    head = _prediction_head(context, fact.model) if fact is not None else None
    if head is None or head.units != 1:
        return None
    if head.activation == "sigmoid":
        threshold = "0.5"
    elif head.activation == "linear" and head.loss is not None and head.loss.from_logits is True:
        threshold = "0"
    else:
        return None
    if _is_method_call(context, node):
        predictions: cst.BaseExpression = node.func.value  # type: ignore[attr-defined]  # p.argmax(axis=-1)
    else:
        positional = _positional(node)
        if not positional:
            return None
        predictions = positional[0].value  # np.argmax(p, axis=-1)
    return [Replace(node, f"({_atom(context, predictions)} > {threshold}).astype(int).ravel()")]


@fixer("KC207", safe=True, title="replace the removed method with model.predict")
def replace_removed_predict(diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
    """Safe: the replacement is what the removed method itself computed.

    Keras' ``predict_classes`` returned ``predict(x).argmax(axis=-1)`` for
    several outputs and ``(predict(x) > 0.5).astype("int32")`` for one;
    ``predict_proba`` returned ``predict(x)``. The call is rewritten to that,
    with the same arguments, for a model whose single output is known
    (softmax, or one sigmoid unit); otherwise no fix.
    """
    node = diagnostic.anchor.node
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return None
    fact = next((c for c in context.facts.removed_calls if c.anchor.node is node), None)
    head = _prediction_head(context, fact.model) if fact is not None else None
    if fact is None or head is None or head.units is None:
        return None
    predict = node.with_changes(func=node.func.with_changes(attr=cst.Name("predict")))
    code = context.code(predict)
    if fact.method == "predict_proba":
        if head.activation not in ("softmax", "sigmoid"):
            return None
        return [Replace(node, code)]
    if head.activation == "softmax" and head.units >= 2:
        return [Replace(node, f"{code}.argmax(axis=-1)")]
    if head.activation == "sigmoid" and head.units == 1:
        return [Replace(node, f'({code} > 0.5).astype("int32")')]
    return None


# -- KC4xx -----------------------------------------------------------------------


@fixer("KC402", safe=True, title="remove the repeated activation layer")
def drop_repeated_activation(diagnostic: Diagnostic, context: FixContext) -> list[NodeEdit] | None:
    """Safe: the removed layer has no weights, and applying the same activation twice is never intended.

    Only in the two shapes where removing a layer is a local edit: an element
    of a layer list (``Sequential([...])``) and a ``model.add(...)``
    statement. In a functional graph (``x = Activation(...)(x)``) the name
    binding would have to change too, so there is no fix.
    """
    node = diagnostic.anchor.node
    if not isinstance(node, cst.Call):
        return None
    parent = context.parent(node)
    if isinstance(parent, cst.Element):
        container = context.parent(parent)
        if not isinstance(container, (cst.List, cst.Tuple)) or len(container.elements) < 2:
            return None
        if context.alone_on_lines(node, allow_comma=True):
            return [DeleteLines(node)]
        return [Replace(container, _without_element(container, parent))]
    if isinstance(parent, cst.Arg) and parent.keyword is None:
        add = context.parent(parent)
        if not (
            isinstance(add, cst.Call)
            and isinstance(add.func, cst.Attribute)
            and add.func.attr.value == "add"
            and len(add.args) == 1
        ):
            return None
        expression = context.parent(add)
        statement = context.parent(expression) if isinstance(expression, cst.Expr) else None
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        block = context.parent(statement)
        if isinstance(block, cst.IndentedBlock) and len(block.body) < 2:
            return None  # the block would be left empty
        if not context.alone_on_lines(statement):
            return None
        return [DeleteLines(statement)]
    return None


def _without_element(container: cst.List | cst.Tuple, element: cst.BaseElement) -> cst.List | cst.Tuple:
    elements = list(container.elements)
    index = next(i for i, e in enumerate(elements) if e is element)
    removed = elements.pop(index)
    if index == len(elements) and index > 0:
        # The last one goes: its predecessor takes over its comma (or lack of one).
        elements[index - 1] = elements[index - 1].with_changes(comma=removed.comma)
    return container.with_changes(elements=elements)
