"""torch tensor methods and functions: ``view``, ``size``, ``permute``, ``torch.cat``, ``F.*``."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ..dims import Shape, differ, einsum_shape, equal, format_shape, is_dim, product
from ..interpreter.expressions import tensor_arithmetic
from ..interpreter.tensors import Tensor, elementwise, operand_shape
from ..interpreter.values import ArrayValue, LayerObj, Value
from ..report import Span
from ..rules import LayerSpec
from ..unknown import Unknown
from .arrays import CASTS
from .layout import NOT_VIEWABLE, lay_out_view, made_contiguous, parts_of, permuted, reshaped
from .failures import (broadcast_failure, cat_failure, in_place_result, matmul_failure, operation_failed,
                       permute_failure, stack_failure, view_failure)
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
    "flip", "fliplr", "flipud", "roll", "cumsum", "cumprod", "tril", "triu", "sin", "cos", "square",
    "rsqrt", "reciprocal", "erf", "nan_to_num", "floor", "ceil", "round", "sign", "relu_", "sigmoid_", "tanh_",
    "clamp_", "zero_", "fill_", "logsigmoid", "softmin", "pow",
}
# Functions and methods of two operands: broadcast, or a matrix product.
MATRIX_PRODUCTS = frozenset({"matmul", "mm", "bmm"})
BINARY_FUNCTIONS = frozenset({"add", "mul", "sub", "div", "maximum", "minimum", *MATRIX_PRODUCTS})
IN_PLACE = frozenset({"add_", "mul_", "sub_", "div_"})  # tensor methods only
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
            tensors, dim = joined_tensors(args[0] if args else kwargs.get("tensors")), args[1] if len(args) > 1 else kwargs.get("dim", 0)
            joined = cat(tensors, dim)
            failure = cat_failure(tensors, dim) if isinstance(joined, Tensor) and joined.shape is None else None
            if failure is not None:  # a U-Net skip a pixel larger than the upsampled map
                shapes = ", ".join(format_shape(t.shape) for t in tensors)  # type: ignore[union-attr]
                operation_failed(interp, joined, interp.span(node), "merge-mismatch",  # type: ignore[arg-type]
                                 f"torch.cat of tensors of shapes {shapes};", failure)
            return joined
        if name == "stack":
            tensors, dim = joined_tensors(args[0] if args else kwargs.get("tensors")), args[1] if len(args) > 1 else kwargs.get("dim", 0)
            stacked = stack(tensors, dim)
            failure = stack_failure(tensors, dim) if isinstance(stacked, Tensor) and stacked.shape is None else None
            if failure is not None:  # per-step outputs of different sizes
                shapes = ", ".join(format_shape(t.shape) for t in tensors)  # type: ignore[union-attr]
                code = "rank-mismatch" if failure.startswith("Dimension out of range") else "merge-mismatch"
                operation_failed(interp, stacked, interp.span(node), code,  # type: ignore[arg-type]
                                 f"torch.stack of tensors of shapes {shapes};", failure)
            return stacked
        if name in BINARY_FUNCTIONS:  # either operand may be the model's tensor
            other = args[1] if len(args) > 1 else kwargs.get("other", kwargs.get("mat2"))
            if isinstance(first, Tensor) or isinstance(other, Tensor):
                return self.binary(interp, name, first, other)
        if name == "einsum" and isinstance(first, str):
            return einsum(first, args[1:])
        if name == "Variable" and isinstance(first, (Tensor, ArrayValue)):  # torch.autograd.Variable(x) is x since torch 0.4
            return first
        if not isinstance(first, Tensor):
            return Unknown(f"`{path}(...)` on a value that is not a tensor")
        if name in ELEMENTWISE_FUNCTIONS:
            return Tensor(first.shape, first.reason, None, (first,))
        if name == "pad" and path.startswith("torch.nn.functional."):
            return padded(first, args[1] if len(args) > 1 else kwargs.get("pad"))
        if name == "flatten":
            return self.as_layer(interp, "Flatten", first, flatten_bounds(args[1:], kwargs), {}, interp.span(node))
        if name in FUNCTIONAL_LAYERS:
            return self.as_layer(interp, FUNCTIONAL_LAYERS[name], first, args[1:], kwargs, interp.span(node))
        return self.method(interp, first, name, args[1:], kwargs, interp.span(node))

    def items(self, tensor: Tensor) -> Optional[list]:
        shape = tensor.shape
        if not shape or not isinstance(shape[0], int) or shape[0] > MAX_ITEMS:
            return None
        return list(parts_of(tensor, split(tensor, "unbind", [0], {}), 0))  # type: ignore[call-overload]

    def masked_fill(self, interp: "Interpreter", tensor: Tensor, mask: object, in_place: bool) -> object:
        """``scores.masked_fill(mask == 0, -inf)``: the tensor and its mask broadcast (the result can be
        larger than the tensor); in place, the tensor's shape must stay."""
        if mask is None or operand_shape(mask) is None:
            # a mask the analysis cannot size (a comparison of a buffer's slice): masks are made for the
            # tensor they fill, whose shape the result keeps
            return Tensor(tensor.shape, tensor.reason, None, (tensor,))
        result = elementwise(tensor, mask)
        if result.shape is None:
            operand = Tensor(mask.shape, None, None, ()) if isinstance(mask, ArrayValue) else mask
            message = broadcast_failure(operand, tensor) if isinstance(operand, Tensor) else None  # torch names the mask a
            if message is not None and interp.statement is not None:
                operation_failed(interp, result, interp.span(interp.statement), "merge-mismatch",
                                 f"a mask of shape {format_shape(operand.shape)} for a tensor of shape "  # type: ignore[union-attr]
                                 f"{format_shape(tensor.shape)};", message)  # type: ignore[arg-type]
            return result
        return in_place_result(interp, tensor, result) if in_place else result

    def binary(self, interp: "Interpreter", name: str, left: object, right: object) -> object:
        """``torch.add(a, b)``, ``a.mul(b)``, ``out.add_(identity)``: element-wise as the operators are (their
        operands checked alike); ``torch.matmul`` and the like as ``@``. An in-place operation keeps its
        tensor's shape, which the broadcast must not change."""
        if name in MATRIX_PRODUCTS:
            ranks = {"mm": 2, "bmm": 3}.get(name)
            shapes = [operand_shape(value) for value in (left, right)]
            if ranks is not None and any(shape is not None and len(shape) != ranks for shape in shapes):
                return Tensor(None, f"torch.{name} takes two {ranks}-D tensors", None,
                              tuple(t for t in (left, right) if isinstance(t, Tensor)))
            return tensor_arithmetic(interp, ast.MatMult(), left, right, name)
        result = tensor_arithmetic(interp, ast.Add(), left, right)
        if name in IN_PLACE and isinstance(left, Tensor):
            return in_place_result(interp, left, result)
        return result

    def as_layer(self, interp: "Interpreter", class_name: str, tensor: Tensor, args: list, kwargs: dict, span: Span) -> Tensor:
        """A function that is a layer in all but name (``F.max_pool2d``, ``torch.flatten``): its rule,
        applied without listing a layer."""
        rule = TORCH_RULES[class_name]
        layer = LayerObj(rule.name, span, LayerSpec(rule, rule.bind(args, kwargs), rule.name), None, self.plugin)
        return interp.layers.apply_to(layer, [tensor], span, listed=False)  # type: ignore[return-value]

    def method(self, interp: "Interpreter", tensor: Tensor, name: str, args: list, kwargs: dict, span: Span) -> object:
        shape = tensor.shape
        if name == "contiguous":
            return made_contiguous(Tensor(shape, tensor.reason, None, (tensor,)))
        if name in ELEMENTWISE_FUNCTIONS or name in PASS_THROUGH_METHODS or name in CASTS \
                or (name in ("type", "type_as") and (args or kwargs)):  # `tokens.long()`, `x.type(torch.bool)`
            return Tensor(shape, tensor.reason, None, (tensor,))
        if name in BINARY_FUNCTIONS or name in IN_PLACE:
            other = args[0] if args else kwargs.get("other", kwargs.get("mat2"))
            return self.binary(interp, name, tensor, other)
        if name in ("masked_fill", "masked_fill_"):
            return self.masked_fill(interp, tensor, args[0] if args else kwargs.get("mask"), name.endswith("_"))
        if shape is None:
            return Tensor(None, tensor.reason, None, (tensor,)) if name not in ("size", "dim", "numel", "nelement") else Unknown(
                "the size of a tensor of unknown shape")
        if name in ("numel", "nelement"):  # `self.features(torch.zeros(1, 3, 32, 32)).numel()` sizes a Linear
            count = product(shape)
            return count if count is not None else Unknown("the number of values of a tensor with a dimension not known")
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
            viewed = view(tensor, target)
            failure = view_failure(tensor, target) if viewed.shape is None else None
            if failure is not None:  # `x.view(-1, 16 * 5 * 5)` on images of another size
                operation_failed(interp, viewed, span, "reshape-size",
                                 f"a tensor of shape {format_shape(shape)} viewed as {tuple(target)}:", failure)
            elif name == "reshape":
                reshaped(tensor, viewed)
            elif lay_out_view(tensor, viewed):  # `y.transpose(1, 2).view(B, T, C)` without `.contiguous()`
                refused = Tensor(None, "a view torch refuses", None, (tensor,))
                operation_failed(interp, refused, span, "view-not-contiguous",
                                 f"a tensor of shape {format_shape(shape)} whose values are not in the order of its "
                                 f"axes (transposed or permuted) viewed as {format_shape(viewed.shape)}:", NOT_VIEWABLE)
                return refused
            return viewed
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
                return permuted(tensor, Tensor(tuple(shape[i] for i in order), None, None, (tensor,)),
                                [i % len(shape) for i in order])
            failure = permute_failure(shape, order)
            if failure is not None:  # `x.permute(0, 2)` on a 3-D tensor
                refused = Tensor(None, "a permutation torch refuses", None, (tensor,))
                operation_failed(interp, refused, span, "rank-mismatch",
                                 f"a tensor of shape {format_shape(shape)} permuted as {tuple(order)};", failure)
                return refused
        if name == "transpose" and len(args) == 2 and all(isinstance(i, int) for i in args):
            dims = list(shape)
            a, b = args[0] % len(shape), args[1] % len(shape)
            dims[a], dims[b] = dims[b], dims[a]
            order = list(range(len(shape)))
            order[a], order[b] = order[b], order[a]
            return permuted(tensor, Tensor(tuple(dims), None, None, (tensor,)), order)
        if name in REDUCTIONS or name in PAIRED_REDUCTIONS:
            return reduction(tensor, name, args, kwargs)
        if name in SPLITS:
            unbound = (args[0] if args else kwargs.get("dim", 0)) if name == "unbind" else None
            return parts_of(tensor, split(tensor, name, args, kwargs),
                            unbound % len(shape) if isinstance(unbound, int) and -len(shape) <= unbound < len(shape) else None)
        if name == "squeeze" and not args and "dim" not in kwargs:
            if None in shape:
                return Tensor(None, "`squeeze()` of a tensor with a size that may be 1", None, (tensor,))
            return Tensor(tuple(d for d in shape if not (isinstance(d, int) and d == 1)), None, None, (tensor,))
        if name == "repeat":  # `x.repeat(batch, 1)`: each axis times its count, new axes in front
            counts = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)
            if len(counts) >= len(shape) and all(is_dim(c) for c in counts):
                lead = len(counts) - len(shape)
                return Tensor((*counts[:lead], *(None if d is None else d * c for d, c in zip(shape, counts[lead:]))),
                              None, None, (tensor,))
        if name == "narrow" and len(args) == 3 and isinstance(args[0], int) and is_dim(args[2]):
            dims = list(shape)
            dims[args[0] % len(shape)] = args[2]
            return Tensor(tuple(dims), None, None, (tensor,))
        if name == "t" and len(shape) <= 2:
            return permuted(tensor, Tensor(tuple(reversed(shape)), None, None, (tensor,)), list(reversed(range(len(shape)))))
        if name == "expand":
            return expanded(tensor, args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args))
        if name == "expand_as" and args and isinstance(args[0], (Tensor, ArrayValue)):
            return expanded(tensor, args[0].shape)
        return Tensor(None, f"the result of `.{name}(...)`", None, (tensor,))


# Reductions over axes: ``dim`` first, then ``keepdim`` (also by keyword); with no ``dim``, a
# reduction over every element gives a 0-d tensor.
REDUCTIONS = frozenset({"mean", "sum", "amax", "amin", "prod", "logsumexp", "nansum", "nanmean", "argmax", "argmin",
                        "all", "any", "std", "var"})
# Reductions along one axis that give (values, indices): a pair, as torch's named tuple.
PAIRED_REDUCTIONS = frozenset({"max", "min", "median", "mode", "kthvalue", "topk", "sort"})
SPLITS = frozenset({"chunk", "split", "unbind", "tensor_split"})
MAX_ITEMS = 16  # a tensor with a longer first axis is not iterated item by item


class ValuesIndices(Value):
    """``x.max(dim=1)``, ``torch.topk(x, k)``: the (values, indices) pair torch returns, unpacked,
    indexed or read by name."""

    __slots__ = ("values", "indices")

    def __init__(self, values: Tensor, indices: Tensor) -> None:
        self.values = values
        self.indices = indices

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name in ("values", "indices"):
            return self.values if name == "values" else self.indices
        return Unknown(f"attribute `{name}` of a (values, indices) pair")

    def subscript(self, interp: "Interpreter", index: object) -> object:
        if isinstance(index, int) and -2 <= index < 2:
            return (self.values, self.indices)[index]
        return Unknown("a subscript of a (values, indices) pair")

    def iterate(self) -> Optional[list]:
        return [self.values, self.indices]

    def length(self) -> object:
        return 2


def reduction(tensor: Tensor, name: str, args: list, kwargs: dict) -> object:
    shape = tensor.shape
    if name in ("max", "min") and args and isinstance(args[0], (Tensor, ArrayValue)):
        return elementwise(tensor, args[0])  # torch.max(a, b): element-wise
    if name in ("kthvalue", "topk"):  # (k, dim=-1, ...)
        count, args = (args[0], args[1:]) if args else (kwargs.get("k"), [])
        dim = args[0] if args else kwargs.get("dim", -1)
    elif name == "sort":
        dim = args[0] if args else kwargs.get("dim", -1)
        count = None
    else:
        dim, count = (args[0] if args else kwargs.get("dim")), None
    keep = kwargs.get("keepdim", args[1] if len(args) > 1 and name not in ("std", "var", "sort", "topk") else False)
    if shape is None or not isinstance(keep, bool):
        return Tensor(None, f"the result of `.{name}(...)`", None, (tensor,))
    if dim is None:
        if name in PAIRED_REDUCTIONS and name not in ("max", "min", "median"):
            return Tensor(None, f"the result of `.{name}(...)`", None, (tensor,))
        return Tensor((), None, None, (tensor,))  # over every element
    axes = dim if isinstance(dim, (tuple, list)) else (dim,)
    if not shape or not all(isinstance(d, int) and -len(shape) <= d < len(shape) for d in axes):
        return Tensor(None, f"`.{name}(...)` over axes the analysis does not read", None, (tensor,))
    picked = {d % len(shape) for d in axes}
    if name in ("topk", "sort"):
        if name == "topk" and not is_dim(count):
            return Tensor(None, "`topk` of a count that is not known", None, (tensor,))
        dims = [count if i in picked and name == "topk" else d for i, d in enumerate(shape)]
    elif keep:
        dims = [1 if i in picked else d for i, d in enumerate(shape)]
    else:
        dims = [d for i, d in enumerate(shape) if i not in picked]
    values = Tensor(tuple(dims), None, None, (tensor,))
    if name not in PAIRED_REDUCTIONS:
        return values
    return ValuesIndices(values, Tensor(tuple(dims), None, None, (tensor,)))


def einsum(spec: str, operands: list) -> object:
    """``torch.einsum("bhqk,bhkd->bhqd", att, v)`` (the operands also as one list)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = list(operands[0])
    tensors = tuple(t for t in operands if isinstance(t, Tensor))
    shapes = [operand_shape(value) for value in operands]
    if not tensors:
        return Unknown("`torch.einsum(...)` of values that are not tensors")
    if any(shape is None for shape in shapes):
        return Tensor(None, "an einsum of a tensor whose shape is not known", None, tensors)
    shape = einsum_shape(spec, shapes)  # type: ignore[arg-type]
    return Tensor(None, shape, None, tensors) if isinstance(shape, str) else Tensor(shape, None, None, tensors)


def split(tensor: Tensor, name: str, args: list, kwargs: dict) -> object:
    """``x.chunk(2, dim=1)``, ``torch.split(x, size, dim)``, ``x.unbind(1)``: a tuple of tensors."""
    shape = tensor.shape
    why = f"the parts of `.{name}(...)`"
    if name == "unbind":
        dim = args[0] if args else kwargs.get("dim", 0)
    else:
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    if shape is None or not isinstance(dim, int) or not -len(shape) <= dim < len(shape):
        return Unknown(why)
    axis = dim % len(shape)
    size = shape[axis]
    if name == "unbind":
        if not isinstance(size, int) or size > 64:
            return Unknown(f"{why}: their number is not known")
        return tuple(Tensor((*shape[:axis], *shape[axis + 1:]), None, None, (tensor,)) for _ in range(size))
    given = args[0] if args else kwargs.get("chunks", kwargs.get("split_size_or_sections", kwargs.get("sections")))
    if name == "split" and isinstance(given, (list, tuple)) and all(is_dim(s) for s in given):
        sizes = list(given)
    elif isinstance(given, int) and given > 0 and isinstance(size, int):
        if name == "split":
            sizes = [min(given, size - start) for start in range(0, size, given)]
        elif name == "chunk":
            step = -(-size // given)
            sizes = [min(step, size - start) for start in range(0, size, step)]
        else:  # tensor_split: sizes as even as they come, the first ones one larger
            sizes = [size // given + (1 if i < size % given else 0) for i in range(given)]
    elif name in ("chunk", "tensor_split") and isinstance(given, int) and 0 < given <= 64:
        sizes = [None] * given  # sizes of an axis the analysis does not know: as many parts as asked
    else:
        return Unknown(why)
    if len(sizes) > 64:
        return Unknown(f"{why}: too many to follow")
    parts = []
    for part in sizes:
        out = Tensor((*shape[:axis], part, *shape[axis + 1:]), None, None, (tensor,))
        out.partial = out.partial or part is None
        parts.append(out)
    return tuple(parts)


def padded(tensor: Tensor, pad: object) -> Tensor:
    """``F.pad(x, (left, right, top, bottom))``: pairs from the last axis backwards (negative crops)."""
    shape = tensor.shape
    if shape is None or not isinstance(pad, (tuple, list)) or len(pad) % 2 or len(pad) // 2 > len(shape) \
            or not all(is_dim(p) for p in pad):
        return Tensor(None, "an `F.pad` the analysis does not follow", None, (tensor,))
    dims = list(shape)
    for axis in range(len(pad) // 2):
        position = len(shape) - 1 - axis
        if dims[position] is not None:
            dims[position] = dims[position] + pad[2 * axis] + pad[2 * axis + 1]
    return Tensor(tuple(dims), None, None, (tensor,))


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
    failure = view_failure(tensor, target)
    if failure is not None:
        return Tensor(None, f"torch fails: {failure}", None, (tensor,))
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


def joined_tensors(tensors: object) -> object:
    """What ``torch.cat`` joins: a data tensor among model tensors (a class token, a fixed
    encoding) counts by its shape."""
    if isinstance(tensors, (list, tuple)) and any(isinstance(t, Tensor) for t in tensors):
        return [Tensor(t.shape, None, None, ()) if isinstance(t, ArrayValue) else t for t in tensors]
    return tensors


def cat(tensors: object, dim: object) -> object:
    if not isinstance(tensors, (list, tuple)) or not all(isinstance(t, Tensor) for t in tensors) or not isinstance(dim, int):
        return Unknown("torch.cat of unknown tensors")
    shapes = [t.shape for t in tensors]
    if any(s is None for s in shapes):
        return Tensor(None, "an input of torch.cat is unknown", None, tuple(tensors))
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        return Tensor(None, "torch.cat of tensors of different ranks", None, tuple(tensors))
    axis = dim % rank
    if any(i != axis and a is not None and b is not None and differ(a, b) for s in shapes[1:] for i, (a, b) in enumerate(zip(shapes[0], s))):
        return Tensor(None, "the tensors' sizes differ outside the joined dimension", None, tuple(tensors))
    out = list(shapes[0])
    out[axis] = None if any(s[axis] is None for s in shapes) else sum(s[axis] for s in shapes)
    return Tensor(tuple(out), None, None, tuple(tensors))


def stack(tensors: object, dim: object) -> object:
    """``torch.stack``: tensors of one shape, joined along a new axis ``dim``."""
    if not isinstance(tensors, (list, tuple)) or not tensors or not all(isinstance(t, Tensor) for t in tensors) \
            or not isinstance(dim, int):
        return Unknown("torch.stack of unknown tensors")
    shapes = [t.shape for t in tensors]
    if any(s is None for s in shapes):
        return Tensor(None, "an input of torch.stack is unknown", None, tuple(tensors))
    first = shapes[0]
    if any(len(s) != len(first) or any(a is not None and b is not None and differ(a, b) for a, b in zip(first, s))
           for s in shapes[1:]):
        return Tensor(None, "torch.stack of tensors of different shapes", None, tuple(tensors))
    if not -len(first) - 1 <= dim <= len(first):
        return Tensor(None, f"torch.stack along dimension {dim} of {len(first)}-D tensors", None, tuple(tensors))
    out = [next((s[i] for s in shapes if s[i] is not None), None) for i in range(len(first))]
    out.insert(dim % (len(first) + 1), len(tensors))
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
