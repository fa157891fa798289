"""torch modules: ``nn.Module`` subclasses (``__init__`` collects the layers, ``forward`` runs on a
tensor) and ``nn.Sequential`` containers.

A module runs on the literal example input that reaches it, else on the
``# shapelens: input=(N, 3, 32, 32)`` comment, else on a tensor implied by its first layer (so
channel chains are checked with no input at all).
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Optional

from ..dims import Shape
from ..interpreter.plugins import ClassHook
from ..interpreter.tensors import Tensor
from ..interpreter.values import ArrayValue, BoundMethod, ClassValue, Instance, LayerObj, ModelRecord, Value
from ..report import Span
from ..unknown import Unknown

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import TorchPlugin

INPUT_COMMENT = re.compile(r"#\s*shapelens:\s*input\s*=\s*\(([^)]*)\)")


def comment_shape(line: str) -> Optional[Shape]:
    match = INPUT_COMMENT.search(line)
    if not match:
        return None
    dims: list = []
    for part in match.group(1).split(","):
        part = part.strip()
        if not part:
            continue
        if part.isdigit():
            dims.append(int(part))
        elif part.isidentifier():
            dims.append(None)
        else:
            return None
    return tuple(dims)


class TorchSequential(Value):
    """``nn.Sequential(...)``: applied in turn inside a ``forward``, or run as a model of its own."""

    tracks_name = True

    def __init__(self, plugin: "TorchPlugin", span: Span, context: str, entries: list) -> None:
        self.plugin = plugin
        self.span = span
        self.context = context
        self.entries = entries
        self.name = ""
        self.name_spans: list[Span] = []
        self.ran = False
        self.owned = False  # an attribute of a module (it runs as part of that module)

    def note_name(self, name: str, span: Span) -> None:
        if not self.name:
            self.name = name
        self.name_spans.append(span)

    def note_use(self, span: Span) -> None:
        if span not in self.name_spans:
            self.name_spans.append(span)

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return BoundMethod(self, name)

    def truth(self) -> Optional[bool]:
        return None

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return Unknown(f"the result of `{name}`")

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        if not args:
            return Unknown("the result of `__call__`")
        value = args[0]
        if isinstance(value, ArrayValue):
            if self.ran:
                return Tensor(None, "a second run of the model", None, ())
            tensor = Tensor(value.shape, None, None, (), None, self.plugin)
            tensor.example = interp.span(node.args[0]) if node.args else interp.span(node)
            tensor.notes = value.notes
            return self.run(interp, tensor)
        if not isinstance(value, Tensor):
            return Unknown("an nn.Sequential called on a value that is not a tensor")
        return self.chain(interp, value)

    def chain(self, interp: "Interpreter", tensor: object) -> object:
        for entry in self.entries:
            if isinstance(entry, LayerObj):
                tensor = interp.layers.apply(entry, [tensor], {}, entry.span) if isinstance(tensor, Tensor) else tensor
            elif isinstance(entry, TorchSequential):
                tensor = entry.chain(interp, tensor)
            elif isinstance(entry, Instance) and isinstance(tensor, Tensor):
                tensor = self.plugin.modules.forward(interp, entry, [tensor], {})
            else:
                tensor = Tensor(None, "an entry of the nn.Sequential is not modelled", None, ())
            if isinstance(tensor, tuple) and tensor and isinstance(tensor[0], Tensor):
                tensor = tensor[0]  # an RNN inside nn.Sequential passes (output, state) on
        return tensor

    def run(self, interp: "Interpreter", tensor: Tensor) -> object:
        self.ran = True
        record = ModelRecord("torch", self.span, self.context, interp.next_model_index(), [], None, self.name,
                             self.name_spans, "functional")
        start = len(interp.layers.nodes)
        result = self.chain(interp, tensor)
        record.nodes = interp.layers.nodes[start:]
        record.input_shape = tensor.shape
        interp.register_model(record)
        return result


class ModuleHook(ClassHook):
    """What ``torch.nn.Module`` gives its subclasses."""

    def __init__(self, plugin: "TorchPlugin") -> None:
        self.framework = plugin
        self.plugin = plugin

    def on_instance(self, interp: "Interpreter", instance: Instance) -> None:
        state = self.plugin.state(interp)
        state.instantiated.add(instance.cls.node.name)
        state.instances.append(instance)

    def call_instance(self, interp: "Interpreter", instance: Instance, args: list, kwargs: dict, node: ast.Call) -> object:
        forward = interp.classes.method_of(instance.cls, "forward")
        if forward is None or not args:
            return Unknown(f"an instance of `{instance.cls.node.name}`")
        first = args[0]
        if isinstance(first, ArrayValue):
            if instance.model is not None:
                return Tensor(None, "a second run of the model", None, ())
            tensor = Tensor(first.shape, None, None, (), None, self.plugin)
            tensor.example = interp.span(node.args[0]) if node.args else interp.span(node)
            tensor.notes = first.notes
            return self.run(interp, instance, tensor, [*args[1:]], kwargs)
        if isinstance(first, Tensor):
            return interp.call_function(forward, [instance, *args], kwargs, label=None)
        return Unknown(f"an instance of `{instance.cls.node.name}` called on a value that is not a tensor")

    def forward(self, interp: "Interpreter", instance: Instance, args: list, kwargs: dict) -> object:
        forward = interp.classes.method_of(instance.cls, "forward")
        if forward is None:
            return Unknown("no forward")
        return interp.call_function(forward, [instance, *args], kwargs, label=None)

    def run(self, interp: "Interpreter", instance: Instance, tensor: Tensor, args: list, kwargs: dict) -> object:
        """The module as a model of its own: ``forward`` on this input, every layer it applies listed."""
        forward = interp.classes.method_of(instance.cls, "forward")
        if forward is None:
            return Unknown(f"`{instance.cls.node.name}` has no forward")
        record = ModelRecord("torch", instance.span, interp.context_label(), interp.next_model_index(), [], None,  # type: ignore[arg-type]
                             instance.name or instance.cls.node.name, instance.name_spans, "functional")
        instance.model = record
        start = len(interp.layers.nodes)
        result = interp.call_function(forward, [instance, tensor, *args], kwargs, label=None)
        record.nodes = interp.layers.nodes[start:]
        record.input_shape = tensor.shape
        interp.register_model(record)
        return result

    def finish(self, interp: "Interpreter") -> None:
        """Modules and Sequentials that never ran on an example: the comment, else a seeded input."""
        state = self.plugin.state(interp)
        owned = {id(v) for inst in state.instances for v in inst.attrs.values()}
        owned |= {id(item) for inst in state.instances for v in inst.attrs.values() if isinstance(v, (list, dict))
                  for item in (v.values() if isinstance(v, dict) else v)}
        for sequential in state.sequentials:
            if id(sequential) in owned:
                sequential.owned = True
        for value in list(interp.module.vars.values()):
            if isinstance(value, ClassValue) and value.hook is self and value.node.name not in state.instantiated:
                init = interp.classes.method_of(value, "__init__")
                if init is not None:
                    params = init.node.args
                    if len(params.defaults) < len((params.posonlyargs + params.args)[1:]):
                        continue
                try:
                    interp.classes.instantiate(value, [], {}, value.node)
                except Exception:  # noqa: BLE001 - a class that does odd things in __init__
                    if interp.strict:
                        raise
                    continue
        for sequential in list(state.sequentials):
            if sequential.owned or sequential.ran or self.nested(state.sequentials, sequential):
                continue
            sequential.run(interp, self.seeded(interp, self.declared_input(interp, sequential.span)))
        for instance in list(state.instances):
            if instance.model is not None or id(instance) in owned:
                continue
            tensor = self.seeded(interp, self.declared_input(interp, instance.span, instance.cls))
            try:
                self.run(interp, instance, tensor, [], {})
            except Exception:  # noqa: BLE001
                if interp.strict:
                    raise
                continue

    def seeded(self, interp: "Interpreter", shape: Optional[Shape]) -> Tensor:
        tensor = Tensor(shape, None if shape else "no example input", None, (), None, self.plugin)
        tensor.seed = shape is None
        return tensor

    @staticmethod
    def nested(sequentials: list, sequential: TorchSequential) -> bool:
        return any(sequential in other.entries for other in sequentials if other is not sequential)

    @staticmethod
    def declared_input(interp: "Interpreter", span: Optional[Span], cls: Optional[ClassValue] = None) -> Optional[Shape]:
        candidates = []
        if span is not None:
            candidates += [span.start_line, span.end_line]
        if cls is not None:
            candidates.append(cls.node.lineno - 1)
        for line in candidates:
            if 0 <= line < len(interp.lines):
                shape = comment_shape(interp.lines[line])
                if shape is not None:
                    return shape
        return None
