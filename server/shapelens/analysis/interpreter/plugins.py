"""How a framework plugs into the interpreter, and the registry that composes the plugins.

A plugin owns the library names under its root packages (``keras``, ``torch``, ...), found by
canonical qualified name:
- **call hooks**: what calling ``keras.layers.Conv2D`` or ``torch.flatten`` does;
- **method hooks**: what a method of one of its values does (a tensor's ``.view``, an array's
  ``.astype``); its own model values carry their methods themselves;
- **base-class hooks**: how a user class deriving from one of its classes behaves
  (``torch.nn.Module`` runs ``forward``);
- **layer hooks**: how one of its layers takes its inputs and gives its outputs;
- ``start`` / ``finish`` around a run, for what a framework does once the file has run (build
  the models nothing called, check the data given to them).
The interpreter knows no framework: everything it learns of one comes through this interface.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Callable, Iterable, Optional, Sequence

from ..rules import Args, LayerRule, with_call_arguments
from ..unknown import Unknown, keyword_arguments
from .tensors import OpaqueTensor, Tensor
from .values import ArrayValue, BoundMethod, Function, Instance, LayerObj, ModelRecord, QName

if TYPE_CHECKING:
    from .core import Interpreter
    from .layers import LayerResult

CallHook = Callable[["Interpreter", QName, list, dict, ast.Call], object]
NOT_CONSTANT = object()


def open_keywords(hook: Callable) -> Callable:
    """Marks a call hook that binds keyword arguments of which some are not known (``Dense(**config)``:
    ``LayerRule.bind`` makes every argument not given otherwise unknown). Any other hook is not
    called with such arguments: the value it would make from the ones it knows could be a guess."""
    hook.open_keywords = True  # type: ignore[attr-defined]
    return hook


def unmodelled(reason: str, args: list, kwargs: dict, opaque: bool = False) -> object:
    """What an operation the analysis does not model gives: applied to tensors, a tensor of unknown
    shape (so the layers after it are still followed); otherwise an unknown value. ``opaque``: the
    operation may be a layer (a call of a value the analysis does not know)."""
    tensors = tuple(a for a in (*args, *kwargs.values()) if isinstance(a, Tensor))
    if not tensors:
        return Unknown(reason)
    return OpaqueTensor(None, reason, None, tensors) if opaque else Tensor(None, reason, None, tensors)


class ClassHook:
    """What a framework's base class gives the user classes deriving from it."""

    framework: "Plugin"

    def on_instance(self, interp: "Interpreter", instance: Instance) -> None:
        """After ``__init__`` ran."""

    def call_instance(self, interp: "Interpreter", instance: Instance, args: list, kwargs: dict, node: ast.Call) -> object:
        return Unknown(f"an instance of `{instance.cls.node.name}`")

    def attribute(self, interp: "Interpreter", instance: Instance, name: str) -> object:
        return Unknown(f"attribute `{name}` is not known statically")

    def method(self, interp: "Interpreter", instance: Instance, name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return Unknown(f"the result of `.{name}(...)`")

    def iterate(self, instance: Instance) -> Optional[list]:
        """``for layer in instance`` (a container class: ``nn.ModuleList``)."""
        return None

    def subscript(self, interp: "Interpreter", instance: Instance, index: object) -> object:
        """``instance[index]`` (a container class: ``nn.ModuleDict``)."""
        return Unknown("a subscript the analysis does not evaluate")

    def bound_method(self, interp: "Interpreter", instance: Instance, name: str, function: Function) -> object:
        """``instance.name`` where the user's class defines the method; a framework may wrap it
        (Keras runs a layer's own ``build`` once, as part of building it)."""
        return BoundMethod(instance, function)

    def super_method(self, interp: "Interpreter", instance: Instance, name: str, args: list, kwargs: dict,
                     node: ast.Call) -> object:
        """``super().name(...)`` reaching the library base class (``super().__init__(**kwargs)``)."""
        return Unknown(f"the result of `super().{name}(...)`")


class Plugin:
    """A framework. Subclasses fill in what they know; the defaults know nothing."""

    name = ""
    roots: tuple[str, ...] = ()  # top-level packages whose names it owns
    aliases: tuple[tuple[str, str], ...] = ()  # (prefix, canonical prefix): ``tensorflow.keras`` is ``keras``
    model_builders: frozenset[str] = frozenset()  # call names that make a model (``Sequential``)

    def call_hook(self, path: str) -> Optional[CallHook]:
        return None

    def class_hook(self, path: str) -> Optional[ClassHook]:
        return None

    def constant(self, path: str) -> object:
        """The value of a library constant (``numpy.newaxis`` is ``None``); ``NOT_CONSTANT`` otherwise."""
        return NOT_CONSTANT

    def star_names(self, module: str) -> dict[str, str]:
        """``from module import *``: bound name → canonical path."""
        return {}

    def layer_rule(self, class_name: str) -> Optional[LayerRule]:
        return None

    def class_with_role(self, role: str) -> Optional[str]:
        """The layer class that plays a role for quick fixes (``"flatten"``)."""
        return None

    def new_state(self) -> object:
        """Per-run state, kept in ``interp.states[name]``."""
        return None

    def start(self, interp: "Interpreter") -> None:
        """Before the file runs: read what the analysis options say about this framework."""

    def finish(self, interp: "Interpreter") -> None:
        """After the file ran: build what nothing built, check what was given to models."""

    # --- values the plugin owns ---

    def tensor_method(self, interp: "Interpreter", tensor: Tensor, name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return Tensor(None, f"the result of `.{name}(...)`", None, (tensor,))

    def in_place(self, interp: "Interpreter", target: Tensor, result: Tensor) -> Tensor:
        """``target += other`` (``result`` is what ``target + other`` gives): a framework whose tensors
        change in place may refuse a result of another shape."""
        return result

    def tensor_items(self, tensor: Tensor) -> Optional[list]:
        """What iterating one of its tensors gives (``q, k, v = qkv``); None when not known or not
        iterable (a symbolic Keras tensor is not)."""
        return None

    def matrix_product(self, result: Tensor) -> None:
        """A matrix product's result (``a @ b``, ``torch.matmul``): a framework may note how it lays
        its values out."""

    def tensor_attribute(self, interp: "Interpreter", tensor: Tensor, name: str) -> object:
        """``x.name`` other than ``x.shape``: a method of the tensor, unless the framework says otherwise."""
        return BoundMethod(tensor, name)

    def operands_mismatch(self, interp: "Interpreter", left: Tensor, right: Tensor, result: Tensor,
                          product: Optional[str] = None) -> None:
        """``left + right`` (any arithmetic) of two of the model's tensors that do not broadcast, or
        their matrix ``product`` (``"matmul"`` for ``@``, else the function's name) that does not
        multiply: ``result`` is the unknown tensor it gave; a framework that fails there says so."""

    def array_method(self, interp: "Interpreter", array: ArrayValue, name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return Unknown(f"the result of `.{name}(...)`")

    def array_attribute(self, interp: "Interpreter", array: ArrayValue, name: str) -> object:
        return array.common_attribute(name)

    # --- its layers ---

    def layer_inputs(self, layer: LayerObj, args: list, kwargs: dict) -> Optional[list]:
        """The tensors a call of the layer applies it to (``None`` when they are not tensors)."""
        first = args[0] if args else kwargs.get("inputs")
        tensors = list(first) if isinstance(first, (list, tuple)) else [first]
        return tensors if tensors and all(isinstance(t, Tensor) for t in tensors) else None

    def prepare_inputs(self, interp: "Interpreter", layer: LayerObj, tensors: list) -> list:
        return tensors

    def call_arguments(self, interp: "Interpreter", layer: LayerObj, tensors: list, args: list,
                       kwargs: dict) -> Optional[Args]:
        """The arguments the layer's rule reads for this call (``args`` and ``kwargs``: the call's, empty
        when a container applies the layer): the constructor's (``None``), or with those of the call's
        keyword arguments its row names (``rules.with_call_arguments``)."""
        if kwargs and layer.spec is not None and layer.spec.rule.call_args:
            return with_call_arguments(layer.spec, kwargs)
        return None

    def check_result(self, interp: "Interpreter", layer: LayerObj, result: "LayerResult", tensors: list) -> "LayerResult":
        return result

    def layer_outputs(self, interp: "Interpreter", layer: LayerObj, output: Tensor) -> object:
        return output

    def layer_attribute(self, interp: "Interpreter", layer: LayerObj, name: str) -> object:
        """``layer.name``: a constructor argument the library keeps (``fc.in_features``), or a method."""
        return BoundMethod(layer, name)

    def layer_method(self, interp: "Interpreter", layer: LayerObj, name: str, args: list, kwargs: dict,
                     node: ast.Call) -> object:
        return Unknown(f"the result of `.{name}(...)`")

    def set_layer_attribute(self, interp: "Interpreter", layer: LayerObj, name: str, value: object) -> None:
        """``layer.name = value`` on one of its layers (Keras' ``layer.trainable = False``)."""

    def instance_check(self, value: object, path: str) -> Optional[bool]:
        """``isinstance(value, <path>)`` for one of the plugin's classes; None when not decided."""
        return None

    def held_non_trainable(self, interp: "Interpreter", record: ModelRecord) -> object:
        """Of a model's parameters held outside its layers, those training leaves alone once the file
        has run (``None`` when not known)."""
        return 0

    def non_trainable_params(self, interp: "Interpreter", layer: LayerObj, result: "LayerResult") -> object:
        """Of one of its layers' parameters, those training leaves alone once the file has run: all of
        them once the layer is frozen, what its rule says stays fixed otherwise (moving statistics),
        ``None`` when whether it is frozen is not known."""
        if layer.trainable is None:
            return None
        return result.params if layer.trainable is False else result.non_trainable


class Frameworks:
    """The plugins composed: one lookup of library names for the whole interpreter, cached."""

    def __init__(self, plugins: Sequence[Plugin], stdlib: Plugin) -> None:
        self.plugins = tuple(plugins)
        self.stdlib = stdlib
        self.by_root: dict[str, Plugin] = {}
        for plugin in (*self.plugins, stdlib):
            for root in plugin.roots:
                self.by_root[root] = plugin
        self.by_name = {plugin.name: plugin for plugin in self.plugins}
        self.aliases = tuple(alias for plugin in self.plugins for alias in plugin.aliases)
        self.model_builders = frozenset().union(*(p.model_builders for p in self.plugins))
        self.builder_call = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, self.model_builders))) + r")\s*\(")
        self._canonical: dict[str, str] = {}
        self._qualified: dict[tuple[str, str], object] = {}
        self._calls: dict[str, Optional[CallHook]] = {}
        self._classes: dict[str, Optional[ClassHook]] = {}

    def canonical(self, path: str) -> str:
        found = self._canonical.get(path)
        if found is None:
            found = path
            for prefix, replacement in self.aliases:
                if path == prefix or path.startswith(prefix + "."):
                    found = replacement + path[len(prefix):]
                    break
            self._canonical[path] = found
        return found

    def qualified(self, base: str, attr: str) -> object:
        """``tf.keras.layers`` + ``Conv2D``: one QName per attribute chain (or the constant it names)."""
        key = (base, attr)
        found = self._qualified.get(key, NOT_CONSTANT)
        if found is NOT_CONSTANT:
            path = self.canonical(f"{base}.{attr}")
            owner = self.owner(path)
            constant = owner.constant(path) if owner is not None else NOT_CONSTANT
            found = self._qualified[key] = QName(path) if constant is NOT_CONSTANT else constant
        return found

    def owner(self, path: str) -> Optional[Plugin]:
        return self.by_root.get(path.split(".", 1)[0])

    def call(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        path = func.path
        if path in self._calls:
            hook = self._calls[path]
        else:
            owner = self.owner(path)
            hook = self._calls[path] = owner.call_hook(path) if owner is not None else None
        if hook is None:
            return unmodelled(f"`{path}(...)` is not modelled", args, kwargs)
        if kwargs:
            lost = keyword_arguments(kwargs)
            if lost is not None and not getattr(hook, "open_keywords", False):
                return unmodelled(f"`{path}(...)` is given keyword arguments that are not known: {lost.reason}", args, kwargs)
        return hook(interp, func, args, kwargs, node)

    def class_hook(self, path: str) -> Optional[ClassHook]:
        if path not in self._classes:
            owner = self.owner(path)
            self._classes[path] = owner.class_hook(path) if owner is not None else None
        return self._classes[path]

    def star_names(self, module: str) -> dict[str, str]:
        owner = self.owner(module)
        return owner.star_names(module) if owner is not None else {}

    def layer_rule(self, framework: str, class_name: str) -> Optional[LayerRule]:
        plugin = self.by_name.get(framework)
        return plugin.layer_rule(class_name) if plugin is not None else None

    def each(self) -> Iterable[Plugin]:
        return self.plugins
