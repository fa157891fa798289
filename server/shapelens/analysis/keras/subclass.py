"""Subclassed Keras models and custom layers: ``class Net(keras.Model)`` / ``class Block(layers.Layer)``.

Like a torch ``nn.Module`` (``torch/modules.py``), the class's own method runs the layers, here
``call``. As in Keras 3:

- a layer is built once, on its first call (or an explicit ``build(input_shape)``): the class's
  own ``build`` runs with the input's shape and may create layers and weights (``add_weight``);
- a custom layer called on tensors runs its ``call`` inline, so the layers inside are applied
  (and listed) where it is used; where Keras traces it symbolically (in a functional graph) a
  ``compute_output_shape`` of the class gives its output;
- a subclassed model runs as a model of its own on the first input that reaches it: an example
  array (``model(x)``, ``model.predict(x)``), else the shape its ``build(...)`` was given, else a
  tensor whose rank the first layer implies (every size unknown);
- ``super().__init__(inputs=..., outputs=...)`` makes the instance a functional model.

Every weight is listed once: a custom layer that owns weights (``add_weight``), or has no layers
inside, is a row of its own with its own weights; the layers inside are rows of theirs.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from .. import dims
from ..dims import OutputShape
from ..interpreter.arrays import as_shape
from ..interpreter.journal import Either
from ..interpreter.layers import flatten_tensors
from ..interpreter.plugins import ClassHook
from ..interpreter.tensors import Tensor
from ..interpreter.values import ArrayValue, BoundMethod, ClassValue, Function, Instance, LayerObj, ModelRecord
from ..report import Span
from ..rules import Applied, Args, LayerRule, LayerSpec, UnknownArgument
from ..unknown import Unknown
from .batches import first_batch
from .losses import Compiled, compiled, recompiled, record_targets
from .models import DATA_METHODS, KerasFunctional, KerasModel

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import KerasPlugin, KerasState

MODEL_BASES = frozenset({"keras.Model", "keras.models.Model", "keras.models.model.Model", "keras.engine.training.Model",
                         "keras.engine.Model"})
LAYER_BASES = frozenset({"keras.layers.Layer", "keras.Layer", "keras.layers.layer.Layer", "keras.engine.base_layer.Layer",
                         "keras.engine.Layer", "keras.engine.topology.Layer"})
# Methods of keras.Layer / keras.Model the analysis follows on the user's instances.
INSTANCE_METHODS = frozenset({"add_weight", "add_variable", "build", "summary", "compile", *DATA_METHODS})


@dataclass(eq=False)
class Subclassed:
    """What the analysis knows of one instance of a user's Keras class."""

    instance: Instance
    kind: str  # "model" or "layer"
    built: bool = False  # as Keras' `self.built`: set once `build` has returned
    building: bool = False
    calling: bool = False  # its `call` is running (a `call` that calls the layer again is not followed)
    build_shape: object = None  # what `build(...)` was given
    weights: list[Optional[int]] = field(default_factory=list)  # the size of each `add_weight`
    frozen: list[Optional[int]] = field(default_factory=list)  # of those, the `trainable=False` ones
    functional: Optional[KerasFunctional] = None  # `super().__init__(inputs=..., outputs=...)`
    applied: bool = False  # called on tensors inside another model
    compiles: list[Compiled] = field(default_factory=list)  # the losses it may be compiled with
    output: OutputShape = None  # what its `call` gave when it ran as a model of its own

    def output_shape(self) -> OutputShape:
        return self.output

    def own_params(self) -> Optional[int]:
        return None if any(w is None for w in self.weights) else sum(self.weights)  # type: ignore[arg-type]

    def own_frozen(self) -> Optional[int]:
        return None if any(w is None for w in self.frozen) else sum(self.frozen)  # type: ignore[arg-type]


def batched(method: str, shape: dims.Shape, args: list, kwargs: dict) -> dims.Shape:
    """The shape of the first batch a data method gives the model (rows unknown when its size is)."""
    return (first_batch(method, shape, args, kwargs), *shape[1:])


def custom_layer(rule: LayerRule, args: Args, inputs: list) -> Applied:
    """A custom layer's own row: the output its ``call`` (or ``compute_output_shape``) gave."""
    output = args.values["output"]
    if output is None:
        raise UnknownArgument(str(args.values["reason"]))
    return Applied(output, args.values["params"], non_trainable=args.values["non_trainable"])  # type: ignore[arg-type]


CUSTOM_LAYER = LayerRule("Layer", custom_layer, ("output", "params", "reason", "non_trainable"))


def snake_case(name: str) -> str:
    """Keras' default name of a model: ``MyModel`` → ``my_model``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def input_shape_value(value: object) -> object:
    """What Keras passes to ``build``: the shape of the first argument, or a list of shapes."""
    if isinstance(value, Tensor):
        return value.shape if value.shape is not None else Unknown(value.reason or "an input of unknown shape")
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Tensor) for v in value):
        return [input_shape_value(v) for v in value]
    return Unknown("an input that is not a tensor")


class SubclassHook(ClassHook):
    """What ``keras.Model`` (``kind="model"``) or ``keras.layers.Layer`` gives the user's classes."""

    def __init__(self, plugin: "KerasPlugin", kind: str) -> None:
        self.framework = plugin
        self.plugin = plugin
        self.kind = kind

    def state(self, interp: "Interpreter") -> "KerasState":
        return self.plugin.state(interp)

    def of(self, interp: "Interpreter", instance: Instance) -> Subclassed:
        found = self.state(interp).subclassed.get(id(instance))
        if found is None:
            found = Subclassed(instance, self.kind)
            self.state(interp).subclassed[id(instance)] = found
        return found

    # --- the instance as a value ---

    def on_instance(self, interp: "Interpreter", instance: Instance) -> None:
        self.of(interp, instance)
        self.state(interp).instantiated.add(instance.cls.node.name)

    def attribute(self, interp: "Interpreter", instance: Instance, name: str) -> object:
        if name in INSTANCE_METHODS:
            return BoundMethod(instance, name)
        if name == "built":
            return self.of(interp, instance).built
        return super().attribute(interp, instance, name)

    def bound_method(self, interp: "Interpreter", instance: Instance, name: str, function: Function) -> object:
        # a layer's own `build` runs once, and only through Keras (which records that it is built)
        return BoundMethod(instance, name) if name == "build" else BoundMethod(instance, function)

    def method(self, interp: "Interpreter", instance: Instance, name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        subclassed = self.of(interp, instance)
        if subclassed.functional is not None and name != "build":
            return subclassed.functional.method(interp, name, args, kwargs, node)
        if name in ("add_weight", "add_variable"):
            return self.add_weight(interp, subclassed, args, kwargs)
        if name == "build":
            shape = args[0] if args else kwargs.get("input_shape")
            if subclassed.build_shape is None:
                subclassed.build_shape = shape
            self.build(interp, subclassed, shape)
            return None
        if name in DATA_METHODS:
            result = self.data_call(interp, subclassed, name, args, kwargs, node)
            if subclassed.kind == "model":
                record_targets(interp, subclassed, subclassed.compiles, name, args, kwargs, node,
                               self.state(interp).version.majors)
            return result
        if name == "compile":
            subclassed.compiles = recompiled(subclassed.compiles, compiled(interp, args, kwargs, node))
            return None
        return None if name == "summary" else super().method(interp, instance, name, args, kwargs, node)

    def super_method(self, interp: "Interpreter", instance: Instance, name: str, args: list, kwargs: dict,
                     node: ast.Call) -> object:
        if name == "__init__":
            inputs = args[0] if args else kwargs.get("inputs")
            outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
            if inputs is not None and outputs is not None:
                self.become_functional(interp, self.of(interp, instance), inputs, outputs)
            return None
        if name == "build":
            return None  # Keras' own `build` only marks the layer built
        return super().super_method(interp, instance, name, args, kwargs, node)

    def call_instance(self, interp: "Interpreter", instance: Instance, args: list, kwargs: dict, node: ast.Call) -> object:
        subclassed = self.of(interp, instance)
        if subclassed.functional is not None:
            return subclassed.functional.call(interp, args, kwargs, node)
        return self.data_call(interp, subclassed, "__call__", args, kwargs, node)

    # --- what Keras does with it ---

    def add_weight(self, interp: "Interpreter", subclassed: Subclassed, args: list, kwargs: dict) -> Tensor:
        """``self.add_weight(shape=(input_shape[-1], self.units), ...)``: a weight of the layer's own."""
        value = kwargs.get("shape", args[0] if args else ())
        shape = as_shape(value) if value is not None else ()
        size = dims.product(shape) if shape is not None else None
        subclassed.weights.append(size if isinstance(size, int) else None)
        trainable = kwargs.get("trainable", True)
        if trainable is not True:  # `trainable=False`: a weight training leaves alone (or not known whether)
            subclassed.frozen.append(size if isinstance(size, int) and trainable is False else None)
        interp.events += 1
        reason = None if shape is not None else "a weight of a shape that is not known"
        return Tensor(shape, reason, None, (), None, self.plugin)

    def build(self, interp: "Interpreter", subclassed: Subclassed, input_shape: object) -> None:
        """Keras builds a layer once: its own ``build`` with the input's shape, if it defines one."""
        if subclassed.built or subclassed.building:
            return
        build = interp.classes.method_of(subclassed.instance.cls, "build")
        subclassed.building = True
        try:
            if build is not None:
                interp.call_function(build, [subclassed.instance, input_shape], {}, label=None)
        finally:
            subclassed.building = False
            subclassed.built = True

    def become_functional(self, interp: "Interpreter", subclassed: Subclassed, inputs: object, outputs: object) -> None:
        instance = subclassed.instance
        model = KerasFunctional(self.plugin, instance.span or interp.span(instance.cls.node), interp.context_label(),
                                interp.next_model_index(), flatten_tensors(inputs), flatten_tensors(outputs))
        model.fallback_name = snake_case(instance.cls.node.name)
        self.state(interp).functionals.append(model)
        subclassed.functional = model

    def data_call(self, interp: "Interpreter", subclassed: Subclassed, method: str, args: list, kwargs: dict,
                  node: ast.Call) -> object:
        """``model(x)`` / ``model.predict(x)``: an example array runs the model; a tensor applies it inline."""
        first = args[0] if args else kwargs.get("x", kwargs.get("inputs"))
        arrays = first if isinstance(first, (list, tuple)) else [first]
        if arrays and all(isinstance(a, ArrayValue) for a in arrays):
            if subclassed.kind != "model" and (method != "__call__" or self.state(interp).depth > 0):
                return Unknown("an eager call of a layer on an array")
            if subclassed.instance.model is not None:
                return Unknown("a second run of the model")
            # `fit` / `predict` / `evaluate` run the model on their first batch, the `*_on_batch` methods on all rows
            tensors = [Tensor(a.shape if method == "__call__" or not a.shape else batched(method, a.shape, args, kwargs),
                              None, None, (), None, self.plugin) for a in arrays]
            inputs = tensors[0] if not isinstance(first, (list, tuple)) else type(first)(tensors)
            if method != "__call__":  # `predict(x, batch_size, ...)` calls the model on `x` alone
                self.run(interp, subclassed, [inputs], {}, interp.span(node))
                return Unknown("a prediction")
            return self.run(interp, subclassed, [inputs, *args[1:]] if args else [inputs], kwargs if args else {},
                            interp.span(node))
        tensors = flatten_tensors(first)
        if method != "__call__":
            return Unknown(f"the result of `{method}`")
        if not tensors:
            return Tensor(None, "the layer's input is not a known tensor", None, ())
        state = self.state(interp)
        if subclassed.kind == "model" and state.depth == 0 and subclassed.instance.model is None:
            return self.run(interp, subclassed, args, kwargs, interp.span(node), symbolic=True)
        return self.apply(interp, subclassed, args, kwargs, interp.span(node), symbolic=state.depth == 0)

    def apply(self, interp: "Interpreter", subclassed: Subclassed, args: list, kwargs: dict, call_span: Span,
              symbolic: bool) -> object:
        """One call of the layer on tensors: build, then ``call`` inline, then its own row if it has one."""
        instance = subclassed.instance
        state = self.state(interp)
        first = args[0] if args else kwargs.get("inputs")
        if not subclassed.built:
            self.build(interp, subclassed, input_shape_value(first))
        call = interp.classes.method_of(instance.cls, "call")
        if call is None:
            return Unknown(f"`{instance.cls.node.name}` defines no `call`")
        if subclassed.calling:
            return Tensor(None, f"`{instance.cls.node.name}` calls itself", None, tuple(flatten_tensors(first)))
        subclassed.applied = subclassed.applied or state.depth > 0
        state.depth += 1
        subclassed.calling = True
        try:
            result = interp.call_function(call, [instance, *args], kwargs, label=None)
        finally:
            state.depth -= 1
            subclassed.calling = False
        compute = interp.classes.method_of(instance.cls, "compute_output_shape")
        result_shape = output_of(result)
        use_compute = compute is not None and (symbolic or result_shape is None)
        if not (subclassed.weights or use_compute or not holds_layers(instance, self.plugin)):
            return result
        reason = "its `call` gives a value the analysis does not follow"
        if use_compute:
            computed = interp.call_function(compute, [instance, input_shape_value(first)], {}, label=None)  # type: ignore[arg-type]
            result_shape, reason = shape_value(computed), "its `compute_output_shape` gives a shape that is not known"
        values = {"output": result_shape, "params": subclassed.own_params(), "reason": reason,
                  "non_trainable": subclassed.own_frozen()}
        name = instance.cls.node.name
        layer = LayerObj(name, instance.span or call_span, LayerSpec(CUSTOM_LAYER, Args(name, values), name), None,
                         self.plugin)
        tensors = flatten_tensors(list(args)) or flatten_tensors(first)
        return interp.layers.apply_to(layer, tensors, call_span, tuple(flatten_tensors(result)))

    def in_sequential(self, interp: "Interpreter", instance: Instance, tensor: Tensor, call_span: Span) -> object:
        """An entry of a ``Sequential``: applied to the tensor the entries before it made."""
        subclassed = self.of(interp, instance)
        subclassed.applied = True
        if subclassed.functional is not None:
            return subclassed.functional.applied(interp, tensor, call_span)
        return self.apply(interp, subclassed, [tensor], {}, call_span, symbolic=self.state(interp).depth == 0)

    def run(self, interp: "Interpreter", subclassed: Subclassed, args: list, kwargs: dict, call_span: Span,
            symbolic: bool = False) -> object:
        """The model as a model of its own: ``call`` on this input, every layer it applies listed."""
        instance = subclassed.instance
        record = ModelRecord("keras", instance.span or call_span, interp.context_label(), interp.next_model_index(), [],
                             None, instance.name, instance.name_spans, snake_case(instance.cls.node.name))
        instance.model = record
        start = len(interp.layers.nodes)
        result = self.apply(interp, subclassed, args, kwargs, call_span, symbolic)
        subclassed.output = result.shape if isinstance(result, Tensor) else None
        record.nodes = self.plugin.own_nodes(interp, start)
        record.held_params = self.held_outside(interp, instance, record.nodes)
        first = flatten_tensors(args[0] if args else kwargs.get("inputs"))
        record.input_shape = first[0].shape if len(first) == 1 else None
        interp.register_model(record)
        return result

    def held_outside(self, interp: "Interpreter", instance: Instance, nodes: list) -> dims.Dim:
        """The parameters of the layers and models the model holds that its ``call`` did not apply
        (a distiller's teacher): Keras tracks and counts a built one; an unbuilt one holds none yet."""
        applied = {id(node.layer) for node in nodes}
        total: dims.Dim = 0
        values = {id(v): v for v in flatten_held(list(instance.attrs.values()))}
        for value in values.values():
            count: dims.Dim = 0
            if isinstance(value, LayerObj) and id(value) not in applied:
                calls = [node for node in interp.layers.nodes if node.layer is value]
                count = calls[0].result.params if calls else 0
            elif isinstance(value, KerasModel) and (value.as_layer is None or id(value.as_layer) not in applied):
                if isinstance(value, KerasFunctional) or value.declared_input() is not None or value.nodes():  # type: ignore[attr-defined]
                    value.build_for(interp, None)
                    count = value.total_params()
            elif isinstance(value, Instance) and value.cls.hook is self and value is not instance:
                other = self.of(interp, value)
                if not other.applied and other.built:
                    count = None  # its weights are not summed here
            total = dims.add(total, count)
        return total

    # --- after the file ran ---

    def finish(self, interp: "Interpreter") -> None:
        """Models nothing ran: on the shape their ``build`` was given, else a seeded input."""
        state = self.state(interp)
        for value in list(interp.module.vars.values()):
            if isinstance(value, ClassValue) and value.hook is self and value.node.name not in state.instantiated:
                self.instantiate_unused(interp, value)
        owned: set[int] = set()
        for subclassed in list(state.subclassed.values()):
            collect_owned(list(subclassed.instance.attrs.values()), owned)
        for subclassed in list(state.subclassed.values()):
            instance = subclassed.instance
            if subclassed.functional is not None:
                subclassed.functional.name = instance.name
                subclassed.functional.name_spans = instance.name_spans
                continue
            if subclassed.kind != "model" or instance.model is not None or subclassed.applied or id(instance) in owned:
                continue
            tensors = self.declared_inputs(subclassed)
            inputs: object = tensors[0] if len(tensors) == 1 else tensors
            try:
                with interp.symbols.reopened(state.open_scopes.get(id(instance))):
                    self.run(interp, subclassed, [inputs], {}, instance.span or interp.span(instance.cls.node))
            except Exception:  # noqa: BLE001 - a class that does odd things in `call`
                if interp.strict:
                    raise
                continue

    def declared_inputs(self, subclassed: Subclassed) -> list[Tensor]:
        shape = subclassed.build_shape
        shapes = shape if isinstance(shape, list) and shape and all(isinstance(s, (tuple, list)) for s in shape) else [shape]
        tensors = []
        for each in shapes:
            known = as_shape(each)
            tensor = Tensor(known, None if known is not None else "no example input", None, (), None, self.plugin)
            owner = subclassed.instance.name or subclassed.instance.cls.node.name
            tensor.seed = f"no input is given to `{owner}`" if known is None else None
            tensors.append(tensor)
        return tensors

    def instantiate_unused(self, interp: "Interpreter", cls: ClassValue) -> None:
        """A model class the file defines but never instantiates: made with its defaults and a
        symbol for each constructor parameter without one; run later in the same scope of symbols."""
        if self.kind != "model":
            return
        init = interp.classes.method_of(cls, "__init__")
        required = interp.classes.required_names(init, skip_self=True) if init is not None else []
        with interp.symbols.new_scope() as scope:
            try:
                kwargs = {p: interp.symbols.named(p, f"parameter `{p}` of {cls.node.name}") for p in required}
                instance = interp.classes.instantiate(cls, [], kwargs, cls.node)
                self.state(interp).open_scopes[id(instance)] = scope
            except Exception:  # noqa: BLE001 - a class that does odd things in __init__
                if interp.strict:
                    raise


def output_of(result: object) -> OutputShape:
    """The shape(s) a ``call`` returned, or None if any is not known."""
    if isinstance(result, Tensor):
        return result.shape
    if isinstance(result, (list, tuple)) and result and all(isinstance(t, Tensor) for t in result):
        shapes = [t.shape for t in result]
        return None if any(s is None for s in shapes) else tuple(shapes)  # type: ignore[return-value]
    return None


def shape_value(value: object) -> OutputShape:
    """What a ``compute_output_shape`` returned: one shape, or a list of shapes."""
    single = as_shape(value)
    if single is not None:
        return single
    if isinstance(value, (list, tuple)) and value:
        shapes = [as_shape(v) for v in value]
        return None if any(s is None for s in shapes) else tuple(shapes)  # type: ignore[return-value]
    return None


def holds_layers(instance: Instance, plugin: "KerasPlugin") -> bool:
    """Whether Keras tracks layers inside the instance (attributes, lists and dicts of them)."""
    pending: list = list(instance.attrs.values())
    seen: set[int] = set()
    while pending:
        value = pending.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, (LayerObj, KerasModel)):
            return True
        if isinstance(value, Instance) and value.cls.hook is not None and value.cls.hook.framework is plugin:
            return True
        if isinstance(value, (list, tuple)):
            pending.extend(value)
        elif isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, Either):
            pending.extend(value.options)
    return False


def flatten_held(values: list) -> list:
    """The values a model's attributes hold, lists and dicts opened."""
    found: list = []
    for value in values:
        if isinstance(value, (list, tuple)):
            found += flatten_held(list(value))
        elif isinstance(value, dict):
            found += flatten_held(list(value.values()))
        else:
            found.append(value)
    return found


def collect_owned(values: list, owned: set[int]) -> None:
    """The layers and models an instance holds (they run as part of it, not as models of their own)."""
    for value in values:
        if id(value) in owned:
            continue
        owned.add(id(value))
        if isinstance(value, (list, tuple)):
            collect_owned(list(value), owned)
        elif isinstance(value, dict):
            collect_owned(list(value.values()), owned)
        elif isinstance(value, Either):
            collect_owned(list(value.options), owned)


def is_keras_base(path: str) -> Optional[str]:
    if path in MODEL_BASES:
        return "model"
    if path in LAYER_BASES:
        return "layer"
    return None


__all__ = ["SubclassHook", "Subclassed", "is_keras_base"]
