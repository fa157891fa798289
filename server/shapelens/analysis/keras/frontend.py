"""What calling a Keras name makes: layers, ``Input``, ``Sequential``, ``Model``, merge helpers,
example arrays. Each function here is a call hook of the Keras plugin."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ..assemble import conditional
from ..interpreter.arrays import as_shape, factory_shape, make_array
from ..interpreter.layers import flatten_tensors
from ..interpreter.plugins import open_keywords
from ..interpreter.provenance import call_notes
from ..interpreter.tensors import Tensor
from ..interpreter.values import LambdaValue, LayerObj, QName
from ..dims import is_dim
from ..report import Diagnostic
from ..rules import Args, LayerRule, LayerSpec
from ..unknown import Unknown
from .dialect import dialect_of, dialects, snake_case
from .joined import JoinedArgs, JoinedRule, verdict
from .models import InputLayerObj, KerasFunctional, KerasSequential
from .rules import MERGE_FUNCTIONS
from .rules.core import SHAPE_PRESERVING_FUNCTION, embedding, lambda_layer
from .rules.recurrent import rnn

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import KerasPlugin

ARRAY_FACTORIES = {
    "tensorflow.random.normal": "shape", "tensorflow.random.uniform": "shape",
    "tensorflow.zeros": "shape", "tensorflow.ones": "shape",
    "keras.random.normal": "shape", "keras.random.uniform": "shape",
    "keras.ops.zeros": "shape", "keras.ops.ones": "shape",
}
# Keras' own elementwise functions: a Lambda of them keeps its input's shape.
ELEMENTWISE_CALLS = {
    "abs", "relu", "relu6", "sigmoid", "tanh", "exp", "log", "sqrt", "square", "negative", "sign", "softmax",
    "l2_normalize", "normalize", "cast", "clip_by_value", "clip", "gelu", "silu", "swish", "elu", "selu",
    "softplus", "leaky_relu", "floor", "ceil", "round", "rsqrt", "reciprocal", "log1p", "expm1",
}
LAYER_ONLY_KEYWORDS = ("input_shape", "batch_input_shape", "input_dim", "name")


class Frontend:
    """The Keras call hooks, bound to the plugin that owns their values."""

    def __init__(self, plugin: "KerasPlugin") -> None:
        self.plugin = plugin

    def array(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        form = ARRAY_FACTORIES[func.path]
        shape = factory_shape(form, args, kwargs)
        if shape is not None and None in shape:
            # sized by a symbolic tensor's batch (``keras.random.normal(shape=(batch, dim))`` in ``call``):
            # a tensor of the graph, not an example array
            return Tensor(shape, None, None, (), None, self.plugin)
        return make_array(interp, self.plugin, func.path, form, args, kwargs, node, "float32")

    @open_keywords
    def layer(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> LayerObj:
        state = self.plugin.state(interp)
        rule = state.rules[func.leaf]
        notes = call_notes(interp, args, kwargs)
        declared = None
        if "input_shape" in kwargs:
            shape = as_shape(kwargs["input_shape"])
            declared = (None, *shape) if shape is not None else None
        elif "batch_input_shape" in kwargs:
            declared = as_shape(kwargs["batch_input_shape"])
        elif "input_dim" in kwargs and is_dim(kwargs["input_dim"]) and rule.name != "Embedding":
            declared = (None, kwargs["input_dim"])
        span = interp.span(node)
        if declared is not None:
            declared = named_sizes(interp, declared, f"`input_shape` of {func.leaf} at line {span.start_line + 1}")
        if rule.family is lambda_layer:
            function = args[0] if args else kwargs.get("function")
            if isinstance(function, LambdaValue) and shape_preserving(function.node):
                args = [SHAPE_PRESERVING_FUNCTION, *args[1:]]
                kwargs.pop("function", None)
        named = {k: v for k, v in kwargs.items()
                 if k not in LAYER_ONLY_KEYWORDS or (k == "input_dim" and rule.name == "Embedding")}
        named["name"] = self.name(interp, kwargs, rule.name)
        spec = LayerSpec(rule, rule.bind(args, named), func.leaf)
        length = spec.args.values.get("input_length")
        if declared is None and isinstance(length, int) and state.version.majors == {2}:
            declared = (None, length)  # Keras 2 builds a Sequential whose first layer says its input length
        interp.events += 1
        layer = LayerObj(rule.name, span, spec, None, self.plugin, declared, notes)  # Keras' own class name
        trainable = kwargs.get("trainable", True)  # `Embedding(..., trainable=False)`: a frozen layer
        layer.trainable = trainable if isinstance(trainable, bool) else None
        if layer.trainable is None:
            layer.trainable_reason = f"whether {rule.name} trains is not known: its `trainable` argument is not a constant"
        return layer

    def name(self, interp: "Interpreter", kwargs: dict, class_name: str) -> str:
        """A layer's or model's ``name=``, else the one Keras gives it."""
        given = kwargs.get("name")
        if isinstance(given, str):
            self.check_name(interp, given)
            return given
        return self.plugin.auto_name(interp, snake_case(class_name))

    def check_name(self, interp: "Interpreter", given: object) -> None:
        """A ``name=`` the version refuses (Keras 3: one with a ``/``, as ported TF1 code writes
        ``block1/conv1``), an error on the constructor call."""
        if not isinstance(given, str) or interp.statement is None or not interp.sites:
            return
        findings = [(dialect, dialect.name_refused(given)) for dialect in dialects(self.plugin.state(interp).version.majors)]
        found = verdict(findings, f"a name with a `/` ({given!r}); Keras fails with \"{{said}}\"")
        if found is None:
            return
        severity, message = found
        diagnostic = Diagnostic(interp.span(interp.sites[-1]), severity, "invalid-argument", message, data=(("arg", "name"),))
        interp.diagnostics.append(conditional(diagnostic, interp.condition()))

    @open_keywords
    def unmodelled_layer(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> LayerObj:
        self.name(interp, kwargs, func.leaf)
        interp.events += 1
        return LayerObj(func.leaf, interp.span(node), None, f"the layer class {func.leaf} is not modelled by Shape Lens",
                        self.plugin)

    @open_keywords
    def merge_function(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        rule: LayerRule = self.plugin.state(interp).rules[MERGE_FUNCTIONS[func.leaf]]
        named = {k: v for k, v in kwargs.items() if k != "inputs"}
        named["name"] = self.name(interp, kwargs, rule.name)
        bound = bind_function(rule, func.leaf, args[1:], named)
        layer = LayerObj(rule.name, interp.span(node), LayerSpec(rule, bound, rule.name), None, self.plugin)
        inputs = args[0] if args else kwargs.get("inputs")
        return interp.layers.apply(layer, [inputs], {}, interp.span(node))

    def sequential(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> KerasSequential:
        model = KerasSequential(self.plugin, interp.span(node), interp.context_label(), interp.next_model_index())
        model.symbols = interp.symbols.scope
        model.version = self.plugin.state(interp).version
        model.keras_name = self.name(interp, kwargs, "Sequential")
        entries = args[0] if args else kwargs.get("layers")
        items = interp.spread(entries) if entries is not None else []
        if items is None:
            model.uncertain_from = 0
            items = []
        model.entries.extend(items)
        self.plugin.state(interp).sequentials.append(model)
        return model

    def functional(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        inputs = args[0] if args else kwargs.get("inputs")
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
        if inputs is None or outputs is None:
            return Unknown("a subclassed Model")
        model = KerasFunctional(self.plugin, interp.span(node), interp.context_label(), interp.next_model_index(),
                                flatten_tensors(inputs), flatten_tensors(outputs))
        model.symbols = interp.symbols.scope
        model.version = self.plugin.state(interp).version
        model.keras_name = self.name(interp, kwargs, "Model")
        self.plugin.state(interp).functionals.append(model)
        return model

    def input(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> Tensor:
        batch_shape = kwargs.get("batch_shape")
        if batch_shape is not None:
            shape = as_shape(batch_shape)
        else:
            inner = as_shape(kwargs.get("shape", args[0] if args else None))
            batch = kwargs.get("batch_size", args[1] if len(args) > 1 else None)
            shape = (batch if is_dim(batch) else None, *inner) if inner is not None else None
        span = interp.span(node)
        self.check_name(interp, kwargs.get("name"))
        where = f"keras.Input at line {span.start_line + 1}"
        shape = named_sizes(interp, shape, where)
        tensor = Tensor(shape, None if shape else "the Input's shape is not a constant", None, (), span, self.plugin)
        tensor.seed = None if shape else f"the shape of the {where} is left open"
        tensor.notes = call_notes(interp, args, kwargs)
        return tensor

    def input_layer(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> InputLayerObj:
        shape = kwargs.get("shape", kwargs.get("input_shape", args[0] if args else None))
        batch = kwargs.get("batch_shape", kwargs.get("batch_input_shape"))
        inner = as_shape(shape)
        full: Optional[tuple]
        if batch is not None:
            full = as_shape(batch)
        elif inner is not None:
            size = kwargs.get("batch_size")
            full = (size if isinstance(size, int) else None, *inner)
        else:
            full = None
        span = interp.span(node)
        return InputLayerObj(named_sizes(interp, full, f"InputLayer at line {span.start_line + 1}"), span)


# What the axes of an input are, by how many there are after the batch.
AXIS_ROLES = {
    1: (("L", "length"),),
    2: (("L", "length"), ("F", "features")),
    3: (("H", "height"), ("W", "width"), ("C", "channels")),
    4: (("D", "depth"), ("H", "height"), ("W", "width"), ("C", "channels")),
}


def named_sizes(interp: "Interpreter", shape: Optional[tuple], where: str, dynamic: bool = True) -> Optional[tuple]:
    """An input's ``None`` sizes after the batch become symbols named by their role: ``(None, None, 3)``
    is ``(None, H, W, 3)``; Keras builds the model with them open (``dynamic``)."""
    if shape is None or len(shape) < 2 or all(d is not None for d in shape[1:]):
        return shape
    roles = AXIS_ROLES.get(len(shape) - 1)
    if roles is None:
        return shape
    sized = [shape[0]]
    for dim, (name, meaning) in zip(shape[1:], roles):
        sized.append(interp.symbols.fresh(name, f"input {meaning} ({where})", dynamic) if dim is None else dim)
    return tuple(sized)


def seed_shape(interp: "Interpreter", rule: LayerRule, args: Args, where: str) -> Optional[tuple]:
    """With no input at all: the input a model's first layer implies (``Conv2D`` → ``(None, H, W, C)``);
    ``where`` says why there is none."""
    if rule.ndim:  # Keras builds the model at its first call, with real sizes: not dynamic
        shape = named_sizes(interp, (None,) * rule.ndim, where, dynamic=False)
        if shape is not None and args.values.get("data_format") == "channels_first":
            shape = (shape[0], shape[-1], *shape[1:-1])
        return shape
    if rule.role == "dense" or rule.family is rnn:
        features = interp.symbols.fresh("F", f"input features ({where})")
        if rule.family is rnn:
            return (None, interp.symbols.fresh("L", f"sequence length ({where})"), features)
        return (None, features)
    if rule.family is embedding:
        return (None, interp.symbols.fresh("L", f"sequence length ({where})"))
    return None


def bind_function(rule: LayerRule, function: str, positional: list, keywords: dict) -> Args:
    """``layers.dot([a, b], axes=1)``: the function's arguments after its inputs, with its own defaults
    (which differ between versions: Keras 2's ``dot`` has none)."""
    if isinstance(rule, JoinedRule):
        return JoinedArgs(rule.name, [bind_function(row, function, positional, keywords) for row in rule.variants])
    defaults = dialect_of(rule).function_defaults.get(function, {})
    return rule.bind(positional, {**defaults, **keywords})


def shape_preserving(node: ast.Lambda) -> bool:
    """``lambda x: x / 255.0`` and the like: arithmetic of the one argument with constants."""
    if len(node.args.args) != 1:
        return False
    name = node.args.args[0].arg

    def simple(expr: ast.expr) -> bool:
        if isinstance(expr, ast.Name):
            return expr.id == name
        if isinstance(expr, ast.Constant):
            return isinstance(expr.value, (int, float))
        if isinstance(expr, ast.BinOp):
            return simple(expr.left) and simple(expr.right)
        if isinstance(expr, ast.UnaryOp):
            return simple(expr.operand)
        if isinstance(expr, ast.Call) and not expr.keywords:
            func = expr.func
            leaf = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            return leaf in ELEMENTWISE_CALLS and bool(expr.args) and all(simple(a) for a in expr.args)
        return False

    return simple(node.body) and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.body))
