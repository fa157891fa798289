"""The PyTorch plugin: ``torch.nn`` layers and containers, ``nn.Module`` subclasses, tensor operations."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from ..interpreter.layers import LayerResult
from ..interpreter.plugins import CallHook, ClassHook, Plugin
from ..interpreter.tensors import Tensor
from ..interpreter.values import ArrayValue, BoundMethod, Instance, LayerObj, ModelRecord
from ..dims import Dim, format_shape, product
from ..rules import Args, LayerRule, ShapeError
from ..symbolic import Sym
from ..unknown import Unknown
from .backbones import BackboneRun, BuilderLayer
from .containers import ContainerHook, container_kind
from .frontend import ARRAY_FACTORIES, PARAMETERS, Frontend, is_layer_path
from .modules import PASS_THROUGH, ModuleHook, TorchSequential
from .freezing import freezing_followed
from .parameters import ParametersValue, requires_grad_flag, set_requires_grad
from .rules import TORCH_RULES
from .sharing import share
from .rules.common import CALL_TENSORS
from .seeds import Seeds, seed_shape, standalone_params
from .torchvision_frontend import TorchvisionFrontend
from .rules.recurrent import torch_cell, torch_rnn
from .arrays import array_method as data_tensor_method
from .arrays import as_tensor
from .failures import broadcast_failure, in_place_result, matmul_failure, operation_failed
from .layout import CONTIGUOUS_OUTPUTS, made_contiguous
from .tensors import TensorOps, rnn_outputs

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter

MODULE_CLASSES = ("torch.nn.Module", "torch.nn.modules.module.Module")
# torch errors that, raised by the first layer on a literal example input, are the input's fault.
EXAMPLE_CODES = {"in-channels", "rank-mismatch", "num-features", "linear-in-features", "input-size"}
# Constructor arguments a torch layer keeps as attributes of the same value (``fc.in_features``).
LAYER_ATTRIBUTES = frozenset({"in_features", "out_features", "in_channels", "out_channels", "num_features",
                              "num_embeddings", "embedding_dim", "input_size", "hidden_size", "num_layers", "p"})


@dataclass
class TorchState:
    sequentials: list[TorchSequential] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    instantiated: set[str] = field(default_factory=set)  # class names
    open_scopes: dict[int, dict] = field(default_factory=dict)  # instance id → the symbols of its open parameters
    backbones: list = field(default_factory=list)  # the torchvision models built
    frozen: dict[int, bool] = field(default_factory=dict)  # layer id → its parameters are frozen
    shared: list = field(default_factory=list)  # sharing.Shared: a layer's parameter set to another's
    running: int = 0  # the module and nn.Sequential runs as models under way (the calls inside one are its layers)
    followed_sites: set = field(default_factory=set)  # where the file sets requires_grad, followed
    written_sites: Optional[set] = None  # where the file's text sets requires_grad (read once)
    # the lists and dicts that are nn.ModuleList / ModuleDict, by id (kept, so that no id is reused)
    registered: dict = field(default_factory=dict)
    # the layers made while a model runs (``nn.Linear(n, 6)(x)`` in a forward), by id: torch registers
    # them only if the module keeps them as an attribute
    made_running: dict = field(default_factory=dict)


def builder_names() -> frozenset[str]:
    from .torchvision_models import builder_names as names

    return frozenset({*names(), "get_model"})


class TorchPlugin(Plugin):
    name = "torch"
    roots = ("torch", "torchvision")

    def __init__(self) -> None:
        self.model_builders = frozenset({"Sequential"}) | builder_names()  # (torchvision's data is read here)
        self.frontend = Frontend(self)
        self.vision = TorchvisionFrontend(self)
        self.tensors = TensorOps(self)
        self.modules = ModuleHook(self)
        self.containers = {kind: ContainerHook(self, kind) for kind in ("sequential", "list", "dict")}

    def new_state(self) -> TorchState:
        return TorchState()

    def state(self, interp: "Interpreter") -> TorchState:
        return interp.states[self.name]  # type: ignore[return-value]

    def layer_rule(self, class_name: str) -> Optional[LayerRule]:
        return TORCH_RULES.get(class_name)

    def class_with_role(self, role: str) -> Optional[str]:
        return next((name for name, rule in TORCH_RULES.items() if rule.role == role and name == rule.name), None)

    def call_hook(self, path: str) -> Optional[CallHook]:
        if path.startswith("torchvision."):
            return self.vision.call_hook(path)
        front = self.frontend
        if path in ARRAY_FACTORIES:
            return front.array
        if path in PARAMETERS:
            return front.parameter
        if is_layer_path(path):
            leaf = path.rsplit(".", 1)[-1]
            if leaf == "Sequential":
                return front.sequential
            if leaf in ("ModuleList", "ParameterList"):
                return front.module_list
            if leaf in ("ModuleDict", "ParameterDict"):
                return front.module_dict
            if leaf in TORCH_RULES:
                return front.layer
            if leaf[:1].isupper() and leaf != "Module":
                return front.unmodelled_layer
        return front.function

    def class_hook(self, path: str) -> Optional[ClassHook]:
        if path in MODULE_CLASSES:
            return self.modules
        kind = container_kind(path)
        return self.containers[kind] if kind is not None else None

    def constant(self, path: str) -> object:
        return self.vision.constant(path)

    def star_names(self, module: str) -> dict[str, str]:
        if module.startswith("torchvision"):
            return self.vision.star_names(module)
        if module != "torch.nn":
            return {}
        return {name: f"torch.nn.{name}" for name in (*TORCH_RULES, "Sequential", "Module", "ModuleList", "ModuleDict")}

    # --- values ---

    def tensor_method(self, interp: "Interpreter", tensor: Tensor, name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.tensors.method(interp, tensor, name, args, kwargs, interp.span(node))

    def array_method(self, interp: "Interpreter", array: ArrayValue, name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return data_tensor_method(self, interp, array, name, args, kwargs, node)

    # --- layers ---

    def layer_inputs(self, layer: LayerObj, args: list, kwargs: dict) -> Optional[list]:
        args = [as_tensor(a, self) for a in args]  # a tensor made from data (`torch.arange(t)`) is a tensor too
        names = CALL_TENSORS.get(layer.class_name)
        if names is not None:  # `attention(q, k, v, attn_mask=...)`, `encoder(src, mask)`: the data tensors only
            given = [*args[:len(names)], *(as_tensor(kwargs[name], self) for name in names[len(args):] if name in kwargs)]
            return given if given and all(isinstance(t, Tensor) for t in given) else None
        first = args[0] if args else kwargs.get("inputs", kwargs.get("query"))
        tensors = [a for a in args if isinstance(a, Tensor)] or [first]
        if not all(isinstance(t, Tensor) for t in tensors):
            return None
        if layer.class_name.startswith("ConvTranspose") and ("output_size" in kwargs or len(args) > 1):
            # `up(x, output_size=skip.shape)`: the call picks the output size among those the stride allows
            why = f"the call's `output_size` sets the output size of {layer.class_name}, which the analysis does not follow"
            shape = tensors[0].shape
            sized = Tensor((*shape[:2], *[None] * (len(shape) - 2)) if shape and len(shape) > 2 else None, why, None, (tensors[0],),
                           None, self)
            sized.partial = True  # its spatial sizes are unknown to the analysis, not to torch
            return [sized]
        return tensors

    def prepare_inputs(self, interp: "Interpreter", layer: LayerObj, tensors: list) -> list:
        """A seeded tensor (no known input) takes the shape its first layer implies."""
        if tensors and tensors[0].seed and tensors[0].shape is None and layer.spec is not None:
            seeded = seed_shape(layer.spec.rule, layer.spec.args, Seeds(interp.symbols, tensors[0].seed))
            if seeded is not None:
                tensors[0].shape = seeded
                tensors[0].reason = None
        return tensors

    def check_result(self, interp: "Interpreter", layer: LayerObj, result: LayerResult, tensors: list) -> LayerResult:
        """The literal example input itself does not fit the first layer: say so at the input. A layer
        whose input is not known still holds the parameters its constructor fixes (``Linear(32, 2)``)."""
        error = result.error
        if error is None:
            if result.params is None:
                held = standalone_params(layer)
                if held is not None:
                    return result._replace(params=held)
            return result
        example = next((t.example for t in tensors if t.example is not None), None)
        if example is None or error.code not in EXAMPLE_CODES:
            return LayerResult(None, None, (), error, result.reason)
        renamed = ShapeError("input-mismatch", f"the example input does not fit the model's first layer: {error.message}",
                             **error.data)
        renamed.data["at"] = example
        return LayerResult(None, None, (), renamed, result.reason)

    def call_arguments(self, interp: "Interpreter", layer: LayerObj, tensors: list, args: list,
                       kwargs: dict) -> Optional[Args]:
        """A cell's call with its state (``cell(x, h)``, ``cell(x, (h, c))``): the state's shapes, which
        the cell checks."""
        if layer.spec is not None and layer.spec.rule.family is torch_cell:
            state = args[1] if len(args) > 1 else kwargs.get("hx")
            states = list(state) if isinstance(state, (tuple, list)) else [state] if state is not None else []
            shapes = tuple(s.shape if isinstance(s, (Tensor, ArrayValue)) else None for s in states)
            if any(shape is not None for shape in shapes):
                return Args.taking(layer.spec.args.class_name, {**layer.spec.args.values, "states": shapes})
        return super().call_arguments(interp, layer, tensors, args, kwargs)

    def in_place(self, interp: "Interpreter", target: Tensor, result: Tensor) -> Tensor:
        """``g += x`` changes ``g`` in place: a broadcast to a larger shape is refused."""
        return in_place_result(interp, target, result)

    def tensor_attribute(self, interp: "Interpreter", tensor: Tensor, name: str) -> object:
        """``x.data``: the same values, outside autograd (``_get_conv_output``'s ``output.data.view(1, -1)``)."""
        if name == "data":
            return Tensor(tensor.shape, tensor.reason, None, (tensor,), None, self)
        return super().tensor_attribute(interp, tensor, name)

    def operands_mismatch(self, interp: "Interpreter", left: Tensor, right: Tensor, result: Tensor,
                          product: Optional[str] = None) -> None:
        """``out += identity`` of a residual block whose shortcut was not projected, ``q @ k`` of an
        attention whose key has another width: torch fails."""
        message = broadcast_failure(left, right) if product is None else matmul_failure(left, right, product)
        if message is not None and interp.statement is not None:
            shapes = f"{format_shape(left.shape)} and {format_shape(right.shape)}"  # type: ignore[arg-type]
            what = f"tensors of shapes {shapes} do not broadcast;" if product is None else \
                f"a matrix product ({'@' if product == 'matmul' else 'torch.' + product}) of tensors of shapes {shapes};"
            operation_failed(interp, result, interp.span(interp.statement), "merge-mismatch", what, message)

    def tensor_items(self, tensor: Tensor) -> Optional[list]:
        """A tensor iterates along its first axis (``q, k, v = qkv`` after a permute): as ``unbind(0)``
        when that axis' size is known and small."""
        return self.tensors.items(tensor)

    def matrix_product(self, result: Tensor) -> None:
        made_contiguous(result)  # torch allocates a product's result anew, row-major

    def layer_outputs(self, interp: "Interpreter", layer: LayerObj, output: Tensor) -> object:
        if layer.class_name in CONTIGUOUS_OUTPUTS:
            made_contiguous(output)
        if layer.spec is not None and layer.spec.rule.family is torch_rnn:
            return rnn_outputs(layer, output)
        if layer.class_name == "MultiheadAttention":  # (attn_output, attn_weights)
            return (output, Tensor(None, "the attention weights are not followed", None, (output,)))
        if layer.class_name == "LSTMCell":  # (h, c)
            return (output, Tensor(output.shape, output.reason, None, (output,)))
        if isinstance(layer, (BackboneRun, BuilderLayer)):  # the builder's note stays with its own layers
            output.notes = tuple(note for note in output.notes if note not in layer.notes)
        return output

    def layer_attribute(self, interp: "Interpreter", layer: LayerObj, name: str) -> object:
        if name in LAYER_ATTRIBUTES and layer.spec is not None:
            value = layer.spec.args.values.get(name)
            if isinstance(value, (int, float, Sym)) and not isinstance(value, bool):
                return value
        return BoundMethod(layer, name)

    def set_layer_attribute(self, interp: "Interpreter", layer: LayerObj, name: str, value: object) -> None:
        share(interp, self.state(interp), layer, name, value)

    def layer_method(self, interp: "Interpreter", layer: LayerObj, name: str, args: list, kwargs: dict,
                     node: ast.Call) -> object:
        if name in ("parameters", "named_parameters", "requires_grad_"):
            return self.parameter_method(interp, layer, name, args, kwargs, node)
        if name in PASS_THROUGH:
            return layer
        return Unknown(f"the result of `.{name}(...)`")

    def parameter_method(self, interp: "Interpreter", owner: object, name: str, args: list, kwargs: dict,
                         node: ast.Call) -> object:
        """``module.parameters()`` / ``named_parameters()`` and ``module.requires_grad_(False)``."""
        if name == "requires_grad_":
            set_requires_grad(interp, [owner], requires_grad_flag(args, kwargs), interp.span(node))
            return owner
        return ParametersValue([owner], name == "named_parameters")

    def instance_check(self, value: object, path: str) -> Optional[bool]:
        """``isinstance(x, torch.Tensor)``: a model tensor or a data tensor of torch's is one."""
        if path != "torch.Tensor":
            return None
        if isinstance(value, (Tensor, ArrayValue)):
            return value.framework is self
        return False if isinstance(value, (int, float, str, list, tuple, dict, LayerObj)) or value is None else None

    def held_non_trainable(self, interp: "Interpreter", record: ModelRecord) -> object:
        """Of the parameters outside the rows (``nn.Parameter`` attributes, layers the forward does not
        apply), those whose ``requires_grad`` the file turned off."""
        if not freezing_followed(interp):
            return None
        frozen = self.state(interp).frozen
        total: Dim = 0
        for held in record.held:
            if isinstance(held, LayerObj):
                params = standalone_params(held)
                if isinstance(held, BackboneRun):
                    trainable = held.trainable_count(frozen)
                    count = None if trainable is None or params is None else params - trainable
                else:
                    count = params if frozen.get(id(held)) else 0
            else:
                count = product(held.shape) if frozen.get(id(held)) else 0
            total = None if total is None or count is None else total + count
        return total

    def non_trainable_params(self, interp: "Interpreter", layer: LayerObj, result: LayerResult) -> object:
        """torch freezes by ``requires_grad``: the parameters of a module whose were turned off."""
        params = result.params
        if not freezing_followed(interp):
            return None
        frozen = self.state(interp).frozen
        if isinstance(layer, BackboneRun):
            trainable = layer.trainable_count(frozen)
            return None if trainable is None or params is None else params - trainable  # type: ignore[operator]
        return params if frozen.get(id(layer)) else 0

    def finish(self, interp: "Interpreter") -> None:
        self.modules.finish(interp)


__all__ = ["TorchPlugin", "TorchState"]
