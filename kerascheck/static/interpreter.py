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

from collections.abc import Sequence
from dataclasses import replace

import libcst as cst

from kerascheck import facts as kf
from kerascheck import vocabulary as kv
from kerascheck.static import data_api
from kerascheck.static.keras_api import (
    Args,
    loss_spec_of,
    make_layer,
    make_loss,
    make_metric,
    metric_spec_of,
)
from kerascheck.static.names import canonical, import_bindings
from kerascheck.static.shape_flow import ShapeFlow
from kerascheck.static.values import (
    UNKNOWN,
    BoundMethod,
    ClassObj,
    Const,
    Function,
    Instance,
    LayerObj,
    Mapping,
    ModelObj,
    Ref,
    Seq,
    Tensor,
    Value,
)

_UNKNOWN_LAYER = kf.Layer(kind=None)
_MODEL_CLASSES = frozenset({"keras.Model", "keras.models.Model"})
_SEQUENTIAL = frozenset({"keras.Sequential", "keras.models.Sequential"})
_LAYER_BASES = frozenset({"keras.layers.Layer"})
_BUILTINS: dict[str, Value] = {
    "True": Const(True),
    "False": Const(False),
    "None": Const(None),
    "len": Ref("builtins.len"),
    "list": Ref("builtins.list"),
}

Env = dict[str, Value]
Block = Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement]


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


def merge_envs(first: Env, second: Env) -> Env:
    merged: Env = {}
    for name in first.keys() | second.keys():
        a, b = first.get(name, UNKNOWN), second.get(name, UNKNOWN)
        merged[name] = a if same(a, b) else UNKNOWN
    return merged


class _Frame:
    def __init__(self) -> None:
        self.returns: list[Value] = []


class Interpreter:
    """Runs one module (or notebook program) abstractly and collects facts."""

    MAX_CALL_DEPTH = 4
    MAX_RUNS_PER_FUNCTION = 8
    MAX_RUNS_PER_FILE = 200

    def __init__(self) -> None:
        self.models: list[ModelObj] = []
        self.model_levels: dict[int, int] = {}
        self.model_indexes: dict[int, int] = {}
        self.functions: list[tuple[Function, ClassObj | None]] = []
        self.model_classes: list[ClassObj] = []
        self.called: set[int] = set()
        self.runs: dict[int, int] = {}
        self.total_runs = 0
        self.depth = 0
        self.conditional = 0
        self.frames: list[_Frame] = []
        self.current_call: cst.Call | None = None
        self.current_statement: cst.CSTNode | None = None
        self.current_env: Env | None = None
        self.data = data_api.DataFlow(self)
        self.shapes = ShapeFlow(self)

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
        latest: dict[int, int] = {}  # interpreter model index -> fact index of its last compile
        for index, model in enumerate(self.models):
            models.extend(self.model_facts(model))
            latest[index] = len(models) - 1
        data = self.data
        return kf.ProgramFacts(
            models=tuple(models),
            argmaxes=tuple(replace(a, model=_remap(latest, a.model)) for a in data.argmaxes),
            metric_calls=tuple(data.metric_calls),
            removed_calls=tuple(replace(c, model=_remap(latest, c.model)) for c in data.removed_calls),
            leaks=tuple(data.leaks),
            shape_conflicts=tuple(self.shapes.conflicts),
        )

    def model_index(self, model: ModelObj) -> int | None:
        return self.model_indexes.get(id(model))

    # -- statements -------------------------------------------------------

    def exec_block(self, body: Sequence[cst.BaseStatement | cst.BaseSmallStatement], env: Env) -> bool:
        """Run statements; True if the block certainly returned."""
        return any(self.exec_statement(statement, env) for statement in body)

    def exec_statement(self, statement: cst.CSTNode, env: Env) -> bool:
        if isinstance(statement, cst.SimpleStatementLine):
            return self.exec_block(statement.body, env)
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
            operand = self.eval(statement.value, env)
            value = self.data.binary_operation(current, statement.operator, operand)
            value = self.shapes.after_binary(current, operand, value)
            self.bind(statement.target, value, env)
        elif isinstance(statement, cst.Expr):
            self.eval(statement.value, env)
        elif isinstance(statement, cst.Return):
            value = self.eval(statement.value, env) if statement.value is not None else Const(None)
            if self.frames:
                self.frames[-1].returns.append(value)
            return True
        elif isinstance(statement, (cst.Import, cst.ImportFrom)):
            for local, full in import_bindings(statement):
                env[local] = Ref(canonical(full))
        elif isinstance(statement, cst.FunctionDef):
            function = self.define_function(statement, env)
            env[statement.name.value] = function
            self.functions.append((function, None))
        elif isinstance(statement, cst.ClassDef):
            env[statement.name.value] = self.define_class(statement, env)
        elif isinstance(statement, cst.If):
            return self.exec_if(statement, env)
        elif isinstance(statement, (cst.For, cst.While)):
            if isinstance(statement, cst.For):
                self.bind(statement.target, UNKNOWN, env)
            self.exec_branches(env, [statement.body.body, ()])
            if statement.orelse is not None:
                self.exec_block(statement.orelse.body.body, env)
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

    def exec_if(self, statement: cst.If, env: Env) -> bool:
        test = self.eval(statement.test, env) if not _is_main_guard(statement.test) else Const(True)
        orelse = statement.orelse
        else_body: Block = ()
        if isinstance(orelse, cst.Else):
            else_body = orelse.body.body
        elif isinstance(orelse, cst.If):
            else_body = (orelse,)
        if isinstance(test, Const):
            return self.exec_block(statement.body.body if test.value else else_body, env)
        return self.exec_branches(env, [statement.body.body, else_body])

    def exec_branches(self, env: Env, bodies: Sequence[Block]) -> bool:
        """Run alternative bodies from the same state; merge what they leave."""
        before = dict(env)
        survivors: list[Env] = []
        self.conditional += 1
        try:
            for body in bodies:
                env.clear()
                env.update(before)
                if not self.exec_block(body, env):
                    survivors.append(dict(env))
        finally:
            self.conditional -= 1
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
            items = self.data.unpack(value, len(elements))
            for index, element in enumerate(elements):
                if isinstance(element, cst.StarredElement):
                    self.bind(element.value, UNKNOWN, env)
                else:
                    self.bind(element.value, items[index] if items else UNKNOWN, env)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, env)
            if isinstance(owner, Instance):
                owner.attrs[target.attr.value] = value
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            updated = self.data.assign_item(self.eval(target.value, env), value)
            if updated is not None:
                env[target.value.value] = updated

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
                is_model |= value.qualname in _MODEL_CLASSES
                is_layer |= value.qualname in _LAYER_BASES
            elif isinstance(value, ClassObj):
                is_model |= value.is_model
                is_layer |= value.is_layer
                methods.update(value.methods)
        own: list[Function] = []
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                function = self.define_function(statement, env)
                methods[statement.name.value] = function
                own.append(function)
        cls = ClassObj(node=node, closure=env, is_model=is_model, is_layer=is_layer, methods=tuple(methods.items()))
        if is_model:
            self.model_classes.append(cls)
        elif not is_layer:
            self.functions.extend((function, cls) for function in own)
        return cls

    # -- expressions ------------------------------------------------------

    def eval(self, node: cst.BaseExpression, env: Env) -> Value:
        if isinstance(node, cst.Name):
            found = env.get(node.value)
            if found is not None:
                return found
            return _BUILTINS.get(node.value, UNKNOWN)
        if isinstance(node, cst.Attribute):
            return self.attribute(self.eval(node.value, env), node.attr.value)
        if isinstance(node, cst.Call):
            return self.call(node, env)
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            return literal(node)
        if isinstance(node, (cst.List, cst.Tuple)):
            if any(isinstance(element, cst.StarredElement) for element in node.elements):
                return UNKNOWN
            return Seq(tuple(self.eval(element.value, env) for element in node.elements))
        if isinstance(node, cst.Dict):
            return self.eval_dict(node, env)
        if isinstance(node, cst.UnaryOperation):
            operand = self.eval(node.expression, env)
            negative = isinstance(node.operator, cst.Minus) and isinstance(operand, Const)
            if negative and type(operand.value) in (int, float):  # type: ignore[attr-defined]
                return Const(-operand.value)  # type: ignore[attr-defined]
            return UNKNOWN
        if isinstance(node, cst.BinaryOperation):
            left, right = self.eval(node.left, env), self.eval(node.right, env)
            return self.shapes.after_binary(left, right, self.data.binary_operation(left, node.operator, right))
        if isinstance(node, cst.Subscript):
            value = self.eval(node.value, env)
            return self.shapes.after_subscript(value, node, env, self.data.subscript(value, node, env))
        if isinstance(node, cst.Comparison):
            return self.data.comparison(node, env)
        if isinstance(node, cst.IfExp):
            body, orelse = self.eval(node.body, env), self.eval(node.orelse, env)
            return body if same(body, orelse) else UNKNOWN
        if isinstance(node, cst.NamedExpr):
            value = self.eval(node.value, env)
            self.bind(node.target, value, env)
            return value
        return UNKNOWN

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
            return UNKNOWN
        if isinstance(owner, ModelObj):
            return BoundMethod(owner, name)
        shaped = self.shapes.attribute(owner, name)
        if shaped is not None:
            return shaped
        return self.data.attribute(owner, name)

    def evaluate_args(self, node: cst.Call, env: Env) -> Args:
        positional: list[Value] = []
        keywords: dict[str, Value] = {}
        has_star = False
        for arg in node.args:
            if arg.star:
                has_star = True
                self.eval(arg.value, env)
            elif arg.keyword is not None:
                keywords[arg.keyword.value] = self.eval(arg.value, env)
            else:
                positional.append(self.eval(arg.value, env))
        return Args(positional, keywords, has_star, node)

    def call(self, node: cst.Call, env: Env) -> Value:
        callee = self.eval(node.func, env)
        args = self.evaluate_args(node, env)
        anchor = kf.Anchor(node=node, statement=self.current_statement)
        self.current_call, self.current_env = node, env
        if isinstance(callee, Ref):
            return self.call_ref(callee.qualname, args, anchor)
        if isinstance(callee, Function):
            return self.call_function(callee, args)
        if isinstance(callee, ClassObj):
            return self.instantiate(callee, args, anchor)
        if isinstance(callee, BoundMethod):
            return self.call_method(callee, args, anchor)
        if isinstance(callee, LayerObj):
            inputs = _first_input(args)
            shape = self.shapes.layer_applied(callee.layer, inputs, anchor)
            return Tensor((*self.chain_of(inputs), callee.layer), shape=shape)
        if isinstance(callee, ModelObj):
            self.shapes.data_call(callee, "__call__", args, anchor)
            return self.apply_model(callee, _first_input(args))
        return UNKNOWN

    def chain_of(self, value: Value | None) -> tuple[kf.Layer, ...]:
        """The layer chain leading to a functional-graph input (main path of a merge)."""
        if isinstance(value, Tensor):
            return value.chain
        if isinstance(value, Seq) and value.items:
            return self.chain_of(value.items[0])
        return (_UNKNOWN_LAYER,)

    def apply_model(self, model: ModelObj, inputs: Value | None) -> Value:
        model.nested = True
        chains = model.chains()
        if len(chains) != 1:
            return Tensor((*self.chain_of(inputs), _UNKNOWN_LAYER))
        inner = tuple(layer for layer in chains[0][0] if layer.kind != "InputLayer")
        return Tensor(self.chain_of(inputs) + inner)

    def call_ref(self, qualname: str, args: Args, anchor: kf.Anchor) -> Value:
        namespace, _, member = qualname.rpartition(".")
        if qualname in ("keras.Input", "keras.layers.Input"):
            layer = make_layer("Input", args, anchor)
            return self.shapes.input_tensor(layer.layer) if isinstance(layer, LayerObj) else UNKNOWN
        if namespace == "keras.layers" and member[:1].isupper():
            return make_layer(member, args, anchor)
        if qualname in _SEQUENTIAL:
            return self.new_sequential(args, anchor)
        if qualname in _MODEL_CLASSES:
            return self.new_functional(args, anchor)
        if qualname in ("keras.models.load_model", "keras.saving.load_model"):
            return self.register(ModelObj(anchor, "loaded"))
        if namespace == "keras.losses" and member[:1].isupper():
            return make_loss(member, args, anchor)
        if namespace == "keras.metrics" and member[:1].isupper():
            return make_metric(member, args, anchor)
        first = args.positional[0] if args.positional else None
        if isinstance(first, Tensor):
            activation = kv.activation_from_callable(qualname)
            axis = args.get("axis", 1)
            if axis is not None and axis != Const(-1):
                activation = None  # tf.nn.softmax(x, axis=1): over another axis (attention pooling)
            if activation is not None:
                applied = kf.Layer(kind="Activation", anchor=anchor, activation=activation)
                return Tensor((*first.chain, applied), shape=first.shape)
            return Tensor((*first.chain, _UNKNOWN_LAYER))
        return self.shapes.after_call(qualname, args, self.data.call_ref(qualname, args, anchor), anchor)

    # -- models -----------------------------------------------------------

    def register(self, model: ModelObj) -> ModelObj:
        self.model_indexes[id(model)] = len(self.models)
        self.models.append(model)
        self.model_levels[id(model)] = self.conditional
        return model

    def changed_conditionally(self, model: ModelObj) -> bool:
        return self.conditional > self.model_levels.get(id(model), 0)

    def new_sequential(self, args: Args, anchor: kf.Anchor) -> ModelObj:
        from kerascheck.static.keras_api import const_str

        model = self.register(ModelObj(anchor, "sequential", const_str(args.get("name"))))
        layers = args.get("layers", 0)
        if isinstance(layers, Seq):
            for item in layers.items:
                model.layers.extend(self.layers_of(item))
        elif layers is not None and layers != Const(None):
            model.layers.append(_UNKNOWN_LAYER)
        return model

    def layers_of(self, value: Value) -> tuple[kf.Layer, ...]:
        """The layers one Sequential entry contributes (a nested model adds its own)."""
        if isinstance(value, LayerObj):
            return (value.layer,)
        if isinstance(value, Tensor):  # keras.Input(...) inside Sequential([...])
            return value.chain
        if isinstance(value, ModelObj):
            value.nested = True
            chains = value.chains()
            if len(chains) == 1:
                return chains[0][0]
        return (_UNKNOWN_LAYER,)

    def new_functional(self, args: Args, anchor: kf.Anchor) -> Value:
        from kerascheck.static.keras_api import const_str

        outputs = args.get("outputs", 1)
        if outputs is None:
            return UNKNOWN
        model = self.register(ModelObj(anchor, "functional", const_str(args.get("name"))))
        self.shapes.functional(model, args.get("inputs", 0), outputs)
        if isinstance(outputs, Tensor):
            model.outputs.append((outputs.chain, None))
        elif isinstance(outputs, Seq):
            model.outputs.extend((self.chain_of(item), None) for item in outputs.items)
        elif isinstance(outputs, Mapping):
            model.outputs.extend((self.chain_of(item), str(key)) for key, item in outputs.items)
        else:
            model.outputs.append(((_UNKNOWN_LAYER,), None))
        return model

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
        model = self.register(ModelObj(anchor, "subclass", cls.node.name.value))
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
            model.outputs.extend((self.chain_of(item), None) for item in result.items)
        else:
            model.outputs.append(((_UNKNOWN_LAYER,), None))
        return model

    def call_method(self, method: BoundMethod, args: Args, anchor: kf.Anchor) -> Value:
        owner = method.owner
        if isinstance(owner, Instance):
            function = owner.cls.method(method.name) if owner.cls is not None else None
            if function is not None:
                return self.call_function(function, args, self_value=owner)
            model = owner.attrs.get("__model__")
            if isinstance(model, ModelObj):
                return self.model_method(model, method.name, args, anchor)
            return UNKNOWN
        if isinstance(owner, ModelObj):
            return self.model_method(owner, method.name, args, anchor)
        result = self.data.call_method(owner, method.name, args, anchor)
        return self.shapes.after_method(owner, method.name, args, result)

    def model_method(self, model: ModelObj, name: str, args: Args, anchor: kf.Anchor) -> Value:
        if name == "add":
            layer = args.get("layer", 0)
            added = self.layers_of(layer) if layer is not None else (_UNKNOWN_LAYER,)
            if self.changed_conditionally(model):
                added = (_UNKNOWN_LAYER,)
            model.layers.extend(added)
            return Const(None)
        if name == "compile":
            model.recompile()
            model.compiled = True
            model.compile_anchor = anchor
            if self.changed_conditionally(model):
                model.loss_spec, model.metric_spec = kf.Loss(kind=None, anchor=anchor), None
            else:
                model.loss_spec = loss_spec_of(args.get("loss", 1), anchor)
                model.metric_spec = metric_spec_of(args.get("metrics"), anchor)
            return Const(None)
        self.shapes.data_call(model, name, args, anchor)
        return self.data.model_method(model, name, args, anchor)

    def model_facts(self, model: ModelObj) -> list[kf.Model]:
        """One Model fact per compile of the model (each with the fits that followed it)."""
        heads = tuple(kf.make_head(chain, name=name) for chain, name in model.chains())
        heads, inputs = self.shapes.model_facts(model, heads)
        phases = [*model.earlier_phases, (model.loss_spec, model.metric_spec, model.compile_anchor, model.fits)]
        facts = []
        for phase, (loss_spec, metric_spec, compile_anchor, fits) in enumerate(phases):
            facts.append(
                kf.Model(
                    heads=kf.with_compile(heads, loss_spec, metric_spec) if model.compiled else heads,
                    anchor=model.anchor,
                    name=model.name,
                    compiled=model.compiled,
                    fits=tuple(fits),
                    compile_anchor=compile_anchor,
                    loss_in_use=not model.loss_unused(),
                    inputs=inputs,
                    data_calls=self.shapes.calls_in_phase(model, phase),
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
            return UNKNOWN
        self.runs[key] = self.runs.get(key, 0) + 1
        self.total_runs += 1
        local: Env = dict(function.closure)
        self.bind_parameters(function, args, self_value, local)
        frame = _Frame()
        self.frames.append(frame)
        self.depth += 1
        caller_statement = self.current_statement
        try:
            self.exec_block(function.node.body.body, local)
        finally:
            self.depth -= 1
            self.frames.pop()
            self.current_statement = caller_statement
        if not frame.returns:
            return Const(None)
        first = frame.returns[0]
        return first if all(same(first, other) for other in frame.returns[1:]) else UNKNOWN

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


def _remap(table: dict[int, int], index: int | None) -> int | None:
    return None if index is None else table.get(index)


def literal(node: cst.Integer | cst.Float | cst.SimpleString | cst.ConcatenatedString) -> Value:
    """A literal's value; the common cases without libcst's ``literal_eval`` (it compiles code)."""
    try:
        if isinstance(node, cst.Integer):
            return Const(int(node.value, 0))
        if isinstance(node, cst.Float):
            return Const(float(node.value.replace("_", "")))
        if isinstance(node, cst.SimpleString):
            raw = node.value
            quote = raw[-1]
            if raw[0] == quote and "\\" not in raw and not raw.startswith(quote * 3):
                return Const(raw[1:-1])
    except ValueError:
        pass
    value = node.evaluated_value
    return Const(value) if isinstance(value, (str, int, float)) else UNKNOWN


def _first_input(args: Args) -> Value | None:
    return args.get("inputs", 0)


def _is_main_guard(test: cst.BaseExpression) -> bool:
    """``if __name__ == "__main__":`` runs when the file is a script: not a branch."""
    return (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Equal)
    )
