"""Symbolic tensors, and what every framework's tensors share: element-wise arithmetic
(broadcasting) and basic indexing."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Iterator, Optional

from ..dims import Shape, broadcast, index_shape, matmul_shape
from ..report import Span
from ..unknown import Unknown
from .provenance import Notes, merge
from .values import ArrayValue, BoundMethod, Value

if TYPE_CHECKING:
    from .core import Interpreter
    from .plugins import Plugin
    from .values import Node


class Tensor(Value):
    """A symbolic tensor in a model graph: its shape (``None`` if unknown, with the reason), the
    layer application that made it, and the tensors an operation made it from."""

    __slots__ = ("shape", "reason", "node", "parents", "input_span", "framework", "example", "seed", "failed", "partial",
                 "notes", "layout")

    def __init__(self, shape: Optional[Shape], reason: Optional[str] = None, node: Optional["Node"] = None,
                 parents: tuple = (), input_span: Optional[Span] = None, framework: Optional["Plugin"] = None) -> None:
        self.shape = shape
        self.reason = reason
        self.node = node
        self.parents: tuple[Tensor, ...] = parents
        self.input_span = input_span  # for `keras.Input(...)`
        self.framework = framework if framework is not None or not parents else parents[0].framework
        self.example: Optional[Span] = None  # the literal example input this tensor stands for
        self.seed: Optional[str] = None  # no input is known: the first layer implies its shape (for this model)
        self.layout: Optional[tuple] = None  # where the framework keeps its values (torch: the strides), if known
        if parents:
            self.failed = any(p.failed for p in parents)  # unknown because a layer before it fails
            # some sizes are unknown to the analysis (not to the library): no error can rest on them
            self.partial = any(p.partial or p.shape is None for p in parents)
            # what its shape assumes (an argparse default, ...), from the tensors it is made from
            self.notes: Notes = merge(*(p.notes for p in parents))
        else:
            self.failed = self.partial = False
            self.notes = ()

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name == "shape":
            return self.shape if self.shape is not None else Unknown(self.reason or "unknown tensor shape")
        if self.framework is not None:
            return self.framework.tensor_attribute(interp, self, name)
        return BoundMethod(self, name)

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if self.framework is None:
            return Tensor(None, f"the result of `.{name}(...)`", None, (self,))
        return self.framework.tensor_method(interp, self, name, args, kwargs, node)

    def subscript(self, interp: "Interpreter", index: object) -> object:
        return tensor_index(self, index)

    def binary(self, interp: "Interpreter", other: object) -> object:
        return elementwise(self, other)

    def truth(self) -> Optional[bool]:
        return None

    def iterate(self) -> Optional[list]:
        """``q, k, v = qkv``, ``for row in x``: what iterating it gives, as its framework says (None:
        not known, or not iterable)."""
        return self.framework.tensor_items(self) if self.framework is not None else None

    def length(self) -> object:
        """``len(x)``: the size of its first axis."""
        if not self.shape:
            return Unknown("the length of a tensor whose shape is not known" if self.shape is None else "`len()` of a 0-d tensor")
        first = self.shape[0]
        return first if first is not None else Unknown("the length of a tensor whose first axis is not known")





class OpaqueTensor(Tensor):
    """What calling a value the analysis does not know gives on tensors (a loop variable over layers
    it cannot list, a layer read from a config): that call may be a layer with parameters, so a
    model whose output comes through one has no parameter total."""

    __slots__ = ()


def graph_tensors(outputs: list, inputs: list = ()) -> Iterator[Tensor]:  # type: ignore[assignment]
    """The tensors of the graph from ``inputs`` (excluded) back from ``outputs``, each once: through
    the layer applications that made them (their inputs and keyword tensors) and the operations
    (their parents)."""
    stop = {id(t) for t in inputs}
    stack = [t for t in outputs if isinstance(t, Tensor)]
    seen: set[int] = set()
    while stack:
        tensor = stack.pop()
        if id(tensor) in seen or id(tensor) in stop:
            continue
        seen.add(id(tensor))
        yield tensor
        if tensor.node is not None:
            stack.extend(tensor.node.inputs)
            stack.extend(tensor.node.extra)
        stack.extend(tensor.parents)


def through_opaque(outputs: list, inputs: list = ()) -> bool:  # type: ignore[assignment]
    """Whether the graph from ``inputs`` to ``outputs`` passes through an ``OpaqueTensor``."""
    return any(isinstance(tensor, OpaqueTensor) for tensor in graph_tensors(outputs, inputs))

def elementwise(left: object, right: object, matrix: bool = False) -> Tensor:
    """``x + y``, ``x * 0.5``: the broadcast shape of the operands (with ``matrix``, ``x @ w``: the
    matrix product's). An operand that is not a tensor counts by its shape: an array's (a
    parameter, ``torch.zeros(...)``), none for a number; one whose shape is not known leaves the
    result's unknown (it may broadcast the tensor to more axes)."""
    parents = tuple(t for t in (left, right) if isinstance(t, Tensor))
    shapes = [operand_shape(left), operand_shape(right)]
    if any(s is None for s in shapes):
        unknown = next(t for t in (left, right) if operand_shape(t) is None)
        why = (unknown.reason if isinstance(unknown, Tensor) and unknown.reason else "an operand's shape is unknown")
        return Tensor(None, why, None, parents)
    merged = matmul_shape(*shapes) if matrix else broadcast(*shapes)  # type: ignore[arg-type]
    if merged is None or isinstance(merged, str):
        return Tensor(None, merged or "the operands do not broadcast", None, parents)
    return Tensor(merged, None, None, parents)


def operand_shape(value: object) -> Optional[tuple]:
    """An operand's shape in arithmetic with tensors: ``()`` for a number, None when not known."""
    if isinstance(value, Tensor):
        return value.shape
    if isinstance(value, ArrayValue):
        return value.shape
    if isinstance(value, (int, float)):
        return ()
    return None


def joined(tensors: list[Tensor], why: str = "depends on a condition that cannot be decided statically") -> Tensor:
    """The tensor a name holds after branches that made different ones: the sizes they agree on
    (``why`` says why the branches were taken). A branch whose layer fails cannot be the path of
    a run that gets here, so it is left out."""
    running = [t for t in tensors if t.node is None or t.node.result.error is None]
    shapes = [t.shape for t in (running or tensors)]
    first = shapes[0]
    if first is None or any(s is None or len(s) != len(first) for s in shapes):
        return Tensor(None, f"the tensor {why}", None, tuple(tensors))
    shape = tuple(d if all(s[i] == d for s in shapes) else None for i, d in enumerate(first))  # type: ignore[index]
    out = Tensor(shape, None, None, tuple(tensors))
    if any(d is None and any(s[i] is not None for s in shapes) for i, d in enumerate(shape)):  # type: ignore[index]
        # a size the paths disagree on is unknown to the analysis, not to the library: no error rests on it
        out.partial = True
        out.reason = f"the tensor {why}"
    return out


def tensor_index(tensor: Tensor, index: object) -> Tensor:
    """``out[:, -1, :]``, ``x[0]``, ``x[..., :3]``: the shape of a basic index."""
    if tensor.shape is None:
        return Tensor(None, "an index the analysis does not follow", None, (tensor,))
    shape = index_shape(tensor.shape, index)
    if isinstance(shape, str):
        return Tensor(None, shape, None, (tensor,))
    return Tensor(shape, None, None, (tensor,))
