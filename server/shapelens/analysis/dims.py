"""The dimension type: one size of a tensor axis, and the shapes made of them.

A dimension is an ``int`` when the program fixes it and ``None`` when nothing does. Every
formula and every printed shape goes through this module, so a richer dimension (a symbolic
size) extends this one place.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Union

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


def known(dim: Dim) -> bool:
    return dim is not None


def add(a: Dim, b: Dim) -> Dim:
    return None if a is None or b is None else a + b


def mul(a: Dim, b: Dim) -> Dim:
    return None if a is None or b is None else a * b


def floordiv(a: Dim, b: int) -> Dim:
    return None if a is None else a // b


def product(dims: Iterable[Dim]) -> Dim:
    """The number of values in these axes; unknown if any axis is."""
    out: Dim = 1
    for dim in dims:
        if dim is None:
            return None
        out *= dim
    return out


def equal(a: Dim, b: Dim) -> Optional[bool]:
    """Three-valued: ``True``/``False`` when the program fixes both sizes, ``None`` when it cannot be told."""
    if a is None or b is None:
        return None
    return a == b


def differ(a: Dim, b: Dim) -> bool:
    """The two sizes certainly differ (an error may be raised only then)."""
    return equal(a, b) is False


def nonpositive(dim: Dim) -> bool:
    """The size is certainly zero or negative (a window that does not fit)."""
    return dim is not None and dim <= 0


def broadcast(left: Sequence[Dim], right: Sequence[Dim]) -> Optional[tuple[Dim, ...]]:
    """Element-wise shape of two operands (numpy rules, aligned at the right); ``None`` when two
    sizes certainly differ and neither is 1."""
    if len(left) < len(right):
        left, right = right, left
    head = tuple(left[: len(left) - len(right)])
    out: list[Dim] = []
    for a, b in zip(left[len(left) - len(right):], right):
        if a is None or b is None:
            out.append(None)
        elif a == 1:
            out.append(b)
        elif b == 1 or a == b:
            out.append(a)
        else:
            return None
    return head + tuple(out)
