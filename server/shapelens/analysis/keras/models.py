"""Keras models as values: ``Sequential`` (built from its layers when it gets an input) and
functional ``Model(inputs, outputs)``; either can be called on a tensor inside another model,
where it acts as one layer, as in Keras."""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING, Optional

from ..dims import OutputShape, Shape, differ, format_shape
from ..interpreter.layers import apply_rule, nodes_between
from ..interpreter.provenance import Notes, merge, notes_of
from ..interpreter.tensors import Tensor, through_opaque
from ..assemble import conditional
from ..interpreter.values import ArrayValue, BoundMethod, Instance, LayerObj, ModelRecord, NamedValue, Node, Value
from ..report import Diagnostic, Span
from ..rules import Applied, Args, LayerRule, LayerSpec, ShapeError, UnknownArgument
from ..unknown import Unknown
from .dialect import DIALECTS, dialect_of
from .joined import JoinedRule
from .losses import Compiled, compiled, recompiled, record_targets
from .version import REFERENCE, KerasVersion

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import KerasPlugin

# Methods that take data as their first argument (or `x=`).
DATA_METHODS = {"predict", "fit", "evaluate", "predict_on_batch", "train_on_batch", "test_on_batch"}
UNCERTAIN_ENTRY = "a layer before it is added under a condition or loop that cannot be decided"
NO_INPUT = "the model's input shape is not given (no Input / input_shape)"


class InputLayerObj(Value):
    """``InputLayer(shape=...)`` as a Sequential's first entry."""

    __slots__ = ("shape", "span")

    def __init__(self, shape: Optional[Shape], span: Span) -> None:
        self.shape = shape
        self.span = span


class KerasModel(NamedValue):
    """What both model kinds share: a name, data calls, use as a layer."""

    class_name = "Model"
    fallback_name = "model"

    def __init__(self, plugin: "KerasPlugin", span: Span, context: str, index: int) -> None:
        self.plugin = plugin
        self.span = span
        self.context = context
        self.index = index
        self.name = ""
        self.name_spans: list[Span] = []
        self.as_layer: Optional[LayerObj] = None
        self.symbols: dict[str, str] = {}  # the size symbols of the scope the model is made in
        self.version: KerasVersion = REFERENCE.keras  # the Keras the file runs with (set by the frontend)
        self.keras_name = self.fallback_name  # the name Keras gives it (``sequential_1``), for its messages
        self.compiles: list[Compiled] = []  # the losses it may be compiled with when data is given to it
        self.trainable_given: list[object] = []  # `model.trainable = value`, with the line it is set on

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return BoundMethod(self, name)

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        return self.call_with_data(interp, "__call__", args, kwargs, node)

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if name in DATA_METHODS:
            return self.call_with_data(interp, name, args, kwargs, node)
        if name == "get_layer":
            return self.get_layer(args[0] if args else kwargs.get("name"))
        if name == "compile":
            self.compiles = recompiled(self.compiles, compiled(interp, args, kwargs, node))
            return None
        return Unknown(f"the result of `{name}`")

    def get_layer(self, name: object) -> object:
        """``model.get_layer("last_conv")``: the model's layer of that name (a feature extractor or
        Grad-CAM model reads its ``output``)."""
        if not isinstance(name, str):
            return Unknown("`get_layer` with a name or index the analysis does not read")
        for node in self.nodes():
            spec = node.layer.spec
            if spec is not None and spec.args.values.get("name") == name:
                return node.layer
        return Unknown(f"a layer named {name!r} of `{self.name or self.fallback_name}` the analysis does not list")

    def truth(self) -> Optional[bool]:
        return None

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        if name == "trainable":
            self.trainable_given = [value if isinstance(value, bool) and not interp.uncertain else None,
                                    interp.statement.lineno if interp.statement is not None else self.span.start_line + 1]

    def apply_trainable(self, interp: "Interpreter") -> None:
        """``model.trainable = value`` sets every layer of the model (after it ran, once its layers are known)."""
        if not self.trainable_given:
            return
        value, line = self.trainable_given
        for node in self.nodes():
            if isinstance(value, bool):
                node.layer.trainable, node.layer.trainable_reason = value, None
            else:
                node.layer.trainable = None
                node.layer.trainable_reason = (f"whether {node.layer.class_name} trains is not known: the model's "
                                               f"`trainable` is set on line {line} to a value or on a path Shape Lens "
                                               f"cannot decide")

    def call_with_data(self, interp: "Interpreter", method: str, args: list, kwargs: dict, node: ast.Call) -> object:
        value, arg_node = None, None
        if node.args and not any(isinstance(a, ast.Starred) for a in node.args):
            value, arg_node = args[0], node.args[0]
        else:
            for keyword in node.keywords:
                if keyword.arg in ("x", "inputs"):
                    value, arg_node = kwargs.get(keyword.arg), keyword.value
        if isinstance(value, Tensor) and method == "__call__":
            return self.applied(interp, value, interp.span(node))
        if isinstance(value, (ArrayValue, Unknown)) and arg_node is not None:
            self.plugin.record_data(interp, self, value, interp.span(arg_node), method, args, kwargs)
        record_targets(interp, self, self.compiles, method, args, kwargs, node, self.version.majors)
        return Unknown(f"the result of `{method}`")

    def applied(self, interp: "Interpreter", tensor: Tensor, call_span: Span) -> object:
        """The model called on a tensor inside another model: one layer of that model."""
        start = len(interp.layers.nodes)
        self.build_for(interp, tensor.shape)
        self.plugin.state(interp).built_inside.update(id(node) for node in interp.layers.nodes[start:])
        out = interp.layers.apply_to(self.layer(), [tensor], call_span)
        first = out[0] if isinstance(out, list) and out else out
        node = first.node if isinstance(first, Tensor) else None
        if node is not None:
            # the model is defined elsewhere: what this call does wrong belongs at the call
            if node.result.error is not None:
                node.result.error.data.setdefault("at", call_span)
            for code, message in node.result.warnings:
                interp.diagnostics.append(conditional(Diagnostic(call_span, "warning", code, message), node.condition))
            node.result = node.result._replace(warnings=())
        return out

    @property
    def spec(self) -> LayerSpec:
        """What a wrapper given the model as its layer applies (``TimeDistributed(cnn)``)."""
        return self.layer().spec  # type: ignore[return-value]

    def layer(self) -> LayerObj:
        """The model as one layer of another model."""
        if self.as_layer is None:
            spec = LayerSpec(nested_rule(self.version), Args(self.class_name, {"model": self}), self.class_name)
            self.as_layer = LayerObj(self.class_name, self.span, spec, None, self.plugin)
        return self.as_layer

    # what a model kind defines
    def build_for(self, interp: "Interpreter", shape: Optional[Shape]) -> None:
        """Make sure the model's own layers ran (a Sequential builds on its first call)."""

    def input_shape(self) -> OutputShape:
        return None

    def output_shape(self) -> OutputShape:
        return None

    def nodes(self) -> list[Node]:
        return []

    def record(self) -> ModelRecord:
        record = ModelRecord("keras", self.span, self.context, self.index, self.nodes(), self.input_shape(), self.name,
                             self.name_spans, self.fallback_name, self.symbols, self.input_spans(), self.version.describe())
        if self.opaque():
            record.held_params = None  # layers the table cannot show may hold parameters
        return record

    def opaque(self) -> bool:
        """Whether something the analysis does not know may be one of its layers."""
        return False

    def input_spans(self) -> list[Span]:
        return []

    def total_params(self) -> Optional[int]:
        seen: dict[int, int] = {}
        for node in self.nodes():
            params = node.result.params
            if params is None:
                return None
            seen[id(node.layer)] = params  # a shared layer counts once
        return sum(seen.values())


class KerasSequential(KerasModel):
    class_name = "Sequential"
    fallback_name = "sequential"

    def __init__(self, plugin: "KerasPlugin", span: Span, context: str, index: int) -> None:
        super().__init__(plugin, span, context, index)
        self.entries: list = []  # LayerObj | models | InputLayerObj | Tensor | Unknown
        self.built_shape: Optional[Shape] = None  # from `model.build(...)`
        self.uncertain_from: Optional[int] = None  # entries from here on were added under undecided control flow
        self.run_nodes: Optional[list[Node]] = None
        self.run_input: Optional[Shape] = None
        self.run_output: Optional[Tensor] = None
        self.running = False

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if name == "add" and args:
            if interp.uncertain and self.uncertain_from is None:
                self.uncertain_from = len(self.entries)
            self.entries.append(args[0])
            interp.events += 1
            return None
        if name == "pop" and not args:
            return self.pop(interp)
        if name == "build" and (args or "input_shape" in kwargs):
            shape = self.plugin.as_shape(args[0] if args else kwargs["input_shape"])
            if shape is not None and self.built_shape is None:
                self.built_shape = self.plugin.named_sizes(interp, shape, f"model.build at line {interp.span(node).start_line + 1}")
            return None
        return super().method(interp, name, args, kwargs, node)

    def pop(self, interp: "Interpreter") -> object:
        """``model.pop()``: the last layer is removed (its input stays). On a path the analysis cannot
        decide it may or may not be: the layers from it on are of unknown effect."""
        last = len(self.entries) - 1
        if last < 0 or (last == 0 and isinstance(self.entries[0], (InputLayerObj, Tensor))):
            return Unknown("`pop()` of a Sequential without layers")
        interp.events += 1
        self.run_nodes = None  # built again, without it, where it is used next
        if interp.uncertain:
            self.uncertain_from = last if self.uncertain_from is None else min(self.uncertain_from, last)
            return self.entries[last]
        return self.entries.pop()

    def declared_input(self) -> Optional[Shape]:
        """The input the model declares: ``build``, an ``Input`` / ``InputLayer`` first, or the first
        layer's ``input_shape=``."""
        if self.built_shape is not None:
            return self.built_shape
        for entry in self.entries:
            if isinstance(entry, (InputLayerObj, Tensor)):
                return entry.shape
            if isinstance(entry, LayerObj):
                return entry.declared_input
            if isinstance(entry, KerasFunctional):
                # Keras builds a Sequential whose first layer is a functional model for that model's input
                shape = entry.input_shape() if len(self.entries) > 1 else None
                return shape if shape is None or not isinstance(shape[0], tuple) else None
            if self.is_custom(entry):
                return None
        return None

    def is_custom(self, entry: object) -> bool:
        """A user's Keras layer or model (``class Block(layers.Layer)``) among the entries."""
        return isinstance(entry, Instance) and entry.cls.hook is not None and entry.cls.hook.framework is self.plugin

    def build_for(self, interp: "Interpreter", shape: Optional[Shape]) -> None:
        if self.run_nodes is None and not self.running:
            declared = self.declared_input()
            self.run(interp, declared if declared is not None else shape, self.context)

    def run(self, interp: "Interpreter", shape: Optional[Shape], context: str, notes: Notes = (),
            reason: Optional[str] = None) -> None:
        """Apply the layers in turn to an input of this shape (with none, one the first layer
        implies, or ``reason`` says why there is none): the Sequential's own graph. ``notes``: what
        the input shape assumes."""
        self.running = True
        tensor = Tensor(shape, None if shape else reason or NO_INPUT, None, (), None, self.plugin)
        tensor.notes = merge(notes, notes_of(shape))
        if shape is None and reason is None:
            owner = f"`{self.name}`" if self.name else f"the Sequential at line {self.span.start_line + 1}"
            tensor.seed = f"no input is given to {owner}"
        nodes: list[Node] = []
        for position, entry in enumerate(self.entries):
            if isinstance(entry, KerasModel):
                out = entry.applied(interp, tensor, entry.span)
            elif self.is_custom(entry):
                start = len(interp.layers.nodes)
                out = self.plugin.apply_custom(interp, entry, tensor, entry.span)
                nodes.extend(self.plugin.own_nodes(interp, start))
                tensor = out if isinstance(out, Tensor) else Tensor(None, "the custom layer gives several tensors", None, ())
                continue
            elif isinstance(entry, LayerObj):
                if self.uncertain_from is not None and position >= self.uncertain_from:
                    tensor = Tensor(None, UNCERTAIN_ENTRY, None, (tensor,))
                tensor, = self.plugin.prepare_inputs(interp, entry, [tensor])  # no input: the first layer implies one
                out = interp.layers.apply_to(entry, [tensor], entry.span, context=context)
            elif position == 0 and isinstance(entry, (InputLayerObj, Tensor)):
                continue
            else:
                reason = getattr(entry, "reason", None) or "an entry before it is not a layer Shape Lens models"
                tensor = Tensor(None, reason, None, (tensor,))
                continue
            if isinstance(out, list):
                nodes.append(out[0].node)
                tensor = Tensor(None, "the previous layer returns several tensors", None, tuple(out))
            elif isinstance(out, Tensor):
                if out.node is not None:
                    nodes.append(out.node)
                tensor = out
        self.run_input = nodes[0].inputs[0].shape if nodes and nodes[0].inputs else shape
        self.run_nodes = nodes
        self.run_output = tensor
        self.running = False

    def input_shape(self) -> OutputShape:
        return self.run_input

    def input_spans(self) -> list[Span]:
        first = self.entries[0] if self.entries else None
        if isinstance(first, Tensor) and first.input_span is not None:
            return [first.input_span]
        return [first.span] if isinstance(first, InputLayerObj) else []

    def output_shape(self) -> OutputShape:
        return None if self.run_output is None else self.run_output.shape

    def nodes(self) -> list[Node]:
        return self.run_nodes or []

    def opaque(self) -> bool:
        """An entry that is not a layer, a model or a custom layer (a list the analysis cannot read)."""
        return any(not (isinstance(entry, (LayerObj, KerasModel)) or self.is_custom(entry)
                        or (position == 0 and isinstance(entry, (InputLayerObj, Tensor))))
                   for position, entry in enumerate(self.entries))

    def rejection(self, shape: Shape) -> Optional[str]:
        """What the first layer that rejects an input of this shape says (a dry run: nothing recorded)."""
        return self.dry_run(shape)[0]

    def dry_run(self, shape: Shape) -> tuple[Optional[str], OutputShape]:
        """The layers applied in turn to an input of this shape, nothing recorded: what the first
        one that rejects it says, or the output."""
        current: Optional[Shape] = shape
        for position, entry in enumerate(self.entries):
            if isinstance(entry, KerasModel):
                result = apply_rule(entry.layer(), [current])
            elif isinstance(entry, LayerObj):
                if self.uncertain_from is not None and position >= self.uncertain_from:
                    current = None
                if current is not None:
                    conflict = self.plugin.weight_axis_conflict(entry, current)
                    if conflict:
                        return conflict, None
                result = apply_rule(entry, [current])
            elif position == 0 and isinstance(entry, (InputLayerObj, Tensor)):
                continue
            else:
                current = None
                continue
            if result.error is not None:
                return result.error.message, None
            output = result.output
            current = None if output is None or isinstance(output[0], tuple) else output
        return None, current


class KerasFunctional(KerasModel):
    class_name = "Functional"
    fallback_name = "functional"

    def __init__(self, plugin: "KerasPlugin", span: Span, context: str, index: int, inputs: list, outputs: list) -> None:
        super().__init__(plugin, span, context, index)
        self.inputs = inputs
        self.outputs = outputs

    def input_shape(self) -> OutputShape:
        shapes = [t.shape for t in self.inputs if isinstance(t, Tensor)]
        return shapes[0] if len(shapes) == 1 else None

    def input_spans(self) -> list[Span]:
        return [t.input_span for t in self.inputs if isinstance(t, Tensor) and t.input_span is not None]

    def output_shape(self) -> OutputShape:
        """One output's shape, or each output's (a list of them: called, the model gives a list)."""
        shapes = [t.shape for t in self.outputs if isinstance(t, Tensor)]
        if len(shapes) == 1:
            return shapes[0]
        if not shapes or len(shapes) != len(self.outputs) or any(shape is None for shape in shapes):
            return None
        return tuple(shapes)  # type: ignore[arg-type]

    def nodes(self) -> list[Node]:
        return nodes_between(self.inputs, self.outputs)

    def opaque(self) -> bool:
        return through_opaque(self.outputs, self.inputs)

    def attribute(self, interp: "Interpreter", name: str) -> object:
        """``model.inputs`` / ``model.output``: the tensors it was made from, for a model built on them
        (``keras.Model(model.inputs, [model.get_layer(name).output, model.output])``)."""
        if name in ("inputs", "outputs"):
            return list(self.inputs if name == "inputs" else self.outputs)
        if name in ("input", "output"):
            tensors = self.inputs if name == "input" else self.outputs
            return tensors[0] if len(tensors) == 1 else list(tensors)
        if name == "layers":
            return self.chain_layers()
        return super().attribute(interp, name)

    def chain_layers(self) -> object:
        """``model.layers`` of a model whose layers form one chain (then Keras' order, its input
        layer first, is the chain's): ``model.layers[-2].output`` takes a model without its head."""
        nodes = self.nodes()
        chained = len(self.inputs) == 1 and all(
            len(node.inputs) == 1 and node.inputs[0].node is (nodes[i - 1] if i else None) and not node.extra
            for i, node in enumerate(nodes))
        if not chained or len({id(node.layer) for node in nodes}) != len(nodes):
            return Unknown("the layers of a model whose graph branches, in Keras' order")
        first = self.inputs[0]
        return [InputLayerObj(first.shape, first.input_span), *(node.layer for node in nodes)]


def nested_model(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    """A model used as a layer: its own output, if the input fits the input it was built for."""
    model: KerasModel = args.values["model"]  # type: ignore[assignment]
    expected, output = model.input_shape(), model.output_shape()
    if expected is None or output is None or isinstance(expected[0], tuple):
        raise UnknownArgument(f"the output of the nested {model.class_name} model is unknown")
    got = inputs[0]
    fits = len(got) == len(expected) and not any(differ(a, b) for a, b in zip(expected[1:], got[1:]))
    if fits:
        return Applied(output, model.total_params())
    if dialect_of(rule).reruns_nested_model():
        # Keras 2 runs the nested model's layers again on the new input
        if not isinstance(model, KerasSequential):
            raise UnknownArgument(f"Keras 2 runs the nested {model.class_name} model's layers again on "
                                  f"{format_shape(got)}; Shape Lens does not follow that")
        rejection, rerun = model.dry_run(got)
        if rejection is not None:
            raise ShapeError("input-mismatch", f"the nested {model.class_name} model was built for "
                             f"{format_shape(expected)} (input {format_shape(got)}): {rejection}")  # type: ignore[arg-type]
        if rerun is None:
            raise UnknownArgument(f"the output of the nested {model.class_name} model on {format_shape(got)} is unknown")
        return Applied(rerun, model.total_params())
    raise ShapeError(
        "input-mismatch",
        f"the nested {model.class_name} model was built for {format_shape(expected)} but receives "  # type: ignore[arg-type]
        f"{format_shape(got)}; Keras fails with \"is incompatible with the layer: expected "
        f"shape={format_shape(expected)}, found shape={format_shape(got)}\"",  # type: ignore[arg-type]
    )


def nested_in(spec: Optional[LayerSpec]) -> Optional[object]:
    """The model a layer applies as a whole: a model used as a layer, or the one a ``TimeDistributed``
    applies to every step."""
    if spec is None:
        return None
    if spec.rule.family is nested_model:
        return spec.args.values.get("model")
    if spec.rule.name == "TimeDistributed":
        inner = spec.args.values.get("layer")
        return inner if isinstance(inner, KerasModel) else nested_in(getattr(inner, "spec", None))
    return None


NESTED_MODEL = LayerRule("Model", nested_model, ("model",))
NESTED_ROWS = {major: replace(NESTED_MODEL, dialect=dialect) for major, dialect in DIALECTS.items()}
NESTED_EITHER = JoinedRule.of([NESTED_ROWS[3], NESTED_ROWS[2]])


def nested_rule(version: KerasVersion) -> LayerRule:
    """The model-as-a-layer row of the Keras the file runs with."""
    return NESTED_ROWS[next(iter(version.majors))] if version.known else NESTED_EITHER
