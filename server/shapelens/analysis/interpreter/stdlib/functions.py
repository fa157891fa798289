"""``functools.partial``: a layer class or a helper with some arguments fixed ahead of the call
(``conv3x3 = partial(nn.Conv2d, kernel_size=3, padding=1)``, torchvision's ``norm_layer``); and
``functools.reduce``, which folds a sequence with a function (``reduce(operator.mul, size, 1)``, the
flattened size of a feature map)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...unknown import Unknown
from ..values import QName, Value

if TYPE_CHECKING:
    from ..core import Interpreter


class Partial(Value):
    """Calls ``func`` with the arguments fixed first and the call's own after them (a keyword of
    the call's replaces the fixed one), at the call's place: a layer it makes is the call's."""

    __slots__ = ("func", "args", "kwargs")

    def __init__(self, func: Value, args: list, kwargs: dict) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return self.func.call(interp, [*self.args, *args], {**self.kwargs, **kwargs}, node)

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name == "func":
            return self.func
        if name == "args":
            return tuple(self.args)
        if name == "keywords":
            return dict(self.kwargs)
        return Unknown(f"attribute `{name}` of a functools.partial")


def partial(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    if not args or not isinstance(args[0], Value):
        return Unknown("a functools.partial of what the analysis cannot call")
    return Partial(args[0], list(args[1:]), dict(kwargs))


NO_INITIAL = object()


def reduce(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    if len(args) not in (2, 3) or kwargs:
        return Unknown("`functools.reduce(...)` with arguments it does not take")
    function, iterable = args[0], args[1]
    if not isinstance(function, Value):
        return Unknown("`functools.reduce(...)` of what the analysis cannot call")
    items = interp.iterate(iterable)
    if items is None:
        return Unknown("`functools.reduce(...)` over items that are not known")
    result = args[2] if len(args) == 3 else NO_INITIAL
    for item in items:
        result = item if result is NO_INITIAL else function.call(interp, [result, item], {}, node)
        if isinstance(result, Unknown):
            return result
    if result is NO_INITIAL:
        return Unknown("`functools.reduce(...)` of an empty sequence with no initial value fails")
    return result
