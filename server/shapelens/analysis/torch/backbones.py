"""A ``torchvision.models`` model as the analysis follows it: what ``models.resnet18(...)`` builds.

It behaves like the real module where transfer learning touches it: its head layers are
attributes (``model.fc.in_features``, ``model.classifier[-1]``, ``model.heads.head``) that can be
replaced by assignment, ``model.features`` is the body, ``parameters()`` freezes it, and calling it
runs its forward. In the report, each consecutive run of layers the builder made is one layer at
the builder call, whose class is the builder's name; every head layer the user put in is its own
layer, applied by its own rule. Changing anything else (``model.conv1 = ...``) leaves a model the
analysis no longer knows: its output is unknown, with the reason.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable, Optional

from ..interpreter.journal import Either
from ..interpreter.tensors import Tensor
from ..interpreter.values import ArrayValue, BoundMethod, Instance, LayerObj, ModelRecord, NamedValue, Value
from ..report import Span
from ..rules import Args, LayerSpec
from ..unknown import Unknown
from .modules import ModuleHook, OpaqueModule, TorchModuleValue, TorchSequential
from .parameters import ParametersValue, freeze, requires_grad_flag, set_requires_grad
from .rules import TORCH_RULES
from .rules.backbone import BACKBONE_RUN, HEAD_RULES, STEPS, Body, step_shape
from .torchvision_models import FAMILIES, HeadLayer, TorchvisionModel

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import TorchPlugin

SAME_MODULE = frozenset({"to", "cuda", "cpu", "float", "double", "half", "share_memory", "zero_grad"})
CONSTRUCTION_ONLY = frozenset({"inplace"})
# Attributes that read a layer's constructor arguments: of a layer inside the body they are not known.
BODY_LAYER_ARGUMENTS = frozenset({"in_features", "out_features", "in_channels", "out_channels", "kernel_size", "stride",
                                  "padding", "weight", "bias", "num_features", "p"})


class BuilderLayer(LayerObj):
    """A head layer the builder made (``model.fc``): a layer of the builder's call, whose
    attributes are the library's (``in_features``)."""

    __slots__ = ("owner", "head")

    def __init__(self, owner: "TorchvisionModule", head: HeadLayer) -> None:
        rule = TORCH_RULES.get(head.kind) or HEAD_RULES[head.kind]
        values = {k: v for k, v in head.attributes.items() if k not in CONSTRUCTION_ONLY}
        spec = LayerSpec(rule, rule.bind((), values), head.path)
        super().__init__(owner.builder, owner.span, spec, None, owner.plugin, None, (owner.note,), head.path)
        self.owner = owner
        self.head = head

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name in self.head.attributes:
            return self.head.attributes[name]
        return super().attribute(interp, name)


class BackboneRun(LayerObj):
    """Consecutive layers of one builder call, applied as one layer: the body and the head layers
    the builder made, up to one the user replaced."""

    __slots__ = ("owner", "members")

    def __init__(self, owner: "TorchvisionModule", members: tuple, parts: tuple, label: str) -> None:
        spec = LayerSpec(BACKBONE_RUN, Args(owner.builder, {"parts": parts}), owner.builder)
        super().__init__(owner.builder, owner.span, spec, None, owner.plugin, None, (owner.note,), label)
        self.owner = owner
        self.members = members  # the module itself (for its body) and the BuilderLayers

    def trainable_count(self, frozen: dict[int, bool]) -> object:
        count: object = 0
        for member in self.members:
            if isinstance(member, TorchvisionModule):
                part = member.trainable_body()
            else:
                part = 0 if frozen.get(id(member)) else member.head.params
            count = None if count is None or part is None else count + part  # type: ignore[operator]
        return count


class TorchvisionModule(NamedValue, TorchModuleValue):
    """What a ``torchvision.models`` builder call returns."""


    def __init__(self, plugin: "TorchPlugin", model: TorchvisionModel, span: Span, context: str,
                 stem: tuple[tuple[int, ...], int], transform_input: bool, aux_logits: bool) -> None:
        self.plugin = plugin
        self.model = model
        self.span = span
        self.context = context
        self.stem = stem
        self.transform_input = transform_input
        self.aux_logits = aux_logits  # googlenet / inception_v3: the forward of training mode returns them too
        self.aux_removed: set[str] = set()  # auxiliary classifiers set to None
        self.aux_replaced = False  # an auxiliary classifier (or a layer of one) was replaced
        self.family = FAMILIES[model.family]
        self.note = f"{model.builder} backbone"
        self.slots: list[list] = [[head.path, BuilderLayer(self, head)] for head in model.head]
        self.unknown: Optional[str] = None  # why the module is no longer the builder's
        self.training: Optional[bool] = True  # a new module trains; None: not known
        self.body_frozen = False
        self.aux_frozen = False
        self.runs: dict[tuple, BackboneRun] = {}
        self.stand_ins: dict[str, LayerObj] = {}  # why a forward is not followed → its row
        self.name = ""
        self.name_spans: list[Span] = []
        self.ran = False  # run as a model of its own
        self.applied = False  # applied to a tensor, as a model or inside one

    @property
    def builder(self) -> str:
        return self.model.builder

    @property
    def aux_params(self) -> Optional[int]:
        """Of the auxiliary classifiers it still has; None when that is not known."""
        if self.aux_replaced or (self.aux_removed and set(self.family.aux_modules) - self.aux_removed):
            return None
        return 0 if self.aux_removed else self.model.aux_params

    def truth(self) -> Optional[bool]:
        return True

    # --- attributes: the head, the body, the rest ---

    def attribute(self, interp: "Interpreter", name: str) -> object:
        family = self.family
        if name in ("parameters", "named_parameters", "requires_grad_", "eval", "train", "forward", "children",
                    "named_children", "modules", "named_modules", "add_module", "register_module") or name in SAME_MODULE:
            return BoundMethod(self, name)
        if name in family.head_modules:
            return self.head_value(name)
        if name in family.aux_modules:
            return None if name in self.aux_removed or not self.model.aux_params else ModulePart(self, name, aux=True)
        if name == "aux_logits" and family.aux_modules:
            return self.aux_logits
        if name == "transform_input" and family.aux_modules:
            return self.transform_input
        if name == "training":
            return self.training if self.training is not None else Unknown("whether the model is in training mode")
        if name == family.body and name == "features":  # the whole body is one child
            return BodyModule(self)
        return ModulePart(self, name)

    def head_value(self, prefix: str) -> object:
        """``model.<prefix>``: a head layer, a layer the user put there, or a container of them."""
        for path, value in self.slots:
            if path == prefix:
                return value
        return HeadContainer(self, prefix) if self.children_of(prefix) else Unknown(f"`{prefix}` is not known")

    def children_of(self, prefix: str) -> list[list]:
        return [slot for slot in self.slots if slot[0].startswith(prefix + ".") and "." not in slot[0][len(prefix) + 1:]]

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        family = self.family
        interp.events += 1
        if name in family.head_modules:
            self.replace(name, value)
        elif name in family.aux_modules:
            if value is None:
                self.aux_removed.add(name)
            else:
                self.aux_replaced = True
        elif name == "aux_logits" and isinstance(value, bool):
            self.aux_logits = value
        elif name == "transform_input" and isinstance(value, bool):
            self.transform_input = value
        elif is_module_like(value):
            self.changed(f"`{name}` of {self.builder} was replaced (Shape Lens follows replaced head layers only)")

    def replace(self, path: str, value: object) -> None:
        """``model.<path> = value``: the head layers under ``path`` give way to ``value``."""
        positions = [i for i, slot in enumerate(self.slots) if slot[0] == path or slot[0].startswith(path + ".")]
        if not positions:
            self.changed(f"`{path}` of {self.builder} was replaced")
            return
        first = positions[0]
        self.slots = [slot for i, slot in enumerate(self.slots) if i not in positions]
        self.slots.insert(first, [path, value])

    def changed(self, reason: str) -> None:
        if self.unknown is None:
            self.unknown = reason

    # --- methods ---

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if name in ("parameters", "named_parameters"):
            return ParametersValue([self], name == "named_parameters")
        if name == "requires_grad_":
            set_requires_grad(interp, [self], requires_grad_flag(args, kwargs), interp.span(node))
            return self
        if name in ("eval", "train"):
            mode = False if name == "eval" else (args[0] if args else kwargs.get("mode", True))
            self.training = mode if isinstance(mode, bool) and not interp.uncertain else None
            return self
        if name in SAME_MODULE:
            return self
        if name == "forward":
            return self.call(interp, args, kwargs, node)
        if name in ("add_module", "register_module") and len(args) == 2 and isinstance(args[0], str):
            self.set_attribute(interp, args[0], args[1])
            return None
        if name in ("children", "named_children", "modules", "named_modules"):
            return Unknown(f"the submodules of {self.builder} are not listed one by one by Shape Lens (for a feature "
                           f"extractor, replace its head: `model.{self.family.head_modules[-1]} = nn.Identity()`)")
        return Unknown(f"the result of `.{name}(...)` of {self.builder}")

    def freeze(self, interp: "Interpreter", frozen: bool) -> bool:
        if self.unknown is not None:
            return False
        self.body_frozen = self.aux_frozen = frozen
        return all([freeze(interp, value, frozen) for _, value in self.slots]) and self.aux_params is not None

    def trainable_body(self) -> object:
        body = 0 if self.body_frozen else self.model.body_params
        if self.aux_params is None:
            return None
        return body + (0 if self.aux_frozen else self.aux_params)

    # --- calls ---

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        if not args:
            return Unknown(f"{self.builder} called without an input")
        value = args[0]
        if isinstance(value, ArrayValue):
            if self.ran:
                return Tensor(None, "a second run of the model", None, ())
            return self.run(interp, example_input(interp, value, node, self.plugin))
        if not isinstance(value, Tensor):
            return Unknown(f"{self.builder} called on a value that is not a tensor")
        return self.forward(interp, value, interp.span(node))

    def run(self, interp: "Interpreter", tensor: Tensor) -> object:
        """The model as a model of its own, on this input."""
        self.ran = True
        return self.record_run(interp, tensor, self.forward, self.name)

    def record_run(self, interp: "Interpreter", tensor: Tensor, forward: Callable[..., object], name: str) -> object:
        """``forward`` on an input of its own (a literal array): a model of the report."""
        record = ModelRecord("torch", self.span, self.context, interp.next_model_index(), [], None, name,
                             self.name_spans if name == self.name else [], self.builder, interp.symbols.scope)
        start = len(interp.layers.nodes)
        result = forward(interp, tensor, self.span)
        record.nodes = interp.layers.nodes[start:]
        record.input_shape = tensor.shape
        interp.register_model(record)
        return result

    def forward(self, interp: "Interpreter", tensor: Tensor, call_span: Span) -> object:
        self.applied = True
        if self.unknown is not None:
            return self.not_followed(interp, tensor, self.unknown, call_span)
        if self.aux_logits and self.training is not False:
            mode = "in training mode" if self.training else "perhaps in training mode"
            return self.not_followed(interp, tensor, f"{self.builder} {mode} returns its auxiliary logits too (a named "
                                                     f"tuple); call `model.eval()` or build it with aux_logits=False",
                                     call_span)
        items: list[tuple[str, object]] = [("body", self)]
        for step in self.family.head:
            if step in STEPS:
                items.append(("step", step))
            else:
                items += [(path, value) for path, value in self.slots if path == step or path.startswith(step + ".")]
        return self.apply(interp, items, tensor, call_span)

    def not_followed(self, interp: "Interpreter", tensor: Tensor, reason: str, call_span: Span) -> object:
        """A forward the analysis cannot follow: one row at the builder call whose output and
        parameters are unknown, so that no count is given for the model either."""
        if reason not in self.stand_ins:
            self.stand_ins[reason] = LayerObj(self.builder, self.span, None, reason, self.plugin, None, (self.note,))
        return interp.layers.apply(self.stand_ins[reason], [tensor], {}, call_span)

    def apply(self, interp: "Interpreter", items: list[tuple[str, object]], tensor: object, call_span: Span) -> object:
        """The items in forward order: consecutive builder items (and the steps between them) as
        one layer; steps after the last of them as functions; the user's modules by their rules."""
        self.applied = True
        group: list[tuple[str, object]] = []
        steps: list[str] = []
        for kind, value in items:
            if kind == "step":
                steps.append(value)  # type: ignore[arg-type]
            elif value is self or (isinstance(value, BuilderLayer) and value.owner is self):
                if group:
                    group += [("step", step) for step in steps]
                else:
                    tensor = apply_steps(tensor, steps, self.plugin)
                steps = []
                group.append((kind, value))
            else:
                tensor = apply_steps(self.apply_group(interp, group, tensor, call_span), steps, self.plugin)
                group, steps = [], []
                tensor = apply_module(interp, value, tensor)
        return apply_steps(self.apply_group(interp, group, tensor, call_span), steps, self.plugin)

    def apply_group(self, interp: "Interpreter", group: list[tuple[str, object]], tensor: object,
                    call_span: Span) -> object:
        if not group or not isinstance(tensor, Tensor):
            return tensor
        run = self.run_layer(group)
        return interp.layers.apply(run, [tensor], {}, call_span)

    def run_layer(self, group: list[tuple[str, object]]) -> BackboneRun:
        """One layer per distinct group (a model called twice applies the same layer twice)."""
        key = tuple(id(value) if kind != "step" else value for kind, value in group) + (self.aux_params, self.transform_input)
        if key not in self.runs:
            parts: list = []
            members: list = []
            labels: list[str] = []
            for kind, value in group:
                if kind == "step":
                    parts.append(value)
                elif value is self:
                    parts.append(Body(self.model, self.stem, self.transform_input, self.aux_params))
                    members.append(self)
                    labels.append("body")
                else:
                    parts.append(value.spec)  # type: ignore[union-attr]
                    members.append(value)
                    labels.append(kind)
            label = labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
            self.runs[key] = BackboneRun(self, tuple(members), tuple(parts), label)
        return self.runs[key]


class HeadContainer(Value):
    """``model.classifier``: the head layers under one name, as torch's ``nn.Sequential`` holds them."""

    def __init__(self, module: TorchvisionModule, prefix: str) -> None:
        self.module = module
        self.prefix = prefix

    def children(self) -> list[list]:
        return self.module.children_of(self.prefix)

    def subscript(self, interp: "Interpreter", index: object) -> object:
        slot = self.slot(index)
        return slot[1] if slot is not None else Unknown(f"`{self.prefix}[{index!r}]` is not known")

    def slot(self, index: object) -> Optional[list]:
        children = self.children()
        if isinstance(index, int) and not isinstance(index, bool) and -len(children) <= index < len(children):
            return children[index]
        if isinstance(index, str):
            return next((slot for slot in children if slot[0] == f"{self.prefix}.{index}"), None)
        return None

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name in ("parameters", "named_parameters", "requires_grad_"):
            return BoundMethod(self, name)
        slot = self.slot(name)
        return slot[1] if slot is not None else BoundMethod(self, name)

    def set_item(self, interp: "Interpreter", key: object, value: object) -> None:
        slot = self.slot(key)
        interp.events += 1
        if slot is None:
            self.module.changed(f"`{self.prefix}[{key!r}]` of {self.module.builder} was set")
        else:
            slot[1] = value

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        self.set_item(interp, name, value)

    def iterate(self) -> Optional[list]:
        return [value for _, value in self.children()]

    def length(self) -> object:
        return len(self.children())

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        values = [value for _, value in self.children()]
        if name in ("parameters", "named_parameters"):
            return ParametersValue(values, name == "named_parameters")
        if name == "requires_grad_":
            set_requires_grad(interp, values, requires_grad_flag(args, kwargs), interp.span(node))
            return self
        self.module.changed(f"`{self.prefix}.{name}(...)` changed {self.module.builder}'s head")
        return Unknown(f"the result of `{self.prefix}.{name}(...)`")

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        if not args or not isinstance(args[0], Tensor):
            return Unknown(f"`{self.prefix}` called on a value that is not a tensor")
        return self.module.apply(interp, [(slot[0], slot[1]) for slot in self.children()], args[0], interp.span(node))


class BodyModule(TorchModuleValue):
    """``model.features`` of the models whose body is that one child (vgg, mobilenet, efficientnet,
    densenet, convnext, squeezenet, swin)."""

    def __init__(self, module: TorchvisionModule) -> None:
        self.module = module
        self.span = module.span

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name in ("parameters", "named_parameters", "requires_grad_"):
            return BoundMethod(self, name)
        return ModulePart(self.module, "features").attribute(interp, name)

    def subscript(self, interp: "Interpreter", index: object) -> object:
        return ModulePart(self.module, f"features[{index!r}]")

    def set_item(self, interp: "Interpreter", key: object, value: object) -> None:
        self.module.changed(f"`features[{key!r}]` of {self.module.builder} was replaced (Shape Lens follows replaced "
                            f"head layers only)")

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        if is_module_like(value):
            self.module.changed(f"`features.{name}` of {self.module.builder} was replaced")

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        module = self.module
        if name in ("parameters", "named_parameters"):
            return ParametersValue([self], name == "named_parameters")
        if name == "requires_grad_":
            set_requires_grad(interp, [self], requires_grad_flag(args, kwargs), interp.span(node))
            return self
        return ModulePart(module, "features").method(interp, name, args, kwargs, node)

    def freeze(self, interp: "Interpreter", frozen: bool) -> bool:
        if self.module.unknown is not None:
            return False
        self.module.body_frozen = frozen
        return True

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        if args and isinstance(args[0], ArrayValue):
            module = self.module
            name = f"{module.name or module.builder}.features"
            return module.record_run(interp, example_input(interp, args[0], node, module.plugin), self.forward, name)
        if not args or not isinstance(args[0], Tensor):
            return Unknown("`features` called on a value that is not a tensor")
        return self.forward(interp, args[0], interp.span(node))

    def forward(self, interp: "Interpreter", tensor: Tensor, call_span: Span) -> object:
        module = self.module
        if module.unknown is not None:
            return module.not_followed(interp, tensor, module.unknown, call_span)
        return module.apply(interp, [("body", module)], tensor, call_span)


class ModulePart(OpaqueModule):
    """A submodule of the body (``model.layer4``, ``model.features[0]``) or an auxiliary
    classifier: not modelled one layer at a time. Replacing something in it leaves a model the
    analysis no longer knows (or, for an auxiliary classifier, a parameter count)."""

    def __init__(self, module: TorchvisionModule, path: str, aux: bool = False) -> None:
        self.module = module
        self.path = path
        self.aux = aux

    def reason(self) -> str:
        return f"`{self.path}` of {self.module.builder} is not modelled layer by layer"

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name in BODY_LAYER_ARGUMENTS:
            return Unknown(self.reason())
        return ModulePart(self.module, f"{self.path}.{name}", self.aux)

    def subscript(self, interp: "Interpreter", index: object) -> object:
        return ModulePart(self.module, f"{self.path}[{index!r}]", self.aux)

    def mutated(self, what: str) -> None:
        if self.aux:
            self.module.aux_replaced = True
        else:
            self.module.changed(f"`{what}` of {self.module.builder} was replaced (Shape Lens follows replaced head "
                                f"layers only)")

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        if is_module_like(value):
            self.mutated(f"{self.path}.{name}")

    def set_item(self, interp: "Interpreter", key: object, value: object) -> None:
        self.mutated(f"{self.path}[{key!r}]")

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        tensors = tuple(a for a in args if isinstance(a, Tensor))
        return Tensor(None, self.reason(), None, tensors) if tensors else Unknown(self.reason())

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if name in SAME_MODULE or name in ("eval", "train", "requires_grad_"):
            return self  # (requires_grad_ here is not followed: the trainable count stays unknown)
        return Unknown(self.reason())


def example_input(interp: "Interpreter", value: ArrayValue, node: ast.Call, plugin: "TorchPlugin") -> Tensor:
    """A literal array given to a model: its example input."""
    tensor = Tensor(value.shape, None, None, (), None, plugin)
    tensor.example = interp.span(node.args[0]) if node.args else interp.span(node)
    tensor.notes = value.notes
    return tensor


def is_module_like(value: object) -> bool:
    """A value that may be a module (setting it as an attribute registers it)."""
    if isinstance(value, (LayerObj, TorchSequential, TorchModuleValue, Unknown, Either)):
        return True
    return isinstance(value, Instance) and isinstance(value.cls.hook, ModuleHook)


def apply_steps(tensor: object, steps: list[str], plugin: "TorchPlugin") -> object:
    """The functional steps of a forward (``torch.flatten(x, 1)``) on a tensor."""
    for step in steps:
        if not isinstance(tensor, Tensor):
            return tensor
        if tensor.shape is None:
            tensor = Tensor(None, tensor.reason, None, (tensor,))
            continue
        shape = step_shape(step, tensor.shape)
        reason = None if shape is not None else f"{step} on {tensor.shape} is not modelled"
        tensor = Tensor(shape, reason, None, (tensor,), None, plugin)
    return tensor


def apply_module(interp: "Interpreter", value: object, tensor: object) -> object:
    """A module the user put in a torchvision model's head, on the tensor that reaches it."""
    if not isinstance(tensor, Tensor):
        return tensor
    if isinstance(value, LayerObj):
        return interp.layers.apply(value, [tensor], {}, value.span)
    if isinstance(value, TorchSequential):
        return value.chain(interp, tensor)
    if isinstance(value, TorchModuleValue):
        return value.forward(interp, tensor, value.span)
    if isinstance(value, Instance) and isinstance(value.cls.hook, ModuleHook):
        return value.cls.hook.forward(interp, value, [tensor], {})
    if isinstance(value, Unknown):
        return Tensor(None, value.reason, None, (tensor,))
    return Tensor(None, "a value in the model's head that is not a module", None, (tensor,))
