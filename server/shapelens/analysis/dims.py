"""The dimension type: one size of a tensor axis, and the shapes made of them.

A dimension is an ``int`` when the program fixes it and ``None`` when nothing does. Every
formula and every printed shape goes through this module, so a richer dimension (a symbolic
size) extends this one place.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

Dim = Optional[int]
Shape = tuple[Dim, ...]
# A layer with several outputs (an RNN with return_state) has a tuple of shapes.
OutputShape = Union[Shape, tuple[Shape, ...], None]


def format_dim(dim: Dim) -> str:
    return "None" if dim is None else str(dim)


def format_shape(shape: Sequence[Dim]) -> str:
    """``(None, 26, 26, 32)``, as Python prints a tuple (``(None,)`` for one axis)."""
    return "(" + ", ".join(format_dim(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def format_output(shape: OutputShape) -> str:
    """A layer's output: one shape, several (``[(None, 16), (None, 16)]``), or ``?`` if unknown."""
    if shape is None:
        return "?"
    if shape and isinstance(shape[0], tuple):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"
    return format_shape(shape)


def format_numpy(shape: Sequence[Dim]) -> str:
    """numpy's way, as Keras 3 prints shapes in some messages: ``[None 1 1 64]``."""
    return "[" + " ".join(format_dim(d) for d in shape) + "]"
