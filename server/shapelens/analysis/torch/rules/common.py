"""What torch rules share: the optional batch axis and torch's way of printing sizes."""

from __future__ import annotations

from ...dims import Shape, format_shape
from ...rules import LayerRule, ShapeError


# The data tensors a layer's call takes, by parameter name in torch's order, for the layers whose
# calls take other tensors too: only these are its inputs (a mask passed by position,
# `encoder(src, mask)`, a cell's state `cell(x, (h, c))`, are not).
CALL_TENSORS = {
    "MultiheadAttention": ("query", "key", "value"),
    "TransformerEncoderLayer": ("src",),
    "TransformerEncoder": ("src",),
    "TransformerDecoderLayer": ("tgt", "memory"),
    "TransformerDecoder": ("tgt", "memory"),
    "Transformer": ("src", "tgt"),
    "RNNCell": ("input",),
    "LSTMCell": ("input",),
    "GRUCell": ("input",),
    "EmbeddingBag": ("input", "offsets"),
}


def dims_text(dims) -> str:
    return "[" + ", ".join("N" if d is None else str(d) for d in dims) + "]"


def split_batch(rule: LayerRule, shape: Shape, spatial_rank: int, op: str) -> tuple[bool, Shape]:
    """(batched, shape) for a (N, C, *spatial) layer; torch also takes (C, *spatial)."""
    if len(shape) == spatial_rank + 2:
        return True, shape
    if len(shape) == spatial_rank + 1:
        return False, (None, *shape)
    raise ShapeError(
        "rank-mismatch",
        f"{rule.name} expects a {spatial_rank + 2}-D (N, C, ...) input but receives {format_shape(shape)}; torch fails "
        f"with \"Expected {spatial_rank + 1}D (unbatched) or {spatial_rank + 2}D (batched) input to {op}, but got "
        f"input of size: {dims_text(shape)}\"",
        expected_ndim=spatial_rank + 2,
    )


def rejoin(batched: bool, shape: Shape) -> Shape:
    return shape if batched else shape[1:]
