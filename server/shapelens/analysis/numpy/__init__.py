"""The numpy plugin: literal example arrays made by numpy's factories."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ..interpreter.arrays import make_array
from ..interpreter.plugins import CallHook, Plugin
from ..interpreter.values import QName

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter

# canonical callable → how its shape is given (see interpreter/arrays.py)
ARRAY_FACTORIES = {
    "numpy.random.rand": "dims", "numpy.random.randn": "dims",
    "numpy.random.random": "size", "numpy.random.random_sample": "size", "numpy.random.sample": "size",
    "numpy.random.uniform": "size2", "numpy.random.normal": "size2", "numpy.random.randint": "size2",
    "numpy.zeros": "shape", "numpy.ones": "shape", "numpy.empty": "shape", "numpy.full": "shape",
}


class NumpyPlugin(Plugin):
    name = "numpy"
    roots = ("numpy",)

    def call_hook(self, path: str) -> Optional[CallHook]:
        return self.array if path in ARRAY_FACTORIES else None

    def array(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return make_array(interp, self, func.path, ARRAY_FACTORIES[func.path], args, kwargs, node)
