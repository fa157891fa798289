"""The Keras plugin: Keras 3 and ``tf.keras`` names, layers, models, and their checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from ..dims import Shape, format_shape
from ..interpreter.arrays import as_shape
from ..interpreter.layers import LayerResult, apply_rule
from ..interpreter.plugins import CallHook, ClassHook, Plugin
from ..interpreter.tensors import Tensor
from ..interpreter.values import ArrayValue, BoundMethod, Instance, LayerObj
from ..report import Span
from ..rules import Args, LayerRule, LayerSpec, ShapeError
from ..unknown import Unknown
from .backbones import Backbones, KerasBackbone, finish_backbones, is_backbone
from .batches import first_batch
from .checks import build_unbuilt, data_diagnostics, target_diagnostics
from .data import Data
from .dialect import Keras3, dialect_of
from .frontend import ARRAY_FACTORIES, Frontend, named_sizes, seed_shape
from .joined import JoinedRule, one_sided
from .lambdas import traced_arguments
from .losses import TargetCall, is_loss_class, loss_call
from .models import KerasFunctional, KerasModel, KerasSequential, nested_in, nested_model
from .ops import TensorFunctions, is_op_path
from .rules import MERGE_FUNCTIONS, RULES, rules_for
from .rules.attention import multi_head_attention
from .rules.core import lambda_layer
from .subclass import SubclassHook, Subclassed, is_keras_base
from .version import REFERENCE, KerasSetup, KerasVersion

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter


@dataclass(eq=False)
class DataCall:
    """Data given to a model (``model.fit(x, ...)``, ``model.predict(x)``, ``model(x)``): an array, or
    why its shape is not known."""

    model: KerasModel
    array: Optional[ArrayValue]
    span: Span  # the argument
    method: str
    condition: Optional[str]
    batch: Optional[int] = None  # the rows of the first batch Keras feeds the model
    reason: Optional[str] = None  # why the data's shape is not known

    def first_batch_shape(self) -> Optional[Shape]:
        """What a Sequential without an input is built for: the first batch of the array."""
        if self.array is None or not self.array.shape:
            return None
        return (self.batch, *self.array.shape[1:])

    def where(self) -> str:
        name = self.model.name or "model"
        call = f"{name}(...)" if self.method == "__call__" else f"{name}.{self.method}(...)"
        return f"`{call}` at line {self.span.start_line + 1}"


@dataclass
class KerasState:
    sequentials: list[KerasSequential] = field(default_factory=list)
    functionals: list[KerasFunctional] = field(default_factory=list)
    data_calls: list[DataCall] = field(default_factory=list)
    target_calls: list[TargetCall] = field(default_factory=list)  # targets given to compiled models
    subclassed: dict[int, Subclassed] = field(default_factory=dict)  # by id of the user's instance
    instantiated: set[str] = field(default_factory=set)  # the user's Keras classes that were instantiated
    depth: int = 0  # custom layers' `call`s running (at 0 a call is Keras' symbolic trace of a graph)
    open_scopes: dict[int, dict] = field(default_factory=dict)  # instance id → the symbols of its open parameters
    image_data_format: object = None  # what `set_image_data_format(...)` made it, if the script set it
    # the label arrays of data sets whose classes are known (by id, with the array, which keeps the id taken)
    label_classes: dict[int, tuple[ArrayValue, int]] = field(default_factory=dict)
    # The Keras this file runs with, and the rule rows of that version.
    version: KerasVersion = REFERENCE.keras
    rules: dict[str, LayerRule] = field(default_factory=lambda: RULES)
    names: dict[str, int] = field(default_factory=dict)  # how many layers Keras has named after each class
    # ids of the layer applications a nested model's own build made (its layers, not the enclosing model's)
    built_inside: set[int] = field(default_factory=set)


class KerasPlugin(Plugin):
    name = "keras"
    roots = ("keras", "tensorflow", "tf_keras")
    aliases = (
        ("tensorflow.python.keras", "keras"),
        ("tensorflow.keras", "keras"),
        ("tf_keras", "keras"),
        ("keras.api", "keras"),
        ("keras.src", "keras"),
    )
    model_builders = frozenset({"Sequential", "Model"})

    def __init__(self) -> None:
        self.frontend = Frontend(self)
        self.data = Data(self)
        self.as_shape = as_shape
        self.named_sizes = named_sizes
        self.functions = TensorFunctions(self)
        self.backbones = Backbones(self)
        self.subclass_hooks = {"model": SubclassHook(self, "model"), "layer": SubclassHook(self, "layer")}

    def new_state(self) -> KerasState:
        return KerasState()

    def state(self, interp: "Interpreter") -> KerasState:
        return interp.states[self.name]  # type: ignore[return-value]

    def start(self, interp: "Interpreter") -> None:
        """The Keras version the file runs with: the analysis option, for the roots it imports from."""
        setup = getattr(interp.options, "keras_version", None)
        state = self.state(interp)
        state.version = (setup if isinstance(setup, KerasSetup) else REFERENCE).for_file(interp.tree, interp.lines)
        state.rules = rules_for(state.version.majors)

    def auto_name(self, interp: "Interpreter", base: str) -> str:
        """The name Keras gives the next layer or model of this kind (``conv2d``, ``conv2d_1``, ...),
        counted over the file as one Keras session."""
        names = self.state(interp).names
        count = names.get(base, 0)
        names[base] = count + 1
        return base if count == 0 else f"{base}_{count}"

    def layer_rule(self, class_name: str) -> Optional[LayerRule]:
        return RULES.get(class_name)

    def class_with_role(self, role: str) -> Optional[str]:
        return next((name for name, rule in RULES.items() if rule.role == role and name == rule.name), None)

    def call_hook(self, path: str) -> Optional[CallHook]:
        front = self.frontend
        if path in ARRAY_FACTORIES:
            return front.array
        data = self.data.hook(path) if path.startswith("keras") else None
        if data is not None:
            return data
        if is_op_path(path):
            return self.functions.call
        if not path.startswith("keras"):
            return None
        if path.startswith("keras.applications."):
            return self.backbones.hook(path)
        if is_loss_class(path):
            return loss_call
        leaf = path.rsplit(".", 1)[-1]
        if leaf == "Sequential":
            return front.sequential
        if leaf in ("Model", "Functional"):
            return front.functional
        if leaf == "Input":
            return front.input
        if leaf == "InputLayer":
            return front.input_layer
        if leaf in MERGE_FUNCTIONS and ".layers" in path:
            return front.merge_function
        if leaf in RULES and (".layers" in path or path == f"keras.{leaf}"):
            return front.layer
        if ".layers." in path and leaf[:1].isupper():
            return front.unmodelled_layer
        return None

    def class_hook(self, path: str) -> Optional[ClassHook]:
        kind = is_keras_base(path)
        return self.subclass_hooks[kind] if kind is not None else None

    def apply_custom(self, interp: "Interpreter", instance: Instance, tensor: Tensor, call_span: Span) -> object:
        """A user's Keras layer or model as an entry of a ``Sequential``."""
        return self.subclass_hooks["model"].in_sequential(interp, instance, tensor, call_span)

    def star_names(self, module: str) -> dict[str, str]:
        names: dict[str, str] = {}
        if module in ("keras.layers", "keras"):
            for name in (*RULES, "Input", "InputLayer", *MERGE_FUNCTIONS):
                names[name] = f"keras.layers.{name}"
            if module == "keras":
                names.update({name: f"keras.{name}" for name in ("Sequential", "Model")})
        elif module == "keras.models":
            names.update({name: f"keras.models.{name}" for name in ("Sequential", "Model")})
        return names

    # --- layers ---

    def layer_inputs(self, layer: LayerObj, args: list, kwargs: dict) -> Optional[list]:
        first = args[0] if args else kwargs.get("inputs", kwargs.get("query"))
        if layer.spec is not None and layer.spec.rule.family is multi_head_attention:
            parts = [first, args[1] if len(args) > 1 else kwargs.get("value"), args[2] if len(args) > 2 else kwargs.get("key")]
            tensors = [p for p in parts if p is not None]
        elif isinstance(first, (list, tuple)):
            tensors = list(first)
        else:
            tensors = [first]
        if not tensors:
            return None
        for tensor in tensors:
            if not isinstance(tensor, Tensor):
                return None
        return tensors

    def prepare_inputs(self, interp: "Interpreter", layer: LayerObj, tensors: list) -> list:
        """An input nothing sizes takes the shape the first layer applied to it implies."""
        first = tensors[0] if tensors else None
        # once the script sets another data format, the layers' defaults follow it and the rules do not
        configured = self.state(interp).image_data_format
        if configured is not None and configured != "channels_last":
            return tensors
        if first is not None and first.seed and first.shape is None and layer.spec is not None:
            seeded = seed_shape(interp, layer.spec.rule, layer.spec.args, first.seed)
            if seeded is not None:
                first.shape = seeded
                first.reason = None
        return tensors

    def call_arguments(self, interp: "Interpreter", layer: LayerObj, tensors: list, args: list,
                       kwargs: dict) -> Optional[Args]:
        if layer.spec is not None and layer.spec.rule.family is lambda_layer:
            traced = traced_arguments(interp, layer, tensors)
            if traced is not None:
                return traced
        inner = layer.spec.args.values.get("layer") if layer.spec is not None and layer.spec.rule.name == "TimeDistributed" \
            else None
        first = tensors[0] if tensors else None
        if isinstance(inner, KerasModel) and first is not None and first.shape is not None and len(first.shape) > 2:
            # a model given to TimeDistributed is built for one step (a Sequential with no input of its own)
            inner.build_for(interp, (first.shape[0], *first.shape[2:]))
        return super().call_arguments(interp, layer, tensors, args, kwargs)

    def check_result(self, interp: "Interpreter", layer: LayerObj, result: LayerResult, tensors: list) -> LayerResult:
        """Keras builds a layer's weights for its first input; a later call must fit them. A layer
        whose data format is the script's configured one (``set_image_data_format``) is not followed."""
        spec = layer.spec
        configured = self.state(interp).image_data_format
        if (configured is not None and configured != "channels_last" and spec is not None
                and "data_format" in spec.rule.args and spec.args.values.get("data_format") is None):
            return LayerResult(None, None, reason="its data format is the one the script sets with "
                                                  "`set_image_data_format(...)`, which Shape Lens does not follow")
        shape = tensors[0].shape if tensors else None
        if spec is not None and spec.rule.family is lambda_layer and result.reason is None and opened_sizes(shape, result.output):
            # a size the function leaves to the run (`ops.reshape(t, (ops.shape(t)[0], -1))`): the torch
            # backend computes it, TensorFlow's graph does not; what follows is not judged on it
            result = LayerResult(None, 0, reason="the Lambda's output has a size only the backend's run decides (the "
                                                 "torch backend computes it, TensorFlow's graph leaves it unknown)")
        if layer.built_input is None and shape is not None:
            layer.built_input = shape
        elif shape is not None and result.error is None and layer.spec is not None:
            findings = [(d, self.weight_axis_conflict(layer, shape, d, direct=True)) for d in layer_dialects(layer.spec.rule)]
            failing = [(d, f) for d, f in findings if f is not None]
            if failing and len(failing) == len(findings):
                return LayerResult(None, None, (), ShapeError("input-mismatch", failing[0][1]), f"{layer.class_name} fails here")
            if failing:
                message = one_sided(failing[0][1], [d for d, _ in failing], [d for d, f in findings if f is None])
                result = result._replace(warnings=(*result.warnings, ("input-mismatch", message)))
            if len(failing) < len(findings) and self.weight_axis_conflict(layer, shape) is not None:
                # accepted all the same (Keras 2 runs a convolution on a multiple of its channels as a
                # grouped one): the weights stay those the layer was built with
                return result._replace(params=apply_rule(layer, [layer.built_input]).params)
        return result

    def layer_outputs(self, interp: "Interpreter", layer: LayerObj, output: Tensor) -> object:
        """A backbone's description is its own row's note, not an assumption of the layers after it."""
        if is_backbone(layer) and layer.notes:
            output.notes = tuple(note for note in output.notes if note != layer.notes[-1])
        return output

    def non_trainable_params(self, interp: "Interpreter", layer: LayerObj, result: LayerResult) -> object:
        """A model used as a layer: what its own layers leave to training (a frozen ``base`` none)."""
        model = nested_in(layer.spec)
        if not isinstance(model, KerasModel) or layer.trainable is not True or result.params is None:
            return super().non_trainable_params(interp, layer, result)
        frozen: dict[int, object] = {}
        for node in model.nodes():
            frozen[id(node.layer)] = self.non_trainable_params(interp, node.layer, node.result)
        counts = list(frozen.values())
        return None if None in counts else sum(counts)  # type: ignore[arg-type]

    def layer_attribute(self, interp: "Interpreter", layer: LayerObj, name: str) -> object:
        """``layer.output`` / ``layer.input`` of a layer called once: the tensors of that call."""
        if name not in ("output", "input"):
            return BoundMethod(layer, name)
        calls = [node for node in interp.layers.nodes if node.layer is layer]
        if len(calls) != 1:
            return Unknown(f"`{name}` of a layer called {'more than once' if calls else 'on no tensor the analysis follows'}")
        tensors = calls[0].outputs if name == "output" else calls[0].inputs
        return tensors[0] if len(tensors) == 1 else list(tensors)

    def own_nodes(self, interp: "Interpreter", start: int) -> list:
        """The layer applications made since ``start``, but for those a nested model's build made."""
        inside = self.state(interp).built_inside
        return [node for node in interp.layers.nodes[start:] if id(node) not in inside]

    def set_layer_attribute(self, interp: "Interpreter", layer: LayerObj, name: str, value: object) -> None:
        """``layer.trainable = False`` freezes its weights; a value or a path the analysis cannot decide
        leaves whether it trains unknown."""
        if name != "trainable":
            return
        if isinstance(value, bool) and not interp.uncertain:
            layer.trainable, layer.trainable_reason = value, None
            return
        line = interp.statement.lineno if interp.statement is not None else layer.span.start_line + 1
        why = (f"under `{interp.condition()}`, which Shape Lens cannot decide" if interp.condition() is not None
               else "on a path Shape Lens cannot decide" if interp.uncertain else "to a value Shape Lens does not know")
        layer.trainable = None
        layer.trainable_reason = f"whether {layer.class_name} trains is not known: its `trainable` is set {why} (line {line})"

    def weight_axis_conflict(self, layer: LayerObj, shape: Shape, dialect: Optional[Keras3] = None,
                             direct: bool = False) -> Optional[str]:
        """A layer whose weights were built for one size, called on another (Keras' InputSpec axes;
        ``direct``: called on a new tensor of a functional graph, where Keras 2's ops fail first)."""
        spec = layer.spec
        if spec is None or spec.rule.weight_axis is None or layer.built_input is None:
            return None
        axis = spec.rule.weight_axis
        if spec.args.values.get("data_format") == "channels_first":
            axis = 1
        if len(shape) != len(layer.built_input):
            return None
        want, got = layer.built_input[axis], shape[axis]
        if not isinstance(want, int) or not isinstance(got, int) or want == got:
            return None
        dialect = dialect or dialect_of(spec.rule)
        said = (dialect.weight_conflict(spec.rule, spec.args.values.get("filters"), axis, want, got, shape) if direct
                else KERAS_INPUT_SPEC.weight_conflict(spec.rule, None, axis, want, got, shape))
        if said is None:
            return None
        return (f"{layer.class_name} was built for inputs with axis {axis} = {want} but receives {format_shape(shape)}; "
                f"Keras fails with \"{said}\"")

    # --- data given to models ---

    def record_data(self, interp: "Interpreter", model: KerasModel, value: object, span: Span, method: str,
                    args: list, kwargs: dict) -> None:
        calls = self.state(interp).data_calls
        array = value if isinstance(value, ArrayValue) and not value.ragged else None
        shape = array.shape if array is not None else None
        if any(c.model is model and c.span == span and (c.array.shape if c.array else None) == shape for c in calls):
            return  # the same call again, in a loop
        if array is not None:
            call = DataCall(model, array, span, method, interp.condition(), first_batch(method, array.shape, args, kwargs))
        else:
            reason = (value.reason if isinstance(value, Unknown) else
                      "a ragged array (sequences of different lengths: `pad_sequences` makes one array of them)"
                      if isinstance(value, ArrayValue) else "data the analysis does not follow")
            call = DataCall(model, None, span, method, interp.condition(), reason=reason)
        calls.append(call)
        interp.events += 1

    def finish(self, interp: "Interpreter") -> None:
        state = self.state(interp)
        self.subclass_hooks["model"].finish(interp)
        build_unbuilt(interp, state)
        finish_backbones(interp, [m for m in state.functionals if isinstance(m, KerasBackbone)])
        for model in [*state.sequentials, *state.functionals]:
            model.apply_trainable(interp)
        self.lost_trainable(interp)
        for model in sorted([*state.sequentials, *state.functionals], key=lambda m: m.index):
            interp.register_model(model.record())
        inputs = data_diagnostics(interp, state)
        interp.diagnostics.extend(inputs)
        # a call whose data does not fit the model fails there, before its loss sees the targets
        refused = {d.span.start_line for d in inputs if d.severity == "error"}
        interp.diagnostics.extend(d for d in target_diagnostics(state) if d.span.start_line not in refused)


    def lost_trainable(self, interp: "Interpreter") -> None:
        """``something.trainable = ...`` where the analysis cannot tell what is set (``model.layers[0]``):
        any Keras layer may be the one, so whether each trains is not known."""
        lost = next((span for name, span in interp.lost_attributes if name == "trainable"), None)
        if lost is None:
            return
        for node in interp.layers.nodes:
            layer = node.layer
            if layer.framework is self and layer.trainable is not None:
                layer.trainable = None
                layer.trainable_reason = (f"whether {layer.class_name} trains is not known: `.trainable` is set at line "
                                          f"{lost.start_line + 1} on a layer Shape Lens cannot tell")


def opened_sizes(given: object, output: object) -> bool:
    """Whether a layer's output has more unknown sizes (the batch aside) than its input."""
    if not isinstance(given, tuple) or not isinstance(output, tuple) or not output or isinstance(output[0], tuple):
        return False
    return sum(d is None for d in output[1:]) > sum(d is None for d in given[1:])


KERAS_INPUT_SPEC = Keras3()  # both versions' InputSpec axes check, run when a model calls its layers


def layer_dialects(rule: LayerRule) -> tuple[Keras3, ...]:
    """The versions a layer's row stands for (both for code whose version is not known)."""
    rows = rule.variants if isinstance(rule, JoinedRule) else (rule,)
    return tuple(dialect_of(row) for row in rows)


__all__ = ["KerasPlugin", "KerasState", "DataCall"]
