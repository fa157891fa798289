"""The abstract values of the interpreter, each carrying its own behaviour.

Constants are plain Python values (``int``, ``str``, ``tuple``, ``list``, ``dict``, ``None``).
Everything else is a ``Value``: a name from a library (``QName``), the file's own functions and
classes, tensors in a model graph, literal example arrays, constructed layers. A value answers
attribute access, calls, method calls, iteration, indexing and truth itself; a framework adds
values of its own (models, containers) the same way. ``Unknown`` is what cannot be known.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from ..dims import OutputShape, Shape
from ..report import Span
from ..rules import LayerSpec
from ..unknown import Unknown

if TYPE_CHECKING:
    from .core import Interpreter
    from .plugins import ClassHook, Plugin
    from .tensors import Tensor

__all__ = [
    "Value", "Unknown", "QName", "Function", "LambdaValue", "ClassValue", "Instance", "BoundMethod", "Builtin",
    "ArrayValue", "LayerObj", "Node", "ModelRecord", "NAMED_VALUES", "is_known",
]

# Classes whose values remember the names they are bound to (models, module instances): the
# report names a model after its variable, and a hover on any use of the name shows it.
NAMED_VALUES: set[type] = set()


def is_known(value: object) -> bool:
    return not isinstance(value, Unknown)


class Value:
    """Default behaviour: nothing is known about attributes, calls or items."""

    __slots__ = ()
    tracks_name = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.tracks_name:
            NAMED_VALUES.add(cls)

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return Unknown(f"attribute `{name}` is not known statically")

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return Unknown("a call of something the analysis does not model")

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return Unknown(f"the result of `.{name}(...)`")

    def iterate(self) -> Optional[list]:
        return None

    def subscript(self, interp: "Interpreter", index: object) -> object:
        return Unknown("a subscript the analysis does not evaluate")

    def binary(self, interp: "Interpreter", other: object) -> object:
        """``self <op> other`` or ``other <op> self``, for values that take part in arithmetic."""
        return Unknown("an operation the analysis does not evaluate")

    def truth(self) -> Optional[bool]:
        """The value's truth in a condition; ``None`` when it cannot be decided."""
        return True

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        """``self.name = value``; most values do not keep attributes."""

    # only for tracks_name values
    def note_name(self, name: str, span: Span) -> None:
        pass

    def note_use(self, span: Span) -> None:
        pass


@dataclass(frozen=True)
class QName(Value):
    """A name from an imported library, canonical: ``keras.layers.Conv2D``, ``numpy.random.rand``."""

    path: str

    @property
    def leaf(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return interp.frameworks.qualified(self.path, name)

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return interp.frameworks.call(interp, self, args, kwargs, node)


@dataclass(eq=False)
class Function(Value):
    node: ast.FunctionDef
    env: object  # the defining Env
    defaults: dict
    name: str

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return interp.call_user_function(self, args, kwargs, node)


@dataclass(eq=False)
class LambdaValue(Value):
    node: ast.Lambda


@dataclass(eq=False)
class ClassValue(Value):
    node: ast.ClassDef
    env: object
    bases: tuple
    hook: Optional["ClassHook"] = None  # what a framework base class makes of it (a torch module, ...)

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return interp.classes.instantiate(self, args, kwargs, node)


class Instance(Value):
    """An object of one of the file's classes; a framework's class hook gives it behaviour."""

    __slots__ = ("cls", "attrs", "span", "name", "name_spans", "model")
    tracks_name = True

    def __init__(self, cls: ClassValue, span: Optional[Span]) -> None:
        self.cls = cls
        self.attrs: dict[str, object] = {}
        self.span = span
        self.name = ""
        self.name_spans: list[Span] = []
        self.model: Optional[ModelRecord] = None  # its run as a model, once there is one

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name in self.attrs:
            return self.attrs[name]
        method = interp.classes.method_of(self.cls, name)
        if method is not None:
            return BoundMethod(self, method)
        if self.cls.hook is not None:
            return self.cls.hook.attribute(interp, self, name)
        return Unknown(f"attribute `{name}` is not known statically")

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        if self.cls.hook is not None:
            return self.cls.hook.call_instance(interp, self, args, kwargs, node)
        call = interp.classes.method_of(self.cls, "__call__")
        if call is None:
            return Unknown(f"an instance of `{self.cls.node.name}`")
        return interp.call_function(call, [self, *args], kwargs, label=None)

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if self.cls.hook is not None:
            return self.cls.hook.method(interp, self, name, args, kwargs, node)
        return Unknown(f"the result of `.{name}(...)`")

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        self.attrs[name] = value

    def note_name(self, name: str, span: Span) -> None:
        if not self.name:
            self.name = name
        self.name_spans.append(span)

    def note_use(self, span: Span) -> None:
        if span not in self.name_spans:
            self.name_spans.append(span)


@dataclass(eq=False)
class BoundMethod(Value):
    """``target.name`` waiting for its call; ``name`` is a user ``Function`` for the file's own methods."""

    target: object
    name: object

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        if isinstance(self.name, Function):
            return interp.call_function(self.name, [self.target, *args], kwargs, label=interp.positions.label(node))
        return interp.call_method(self.target, self.name, args, kwargs, node)


@dataclass(frozen=True)
class Builtin(Value):
    name: str

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return interp.call_builtin(self.name, args, kwargs)


class ArrayValue(Value):
    """A literal example input (``np.random.rand(10, 32, 32)``), owned by the library that made it."""

    __slots__ = ("shape", "span", "framework")

    def __init__(self, shape: Shape, span: Span, framework: "Plugin") -> None:
        self.shape = shape
        self.span = span
        self.framework = framework

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return self.shape if name == "shape" else BoundMethod(self, name)

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.framework.array_method(interp, self, name, args, kwargs, node)


class LayerObj(Value):
    """A constructed layer; ``spec`` is None for a class the rule tables do not model."""

    __slots__ = ("class_name", "span", "spec", "reason", "declared_input", "framework", "built_input")

    def __init__(self, class_name: str, span: Span, spec: Optional[LayerSpec], reason: Optional[str],
                 framework: "Plugin", declared_input: Optional[Shape] = None) -> None:
        self.class_name = class_name
        self.span = span
        self.spec = spec
        self.reason = reason
        self.framework = framework
        self.declared_input = declared_input  # `input_shape=` / `input_dim=` given to the layer
        self.built_input: Optional[Shape] = None  # the input its weights were built for (first call)

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return BoundMethod(self, name)

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return interp.layers.apply(self, args, kwargs, interp.span(node))

    def truth(self) -> Optional[bool]:
        return None


@dataclass(eq=False)
class Node:
    """One application of a layer to tensors."""

    layer: LayerObj
    inputs: tuple[Tensor, ...]
    call_span: Span
    index: int
    context: str
    result: Any = None  # layers.LayerResult
    outputs: tuple[Tensor, ...] = ()
    extra: tuple[Tensor, ...] = ()  # tensors passed by keyword (``initial_state=``): graph edges only
    condition: Optional[str] = None  # the undecidable condition this application depends on


@dataclass(eq=False)
class ModelRecord:
    """A model as the report lists it: its layer applications in order."""

    framework: str
    span: Span
    context: str
    index: int  # creation order, the order of the report
    nodes: list[Node]
    input_shape: OutputShape
    name: str = ""
    name_spans: list[Span] = field(default_factory=list)
    fallback_name: str = "model"
    note: str = ""  # which version of the library the rules followed, for the model's hover
