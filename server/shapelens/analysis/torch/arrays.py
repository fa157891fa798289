"""torch tensors of known shape made from data: ``torch.from_numpy(x)``, ``torch.tensor(x)``,
``torch.FloatTensor(x)``, and what tensor methods (``.permute``, ``.unsqueeze``, ``.view``,
``.float()``) and functions make of them. They are arrays (values the program fixes, not graph
tensors): the tensor rules of ``tensors.py`` give their shapes."""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING, Optional

from ..interpreter.arrays import dtype_name, literal_dtype, literal_shape
from ..interpreter.provenance import call_notes
from ..interpreter.tensors import Tensor
from ..interpreter.values import ArrayValue
from ..unknown import Unknown

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import TorchPlugin

# torch functions that make a tensor from data (an array, a nested list), keeping its shape
FROM_DATA = {
    "from_numpy": None, "tensor": None, "as_tensor": None, "asarray": None,
    "Tensor": "float32", "FloatTensor": "float32", "DoubleTensor": "float64", "LongTensor": "int64",
    "IntTensor": "int32", "BoolTensor": "bool", "HalfTensor": "float16", "ByteTensor": "uint8",
}
# methods that change only the dtype
CASTS = {"float": "float32", "double": "float64", "half": "float16", "long": "int64", "int": "int32", "bool": "bool",
         "byte": "uint8"}
# methods that give the tensor back as it is (its device or autograd state change)
KEEPS = frozenset({"to", "cuda", "cpu", "detach", "clone", "contiguous", "requires_grad_", "pin_memory"})
# torch functions that, given a data tensor first, act as the same tensor method
AS_METHODS = frozenset({"unsqueeze", "squeeze", "reshape", "permute", "transpose", "flatten", "mean", "sum"})


def from_data(plugin: "TorchPlugin", interp: "Interpreter", name: str, args: list, kwargs: dict,
              node: ast.Call) -> object:
    """``torch.from_numpy(x)``, ``torch.tensor([[1, 2]])``, ``torch.FloatTensor(x)``; ``torch.Tensor(2, 3)``
    (sizes, not data) too."""
    data = args[0] if args else kwargs.get("data")
    dtype = dtype_name(kwargs.get("dtype")) or FROM_DATA[name]
    if name.endswith("Tensor") and args and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return ArrayValue(tuple(args), interp.span(node), plugin, dtype, call_notes(interp, args, kwargs))
    if isinstance(data, ArrayValue):
        if data.ragged:
            return Unknown("a tensor of sequences of different lengths (torch raises)")
        return data.derived(data.shape, dtype or data.dtype, plugin, interp.span(node))
    shape = literal_shape(data)
    if shape is None:
        return Unknown(f"`torch.{name}(...)` of data whose shape is not known")
    return ArrayValue(shape, interp.span(node), plugin, dtype or literal_dtype(data, "float32"),
                      call_notes(interp, args, kwargs))


def array_method(plugin: "TorchPlugin", interp: "Interpreter", array: ArrayValue, name: str, args: list,
                 kwargs: dict, node: ast.Call) -> object:
    """A tensor method on a data tensor: the tensor rule, on a tensor of the array's shape."""
    if name in CASTS:
        return array.derived(array.shape, CASTS[name], span=interp.span(node))
    if name in KEEPS or name in ("eval", "train"):
        dtype = dtype_name(args[0] if args else kwargs.get("dtype")) if name == "to" else None
        return array.derived(array.shape, dtype or array.dtype, span=interp.span(node))
    if name == "numpy":
        owner = interp.frameworks.owner("numpy") or plugin
        return array.derived(array.shape, array.dtype, owner, interp.span(node))
    if name == "size" and not args:
        return array.shape
    tensor = Tensor(array.shape, None, None, (), None, plugin)
    result = plugin.tensors.method(interp, tensor, name, args, kwargs, interp.span(node))
    return as_array(array, result, node, interp)


def as_array(array: ArrayValue, result: object, node: ast.AST, interp: "Interpreter") -> object:
    if not isinstance(result, Tensor):
        return result
    if result.shape is None:
        return Unknown(result.reason or "the result of a tensor operation the analysis does not follow")
    return array.derived(result.shape, array.dtype, span=interp.span(node))


def array_function(plugin: "TorchPlugin", interp: "Interpreter", name: str, args: list, kwargs: dict,
                   node: ast.Call) -> Optional[object]:
    """``torch.unsqueeze(x, 0)`` on a data tensor; ``None`` when the function is not one of these."""
    first = args[0] if args else kwargs.get("input")
    if name in FROM_DATA:
        return from_data(plugin, interp, name, args, kwargs, node)
    if name == "arange":
        return arange(plugin, interp, args, kwargs, node)
    if name in AS_METHODS and isinstance(first, ArrayValue):
        return array_method(plugin, interp, first, name, args[1:], kwargs, node)
    return None


def arange(plugin: "TorchPlugin", interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
    """``torch.arange(end)`` / ``(start, end, step)``: ``ceil((end - start) / step)`` values."""
    bounds = [b for b in args[:3]]
    if "end" in kwargs:
        bounds = [bounds[0] if bounds else kwargs.get("start", 0), kwargs["end"], kwargs.get("step", 1)]
    if not bounds or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds):
        return Unknown("`torch.arange` with bounds that are not constant")
    start, end, step = (0, bounds[0], 1) if len(bounds) == 1 else (bounds[0], bounds[1], bounds[2] if len(bounds) > 2 else 1)
    if step == 0:
        return Unknown("`torch.arange` with a step of 0 (torch raises)")
    length = max(math.ceil((end - start) / step), 0)
    dtype = dtype_name(kwargs.get("dtype")) or ("int64" if all(isinstance(b, int) for b in bounds) else "float32")
    return ArrayValue((length,), interp.span(node), plugin, dtype, call_notes(interp, args, kwargs))


def as_tensor(value: object, plugin: "TorchPlugin") -> object:
    """A torch tensor made from data, as a tensor a layer can be applied to."""
    if not isinstance(value, ArrayValue) or value.framework is not plugin:
        return value
    tensor = Tensor(value.shape, None, None, (), None, plugin)
    tensor.notes = value.notes
    return tensor
