"""What the static interpreter computes with: symbolic tensors, layers, models, dummy arrays.

These are mutable while a file is being interpreted (``model.add`` appends); ``propagate``
turns them into the frozen ``report`` dataclasses at the end.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional

from .layers import LayerSpec, Unknown
from .report import OutputShape, Shape, Span

__all__ = [
    "Unknown", "QName", "LayerObj", "Tensor", "Node", "SequentialBuild", "FunctionalBuild",
    "InputLayerObj", "ArrayValue", "Function", "BoundMethod", "LambdaValue", "ClassValue",
    "Instance", "Builtin",
]


@dataclass(frozen=True)
class QName:
    """A name from an imported library, canonical: ``keras.layers.Conv2D``, ``numpy.random.rand``."""

    path: str

    @property
    def leaf(self) -> str:
        return self.path.rsplit(".", 1)[-1]


@dataclass(eq=False)
class LayerObj:
    """A constructed layer; ``spec`` is None for a class the table does not model."""

    class_name: str
    span: Span
    spec: Optional[LayerSpec]
    reason: Optional[str] = None
    declared_input: Optional[Shape] = None  # `input_shape=` / `input_dim=` given to the layer
    framework: str = "keras"
    built_input: Optional[Shape] = None  # the input its weights were built for (first call)


@dataclass(eq=False)
class Node:
    """One application of a layer to tensors (functional API)."""

    layer: LayerObj
    inputs: tuple["Tensor", ...]
    call_span: Span
    index: int
    context: str
    result: object = None  # propagate.LayerResult
    outputs: tuple["Tensor", ...] = ()
    extra: tuple["Tensor", ...] = ()  # tensors passed by keyword (``initial_state=``): graph edges only


@dataclass(eq=False)
class Tensor:
    shape: Optional[Shape]
    reason: Optional[str] = None  # why the shape is unknown
    node: Optional[Node] = None
    parents: tuple["Tensor", ...] = ()  # inputs of a non-layer op (``x + y``)
    input_span: Optional[Span] = None  # for `keras.Input(...)`


@dataclass(eq=False)
class InputLayerObj:
    shape: Optional[Shape]
    span: Span


@dataclass(eq=False)
class SequentialBuild:
    span: Span
    context: str
    framework: str = "keras"
    entries: list = field(default_factory=list)  # LayerObj | Unknown | InputLayerObj | Tensor
    input_shape: Optional[Shape] = None
    uncertain_from: Optional[int] = None  # entries from here on were added under unknown control flow
    name: str = ""
    name_spans: list = field(default_factory=list)
    index: int = 0


@dataclass(eq=False)
class FunctionalBuild:
    span: Span
    context: str
    inputs: list
    outputs: list
    name: str = ""
    name_spans: list = field(default_factory=list)
    index: int = 0
    framework: str = "keras"


@dataclass(eq=False)
class ArrayValue:
    """A literal example input (``np.random.rand(10, 32, 32)``)."""

    shape: Shape
    span: Span
    framework: str = "numpy"


@dataclass(eq=False)
class Function:
    node: ast.FunctionDef
    env: object  # the defining Env
    defaults: dict
    name: str


@dataclass(eq=False)
class LambdaValue:
    node: ast.Lambda


@dataclass(eq=False)
class ClassValue:
    node: ast.ClassDef
    env: object
    bases: tuple


@dataclass(eq=False)
class Instance:
    cls: ClassValue
    attrs: dict = field(default_factory=dict)


@dataclass(eq=False)
class BoundMethod:
    target: object
    name: str


@dataclass(frozen=True)
class Builtin:
    name: str

