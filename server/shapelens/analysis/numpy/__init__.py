"""The numpy plugin: arrays of known shape (factories, literals, what numpy's functions and array
methods make of them) and the data readers of numpy and pandas, whose results stay unknown."""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING, Optional

from ..dims import product
from ..interpreter.plugins import NOT_CONSTANT, CallHook, Plugin
from ..interpreter.tensors import Tensor
from ..interpreter.values import ArrayValue
from ..unknown import Unknown
from .functions import ARRAY_FACTORIES, Functions

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter

__all__ = ["NumpyPlugin", "ARRAY_FACTORIES"]

CONSTANTS = {"numpy.newaxis": None, "numpy.pi": math.pi, "numpy.e": math.e, "numpy.inf": math.inf}


class NumpyPlugin(Plugin):
    name = "numpy"
    roots = ("numpy", "pandas")

    def __init__(self) -> None:
        self.functions = Functions(self)

    def constant(self, path: str) -> object:
        return CONSTANTS.get(path, NOT_CONSTANT)

    def instance_check(self, value: object, path: str) -> Optional[bool]:
        """``isinstance(x, np.ndarray)``: an array of numpy's is one, a tensor is not."""
        if path != "numpy.ndarray":
            return None
        if isinstance(value, (Tensor, ArrayValue)):
            return value.framework is self
        return False if isinstance(value, (int, float, str, list, tuple, dict)) or value is None else None

    def call_hook(self, path: str) -> Optional[CallHook]:
        return self.functions.hook(path)

    def array_attribute(self, interp: "Interpreter", array: ArrayValue, name: str) -> object:
        if name == "size":  # numpy's size is the number of elements (torch's is a method)
            size = product(array.shape)
            return size if size is not None else Unknown("the size of an array with an unknown dimension")
        return array.common_attribute(name)

    def array_method(self, interp: "Interpreter", array: ArrayValue, name: str, args: list, kwargs: dict,
                     node: ast.Call) -> object:
        return self.functions.method(interp, array, name, args, kwargs, node)
