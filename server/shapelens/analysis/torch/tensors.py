"""torch tensor methods and functions: ``view``, ``size``, ``permute``, ``torch.cat``, ``F.*``."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ..dims import Shape, equal, is_dim, product
from ..interpreter.tensors import Tensor, elementwise
from ..interpreter.values import ArrayValue, LayerObj
from ..report import Span
from ..rules import LayerSpec
from ..unknown import Unknown
from .arrays import CASTS
from .rules import TORCH_RULES

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import TorchPlugin

# Methods that give back the tensor (or module, or array) they are called on.
PASS_THROUGH_METHODS = {"to", "cuda", "cpu", "eval", "train", "float", "double", "half", "requires_grad_"}
# Functions of torch / torch.nn.functional that keep the shape of their first argument.
ELEMENTWISE_FUNCTIONS = {
    "relu", "relu6", "relu_", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "sigmoid", "tanh",
    "hardtanh", "hardswish", "hardsigmoid", "softplus", "softsign", "softmax", "log_softmax", "dropout",
    "dropout2d", "dropout1d", "dropout3d", "alpha_dropout", "normalize", "abs", "exp", "log", "sqrt",
    "clamp", "clip", "contiguous", "float", "double", "half", "to", "cpu", "cuda", "detach", "clone", "neg",
}
# Functions and methods of two operands: broadcast, or a matrix product.
MATRIX_PRODUCTS = frozenset({"matmul", "mm", "bmm"})
BINARY_FUNCTIONS = frozenset({"add", "mul", "sub", "div", "maximum", "minimum", *MATRIX_PRODUCTS})
# torch.nn.functional pooling → the layer row whose rule it shares (its arguments follow the input).
FUNCTIONAL_LAYERS = {
    "max_pool1d": "MaxPool1d", "max_pool2d": "MaxPool2d", "max_pool3d": "MaxPool3d",
    "avg_pool1d": "AvgPool1d", "avg_pool2d": "AvgPool2d", "avg_pool3d": "AvgPool3d",
    "adaptive_avg_pool1d": "AdaptiveAvgPool1d", "adaptive_avg_pool2d": "AdaptiveAvgPool2d",
    "adaptive_avg_pool3d": "AdaptiveAvgPool3d", "adaptive_max_pool1d": "AdaptiveMaxPool1d",
    "adaptive_max_pool2d": "AdaptiveMaxPool2d", "adaptive_max_pool3d": "AdaptiveMaxPool3d",
    "interpolate": "Upsample", "pixel_shuffle": "PixelShuffle",
}


class TensorOps:
    def __init__(self, plugin: "TorchPlugin") -> None:
        self.plugin = plugin

    def function(self, interp: "Interpreter", path: str, args: list, kwargs: dict, node: ast.Call) -> object:
        """``torch.cat``, ``torch.flatten``, ``F.relu``, ``F.max_pool2d``, ... on tensors."""
        name = path.rsplit(".", 1)[-1]
        first = args[0] if args else kwargs.get("input")
        if name in ("cat", "concat", "concatenate"):
            return cat(args[0] if args else kwargs.get("tensors"), args[1] if len(args) > 1 else kwargs.get("dim", 0))
        if name in BINARY_FUNCTIONS:  # either operand may be the model's tensor
            other = args[1] if len(args) > 1 else kwargs.get("other", kwargs.get("mat2"))
            if isinstance(first, Tensor) or isinstance(other, Tensor):
                return elementwise(first, other, matrix=name in MATRIX_PRODUCTS)
        if not isinstance(first, Tensor):
            return Unknown(f"`{path}(...)` on a value that is not a tensor")
        if name in ELEMENTWISE_FUNCTIONS:
            return Tensor(first.shape, first.reason, None, (first,))
        if name == "flatten":
            return self.as_layer(interp, "Flatten", first, flatten_bounds(args[1:], kwargs), {}, interp.span(node))
        if name in FUNCTIONAL_LAYERS:
            return self.as_layer(interp, FUNCTIONAL_LAYERS[name], first, args[1:], kwargs, interp.span(node))
        return self.method(interp, first, name, args[1:], kwargs, interp.span(node))

    def as_layer(self, interp: "Interpreter", class_name: str, tensor: Tensor, args: list, kwargs: dict, span: Span) -> Tensor:
        """A function that is a layer in all but name (``F.max_pool2d``, ``torch.flatten``): its rule,
        applied without listing a layer."""
        rule = TORCH_RULES[class_name]
        layer = LayerObj(rule.name, span, LayerSpec(rule, rule.bind(args, kwargs), rule.name), None, self.plugin)
        return interp.layers.apply_to(layer, [tensor], span, listed=False)  # type: ignore[return-value]

    def method(self, interp: "Interpreter", tensor: Tensor, name: str, args: list, kwargs: dict, span: Span) -> object:
        shape = tensor.shape
        if name in ELEMENTWISE_FUNCTIONS or name in PASS_THROUGH_METHODS or name in CASTS \
                or (name in ("type", "type_as") and (args or kwargs)):  # `tokens.long()`, `x.type(torch.bool)`
            return Tensor(shape, tensor.reason, None, (tensor,))
        if name in BINARY_FUNCTIONS:
            other = args[0] if args else kwargs.get("other", kwargs.get("mat2"))
            return elementwise(tensor, other, matrix=name in MATRIX_PRODUCTS)
        if shape is None:
            return Tensor(None, tensor.reason, None, (tensor,)) if name not in ("size", "dim", "numel") else Unknown(
                "the size of a tensor of unknown shape")
        if name == "size":
            if args:
                index = args[0]
                return shape[index] if isinstance(index, int) and -len(shape) <= index < len(shape) and shape[index] is not None \
                    else Unknown("an unknown dimension")
            return shape
        if name == "dim":
            return len(shape)
        if name in ("view", "reshape"):
            target = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)
            return view(tensor, target)
        if name == "flatten":
            return self.as_layer(interp, "Flatten", tensor, flatten_bounds(args, kwargs), {}, span)
        if name in ("unsqueeze", "squeeze") and args and isinstance(args[0], int):
            dim = args[0]
            dims = list(shape)
            if name == "unsqueeze":
                dims.insert(dim % (len(shape) + 1), 1)
            elif dims[dim] == 1:
                dims.pop(dim)
            return Tensor(tuple(dims), None, None, (tensor,))
        if name == "permute":
            order = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            if all(isinstance(i, int) for i in order) and sorted(i % len(shape) for i in order) == list(range(len(shape))):
                return Tensor(tuple(shape[i] for i in order), None, None, (tensor,))
        if name == "transpose" and len(args) == 2 and all(isinstance(i, int) for i in args):
            dims = list(shape)
            a, b = args[0] % len(shape), args[1] % len(shape)
            dims[a], dims[b] = dims[b], dims[a]
            return Tensor(tuple(dims), None, None, (tensor,))
        if name in ("mean", "sum", "amax", "amin") and (args or "dim" in kwargs):
            dim = args[0] if args else kwargs["dim"]
            keep = kwargs.get("keepdim", args[1] if len(args) > 1 else False)
            axes = {d % len(shape) for d in (dim if isinstance(dim, (tuple, list)) else (dim,)) if isinstance(d, int)}
            dims = [1 if i in axes else d for i, d in enumerate(shape)] if keep else [d for i, d in enumerate(shape) if i not in axes]
            return Tensor(tuple(dims), None, None, (tensor,))
        if name == "t" and len(shape) <= 2:
            return Tensor(tuple(reversed(shape)), None, None, (tensor,))
        if name == "expand":
            return expanded(tensor, args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args))
        if name == "expand_as" and args and isinstance(args[0], (Tensor, ArrayValue)):
            return expanded(tensor, args[0].shape)
        return Tensor(None, f"the result of `.{name}(...)`", None, (tensor,))


def expanded(tensor: Tensor, sizes: object) -> Tensor:
    """``x.expand(batch, -1, -1)``: new leading axes, and -1 for an axis kept as it is."""
    shape = tensor.shape
    if sizes is None or shape is None or not all(is_dim(d) or d is None for d in sizes) or len(sizes) < len(shape):  # type: ignore[arg-type]
        return Tensor(None, "an expand the analysis does not follow", None, (tensor,))
    lead = len(sizes) - len(shape)  # type: ignore[arg-type]
    out = [d if i < lead or not (isinstance(d, int) and d == -1) else shape[i - lead] for i, d in enumerate(sizes)]  # type: ignore[arg-type]
    return Tensor(tuple(out), None, None, (tensor,))


def view(tensor: Tensor, target) -> Tensor:
    shape = tensor.shape
    if not all(is_dim(d) or d is None for d in target):
        return Tensor(None, "a view with sizes that are not constant", None, (tensor,))
    dims = list(target)
    total = product(shape)
    if dims.count(-1) == 1:
        known = [d for d in dims if d != -1]
        known_size = product(known)
        if total is not None and None not in known and isinstance(known_size, int) and known_size:
            if isinstance(total, int) and total % known_size:
                shown = ", ".join(str(d) for d in target)
                return Tensor(None, f"torch fails: shape '[{shown}]' is invalid for input of size {total}", None, (tensor,))
            dims[dims.index(-1)] = total // known_size
        else:  # an unknown or symbolic size: -1 cannot be divided out
            # `x.view(x.size(0), -1)`: the batch stays, the rest is the product of the others
            if shape and (dims[0] is shape[0] or same_size(dims[0], shape[0])):
                rest = product(shape[1:])
                if len(dims) == 2:
                    dims[1] = rest
                else:
                    dims[dims.index(-1)] = None
            else:
                dims[dims.index(-1)] = None
    return Tensor(tuple(dims), None, None, (tensor,))


def same_size(a: object, b: object) -> bool:
    return (a is None and b is None) or (is_dim(a) and is_dim(b) and equal(a, b) is True)  # type: ignore[arg-type]


def cat(tensors: object, dim: object) -> object:
    if isinstance(tensors, (list, tuple)) and any(isinstance(t, Tensor) for t in tensors):
        # a data tensor among model tensors (a class token, a fixed encoding) counts by its shape
        tensors = [Tensor(t.shape, None, None, ()) if isinstance(t, ArrayValue) else t for t in tensors]
    if not isinstance(tensors, (list, tuple)) or not all(isinstance(t, Tensor) for t in tensors) or not isinstance(dim, int):
        return Unknown("torch.cat of unknown tensors")
    shapes = [t.shape for t in tensors]
    if any(s is None for s in shapes):
        return Tensor(None, "an input of torch.cat is unknown", None, tuple(tensors))
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        return Tensor(None, "torch.cat of tensors of different ranks", None, tuple(tensors))
    axis = dim % rank
    out = list(shapes[0])
    out[axis] = None if any(s[axis] is None for s in shapes) else sum(s[axis] for s in shapes)
    return Tensor(tuple(out), None, None, tuple(tensors))


def flatten_bounds(args: list, kwargs: dict) -> list:
    """``torch.flatten(x, start_dim=0, end_dim=-1)`` / ``x.flatten(...)``: torch's defaults start at 0
    (``nn.Flatten`` starts at 1)."""
    start = args[0] if args else kwargs.get("start_dim", 0)
    end = args[1] if len(args) > 1 else kwargs.get("end_dim", -1)
    return [start, end]


def rnn_outputs(layer: LayerObj, output: Tensor) -> object:
    """``nn.LSTM`` returns ``(output, (h, c))``, ``nn.GRU`` / ``nn.RNN`` ``(output, h)``."""
    args = layer.spec.args  # type: ignore[union-attr]
    shape = output.shape
    state_shape: Optional[Shape]
    try:
        directions = 2 if args.bool("bidirectional") else 1
        stacked = args.int("num_layers") * directions
        hidden = args.int("hidden_size")
        batch = None
        if shape is not None and len(shape) == 3:
            batch = shape[0] if args.bool("batch_first") else shape[1]
        state_shape = (stacked, batch, hidden) if shape is None or len(shape) == 3 else (stacked, hidden)
    except Exception:  # noqa: BLE001
        state_shape = None
    state = Tensor(state_shape, None if state_shape else "unknown state", None, (output,))
    if layer.class_name == "LSTM":
        return (output, (state, Tensor(state_shape, None, None, (output,))))
    return (output, state)
