"""torch padding layers: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad (1d-3d).

``padding`` is one int for every side, or (left, right[, top, bottom[, front, back]]) from the
last axis backwards. Constant padding pads the last axes of a tensor of any rank (a negative pad
crops); the others take a batched or unbatched (C, *spatial) tensor, and reflection needs each pad
smaller than the axis it reflects.
"""

from __future__ import annotations

from ...dims import format_shape
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument, is_int
from .common import dims_text

CONSTANT = ("ZeroPad", "ConstantPad")


def pads(args: Args, rank: int) -> tuple[int, ...]:
    value = args.raw("padding")
    if is_int(value):
        return (value,) * (2 * rank)  # type: ignore[return-value]
    if isinstance(value, (tuple, list)) and len(value) == 2 * rank and all(is_int(p) for p in value):
        return tuple(value)
    raise UnknownArgument(f"argument `padding` of {args.class_name} is not a constant")


def torch_pad(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    rank = rule.rank
    pad = pads(args, rank)
    constant = rule.name.startswith(CONSTANT)
    if constant and len(shape) < rank:
        raise ShapeError("rank-mismatch", f"{rule.name} pads {rank} axes of a {len(shape)}-D input "
                         f"{format_shape(shape)}; torch fails with \"Padding length should be less than or equal to "
                         f"two times the input dimension but got padding length {2 * rank} and input of dimension "
                         f"{len(shape)}\"", expected_ndim=rank + 2)
    if not constant and len(shape) not in (rank + 1, rank + 2):
        raise ShapeError("rank-mismatch", f"{rule.name} expects a {rank + 2}-D (N, C, ...) or {rank + 1}-D input but "
                         f"receives {format_shape(shape)}; torch fails with \"Padding size {2 * rank} is not supported "
                         f"for {len(shape)}D input tensor.\"", expected_ndim=rank + 2)
    out = list(shape)
    for axis in range(rank):
        before, after = pad[2 * axis], pad[2 * axis + 1]
        position = len(shape) - 1 - axis
        size = shape[position]
        if size is None:
            continue
        if rule.name.startswith("ReflectionPad") and (before >= size or after >= size):
            raise ShapeError("negative-dimension", f"{rule.name} pads ({before}, {after}) an axis of size {size} (input "
                             f"{format_shape(shape)}): a reflection needs fewer; torch fails with \"Argument #4: Padding "
                             f"size should be less than the corresponding input dimension, but got: padding ({before}, "
                             f"{after}) at dimension {position} of input {dims_text(shape)}\"")
        if rule.name.startswith("CircularPad") and (before > size or after > size):
            raise UnknownArgument(f"{rule.name} wraps around an axis of size {size} more than once")
        if size + before + after < 0:
            raise ShapeError("negative-dimension", f"{rule.name} crops ({before}, {after}) an axis of size {size} (input "
                             f"{format_shape(shape)}); torch fails with \"narrow(): length must be non-negative.\"")
        out[position] = size + before + after
    return Applied(tuple(out), 0)


ROWS = [
    LayerRule(f"{kind}{rank}d", torch_pad, ("padding", "value") if kind == "ConstantPad" else ("padding",), {}, rank)
    for kind in ("ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad")
    for rank in (1, 2, 3)
]
