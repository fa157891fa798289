"""The numpy plugin: arrays of known shape (factories, literals, what numpy's functions and array
methods make of them) and the data readers of numpy and pandas, whose results stay unknown."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ..interpreter.plugins import CallHook, Plugin
from ..interpreter.values import ArrayValue
from .functions import ARRAY_FACTORIES, Functions

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter

__all__ = ["NumpyPlugin", "ARRAY_FACTORIES"]


class NumpyPlugin(Plugin):
    name = "numpy"
    roots = ("numpy", "pandas")

    def __init__(self) -> None:
        self.functions = Functions(self)

    def call_hook(self, path: str) -> Optional[CallHook]:
        return self.functions.hook(path)

    def array_method(self, interp: "Interpreter", array: ArrayValue, name: str, args: list, kwargs: dict,
                     node: ast.Call) -> object:
        return self.functions.method(interp, array, name, args, kwargs, node)
