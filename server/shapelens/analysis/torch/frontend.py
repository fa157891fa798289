"""What calling a torch name makes: ``nn`` layers and containers, functions on tensors, example tensors."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..interpreter.arrays import make_array
from ..interpreter.plugins import open_keywords
from ..interpreter.provenance import call_notes
from ..interpreter.tensors import Tensor
from ..interpreter.values import ArrayValue, LayerObj, QName
from ..rules import LayerSpec
from ..unknown import SomeItems, Unknown
from .arrays import array_function
from .modules import HeldParameter, TorchSequential, UnknownParameter
from .rules import TORCH_RULES

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import TorchPlugin

# ``nn.Parameter(data)``: the data as a tensor.
PARAMETERS = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})
ARRAY_FACTORIES = {
    "torch.randn": "dims", "torch.rand": "dims", "torch.zeros": "dims", "torch.ones": "dims",
    "torch.empty": "dims", "torch.randint": "last_or_size", "torch.eye": "eye",
}
CONSTRUCTION_ONLY = ("device", "dtype", "inplace")


class Frontend:
    def __init__(self, plugin: "TorchPlugin") -> None:
        self.plugin = plugin

    def array(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        dtype = "int64" if func.path == "torch.randint" else "float32"
        return make_array(interp, self.plugin, func.path, ARRAY_FACTORIES[func.path], args, kwargs, node, dtype)

    def sequential(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> TorchSequential:
        items, names = args, {}
        if len(args) == 1 and isinstance(args[0], dict):
            items, names = list(args[0].values()), {k: v for k, v in args[0].items() if isinstance(k, str)}
        interp.next_model_index()
        sequential = TorchSequential(self.plugin, interp.span(node), interp.context_label(), list(items), names)
        sequential.symbols = interp.symbols.scope
        self.plugin.state(interp).sequentials.append(sequential)
        return sequential

    def module_list(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        """``nn.ModuleList(...)`` / ``nn.ParameterList(...)``: a list of modules that torch registers."""
        if not args:
            return self.registered(interp, [])
        items = interp.spread(args[0])
        return self.registered(interp, items if items is not None else [
            SomeItems("the modules of an `nn.ModuleList` made from what cannot be iterated statically")])

    def module_dict(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        """``nn.ModuleDict({...})`` or ``nn.ModuleDict([(name, module), ...])``: a dict of modules."""
        if not args:
            return self.registered(interp, {})
        if isinstance(args[0], dict):
            return self.registered(interp, dict(args[0]))
        pairs = interp.iterate(args[0])
        if pairs is None:
            reason = "the modules of an `nn.ModuleDict` made from what cannot be iterated statically"
            return self.registered(interp, {SomeItems(reason): Unknown(reason)})
        return self.registered(interp, {pair[0]: pair[1] for pair in pairs
                                        if isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)})

    def registered(self, interp: "Interpreter", container: "list | dict") -> "list | dict":
        """A container whose modules torch registers (and counts), unlike a plain list or dict."""
        self.plugin.state(interp).registered[id(container)] = container
        return container

    @open_keywords
    def layer(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> LayerObj:
        rule = TORCH_RULES[func.leaf]
        named = {k: v for k, v in kwargs.items() if k not in CONSTRUCTION_ONLY}
        interp.events += 1
        layer = LayerObj(func.leaf, interp.span(node), LayerSpec(rule, rule.bind(args, named), func.leaf), None, self.plugin,
                         None, call_notes(interp, args, kwargs))
        state = self.plugin.state(interp)
        if state.running:
            state.made_running[id(layer)] = layer
        return layer

    def parameter(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        """``nn.Parameter(torch.zeros(1, n, d))``: a tensor of the data's shape (a positional embedding,
        a class token, a weight used with ``@``)."""
        data = args[0] if args else kwargs.get("data")
        if isinstance(data, ArrayValue):
            parameter = HeldParameter(data.shape, data.span, data.framework, data.dtype, data.notes)
            if (args[1] if len(args) > 1 else kwargs.get("requires_grad")) is False:  # a fixed positional embedding
                self.plugin.state(interp).frozen[id(parameter)] = True
            return parameter
        return data if isinstance(data, Tensor) else UnknownParameter("a parameter of data whose shape is not known")

    @open_keywords
    def unmodelled_layer(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> LayerObj:
        interp.events += 1
        return LayerObj(func.leaf, interp.span(node), None, f"the layer class {func.leaf} is not modelled by Shape Lens",
                        self.plugin)

    def function(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        made = array_function(self.plugin, interp, func.leaf, args, kwargs, node) if func.path.count(".") == 1 else None
        if made is not None:
            return made
        return self.plugin.tensors.function(interp, func.path, args, kwargs, node)


def is_layer_path(path: str) -> bool:
    return path.startswith("torch.nn.") and path.count(".") == 2


