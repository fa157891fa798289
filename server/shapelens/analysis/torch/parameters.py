"""Which parameters are trained: ``requires_grad`` as transfer learning sets it.

``for p in model.parameters(): p.requires_grad = False`` freezes every parameter the module has
at that moment (a head assigned afterwards is trained); so does ``model.requires_grad_(False)``,
and ``model.features.parameters()`` freezes the body alone. The loop binds one value standing for
every parameter (their number is not counted): setting its ``requires_grad`` outside any
undecided condition sets it for all of them.

A file may set ``requires_grad`` in ways this does not follow (``if "fc" not in name``, a slice
of ``list(model.parameters())``, a tensor of data). Every place the file's text sets it is
listed; unless each one was followed, no trainable count is given.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Iterable, Optional

from ..interpreter.journal import Either
from ..interpreter.positions import SourceSpan
from ..interpreter.values import BoundMethod, Instance, LayerObj, Value
from ..unknown import Unknown
from .modules import HeldParameter, ModuleHook, TorchModuleValue, TorchSequential

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import TorchState


class ParametersValue(Value):
    """``module.parameters()`` / ``named_parameters()`` of one or more modules."""

    def __init__(self, owners: Iterable[object], named: bool) -> None:
        self.owners = tuple(owners)
        self.named = named

    def loop_variable(self) -> object:
        """Every parameter at once: what ``for p in model.parameters()`` binds."""
        parameter = EachParameter(self.owners)
        return (Unknown("the name of a parameter"), parameter) if self.named else parameter

    def iterate(self) -> Optional[list]:
        return None  # not counted

    def length(self) -> object:
        return Unknown("the number of parameter tensors of a module is not counted")


class EachParameter(Value):
    """Every parameter of some modules at once: the variable of ``for p in model.parameters()``."""

    def __init__(self, owners: tuple) -> None:
        self.owners = owners

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name == "requires_grad_":
            return BoundMethod(self, name)
        return Unknown(f"`{name}` of a parameter is not known statically")

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        if name == "requires_grad" and interp.target is not None:
            set_requires_grad(interp, self.owners, value, interp.span(interp.target))

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if name == "requires_grad_":
            set_requires_grad(interp, self.owners, requires_grad_flag(args, kwargs), interp.span(node))
            return self
        return Unknown(f"the result of `.{name}(...)` on a parameter")


def requires_grad_flag(args: list, kwargs: dict) -> object:
    """The argument of ``requires_grad_(requires_grad=True)``."""
    return args[0] if args else kwargs.get("requires_grad", True)


def set_requires_grad(interp: "Interpreter", owners: Iterable[object], value: object, site: object) -> None:
    """``requires_grad = value`` on every parameter of ``owners``, written at ``site``: followed
    only for a constant outside any undecided condition, on modules the analysis knows whole."""
    if not isinstance(value, bool) or interp.conditions:
        return
    if all([freeze(interp, owner, not value) for owner in owners]):
        state: "TorchState" = interp.states["torch"]  # type: ignore[assignment]
        if not isinstance(site, SourceSpan):
            state.followed_sites.add((site.start_line, site.start_col))  # type: ignore[attr-defined]


def freeze(interp: "Interpreter", value: object, frozen: bool) -> bool:
    """Set every parameter of a module's frozen; False when some part of it is not known."""
    state: "TorchState" = interp.states["torch"]  # type: ignore[assignment]
    if isinstance(value, TorchModuleValue):
        return value.freeze(interp, frozen)
    if isinstance(value, LayerObj):
        state.frozen[id(value)] = frozen
        return True
    if isinstance(value, TorchSequential):
        return all([freeze(interp, entry, frozen) for entry in value.entries])
    if isinstance(value, Instance) and isinstance(value.cls.hook, ModuleHook):
        for item in value.attrs.values():
            if isinstance(item, HeldParameter):  # `self.cls_token = nn.Parameter(...)`
                state.frozen[id(item)] = frozen
        return all([freeze(interp, item, frozen) for item in value.attrs.values() if holds_modules(item)])
    if isinstance(value, (list, tuple)):
        return all([freeze(interp, item, frozen) for item in value])
    if isinstance(value, dict):
        return all([freeze(interp, item, frozen) for item in value.values()])
    if isinstance(value, Either):  # whichever path left it, its parameters are the path's module's
        return all([freeze(interp, option, frozen) for option in value.options])
    return value is None


def holds_modules(value: object) -> bool:
    """An attribute of a module that registers parameters: a module, or a list / dict of them
    (``nn.ModuleList``); other attributes (sizes, names) hold none."""
    if isinstance(value, (LayerObj, TorchSequential, TorchModuleValue, Unknown, Either)):
        return True
    if isinstance(value, Instance):
        return isinstance(value.cls.hook, ModuleHook)
    if isinstance(value, (list, tuple)):
        return any(holds_modules(item) for item in value)
    if isinstance(value, dict):
        return any(holds_modules(item) for item in value.values())
    return False
