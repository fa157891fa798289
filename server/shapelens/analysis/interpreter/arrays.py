"""Literal example inputs: reading the shape out of an array factory's arguments, or out of a
literal nested list (``np.array([[1, 2], [3, 4]])``), and the dtype a call names.

A framework lists its factories with the way each takes its shape; this module reads it. The
forms: ``dims`` (``torch.randn(2, 3)`` or ``torch.randn((2, 3))``), ``shape`` (first argument or
``shape=``), ``size`` (first argument or ``size=``), ``size2`` (third argument or ``size=``, as
``np.random.uniform(low, high, size)``), ``last_or_size`` (``torch.randint(low, high, (2, 3))``).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ..dims import Shape, is_dim
from ..unknown import Unknown
from .provenance import call_notes
from .values import ArrayValue, Builtin, QName

if TYPE_CHECKING:
    from .core import Interpreter
    from .plugins import Plugin


def as_shape(value: object) -> Optional[Shape]:
    """A shape written as an int or a tuple/list of sizes (ints, symbolic sizes) and ``None``; a
    symbol on its own may stand for a whole shape (a builder's ``input_shape`` parameter)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, (tuple, list)) and all(is_dim(d) or d is None for d in value):
        return tuple(value)
    return None


def factory_shape(form: str, args: list, kwargs: dict) -> Optional[Shape]:
    if form == "dims":
        if len(args) == 1 and isinstance(args[0], (tuple, list)):
            return as_shape(args[0])
        return as_shape(tuple(args)) if args else as_shape(kwargs.get("size"))
    if form == "size":
        return as_shape(args[0] if args else kwargs.get("size"))
    if form == "size2":
        return as_shape(args[2] if len(args) > 2 else kwargs.get("size", kwargs.get("shape")))
    if form == "eye":  # eye(n, m=n)
        rows = args[0] if args else kwargs.get("n")
        columns = args[1] if len(args) > 1 else kwargs.get("m")
        return as_shape((rows, rows if columns is None else columns))
    if form == "last_or_size":
        return as_shape(args[-1] if args and isinstance(args[-1], (tuple, list)) else kwargs.get("size"))
    return as_shape(args[0] if args else kwargs.get("shape"))


def make_array(interp: "Interpreter", framework: "Plugin", path: str, form: str, args: list, kwargs: dict,
               node: ast.Call, dtype: Optional[str] = None) -> object:
    shape = factory_shape(form, args, kwargs)
    if shape is None or any(d is None for d in shape):
        return Unknown(f"`{path}` with a shape that is not constant")
    named = dtype_name(kwargs.get("dtype")) if "dtype" in kwargs else None
    return ArrayValue(shape, interp.span(node), framework, named or dtype, call_notes(interp, args, kwargs))


def literal_shape(value: object) -> Optional[Shape]:
    """The shape of an array made from a literal: a number, or nested lists/tuples of equal lengths
    (``[[1, 2], [3, 4]]`` is (2, 2)); an array's own shape; ``None`` when ragged or not literal."""
    if isinstance(value, ArrayValue):
        return None if value.ragged else value.shape
    if isinstance(value, (int, float)):
        return ()
    if isinstance(value, (list, tuple)):
        if not value:
            return (0,)
        inner = [literal_shape(item) for item in value[:4096]]
        if len(value) > 4096 or any(s is None for s in inner) or any(s != inner[0] for s in inner):
            return None
        return (len(value), *inner[0])  # type: ignore[misc]
    return None


def literal_dtype(value: object, floats: str) -> Optional[str]:
    """The dtype an array made from a literal gets (``floats``: the library's for Python floats,
    numpy's float64, torch's float32): bool, int64 or floats by its numbers; None for anything else."""
    kinds: set[type] = set()
    stack = [value]
    while stack and len(kinds) < 4:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item[:4096])
        else:
            kinds.add(type(item))
    if not kinds or not kinds <= {bool, int, float}:
        return None
    if kinds == {bool}:
        return "bool"
    return floats if float in kinds else "int64"


DTYPE_OF_BUILTIN = {"float": "float64", "int": "int64", "bool": "bool", "complex": "complex128", "object": "object"}


def dtype_name(value: object) -> Optional[str]:
    """``"float32"``, ``np.float32``, ``torch.float32``, ``float``: the dtype a call names."""
    if isinstance(value, str):
        return value
    if isinstance(value, QName):
        return value.leaf
    if isinstance(value, Builtin):
        return DTYPE_OF_BUILTIN.get(value.name)
    return None
