"""User classes deriving from torch's containers: ``class _Transition(nn.Sequential)``,
``class _DenseBlock(nn.ModuleDict)``, ``class Stages(nn.ModuleList)`` (torchvision's style).

As in torch, a container holds its modules in the order they were registered (attributes set in
``__init__``, ``add_module``, ``append``, or what ``super().__init__(...)`` was given); a
``Sequential`` subclass with no ``forward`` of its own applies them in turn.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ..interpreter.tensors import Tensor
from ..interpreter.values import BoundMethod, Instance, LayerObj
from ..unknown import SomeItems, Unknown
from .modules import ModuleHook, TorchSequential

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import TorchPlugin

CONTAINER_CLASSES = {
    "torch.nn.Sequential": "sequential", "torch.nn.modules.container.Sequential": "sequential",
    "torch.nn.ModuleList": "list", "torch.nn.modules.container.ModuleList": "list",
    "torch.nn.ModuleDict": "dict", "torch.nn.modules.container.ModuleDict": "dict",
}
CONTAINER_METHODS = frozenset({"items", "values", "keys", "append", "extend", "update"})


def is_module(value: object) -> bool:
    if isinstance(value, (LayerObj, TorchSequential)):
        return True
    return isinstance(value, Instance) and isinstance(value.cls.hook, ModuleHook)


class ContainerHook(ModuleHook):
    """What ``nn.Sequential`` (``kind="sequential"``), ``nn.ModuleList`` or ``nn.ModuleDict`` give a subclass."""

    def __init__(self, plugin: "TorchPlugin", kind: str) -> None:
        super().__init__(plugin)
        self.kind = kind

    @staticmethod
    def named(instance: Instance) -> list[tuple[str, object]]:
        """The entries: the modules among its attributes, and the attributes not known statically
        (a module that only some paths of an undecided condition registered)."""
        return [(name, value) for name, value in instance.attrs.items()
                if is_module(value) or isinstance(value, Unknown)]

    def entries(self, instance: Instance) -> list:
        return [value for _, value in self.named(instance)]

    def register(self, instance: Instance, name: object, module: object, interp: "Interpreter") -> None:
        interp.journal.touch(instance.attrs, attributes=True)  # a module only some paths register is unknown
        instance.attrs[str(name)] = module

    # --- the container's own API ---

    def attribute(self, interp: "Interpreter", instance: Instance, name: str) -> object:
        if name in CONTAINER_METHODS:
            return BoundMethod(instance, name)
        return super().attribute(interp, instance, name)

    def method(self, interp: "Interpreter", instance: Instance, name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        named = self.named(instance)
        if name == "items":
            return tuple(named)
        if name == "values":
            return tuple(value for _, value in named)
        if name == "keys":
            return tuple(key for key, _ in named)
        if name == "append" and len(args) == 1:
            self.register(instance, len(named), args[0], interp)
            interp.events += 1
            return instance
        if name in ("extend", "update") and len(args) == 1:
            self.add_all(interp, instance, args[0])
            return instance if name == "extend" else None
        return super().method(interp, instance, name, args, kwargs, node)

    def super_method(self, interp: "Interpreter", instance: Instance, name: str, args: list, kwargs: dict,
                     node: ast.Call) -> object:
        """``super().__init__(*modules)`` / ``(OrderedDict(...))`` / ``(modules)``: the first entries."""
        if name != "__init__":
            return super().super_method(interp, instance, name, args, kwargs, node)
        if self.kind == "sequential" and not (len(args) == 1 and isinstance(args[0], dict)):
            for module in args:
                self.register(instance, len(self.named(instance)), module, interp)
        elif args:
            self.add_all(interp, instance, args[0])
        interp.events += 1
        return None

    def add_all(self, interp: "Interpreter", instance: Instance, modules: object) -> None:
        if isinstance(modules, dict):
            for key, module in modules.items():
                self.register(instance, key, module, interp)
            return
        items = interp.spread(modules)
        if items is None:
            items = [SomeItems("the modules of a container extended with what cannot be iterated statically")]
        for item in items:
            if self.kind == "dict" and isinstance(item, tuple) and len(item) == 2:
                self.register(instance, item[0], item[1], interp)
            else:
                self.register(instance, len(self.named(instance)), item, interp)

    def iterate(self, instance: Instance) -> Optional[list]:
        named = self.named(instance)
        return [key for key, _ in named] if self.kind == "dict" else [value for _, value in named]

    def subscript(self, interp: "Interpreter", instance: Instance, index: object) -> object:
        entries = self.entries(instance)
        if isinstance(index, str):
            return instance.attrs.get(index, Unknown(f"no module named {index!r}"))
        if isinstance(index, int) and not isinstance(index, bool) and -len(entries) <= index < len(entries):
            return entries[index]
        if isinstance(index, slice):
            if self.kind == "sequential":
                return TorchSequential(self.plugin, instance.span, "", entries[index])  # type: ignore[arg-type]
            return entries[index]
        return Unknown("an entry of a container the analysis cannot pick")

    # --- running it ---

    def has_forward(self, interp: "Interpreter", instance: Instance) -> bool:
        return super().has_forward(interp, instance) or self.kind == "sequential"

    def run_forward(self, interp: "Interpreter", instance: Instance, args: list, kwargs: dict) -> object:
        if super().has_forward(interp, instance) or self.kind != "sequential":
            return super().run_forward(interp, instance, args, kwargs)
        if not args or not isinstance(args[0], Tensor):
            return Unknown("an nn.Sequential called on a value that is not a tensor")
        chain = TorchSequential(self.plugin, instance.span, "", self.entries(instance))  # type: ignore[arg-type]
        return chain.chain(interp, args[0])


def container_kind(path: str) -> Optional[str]:
    return CONTAINER_CLASSES.get(path)


__all__ = ["ContainerHook", "container_kind"]
