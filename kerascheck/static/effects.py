"""What a block of statements may do, read without running it.

The interpreter asks two questions before it runs code in a way that depends
on the answer: may a loop body leave early (``break``/``continue``: then it
cannot be run once per item), and which names does a function change in place
(``cfg["x"] = 1``, ``stack.append(layer)``: then the caller's lists and dicts
of those names are no longer what it knew). Statements are read, never a
whole-tree visit: the answer must cost much less than the analysis it guards.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

Block = Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement]

_MUTATING_METHODS = frozenset(
    {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "sort", "reverse"}
)


def leaves_early(body: Block) -> bool:
    """Whether a loop body may ``break`` or ``continue`` (then it cannot be run item by item)."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            if any(isinstance(small, (cst.Break, cst.Continue)) for small in statement.body):
                return True
        elif isinstance(statement, (cst.If, cst.With, cst.Try, cst.TryStar, cst.Match)):
            bodies: list[Block] = []
            if isinstance(statement, cst.If):
                bodies.append(statement.body.body)
                orelse = statement.orelse
                while isinstance(orelse, cst.If):
                    bodies.append(orelse.body.body)
                    orelse = orelse.orelse
                if isinstance(orelse, cst.Else):
                    bodies.append(orelse.body.body)
            elif isinstance(statement, cst.With):
                bodies.append(statement.body.body)
            elif isinstance(statement, (cst.Try, cst.TryStar)):
                bodies.append(statement.body.body)
                bodies.extend(handler.body.body for handler in statement.handlers)
                for extra in (statement.orelse, statement.finalbody):
                    if extra is not None:
                        bodies.append(extra.body.body)
            else:
                bodies.extend(case.body.body for case in statement.cases)
            if any(leaves_early(inner) for inner in bodies):
                return True
    return False


def mutated_names(node: cst.FunctionDef) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Names whose list or dict the function changes in place (``p[k] = v``, ``p.append(x)``,
    ``del p[k]``), the names it assigns (its own locals), and the names it declares
    ``global`` and assigns or changes: those rebind the module's variable
    (``global y_train; y_train = to_categorical(y_train)``); the interpreter binds
    what the call left in them.

    Reads statements only (a method call that mutates is nearly always a statement of its
    own, or the value of an assignment): a full visitor would cost as much as the analysis.
    """
    mutated: set[str] = set()
    assigned: set[str] = set()
    declared: set[str] = set()
    _scan_mutations(node.body.body, mutated, assigned, declared)
    outer = declared & (mutated | assigned)
    return frozenset(mutated), frozenset(assigned - outer), frozenset(outer)


def _scan_mutations(body: Block, mutated: set[str], assigned: set[str], declared: set[str]) -> None:
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Global):
                    declared.update(item.name.value for item in small.names)
                _scan_small(small, mutated, assigned)
        elif isinstance(statement, (cst.For, cst.While, cst.If, cst.With, cst.Try, cst.TryStar)):
            if isinstance(statement, cst.For):
                _assigned_names(statement.target, assigned)
            if isinstance(statement, cst.With):
                for item in statement.items:
                    if item.asname is not None:
                        _assigned_names(item.asname.name, assigned)
            for inner in _inner_bodies(statement):
                _scan_mutations(inner, mutated, assigned, declared)
        elif isinstance(statement, cst.Match):
            for case in statement.cases:
                _scan_mutations(case.body.body, mutated, assigned, declared)


def _inner_bodies(statement: cst.BaseCompoundStatement) -> list[Block]:
    bodies: list[Block] = [statement.body.body]
    extra: list[cst.CSTNode | None] = []
    if isinstance(statement, (cst.For, cst.While, cst.If)):
        extra.append(statement.orelse)
    elif isinstance(statement, (cst.Try, cst.TryStar)):
        extra.extend(handler for handler in statement.handlers)
        extra.extend((statement.orelse, statement.finalbody))
    for part in extra:
        if isinstance(part, cst.If):
            bodies.extend(_inner_bodies(part))
        elif part is not None and isinstance(getattr(part, "body", None), cst.IndentedBlock):
            bodies.append(part.body.body)  # type: ignore[attr-defined]
    return bodies


def _scan_small(small: cst.BaseSmallStatement, mutated: set[str], assigned: set[str]) -> None:
    value: cst.BaseExpression | None = None
    if isinstance(small, cst.Assign):
        for target in small.targets:
            if isinstance(target.target, cst.Subscript):
                _mutated_name(target.target, mutated)
            else:
                _assigned_names(target.target, assigned)
        value = small.value
    elif isinstance(small, cst.AnnAssign):
        _assigned_names(small.target, assigned)
        value = small.value
    elif isinstance(small, (cst.AugAssign, cst.Del)):
        if isinstance(small.target, cst.Subscript):
            _mutated_name(small.target, mutated)
        elif isinstance(small, cst.AugAssign):
            _assigned_names(small.target, assigned)
    elif isinstance(small, cst.Expr):
        value = small.value
    func = value.func if isinstance(value, cst.Call) else None
    if isinstance(func, cst.Attribute) and func.attr.value in _MUTATING_METHODS:
        _mutated_name(func.value, mutated)


def _mutated_name(target: cst.BaseExpression, mutated: set[str]) -> None:
    if isinstance(target, cst.Subscript):
        target = target.value
    if isinstance(target, cst.Name):
        mutated.add(target.value)


def _assigned_names(target: cst.BaseExpression, assigned: set[str]) -> None:
    if isinstance(target, cst.Name):
        assigned.add(target.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _assigned_names(element.value, assigned)
