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
from functools import cached_property
from typing import TYPE_CHECKING, Any, Optional

from ..dims import OutputShape, Shape, broadcast, format_shape, index_shape
from ..report import Span
from ..rules import LayerSpec
from ..unknown import Unknown
from .provenance import Notes, merge, noted, notes_of

if TYPE_CHECKING:
    from .core import Interpreter
    from .plugins import ClassHook, Plugin
    from .tensors import Tensor

__all__ = [
    "Value", "Unknown", "QName", "Function", "LambdaValue", "ClassValue", "Instance", "BoundMethod", "Builtin",
    "SuperCall", "SuperProxy", "NamedValue", "ArrayValue", "LayerObj", "Node", "ModelRecord", "NAMED_VALUES", "is_known",
]

REQUIRED = Unknown("a required field")  # a dataclass field without a default

FLOAT_DTYPES = frozenset({"float16", "float32", "float64", "bfloat16"})

# Classes whose values remember the names they are bound to (models, module instances): the
# report names a model after its variable, and a hover on any use of the name shows it.
NAMED_VALUES: set[type] = set()


MISSING = object()  # a name a class does not define


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

    def loop_variable(self) -> object:
        """What the variable of a loop over this value holds when its items are not known."""
        return Unknown("loop variable of a loop that cannot be unrolled")

    def subscript(self, interp: "Interpreter", index: object) -> object:
        return Unknown("a subscript the analysis does not evaluate")

    def binary(self, interp: "Interpreter", other: object) -> object:
        """``self <op> other`` or ``other <op> self``, for values that take part in arithmetic."""
        return Unknown("an operation the analysis does not evaluate")

    def compare(self, interp: "Interpreter", other: object) -> object:
        """``self < other`` and the like, for values that compare element-wise (arrays, tensors)."""
        return self.binary(interp, other)

    def truth(self) -> Optional[bool]:
        """The value's truth in a condition; ``None`` when it cannot be decided."""
        return True

    def length(self) -> object:
        """``len(value)``."""
        return Unknown("the length of a value the analysis does not follow")

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        """``self.name = value``; most values do not keep attributes."""

    def set_item(self, interp: "Interpreter", key: object, value: object) -> None:
        """``self[key] = value``; most values do not keep items."""

    def delete_attribute(self, interp: "Interpreter", name: str) -> None:
        """``del self.name``; most values do not keep attributes."""

    # only for tracks_name values
    def note_name(self, name: str, span: Span) -> None:
        pass

    def note_use(self, span: Span) -> None:
        pass


class NamedValue(Value):
    """A value that remembers the names it is bound to: the first one names it, and every place
    it is named or used is kept (a hover on any of them shows it)."""

    __slots__ = ()
    tracks_name = True
    name: str
    name_spans: list[Span]

    def note_name(self, name: str, span: Span) -> None:
        if not self.name:
            self.name = name
        self.name_spans.append(span)

    def note_use(self, span: Span) -> None:
        # a node's span is made once (``Positions.span``) and no two names share a place, so a use
        # seen before is the very same object
        spans = self.name_spans
        for known in spans:
            if known is span:
                return
        spans.append(span)


@dataclass(frozen=True)
class QName(Value):
    """A name from an imported library, canonical: ``keras.layers.Conv2D``, ``numpy.random.rand``."""

    path: str

    @cached_property  # QNames are made once per process (``Frameworks.qualified``) and read per call
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
    owner: Optional["ClassValue"] = None  # the class a method is defined in (what `super()` starts from)

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return interp.call_user_function(self, args, kwargs, node)


@dataclass(eq=False)
class LambdaValue(Value):
    node: ast.Lambda
    env: object = None  # the defining Env
    defaults: dict = field(default_factory=dict)
    owner: None = None  # a lambda is never a method that `super()` starts from

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return interp.call_lambda(self, args, kwargs)


@dataclass(eq=False)
class ClassValue(Value):
    node: ast.ClassDef
    env: object
    bases: tuple
    hook: Optional["ClassHook"] = None  # what a framework base class makes of it (a torch module, ...)
    attrs: dict = field(default_factory=dict)  # the class attributes its body binds (``expansion = 4``)
    # the parameters of a generated ``__init__`` (a dataclass): (name, default or ``REQUIRED``)
    fields: Optional[tuple[tuple[str, object], ...]] = None

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return interp.classes.instantiate(self, args, kwargs, node)

    def attribute(self, interp: "Interpreter", name: str) -> object:
        """``Block.expansion``: a class attribute, here or inherited."""
        found = interp.classes.class_attribute(self, name)
        return Unknown(f"attribute `{name}` is not known statically") if found is MISSING else found


class Instance(NamedValue):
    """An object of one of the file's classes; a framework's class hook gives it behaviour."""

    __slots__ = ("cls", "attrs", "span", "name", "name_spans", "model")

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
            return BoundMethod(self, method) if self.cls.hook is None else self.cls.hook.bound_method(interp, self, name, method)
        found = interp.classes.class_attribute(self.cls, name)
        if found is not MISSING:
            return found
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
        interp.journal.touch(self.attrs, attributes=True)
        self.attrs[name] = value

    def delete_attribute(self, interp: "Interpreter", name: str) -> None:
        interp.journal.touch(self.attrs, attributes=True)
        self.attrs.pop(name, None)

    def iterate(self) -> Optional[list]:
        return self.cls.hook.iterate(self) if self.cls.hook is not None else None

    def subscript(self, interp: "Interpreter", index: object) -> object:
        if self.cls.hook is not None:
            return self.cls.hook.subscript(interp, self, index)
        return Unknown("a subscript the analysis does not evaluate")


@dataclass(eq=False)
class BoundMethod(Value):
    """``target.name`` waiting for its call; ``name`` is a user ``Function`` for the file's own methods."""

    target: object
    name: object

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        if isinstance(self.name, Function):
            return interp.call_function(self.name, [self.target, *args], kwargs, label=interp.positions.label(node))
        return interp.call_method(self.target, self.name, args, kwargs, node)


@dataclass(eq=False)
class SuperCall(Value):
    """``super`` inside a method: ``super()`` is ``super(<the method's class>, <its first argument>)``."""

    owner: Optional[ClassValue]
    instance: object

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        owner, instance = (args[0], args[1]) if len(args) == 2 else (self.owner, self.instance)
        if not isinstance(owner, ClassValue) or not isinstance(instance, Instance):
            return Unknown("`super()` outside a method of the file's classes")
        return SuperProxy(owner, instance)


@dataclass(eq=False)
class SuperProxy(Value):
    """What ``super()`` returns: the methods of the classes after ``owner``, bound to ``instance``;
    a method only a library base class has is the framework's (through the class hook)."""

    owner: ClassValue
    instance: Instance

    def attribute(self, interp: "Interpreter", name: str) -> object:
        for base in self.owner.bases:
            if isinstance(base, ClassValue):
                method = interp.classes.method_of(base, name)
                if method is not None:
                    return BoundMethod(self.instance, method)
        return BoundMethod(self, name)

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        hook = self.owner.hook
        if hook is None:
            return Unknown(f"the result of `super().{name}(...)`")
        return hook.super_method(interp, self.instance, name, args, kwargs, node)


@dataclass(frozen=True)
class Builtin(Value):
    name: str

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return interp.call_builtin(self.name, args, kwargs)


class ArrayValue(Value):
    """An array whose shape the program fixes: a literal example input (``np.random.rand(10, 32, 32)``),
    a data set (``mnist.load_data()``), or what an array operation makes of one. It is owned by the
    library whose methods it has (numpy, torch); indexing and arithmetic follow numpy's rules, which
    torch shares. ``ragged``: a sequence of sequences of different lengths (``dtype=object``)."""

    __slots__ = ("shape", "span", "framework", "dtype", "notes", "ragged")

    def __init__(self, shape: Shape, span: Span, framework: "Plugin", dtype: Optional[str] = None,
                 notes: Notes = (), ragged: bool = False) -> None:
        self.shape = shape
        self.span = span
        self.framework = framework
        self.dtype = dtype
        self.notes = merge(notes, notes_of(shape))
        self.ragged = ragged

    def derived(self, shape: Shape, dtype: Optional[str] = None, framework: Optional["Plugin"] = None,
                span: Optional[Span] = None, ragged: bool = False) -> "ArrayValue":
        """An array made from this one: its notes and (unless said) its dtype and owner carry over."""
        return ArrayValue(shape, span or self.span, framework or self.framework, dtype, self.notes, ragged)

    def with_notes(self, notes: Notes) -> "ArrayValue":
        return ArrayValue(self.shape, self.span, self.framework, self.dtype, merge(self.notes, notes), self.ragged)

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return self.framework.array_attribute(interp, self, name)

    def common_attribute(self, name: str) -> object:
        """What numpy arrays and torch tensors share: ``shape``, ``ndim``, ``dtype``, ``T``; methods."""
        shape = self.shape
        if name == "shape":
            return noted(shape, self.notes)
        if name == "ndim":
            return len(shape)
        if name == "dtype":
            return self.dtype if self.dtype is not None else Unknown("the array's dtype is not known")
        if name == "T":
            return self.derived(tuple(reversed(shape)), self.dtype)
        return BoundMethod(self, name)

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.framework.array_method(interp, self, name, args, kwargs, node)

    def subscript(self, interp: "Interpreter", index: object) -> object:
        if self.ragged and not isinstance(index, slice):
            return Unknown("an item of a ragged array (sequences of different lengths)")
        if isinstance(index, ArrayValue) and index.shape and self.shape:
            # `x[indices]`: the indices' shape in place of the first axis (`np.eye(10)[labels]`);
            # `x[mask]`: as many rows as the mask holds True
            if index.dtype is not None and index.dtype.startswith(("int", "uint")):
                return self.derived((*index.shape, *self.shape[1:]), self.dtype, ragged=self.ragged)
            if len(index.shape) == 1:
                return self.derived((None, *self.shape[1:]), self.dtype, ragged=self.ragged)
        if isinstance(index, list) and index and self.shape and all(type(i) is int for i in index):
            first = self.shape[0]  # `x[[0, 5, 7]]`: those rows
            if isinstance(first, int) and not all(-first <= i < first for i in index):
                return Unknown(f"an index out of bounds for an axis of size {first}")
            return self.derived((len(index), *self.shape[1:]), self.dtype, ragged=self.ragged)
        shape = index_shape(self.shape, index)
        if isinstance(shape, str):
            return Unknown(shape)
        return self.derived(shape, self.dtype, ragged=self.ragged and len(shape) == len(self.shape))

    def binary(self, interp: "Interpreter", other: object) -> object:
        """``x / 255.0``, ``x - mean``: the broadcast shape of the operands."""
        if isinstance(other, (int, float)) or other is None:
            dtype = self.dtype if isinstance(other, float) and self.dtype in FLOAT_DTYPES else None
            return self.derived(self.shape, dtype)
        if isinstance(other, ArrayValue):
            shape = broadcast(self.shape, other.shape)
            if shape is None:
                return Unknown(f"operands could not be broadcast together with shapes {format_shape(self.shape)} "
                               f"{format_shape(other.shape)}")
            return ArrayValue(shape, self.span, self.framework, self.dtype if self.dtype == other.dtype else None,
                              merge(self.notes, other.notes))
        return Unknown("an operation of an array with a value the analysis does not follow")

    def compare(self, interp: "Interpreter", other: object) -> object:
        result = self.binary(interp, other)
        return result.derived(result.shape, "bool") if isinstance(result, ArrayValue) else result

    def truth(self) -> Optional[bool]:
        return None  # the truth of an array is ambiguous (numpy raises) or data-dependent

    def length(self) -> object:
        if not self.shape:
            return Unknown("`len()` of a 0-d array")
        first = self.shape[0]
        return first if first is not None else Unknown("the length of an array whose first dimension is not known")


class LayerObj(Value):
    """A constructed layer; ``spec`` is None for a class the rule tables do not model."""

    __slots__ = ("class_name", "span", "spec", "reason", "declared_input", "framework", "built_input", "notes", "part",
                 "trainable", "trainable_reason")

    def __init__(self, class_name: str, span: Span, spec: Optional[LayerSpec], reason: Optional[str],
                 framework: "Plugin", declared_input: Optional[Shape] = None, notes: Notes = (), part: str = "") -> None:
        self.class_name = class_name
        self.span = span
        self.spec = spec
        self.reason = reason
        self.framework = framework
        self.declared_input = declared_input  # `input_shape=` / `input_dim=` given to the layer
        self.built_input: Optional[Shape] = None  # the input its weights were built for (first call)
        self.notes = notes  # what its arguments assume (an argparse default, ...)
        # which part of a module built by one call it is, when that call builds several (a
        # torchvision model's layers before and after a replaced head): a part counts on its own
        self.part = part
        # whether training updates its weights: False once frozen, None when that is not known (and why)
        self.trainable: Optional[bool] = True
        self.trainable_reason: Optional[str] = None

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return self.framework.layer_attribute(interp, self, name)

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.framework.layer_method(interp, self, name, args, kwargs, node)

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return interp.layers.apply(self, args, kwargs, interp.span(node))

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        self.framework.set_layer_attribute(interp, self, name, value)

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
    listed: bool = True  # False for a function that works as a layer (``F.max_pool2d``): checked, not listed
    site: Optional[Span] = None  # for a layer of another file: the analysed file's call that led to it
    notes: Notes = ()  # what its shapes assume: the layer's own notes and its inputs'


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
    symbols: dict[str, str] = field(default_factory=dict)  # the size symbols of its scope and what they stand for
    input_spans: list[Span] = field(default_factory=list)  # where its inputs are written
    note: str = ""  # which version of the library the rules followed, for the model's hover
    # the parameters its modules hold outside any layer (a class token, positional embeddings); None: not known
    held_params: Any = 0
    held: tuple = ()  # the values held outside any layer (a framework's own kind), for ``held_non_trainable``
