"""``math``: the functions and constants size arithmetic uses (``math.sqrt(d_model)``,
``math.ceil(n / 2)``, ``math.prod(shape)``), computed as Python computes them on known numbers."""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING

from ...unknown import Unknown
from ..values import QName

if TYPE_CHECKING:
    from ..core import Interpreter

FUNCTIONS = {name: getattr(math, name) for name in (
    "sqrt", "isqrt", "exp", "log", "log2", "log10", "pow", "floor", "ceil", "trunc", "fabs", "gcd", "lcm",
    "prod", "comb", "factorial", "sin", "cos", "tan", "atan", "hypot", "radians", "degrees")}
CONSTANTS = {f"math.{name}": getattr(math, name) for name in ("pi", "e", "tau", "inf")}


def number(value: object) -> bool:
    return isinstance(value, (int, float))


def math_function(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    function = FUNCTIONS.get(func.leaf)
    values = [*args, *kwargs.values()]
    sequence = func.leaf == "prod" and len(args) == 1 and isinstance(args[0], (list, tuple))
    if function is None or not all(number(v) for v in (args[0] if sequence else values)) or (sequence and kwargs):
        return Unknown(f"`{func.path}(...)` of values that are not known numbers")
    try:
        return function(*args, **kwargs)
    except (ValueError, TypeError, OverflowError, ZeroDivisionError) as error:
        return Unknown(f"`{func.path}(...)` fails here ({type(error).__name__})")
