"""What calling a Keras name makes: layers, ``Input``, ``Sequential``, ``Model``, merge helpers,
example arrays. Each function here is a call hook of the Keras plugin."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ..interpreter.arrays import as_shape, make_array
from ..interpreter.layers import flatten_tensors
from ..interpreter.tensors import Tensor
from ..interpreter.values import LambdaValue, LayerObj, QName
from ..rules import Args, LayerRule, LayerSpec
from ..unknown import Unknown
from .dialect import dialect_of, snake_case
from .joined import JoinedArgs, JoinedRule
from .models import InputLayerObj, KerasFunctional, KerasSequential
from .rules import MERGE_FUNCTIONS
from .rules.core import SHAPE_PRESERVING_FUNCTION, lambda_layer

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
        return make_array(interp, self.plugin, func.path, ARRAY_FACTORIES[func.path], args, kwargs, node)

    def layer(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> LayerObj:
        state = self.plugin.state(interp)
        rule = state.rules[func.leaf]
        declared = None
        if "input_shape" in kwargs:
            shape = as_shape(kwargs["input_shape"])
            declared = (None, *shape) if shape is not None else None
        elif "batch_input_shape" in kwargs:
            declared = as_shape(kwargs["batch_input_shape"])
        elif "input_dim" in kwargs and isinstance(kwargs["input_dim"], int) and rule.name != "Embedding":
            declared = (None, kwargs["input_dim"])
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
        return LayerObj(rule.name, interp.span(node), spec, None, self.plugin, declared)  # Keras' own class name

    def name(self, interp: "Interpreter", kwargs: dict, class_name: str) -> str:
        """A layer's or model's ``name=``, else the one Keras gives it."""
        given = kwargs.get("name")
        return given if isinstance(given, str) else self.plugin.auto_name(interp, snake_case(class_name))

    def unmodelled_layer(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> LayerObj:
        self.name(interp, kwargs, func.leaf)
        interp.events += 1
        return LayerObj(func.leaf, interp.span(node), None, f"the layer class {func.leaf} is not modelled by Shape Lens",
                        self.plugin)

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
        model.version = self.plugin.state(interp).version
        model.keras_name = self.name(interp, kwargs, "Sequential")
        entries = args[0] if args else kwargs.get("layers")
        items = interp.iterate(entries) if entries is not None else []
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
            shape = (batch if isinstance(batch, int) else None, *inner) if inner is not None else None
        span = interp.span(node)
        return Tensor(shape, None if shape else "the Input's shape is not a constant", None, (), span, self.plugin)

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
        return InputLayerObj(full, interp.span(node))


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
