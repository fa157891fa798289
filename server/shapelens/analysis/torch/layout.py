"""Where torch keeps a tensor's values (its strides), as far as the analysis follows them: enough to
know when ``x.view(...)`` fails because the values are not laid out in the order the view needs
(an attention output transposed back to ``(B, T, nh, hs)`` and viewed as ``(B, T, C)`` without
``.contiguous()``).

The strides are known only where torch certainly makes them: a new contiguous tensor (a matrix
product's or a Linear's output, ``.contiguous()``, ``.reshape`` of a known layout), and the views of
one (``transpose``, ``permute``, ``view``, the parts of ``split`` / ``chunk`` / ``unbind``). Anything
else leaves them unknown (``Tensor.layout`` is None), and nothing is said of its views. Only tensors
whose every size is a known number have strides here.
"""

from __future__ import annotations

from typing import Optional, Sequence

from ..dims import Shape
from ..interpreter.tensors import Tensor

Strides = tuple[int, ...]
NOT_VIEWABLE = ("view size is not compatible with input tensor's size and stride (at least one dimension spans across "
                "two contiguous subspaces). Use .reshape(...) instead.")
# Layers whose output torch allocates anew, contiguous whatever their input's layout.
CONTIGUOUS_OUTPUTS = frozenset({"Linear", "LazyLinear", "Bilinear", "Embedding"})


def concrete(shape: Optional[Shape]) -> bool:
    return shape is not None and all(type(d) is int and d >= 0 for d in shape)


def contiguous(shape: Optional[Shape]) -> Optional[Strides]:
    """Row-major strides (torch's for a new tensor), for a shape of known sizes."""
    if not concrete(shape):
        return None
    strides, step = [], 1
    for size in reversed(shape):  # type: ignore[arg-type]
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def made_contiguous(tensor: Tensor) -> Tensor:
    tensor.layout = contiguous(tensor.shape)
    return tensor


def view_strides(shape: Sequence[int], strides: Sequence[int], target: Sequence[int]) -> Optional[Strides]:
    """The strides of ``x.view(target)`` for a tensor of ``shape`` and ``strides``; None when torch
    refuses the view. torch's own algorithm (``computeStride``, aten/src/ATen/TensorUtils.cpp): the
    tensor's axes fall into chunks that are contiguous among themselves, and every chunk must be
    covered by whole axes of the view."""
    if not shape:
        return (1,) * len(target)
    new = [0] * len(target)
    view_d = len(target) - 1
    chunk_base = strides[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[tensor_d]
        if tensor_d == 0 or (shape[tensor_d - 1] != 1 and strides[tensor_d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or target[view_d] == 1):
                new[view_d] = view_numel * chunk_base
                view_numel *= target[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base = strides[tensor_d - 1]
                tensor_numel = view_numel = 1
    return tuple(new) if view_d == -1 else None


def lay_out_view(tensor: Tensor, viewed: Tensor) -> bool:
    """Gives ``viewed`` (``tensor.view(...)``) the strides torch gives it, and says whether torch
    refuses the view instead; what the analysis does not know is never refused."""
    strides, target = tensor.layout, viewed.shape
    if strides is None or tensor.partial or tensor.failed or not concrete(tensor.shape) or not concrete(target):
        return False
    if 0 in tensor.shape:  # type: ignore[operator]
        return False
    new = view_strides(tensor.shape, strides, target)  # type: ignore[arg-type]
    viewed.layout = new
    return new is None


def reshaped(tensor: Tensor, result: Tensor) -> Tensor:
    """``x.reshape(...)``: a view where one is possible, else a contiguous copy."""
    if tensor.layout is not None and concrete(tensor.shape) and concrete(result.shape) and 0 not in tensor.shape:  # type: ignore[operator]
        result.layout = view_strides(tensor.shape, tensor.layout, result.shape) or contiguous(result.shape)  # type: ignore[arg-type]
    return result


def permuted(tensor: Tensor, result: Tensor, order: Sequence[int]) -> Tensor:
    """``transpose`` / ``permute`` / ``t``: the same values, the strides in the new order."""
    if tensor.layout is not None and len(order) == len(tensor.layout):
        result.layout = tuple(tensor.layout[i] for i in order)
    return result


def parts_of(tensor: Tensor, parts: object, axis: Optional[int]) -> object:
    """The parts of ``split`` / ``chunk`` (``axis`` None: each keeps the tensor's strides) or of
    ``unbind`` along ``axis`` (each without that axis' stride)."""
    if tensor.layout is None or not isinstance(parts, tuple):
        return parts
    strides = tensor.layout if axis is None else tensor.layout[:axis] + tensor.layout[axis + 1:]
    for part in parts:
        if isinstance(part, Tensor) and concrete(part.shape):
            part.layout = strides
    return parts
