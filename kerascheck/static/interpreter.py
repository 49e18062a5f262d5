"""A small abstract interpreter over libcst: source code in, facts out.

It reads statements in order like a careful reader: imports bind canonical
names, assignments bind abstract values, calls into Keras build layers,
tensors and models, ``model.add``/``compile``/``fit`` mutate the model.
Functions defined in the file are followed when called with known arguments
(one summary per call, bounded depth), and once with unknown arguments if the
file never calls them. Branches are run separately and merged: a name that
differs between branches becomes unknown, and a model changed inside a branch
or loop gets an unknown layer or loss rather than a guess.

Only statements are walked; expressions are evaluated where a statement
needs them. There is no visitor over every node, which keeps the cost of a
file with no Keras model close to the cost of parsing it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from kerascheck import budget
from kerascheck import facts as kf
from kerascheck.static.effects import Block, leaves_early, mutated_names
from kerascheck.static.keras_api import Args
from kerascheck.static.names import canonical, dotted_name, import_bindings
from kerascheck.static.semantics import REGISTRY, CallContext, ProgramState, arrays, dtypes, model_shapes, operators
from kerascheck.static.semantics.builtins import BUILTIN_NAMES
from kerascheck.static.semantics.keras import LAYER_BASES, MODEL_CLASSES, UNKNOWN_LAYER, chain_of
from kerascheck.static.values import (
    MAYBE_MORE,
    UNKNOWN,
    BoundMethod,
    ClassObj,
    Const,
    Env,
    Function,
    Instance,
    LayerObj,
    Mapping,
    ModelObj,
    Partial,
    Ref,
    Seq,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    from kerascheck.static.project import Session

STAR_IMPORTS = "<star imports>"  # env key: the Keras modules star-imported in this scope, latest first
__all__ = ["Env", "Interpreter", "merge_envs", "same"]


def same(a: Value, b: Value) -> bool:
    """Whether two branches left a name bound to the same value."""
    if a is b:
        return True
    if type(a) is not type(b) or isinstance(a, (ModelObj, Instance)):
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


def agree(a: Value, b: Value) -> Value | None:
    """What two branches agree on: ``a`` if they are the same, ``a`` without a dtype they differ in, or None."""
    if same(a, b):
        return a
    return dtypes.without_dtype(a, b)


def merge_envs(first: Env, second: Env) -> Env:
    merged: Env = {}
    for name in first.keys() | second.keys():
        a, b = first.get(name, UNKNOWN), second.get(name, UNKNOWN)
        merged[name] = agree(a, b) or arrays.merge_grown(a, b) or _merge_lists(a, b)
    return merged


def _merge_lists(a: Value, b: Value) -> Value:
    """One branch appended to a list the other left alone: the shared start, then maybe more."""
    if not isinstance(a, Seq) or not isinstance(b, Seq) or len(a.items) == len(b.items):
        return UNKNOWN
    short, long = (a, b) if len(a.items) < len(b.items) else (b, a)
    if not all(same(x, y) for x, y in zip(short.items, long.items, strict=False)):
        return UNKNOWN
    head = short.items[:-1] if short.items and short.items[-1] is MAYBE_MORE else short.items
    return Seq((*head, MAYBE_MORE))


class _Frame:
    def __init__(self) -> None:
        self.returns: list[Value] = []


class Interpreter:
    """Runs one module (or notebook program) abstractly and collects facts."""

    MAX_CALL_DEPTH = 4
    MAX_RUNS_PER_FUNCTION = 8
    MAX_RUNS_PER_FILE = 200

    def __init__(self, session: Session | None = None) -> None:
        # Project-wide analysis (static/project.py): imports of the project's own modules.
        self.session = session
        self.state = ProgramState()
        self.functions: list[tuple[Function, ClassObj | None]] = []
        self.model_classes: list[ClassObj] = []
        self.called: set[int] = set()
        self.runs: dict[int, int] = {}
        self.total_runs = 0
        self.steps = 0  # statements executed, against budget.MAX_STEPS
        self.depth = 0
        self.unrolled = 0  # how many loops over literal lists enclose the current statement
        # function node -> (names whose list/dict it changes in place, names it assigns)
        self.mutations: dict[int, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
        self.frames: list[_Frame] = []
        self.current_statement: cst.CSTNode | None = None  # the anchor statement of facts made now

    # -- entry point ------------------------------------------------------

    def run(self, module: cst.Module) -> kf.ProgramFacts:
        env: Env = {}
        self.exec_block(module.body, env)
        index = 0
        while index < len(self.functions):
            function, owner = self.functions[index]
            index += 1
            if id(function.node) in self.called:
                continue
            owner_value = Instance(owner) if owner is not None else None
            self.call_function(function, Args([], {}, has_star=True), self_value=owner_value)
        for cls in self.model_classes:
            if id(cls.node) not in self.called:
                anchor = kf.Anchor(node=cls.node.name, statement=cls.node)
                self.instantiate_model(cls, Args([], {}, has_star=True), anchor)
        models: list[kf.Model] = []
        for model in self.state.models:
            models.extend(self.model_facts(model))
        data = self.state
        return kf.ProgramFacts(
            models=tuple(models),
            argmaxes=tuple(data.argmaxes),
            metric_calls=tuple(data.metric_calls),
            removed_calls=tuple(data.removed_calls),
            preprocessing_fits=tuple(data.preprocessing_fits),
            splits=tuple(data.splits),
            shape_conflicts=tuple(data.shape_conflicts),
        )

    # -- statements -------------------------------------------------------

    def exec_block(self, body: Sequence[cst.BaseStatement | cst.BaseSmallStatement], env: Env) -> bool:
        """Run statements; True if the block certainly returned."""
        return any(self.exec_statement(statement, env) for statement in body)

    def exec_statement(self, statement: cst.CSTNode, env: Env) -> bool:
        if isinstance(statement, cst.SimpleStatementLine):
            return self.exec_block(statement.body, env)
        self.steps += 1
        if self.steps > budget.MAX_STEPS:
            raise budget.OverBudget(f"too complex to check: more than {budget.MAX_STEPS} interpreter steps")
        self.current_statement = statement
        if isinstance(statement, cst.Assign):
            value = self.eval(statement.value, env)
            for target in statement.targets:
                self.bind(target.target, value, env)
        elif isinstance(statement, cst.AnnAssign):
            if statement.value is not None:
                self.bind(statement.target, self.eval(statement.value, env), env)
        elif isinstance(statement, cst.AugAssign):
            current = self.eval(statement.target, env)
            value = operators.binary_operation(current, statement.operator, self.eval(statement.value, env))
            self.bind(statement.target, value, env)
        elif isinstance(statement, cst.Expr):
            self.eval(statement.value, env)
        elif isinstance(statement, cst.Return):
            value = self.eval(statement.value, env) if statement.value is not None else Const(None)
            if self.frames:
                self.frames[-1].returns.append(value)
            return True
        elif isinstance(statement, (cst.Import, cst.ImportFrom)):
            self.exec_import(statement, env)
        elif isinstance(statement, cst.FunctionDef):
            function = self.define_function(statement, env)
            env[statement.name.value] = function
            self.functions.append((function, None))
        elif isinstance(statement, cst.ClassDef):
            env[statement.name.value] = self.define_class(statement, env)
        elif isinstance(statement, cst.If):
            return self.exec_if(statement, env)
        elif isinstance(statement, cst.For):
            return self.exec_for(statement, env)
        elif isinstance(statement, cst.While):
            self.exec_branches(env, [statement.body.body, ()])
            if statement.orelse is not None:
                self.exec_block(statement.orelse.body.body, env)
        elif isinstance(statement, cst.Del):
            self.exec_del(statement.target, env)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                self.eval(item.item, env)
                if item.asname is not None:
                    self.bind(item.asname.name, UNKNOWN, env)
            return self.exec_block(statement.body.body, env)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            returned = self.exec_block(statement.body.body, env)
            if statement.handlers:
                self.exec_branches(env, [(), *(handler.body.body for handler in statement.handlers)])
            if statement.orelse is not None and not returned:
                returned = self.exec_block(statement.orelse.body.body, env)
            if statement.finalbody is not None:
                returned = self.exec_block(statement.finalbody.body.body, env) or returned
            return returned
        elif isinstance(statement, cst.Match):
            self.exec_branches(env, [case.body.body for case in statement.cases] + [()])
        return False

    def exec_import(self, statement: cst.Import | cst.ImportFrom, env: Env) -> None:
        """Bind the names an import statement introduces.

        The one place imports are handled: every imported name becomes a
        canonical reference to a library name (``keras.layers.Dense``). The
        project-wide analysis resolves the project's own modules here.
        """
        if self.session is not None and self.session.bind_import(statement, env, self):
            return
        for local, full in import_bindings(statement):
            env[local] = Ref(canonical(full))
        if isinstance(statement, cst.ImportFrom) and isinstance(statement.names, cst.ImportStar):
            module = dotted_name(statement.module) if statement.module is not None and not statement.relative else None
            if module is not None and canonical(module).startswith("keras."):
                # ``from keras.layers import *``: any name this scope does not bind may be one of them.
                known = env.get(STAR_IMPORTS)
                modules = known.items if isinstance(known, Seq) else ()
                env[STAR_IMPORTS] = Seq((Ref(canonical(module)), *modules))

    MAX_UNROLLED_ITEMS = 16
    MAX_UNROLL_NESTING = 2

    def exec_for(self, statement: cst.For, env: Env) -> bool:
        """A loop over a literal list (``for units in [64, 32]``) runs once per item, in order.

        Any other loop runs its body as a branch that may or may not happen,
        with the loop variable unknown.
        """
        iterable = self.eval(statement.iter, env)
        if (
            isinstance(iterable, Seq)
            and iterable.closed
            and 0 < len(iterable.items) <= self.MAX_UNROLLED_ITEMS
            and self.unrolled < self.MAX_UNROLL_NESTING
            and not leaves_early(statement.body.body)
        ):
            self.unrolled += 1
            try:
                for item in iterable.items:
                    self.bind(statement.target, item, env)
                    if self.exec_block(statement.body.body, env):
                        return True
            finally:
                self.unrolled -= 1
        else:
            self.bind(statement.target, UNKNOWN, env)
            self.exec_branches(env, [statement.body.body, ()])
        if statement.orelse is not None:
            return self.exec_block(statement.orelse.body.body, env)
        return False

    def exec_del(self, target: cst.BaseExpression, env: Env) -> None:
        """``del cfg["key"]`` changes ``cfg``: forget what it held; ``del name`` unbinds."""
        if isinstance(target, cst.Name):
            env.pop(target.value, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.exec_del(element.value, env)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, (cst.Name, cst.Attribute)):
            self.bind(target.value, UNKNOWN, env)

    def forget_mutated(self, function: Function, node: cst.Call, env: Env, bound: bool = False) -> None:
        """A function that changes a list or dict in place (``cfg["x"] = 1``) changes the caller's.

        Arguments passed for the parameters it changes, and module-level names it
        changes, become unknown in the caller (their content is not followed).
        """
        key = id(function.node)
        mutated = self.mutations.get(key)
        if mutated is None:
            mutated = self.mutations[key] = mutated_names(function.node)
        changed, local, outer = mutated  # globals it rebinds: call_function binds what it left
        if not changed:
            return
        params = function.node.params
        names = [param.name.value for param in (*params.posonly_params, *params.params)][1 if bound else 0 :]
        for scope in (env, function.closure):
            for name in changed - local - outer - set(names):
                if isinstance(scope.get(name), (Seq, Mapping)):
                    scope[name] = UNKNOWN
        position = 0
        for arg in node.args:
            if arg.star:
                continue
            parameter = arg.keyword.value if arg.keyword is not None else None
            if parameter is None:
                parameter = names[position] if position < len(names) else None
                position += 1
            variable = arg.value.value if isinstance(arg.value, cst.Name) else None
            if parameter in changed and variable is not None and isinstance(env.get(variable), (Seq, Mapping)):
                env[variable] = UNKNOWN

    def exec_if(self, statement: cst.If, env: Env) -> bool:
        imported = self.session is not None and self.session.summarising  # then __name__ != "__main__"
        test = self.eval(statement.test, env) if not _is_main_guard(statement.test) else Const(not imported)
        orelse = statement.orelse
        else_body: Block = ()
        if isinstance(orelse, cst.Else):
            else_body = orelse.body.body
        elif isinstance(orelse, cst.If):
            else_body = (orelse,)
        if isinstance(test, Const):
            return self.exec_block(statement.body.body if test.value else else_body, env)
        guard = _tests_width(statement.test)
        self.state.width_guarded += guard
        try:
            return self.exec_branches(env, [statement.body.body, else_body])
        finally:
            self.state.width_guarded -= guard

    def exec_branches(self, env: Env, bodies: Sequence[Block]) -> bool:
        """Run alternative bodies from the same state; merge what they leave."""
        before = dict(env)
        survivors: list[Env] = []
        self.state.conditional += 1
        try:
            for body in bodies:
                env.clear()
                env.update(before)
                if not self.exec_block(body, env):
                    survivors.append(dict(env))
        finally:
            self.state.conditional -= 1
        env.clear()
        if not survivors:
            env.update(before)
            return True
        merged = survivors[0]
        for other in survivors[1:]:
            merged = merge_envs(merged, other)
        env.update(merged)
        return False

    def bind(self, target: cst.BaseExpression, value: Value, env: Env) -> None:
        if isinstance(target, cst.Name):
            env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items = operators.unpack(value, len(elements))
            for index, element in enumerate(elements):
                if isinstance(element, cst.StarredElement):
                    self.bind(element.value, UNKNOWN, env)
                else:
                    self.bind(element.value, items[index] if items else UNKNOWN, env)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, env)
            if isinstance(owner, Instance):
                owner.attrs[target.attr.value] = value
            elif isinstance(owner, ClassObj):
                owner.namespace[target.attr.value] = UNKNOWN  # changed from outside its body: not followed
        elif isinstance(target, cst.Subscript) and isinstance(target.value, (cst.Name, cst.Attribute)):
            key: Value = UNKNOWN
            if len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
                key = self.eval(target.slice[0].slice.value, env)
            container = self.eval(target.value, env)
            updated = operators.assign_item(container, key, value)
            if updated is not None:
                self.rebind_changed(target.value, container, updated, env)

    def reassign(self, target: cst.BaseExpression, value: Value, env: Env) -> None:
        """A library call changed what ``target`` holds (``layers.append(x)``, ``np.random.shuffle(y)``)."""
        self.rebind_changed(target, self.eval(target, env), value, env)

    def rebind_changed(self, target: cst.BaseExpression, old: Value, new: Value, env: Env) -> None:
        """``target``'s list or dict was changed in place: rebind it, and forget its other names.

        Lists and dicts are immutable values here, so another name for the same
        object (``alias = cfg``, or a list holding it) would keep the old content:
        it becomes unknown instead.
        """
        self.bind(target, new, env)
        if not isinstance(old, (Seq, Mapping)):
            return
        kept = target.value if isinstance(target, cst.Name) else None
        for name, value in list(env.items()):
            if name != kept and _holds(value, old):
                env[name] = UNKNOWN

    # -- definitions ------------------------------------------------------

    def define_function(self, node: cst.FunctionDef, env: Env) -> Function:
        defaults = []
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                defaults.append((param.name.value, self.eval(param.default, env)))
        return Function(node=node, closure=env, defaults=tuple(defaults))

    def define_class(self, node: cst.ClassDef, env: Env) -> ClassObj:
        is_model = is_layer = False
        methods: dict[str, Function] = {}
        for base in node.bases:
            value = self.eval(base.value, env)
            if isinstance(value, Ref):
                is_model |= value.qualname in MODEL_CLASSES
                is_layer |= value.qualname in LAYER_BASES
            elif isinstance(value, ClassObj):
                is_model |= value.is_model
                is_layer |= value.is_layer
                methods.update(value.methods)
        own: list[Function] = []
        namespace: Env = {}
        for base in node.bases:
            inherited = self.eval(base.value, env)
            if isinstance(inherited, ClassObj):
                namespace.update(inherited.namespace)
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                function = self.define_function(statement, env)
                methods[statement.name.value] = function
                own.append(function)
            elif isinstance(statement, cst.SimpleStatementLine):
                self.class_attributes(statement, env, namespace)
        cls = ClassObj(
            node=node,
            closure=env,
            is_model=is_model,
            is_layer=is_layer,
            methods=tuple(methods.items()),
            namespace=namespace,
            decorated=bool(node.decorators),
        )
        if is_model:
            self.model_classes.append(cls)
        elif not is_layer:
            self.functions.extend((function, cls) for function in own)
        return cls

    def class_attributes(self, line: cst.SimpleStatementLine, env: Env, namespace: Env) -> None:
        """``NUM_CLASSES = 5`` in a class body (a config class): a class attribute."""
        for small in line.body:
            target: cst.BaseExpression | None = None
            value: cst.BaseExpression | None = None
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            elif isinstance(small, cst.AnnAssign):
                target, value = small.target, small.value
            if isinstance(target, cst.Name) and value is not None:
                namespace[target.value] = self.eval(value, {**env, **namespace})

    # -- expressions ------------------------------------------------------

    def eval(self, node: cst.BaseExpression, env: Env) -> Value:
        if isinstance(node, cst.Name):
            found = env.get(node.value)
            if found is not None:
                return found
            builtin = BUILTIN_NAMES.get(node.value)
            if builtin is not None:
                return builtin
            return self.star_imported(node.value, env)
        if isinstance(node, cst.Attribute):
            return self.attribute(self.eval(node.value, env), node.attr.value)
        if isinstance(node, cst.Call):
            return self.call(node, env)
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            return literal(node)
        if isinstance(node, (cst.List, cst.Tuple)):
            items: list[Value] = []
            for element in node.elements:
                value = self.eval(element.value, env)
                if not isinstance(element, cst.StarredElement):
                    items.append(value)
                elif isinstance(value, Seq):
                    items.extend(value.items)  # [keras.Input(...), *hidden, head]
                else:
                    return UNKNOWN
            return Seq(tuple(items))
        if isinstance(node, cst.Dict):
            return self.eval_dict(node, env)
        if isinstance(node, cst.ListComp):
            return self.eval_list_comprehension(node, env)
        if isinstance(node, cst.UnaryOperation):
            operand = self.eval(node.expression, env)
            negative = isinstance(node.operator, cst.Minus) and isinstance(operand, Const)
            if negative and type(operand.value) in (int, float):  # type: ignore[attr-defined]
                return Const(-operand.value)  # type: ignore[attr-defined]
            return UNKNOWN
        if isinstance(node, cst.BinaryOperation):
            return operators.binary_operation(self.eval(node.left, env), node.operator, self.eval(node.right, env))
        if isinstance(node, cst.Subscript):
            return self.subscript(node, env)
        if isinstance(node, cst.Comparison):
            left = self.eval(node.left, env)
            for comparison in node.comparisons:
                self.eval(comparison.comparator, env)
            return operators.comparison(left)
        if isinstance(node, cst.IfExp):
            body, orelse = self.eval(node.body, env), self.eval(node.orelse, env)
            return agree(body, orelse) or UNKNOWN
        if isinstance(node, cst.NamedExpr):
            value = self.eval(node.value, env)
            self.bind(node.target, value, env)
            return value
        return UNKNOWN

    def subscript(self, node: cst.Subscript, env: Env) -> Value:
        value = self.eval(node.value, env)
        elements: list[operators.Index | operators.Slice] = []
        for element in node.slice:
            part = element.slice
            if isinstance(part, cst.Index):
                if isinstance(part.value, cst.Ellipsis):
                    elements.append(operators.Index(UNKNOWN, ellipsis=True))
                else:
                    elements.append(operators.Index(self.eval(part.value, env)))
            elif isinstance(part, cst.Slice):
                whole = part.lower is None and part.upper is None and part.step is None
                bounds = (self.slice_bound(part.lower, env), self.slice_bound(part.upper, env))
                known = part.step is None and all(
                    b is not None or p is None for b, p in zip(bounds, (part.lower, part.upper), strict=True)
                )
                elements.append(operators.Slice(whole=whole, bounds=bounds if known else None))
        of = node.value.value if isinstance(node.value, cst.Name) else None
        return operators.subscript(value, elements, of)

    def star_imported(self, name: str, env: Env) -> Value:
        """A name no scope binds, after ``from keras.layers import *``: that module's member."""
        modules = env.get(STAR_IMPORTS)
        if not isinstance(modules, Seq) or not modules.items:
            return UNKNOWN
        candidates = [canonical(f"{module.qualname}.{name}") for module in modules.items if isinstance(module, Ref)]
        for qualname in candidates:  # a name some module is known to have (keras.models.Sequential)
            if any(entry.exact for entry in REGISTRY.candidates(qualname)):
                return Ref(qualname)
        if len(candidates) == 1:
            return Ref(candidates[0])
        layers = [qualname for qualname in candidates if qualname.startswith("keras.layers.")]
        if name[:1].isupper() and layers:
            return Ref(layers[0])  # a class: the layer of that name
        return UNKNOWN  # several star imports: which one a helper comes from would be a guess

    def eval_list_comprehension(self, node: cst.ListComp, env: Env) -> Value:
        """``[Dense(n) for n in (64, 32)]`` over a literal: the list it builds; anything else unknown."""
        clause = node.for_in
        if clause.inner_for_in is not None or clause.ifs or clause.asynchronous is not None:
            return UNKNOWN
        iterable = self.eval(clause.iter, env)
        if not isinstance(iterable, Seq) or not iterable.closed or len(iterable.items) > self.MAX_UNROLLED_ITEMS:
            return UNKNOWN
        scope = dict(env)  # the comprehension's variable does not leak into the enclosing scope
        items = []
        for item in iterable.items:
            self.bind(clause.target, item, scope)
            items.append(self.eval(node.elt, scope))
        return Seq(tuple(items))

    def slice_bound(self, node: cst.BaseExpression | None, env: Env) -> int | None:
        if node is None:
            return None
        value = self.eval(node, env)
        return value.value if isinstance(value, Const) and type(value.value) is int else None

    def eval_dict(self, node: cst.Dict, env: Env) -> Value:
        items: list[tuple[object, Value]] = []
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return UNKNOWN
            key = self.eval(element.key, env)
            if not isinstance(key, Const):
                return UNKNOWN
            items.append((key.value, self.eval(element.value, env)))
        return Mapping(tuple(items))

    def attribute(self, owner: Value, name: str) -> Value:
        if isinstance(owner, Ref):
            return Ref(canonical(f"{owner.qualname}.{name}"))
        if isinstance(owner, Instance):
            if name in owner.attrs:
                return owner.attrs[name]
            if owner.cls is not None and owner.cls.method(name) is not None:
                return BoundMethod(owner, name)
            if owner.cls is not None and not owner.cls.decorated:
                return owner.cls.namespace.get(name, UNKNOWN)
            return UNKNOWN
        if isinstance(owner, ClassObj):
            return owner.namespace.get(name, UNKNOWN)
        return REGISTRY.attribute_of(owner, name)

    def evaluate_args(self, node: cst.Call, env: Env) -> Args:
        positional: list[Value] = []
        keywords: dict[str, Value] = {}
        has_star = False
        for arg in node.args:
            if arg.star:
                # f(*known_list) and f(**known_dict) spread their items; anything else hides arguments.
                value = self.eval(arg.value, env)
                if arg.star == "**" and isinstance(value, Mapping) and all(isinstance(k, str) for k, _ in value.items):
                    keywords.update((str(k), v) for k, v in value.items)
                elif arg.star == "*" and isinstance(value, Seq) and value.closed and not keywords:
                    positional.extend(value.items)
                else:
                    has_star = True
            elif arg.keyword is not None:
                keywords[arg.keyword.value] = self.eval(arg.value, env)
            else:
                positional.append(self.eval(arg.value, env))
        return Args(positional, keywords, has_star, node)

    def call(self, node: cst.Call, env: Env) -> Value:
        callee = self.eval(node.func, env)
        args = self.evaluate_args(node, env)
        if self.session is not None:  # where the linted file enters another module (static/project.py)
            self.session.saw_call(node, kf.Anchor(node=node, statement=self.current_statement))
        return self.call_value(callee, args, node, env)

    def call_value(self, callee: Value, args: Args, node: cst.Call, env: Env) -> Value:
        """Call ``callee`` (a library name, user function or class, method, partial, layer...)."""
        if isinstance(callee, Partial):
            keywords = {**dict(callee.keywords), **args.keywords}
            merged = Args([*callee.positional, *args.positional], keywords, args.has_star or callee.has_star, node)
            return self.call_value(callee.func, merged, node, env)
        if isinstance(callee, Function):
            result = self.call_function(callee, args)
            self.forget_mutated(callee, node, env)
            return result
        anchor = kf.Anchor(node=node, statement=self.current_statement)
        if isinstance(callee, ClassObj):
            return self.instantiate(callee, args, anchor)
        if isinstance(callee, Ref):
            return REGISTRY.call_function(self.context(args, anchor, env, node, qualname=callee.qualname))
        receiver, method = callee, "__call__"
        if isinstance(callee, BoundMethod):
            receiver, method = callee.owner, callee.name
            if isinstance(receiver, Instance):
                function = receiver.cls.method(method) if receiver.cls is not None else None
                if function is not None:
                    result = self.call_function(function, args, self_value=receiver)
                    self.forget_mutated(function, node, env, bound=True)
                    return result
                receiver = receiver.attrs.get("__model__", UNKNOWN)  # a subclassed model's own methods
                if not isinstance(receiver, ModelObj):
                    return UNKNOWN
        return REGISTRY.call_method(self.context(args, anchor, env, node, receiver=receiver, method=method))

    def context(
        self,
        args: Args,
        anchor: kf.Anchor,
        env: Env,
        node: cst.Call,
        qualname: str = "",
        receiver: Value | None = None,
        method: str = "",
    ) -> CallContext:
        """What a semantic handler gets: the call, its scope and a way to rebind what it changes."""
        return CallContext(
            args=args,
            anchor=anchor,
            env=env,
            state=self.state,
            node=node,
            qualname=qualname,
            receiver=receiver,
            method=method,
            assign=lambda target, value: self.reassign(target, value, env),
        )

    # -- classes ----------------------------------------------------------

    def instantiate(self, cls: ClassObj, args: Args, anchor: kf.Anchor) -> Value:
        if cls.is_model:
            return self.instantiate_model(cls, args, anchor)
        if cls.is_layer:
            return LayerObj(kf.Layer(kind=None, anchor=anchor))
        instance = Instance(cls)
        init = cls.method("__init__")
        if init is not None:
            self.call_function(init, args, self_value=instance)
        return instance

    def instantiate_model(self, cls: ClassObj, args: Args, anchor: kf.Anchor) -> ModelObj:
        """A subclassed model: layers from ``__init__``, the head from what ``call`` returns."""
        self.called.add(id(cls.node))
        model = self.state.register(ModelObj(anchor, "subclass", cls.node.name.value))
        instance = Instance(cls)
        instance.attrs["__model__"] = model
        init = cls.method("__init__")
        if init is not None:
            self.call_function(init, args, self_value=instance)
        call = cls.method("call")
        result: Value = UNKNOWN
        if call is not None:
            result = self.call_function(call, Args([Tensor(())], {}, has_star=True), self_value=instance)
        if isinstance(result, Tensor):
            model.outputs.append((result.chain, None))
        elif isinstance(result, Seq) and all(isinstance(item, Tensor) for item in result.items):
            model.outputs.extend((chain_of(item), None) for item in result.items)
        else:
            model.outputs.append(((UNKNOWN_LAYER,), None))
        return model

    def model_facts(self, model: ModelObj) -> list[kf.Model]:
        """One Model fact per compile of the model (each with the fits that followed it)."""
        heads = tuple(kf.make_head(chain, name=name) for chain, name in model.chains())
        heads = model_shapes.heads_with_shapes(self.state, model, heads)
        phases = [*model.earlier_phases, (model.loss_spec, model.metric_spec, model.compile_anchor, model.fits)]
        facts = []
        for phase, (loss_spec, metric_spec, compile_anchor, fits) in enumerate(phases):
            facts.append(
                kf.Model(
                    heads=kf.with_compile(heads, loss_spec, metric_spec) if model.compiled else heads,
                    anchor=model.anchor,
                    name=model.name,
                    compiled=model.compiled,
                    fits=tuple(fit for fit in fits if fit.method == "fit"),
                    compile_anchor=compile_anchor,
                    trained=model.trained,
                    nested=model.nested,
                    predicts=model.inference,
                    key=model.index,
                    evaluations=tuple(fit for fit in fits if fit.method != "fit"),
                    inputs=model.declared_inputs,
                    data_calls=model_shapes.calls_in_phase(model, phase),
                )
            )
        return facts

    # -- user functions ---------------------------------------------------

    def call_function(self, function: Function, args: Args, self_value: Value | None = None) -> Value:
        key = id(function.node)
        self.called.add(key)
        if (
            self.depth >= self.MAX_CALL_DEPTH
            or self.runs.get(key, 0) >= self.MAX_RUNS_PER_FUNCTION
            or self.total_runs >= self.MAX_RUNS_PER_FILE
        ):
            if self.session is not None:  # said by --verbose/--statistics, not silently
                self.session.budget_reached(self.budget_name(key), function.node.name.value)
            for name in global_names(function.node):  # not followed: what it rebinds is unknown
                function.closure[name] = UNKNOWN
            return UNKNOWN
        self.runs[key] = self.runs.get(key, 0) + 1
        self.total_runs += 1
        local: Env = dict(function.closure)
        self.bind_parameters(function, args, self_value, local)
        frame = _Frame()
        self.frames.append(frame)
        self.depth += 1
        caller_statement = self.current_statement
        if self.session is not None:
            self.session.enter(function)
        try:
            self.exec_block(function.node.body.body, local)
        finally:
            if self.session is not None:
                self.session.leave()
            self.depth -= 1
            self.frames.pop()
            self.current_statement = caller_statement
        for name in global_names(function.node):  # ``global y; y = to_categorical(y)`` rebinds the module's y
            function.closure[name] = local.get(name, UNKNOWN)
        if not frame.returns:
            return Const(None)
        result: Value | None = frame.returns[0]
        for other in frame.returns[1:]:
            result = agree(result, other) if result is not None else None
        return result if result is not None else UNKNOWN

    def budget_name(self, key: int) -> str:
        if self.depth >= self.MAX_CALL_DEPTH:
            return f"calls nested deeper than {self.MAX_CALL_DEPTH}"
        if self.runs.get(key, 0) >= self.MAX_RUNS_PER_FUNCTION:
            return f"more than {self.MAX_RUNS_PER_FUNCTION} calls of one function"
        return f"more than {self.MAX_RUNS_PER_FILE} function calls in the file"

    def bind_parameters(self, function: Function, args: Args, self_value: Value | None, local: Env) -> None:
        params = function.node.params
        positional = [*params.posonly_params, *params.params]
        supplied = list(args.positional)
        if self_value is not None:
            supplied.insert(0, self_value)
        defaults = dict(function.defaults)
        for index, param in enumerate((*positional, *params.kwonly_params)):
            name = param.name.value
            if index < len(positional) and index < len(supplied):
                local[name] = supplied[index]
            elif name in args.keywords:
                local[name] = args.keywords[name]
            elif name in defaults and not args.has_star:  # with **kwargs a default may be overridden
                local[name] = defaults[name]
            else:
                local[name] = UNKNOWN
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                local[star.name.value] = UNKNOWN


class InvalidLiteral(Exception):
    """A literal libcst accepts but Python rejects (``"\\x"``, a 5 000-digit integer): the file is KC001."""


def literal(node: cst.Integer | cst.Float | cst.SimpleString | cst.ConcatenatedString) -> Value:
    """A literal's value; the common cases without libcst's ``literal_eval`` (it compiles code)."""
    try:
        if isinstance(node, cst.Integer):
            number = int(node.value, 0)
            return Const(number) if budget.fits(number) else UNKNOWN
        if isinstance(node, cst.Float):
            return Const(float(node.value.replace("_", "")))
        if isinstance(node, cst.SimpleString):
            raw = node.value
            quote = raw[-1]
            if raw[0] == quote and "\\" not in raw and not raw.startswith(quote * 3):
                return Const(raw[1:-1])
    except ValueError:
        pass
    try:
        value = node.evaluated_value
    except Exception as error:  # libcst evaluates with CPython's rules, which may reject it
        raise InvalidLiteral(f"{type(error).__name__}: {error}".splitlines()[0]) from None
    return Const(value) if isinstance(value, (str, int, float)) and budget.fits(value) else UNKNOWN


_WIDTH_ATTRIBUTES = frozenset({"output_shape", "shape", "units"})


def _tests_width(test: cst.BaseExpression) -> int:
    """1 if an ``if`` test reads a width (``model.output_shape[-1] > 1``, ``pred.shape[1] == 1``), else 0.

    Walks the node's dataclass fields rather than libcst's ``children``, which
    runs a visitor over every node and cost ~5 % of a run on a library's source.
    Parentheses and whitespace hold no attribute access, so they are not walked.
    """
    pending: list[cst.CSTNode] = [test]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Attribute) and node.attr.value in _WIDTH_ATTRIBUTES:
            return 1
        for name in _expression_fields(type(node)):
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                pending.append(value)
            elif isinstance(value, (tuple, list)):
                pending.extend(item for item in value if isinstance(item, cst.CSTNode))
    return 0


_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}


def _expression_fields(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    """A node class's fields that can hold an expression (not ``lpar``/``rpar``/``whitespace_*``)."""
    names = _FIELDS.get(kind)
    if names is None:
        names = tuple(
            field.name
            for field in dataclasses.fields(kind)
            if field.name not in ("lpar", "rpar") and not field.name.startswith("whitespace")
        )
        _FIELDS[kind] = names
    return names


_GLOBALS: dict[int, tuple[cst.FunctionDef, tuple[str, ...]]] = {}


def global_names(node: cst.FunctionDef) -> tuple[str, ...]:
    """The names a function declares ``global`` (in its own body, not in nested functions)."""
    cached = _GLOBALS.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    found: list[str] = []
    pending: list[cst.CSTNode] = list(node.body.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Global):
                    found.extend(item.name.value for item in small.names)
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        elif isinstance(statement, cst.BaseCompoundStatement):
            pending.extend(_blocks_of(statement))
    names = tuple(dict.fromkeys(found))
    if len(_GLOBALS) > 4096:
        _GLOBALS.clear()
    _GLOBALS[id(node)] = (node, names)
    return names


def _blocks_of(statement: cst.BaseCompoundStatement) -> list[cst.CSTNode]:
    """The statements of a compound statement's bodies (if/else, loops, try/except/finally, with)."""
    blocks: list[cst.CSTNode] = []
    for child in statement.children:
        if isinstance(child, cst.IndentedBlock):
            blocks.extend(child.body)
        elif isinstance(child, (cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler, cst.If)):
            if isinstance(child, cst.If):
                blocks.append(child)
            else:
                body = child.body
                blocks.extend(body.body if isinstance(body, cst.IndentedBlock) else ())
    return blocks


def _is_main_guard(test: cst.BaseExpression) -> bool:
    """``if __name__ == "__main__":`` runs when the file is a script: not a branch."""
    return (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Equal)
    )


def _holds(value: Value, old: Value) -> bool:
    """``value`` is ``old`` itself, or a list or dict with ``old`` as an item."""
    if value is old:
        return True
    if isinstance(value, Seq):
        return any(item is old for item in value.items)
    if isinstance(value, Mapping):
        return any(item is old for _key, item in value.items)
    return False
