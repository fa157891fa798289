"""``operator``'s arithmetic functions (``functools.reduce(operator.mul, x.shape[1:])``), which do
what the operator written in the code does: the same arithmetic on known numbers, sizes named
after a variable and tensors."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...unknown import Unknown
from ..values import QName

if TYPE_CHECKING:
    from ..core import Interpreter

OPERATORS: dict[str, type[ast.operator]] = {
    "add": ast.Add, "sub": ast.Sub, "mul": ast.Mult, "truediv": ast.Div, "floordiv": ast.FloorDiv,
    "mod": ast.Mod, "pow": ast.Pow, "matmul": ast.MatMult,
}


def operator_function(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    if len(args) != 2 or kwargs:
        return Unknown(f"`{func.path}(...)` takes two operands")
    return interp.evaluator.binop(OPERATORS[func.leaf](), args[0], args[1])
