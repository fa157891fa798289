"""torch modules: ``nn.Module`` subclasses (``__init__`` collects the layers, ``forward`` runs on a
tensor) and ``nn.Sequential`` containers.

A module runs on the literal example input that reaches it, else on the
``# shapelens: input=(N, 3, 32, 32)`` comment, else on a tensor implied by its first layer (so
channel chains are checked with no input at all).
"""

from __future__ import annotations

import ast
import re
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from ..dims import Dim, Shape, product
from ..interpreter.builtins import extension
from ..interpreter.journal import Either
from ..interpreter.plugins import ClassHook
from ..interpreter.symbols import Symbols
from ..interpreter.layers import flatten_tensors
from ..interpreter.tensors import Tensor, through_opaque
from ..interpreter.values import ArrayValue, BoundMethod, ClassValue, Instance, LayerObj, ModelRecord, NamedValue, QName, Value
from ..report import Span
from ..unknown import Unknown, items_of_unknown_length, unknown_length
from .seeds import standalone_params
from .sharing import with_shared
from .tensors import PASS_THROUGH_METHODS

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import TorchPlugin

# Methods of nn.Module the analysis follows (the rest of the API gives unknown values).
MODULE_METHODS = frozenset({"add_module", "register_module", "register_buffer", "register_parameter"})
# Methods that give back the container they are called on.
PASS_THROUGH = frozenset({"to", "cuda", "cpu", "eval", "train", "float", "double", "half", "requires_grad_"})
# What freezes a module's parameters, or lists them to be frozen (``parameters.py``).
PARAMETER_METHODS = frozenset({"parameters", "named_parameters", "requires_grad_"})
# What changes an nn.Sequential's entries in place.
SEQUENTIAL_CHANGES = frozenset({"add_module", "register_module", "append", "extend", "insert"})
INPUT_COMMENT = re.compile(r"#\s*shapelens:\s*input\s*=\s*\(([^)]*)\)")


def comment_shape(line: str, symbols: Symbols) -> Optional[Shape]:
    """``# shapelens: input=(N, 3, 32, 32)``: numbers, and names that become size symbols."""
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
            dims.append(symbols.named(part, f"`{part}` in the `# shapelens: input=` comment"))
        else:
            return None
    return tuple(dims)


class TorchModuleValue(Value):
    """A module the analysis models as a whole (a ``torchvision.models`` model): applied to a tensor
    where a forward or an ``nn.Sequential`` reaches it, and frozen with ``parameters()``."""

    span: Span

    def forward(self, interp: "Interpreter", tensor: Tensor, call_span: Span) -> object:
        return Tensor(None, "a module the analysis does not model", None, (tensor,))

    def freeze(self, interp: "Interpreter", frozen: bool) -> bool:
        """``requires_grad = not frozen`` on all its parameters; False when that cannot be followed."""
        return False


class TorchSequential(NamedValue):
    """``nn.Sequential(...)``: applied in turn inside a ``forward``, or run as a model of its own."""


    def __init__(self, plugin: "TorchPlugin", span: Span, context: str, entries: list,
                 names: Optional[dict] = None) -> None:
        self.plugin = plugin
        self.span = span
        self.context = context
        self.entries = entries
        self.names: dict = dict(names or {})  # entry by name (``OrderedDict`` keys, ``add_module``)
        self.name = ""
        self.name_spans: list[Span] = []
        self.ran = False
        self.owned = False  # an attribute of a module (it runs as part of that module)
        self.symbols: dict[str, str] = {}  # the size symbols of the scope it is made in (a builder's parameters)

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return self.names[name] if name in self.names else BoundMethod(self, name)

    def truth(self) -> Optional[bool]:
        return None

    def iterate(self) -> Optional[list]:
        return list(self.entries)

    def subscript(self, interp: "Interpreter", index: object) -> object:
        """``features[0]``; ``features[:4]`` is an ``nn.Sequential`` of those entries, as in torch."""
        lost = unknown_length(self.entries)
        if isinstance(index, int) and not isinstance(index, bool) and -len(self.entries) <= index < len(self.entries):
            return items_of_unknown_length(self.entries, index) if lost else self.entries[index]
        if isinstance(index, slice):
            entries = items_of_unknown_length(self.entries, index) if lost else self.entries[index]
            return TorchSequential(self.plugin, self.span, self.context, entries)  # type: ignore[arg-type]
        if isinstance(index, str) and index in self.names:
            return self.names[index]
        return Unknown("an entry of an nn.Sequential the analysis cannot pick")

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if name in SEQUENTIAL_CHANGES:  # on a path the interpreter cannot decide, the paths' entries are joined
            interp.journal.touch(self.entries)
            interp.journal.touch(self.names)
        if name in ("add_module", "register_module") and len(args) == 2:
            if isinstance(args[0], str):
                self.names[args[0]] = args[1]
            self.entries.append(args[1])
            interp.events += 1
            return None
        if name == "append" and len(args) == 1:
            self.entries.append(args[0])
            interp.events += 1
            return self
        if name == "extend" and len(args) == 1:
            self.entries.extend(extension(interp, args[0]))
            interp.events += 1
            return self
        if name == "insert" and len(args) == 2 and isinstance(args[0], int):
            self.entries.insert(args[0], args[1])
            interp.events += 1
            return None
        if name in PARAMETER_METHODS:
            return self.plugin.parameter_method(interp, self, name, args, kwargs, node)
        if name in PASS_THROUGH:
            return self
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
        if not self.ran and first_run(self.plugin, interp, value):
            return self.run(interp, value)
        return self.chain(interp, value)

    def chain(self, interp: "Interpreter", tensor: object) -> object:
        for entry in self.entries:
            if isinstance(entry, LayerObj):
                tensor = interp.layers.apply(entry, [tensor], {}, entry.span) if isinstance(tensor, Tensor) else tensor
            elif isinstance(entry, TorchSequential):
                tensor = entry.chain(interp, tensor)
            elif isinstance(entry, Instance) and isinstance(entry.cls.hook, ModuleHook) and isinstance(tensor, Tensor):
                tensor = entry.cls.hook.forward(interp, entry, [tensor], {})
            elif isinstance(entry, TorchModuleValue) and isinstance(tensor, Tensor):
                tensor = entry.forward(interp, tensor, entry.span)
            elif isinstance(entry, Unknown) and isinstance(tensor, Tensor):
                # a row of its own: its parameters are not known, so neither is the model's total
                stand_in = LayerObj("?", self.span, None, f"an entry of the nn.Sequential is not known: {entry.reason}",
                                    self.plugin)
                tensor = interp.layers.apply(stand_in, [tensor], {}, self.span)
            else:
                tensor = Tensor(None, "an entry of the nn.Sequential is not modelled", None, ())
            if isinstance(tensor, tuple) and tensor and isinstance(tensor[0], Tensor):
                tensor = tensor[0]  # an RNN inside nn.Sequential passes (output, state) on
        return tensor

    def run(self, interp: "Interpreter", tensor: Tensor) -> object:
        self.ran = True
        record = ModelRecord("torch", self.span, self.context, interp.next_model_index(), [], None, self.name,
                             self.name_spans, "nn.Sequential", interp.symbols.scope)
        start = len(interp.layers.nodes)
        with running(self.plugin, interp):
            result = self.chain(interp, tensor)
        record.nodes = interp.layers.nodes[start:]
        record.input_shape = tensor.shape
        count_held(interp, self.plugin, record, self)
        interp.register_model(record)
        return result


def first_run(plugin: "TorchPlugin", interp: "Interpreter", tensor: Tensor) -> bool:
    """Whether a module called on a tensor runs as a model of its own: called outside any other
    module's run (a critic on a generator's output), on a tensor whose sizes are all known (on
    one that is not, the module's own symbolic run tells more)."""
    return not plugin.state(interp).running and tensor.shape is not None and None not in tensor.shape


@contextmanager
def running(plugin: "TorchPlugin", interp: "Interpreter") -> Iterator[None]:
    state = plugin.state(interp)
    state.running += 1
    try:
        yield
    finally:
        state.running -= 1


class ModuleHook(ClassHook):
    """What ``torch.nn.Module`` gives its subclasses."""

    def __init__(self, plugin: "TorchPlugin") -> None:
        self.framework = plugin
        self.plugin = plugin

    def attribute(self, interp: "Interpreter", instance: Instance, name: str) -> object:
        if name in MODULE_METHODS or name in PASS_THROUGH_METHODS or name in PARAMETER_METHODS:
            return BoundMethod(instance, name)
        return super().attribute(interp, instance, name)

    def method(self, interp: "Interpreter", instance: Instance, name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        """``self.add_module("conv2", nn.Conv2d(...))`` / ``register_module``: an attribute by name;
        ``model.to(device)``, ``model.eval()``: the module itself."""
        if name in ("add_module", "register_module") and len(args) == 2 and isinstance(args[0], str):
            interp.journal.touch(instance.attrs, attributes=True)
            instance.attrs[args[0]] = args[1]
            interp.events += 1
            return None
        if name in ("register_buffer", "register_parameter") and len(args) >= 2 and isinstance(args[0], str):
            # `self.register_buffer("pe", pe)`: the tensor is the attribute `self.pe`
            instance.set_attribute(interp, args[0], args[1])
            return None
        if name in PARAMETER_METHODS:
            return self.plugin.parameter_method(interp, instance, name, args, kwargs, node)
        if name in PASS_THROUGH_METHODS:
            return instance
        return super().method(interp, instance, name, args, kwargs, node)

    def on_instance(self, interp: "Interpreter", instance: Instance) -> None:
        state = self.plugin.state(interp)
        state.instantiated.add(instance.cls.node.name)
        state.instances.append(instance)

    def has_forward(self, interp: "Interpreter", instance: Instance) -> bool:
        return interp.classes.method_of(instance.cls, "forward") is not None

    def run_forward(self, interp: "Interpreter", instance: Instance, args: list, kwargs: dict) -> object:
        """The class's ``forward`` on these arguments (a container class may have its own way)."""
        forward = interp.classes.method_of(instance.cls, "forward")
        if forward is None:
            return Unknown(f"`{instance.cls.node.name}` has no forward")
        return interp.call_function(forward, [instance, *args], kwargs, label=None)

    def call_instance(self, interp: "Interpreter", instance: Instance, args: list, kwargs: dict, node: ast.Call) -> object:
        if not self.has_forward(interp, instance) or not args:
            return Unknown(f"an instance of `{instance.cls.node.name}`")
        first = args[0]
        if isinstance(first, ArrayValue):
            tensor = self.as_input(first)
            # the other example arrays (`model(images, lengths)`) are the model's inputs too
            rest = [self.as_input(a) if isinstance(a, ArrayValue) else a for a in args[1:]]
            kwargs = {k: self.as_input(v) if isinstance(v, ArrayValue) else v for k, v in kwargs.items()}
            if self.plugin.state(interp).running:  # data inside another module's forward: part of that model
                return self.run_forward(interp, instance, [tensor, *rest], kwargs)
            if instance.model is not None:
                return Tensor(None, "a second run of the model", None, ())
            tensor.example = interp.span(node.args[0]) if node.args else interp.span(node)
            return self.run(interp, instance, tensor, rest, kwargs)
        if isinstance(first, Tensor):
            if instance.model is None and first_run(self.plugin, interp, first):
                return self.run(interp, instance, first, [*args[1:]], kwargs)
            return self.run_forward(interp, instance, args, kwargs)
        return Unknown(f"an instance of `{instance.cls.node.name}` called on a value that is not a tensor")

    def forward(self, interp: "Interpreter", instance: Instance, args: list, kwargs: dict) -> object:
        return self.run_forward(interp, instance, args, kwargs)

    def as_input(self, array: ArrayValue) -> Tensor:
        """An example array given to a module: a tensor of the model, with the array's notes."""
        tensor = Tensor(array.shape, None, None, (), None, self.plugin)
        tensor.notes = array.notes
        return tensor

    def run(self, interp: "Interpreter", instance: Instance, tensor: Tensor, args: list, kwargs: dict) -> object:
        """The module as a model of its own: ``forward`` on this input, every layer it applies listed."""
        if not self.has_forward(interp, instance):
            return Unknown(f"`{instance.cls.node.name}` has no forward")
        record = ModelRecord("torch", instance.span, interp.context_label(), interp.next_model_index(), [], None,  # type: ignore[arg-type]
                             instance.name or instance.cls.node.name, instance.name_spans, instance.cls.node.name,
                             interp.symbols.scope)
        instance.model = record
        start = len(interp.layers.nodes)
        with running(self.plugin, interp):
            result = self.run_forward(interp, instance, [tensor, *args], kwargs)
        record.nodes = interp.layers.nodes[start:]
        record.input_shape = tensor.shape
        count_held(interp, self.plugin, record, instance)
        if through_opaque(flatten_tensors(result), [tensor]):
            record.held_params = None  # something the analysis does not know may be a layer
        interp.register_model(record)
        return result

    def finish(self, interp: "Interpreter") -> None:
        """Modules and Sequentials that never ran on an example: the comment, else a seeded input."""
        state = self.plugin.state(interp)
        for value in list(interp.module.vars.values()):
            # the file's own classes (an imported class is its own file's to try)
            if isinstance(value, ClassValue) and value.hook is self and value.env is interp.module \
                    and value.node.name not in state.instantiated:
                self.instantiate_open(interp, value)
        owned: set[int] = set()
        for inst in state.instances:
            for value in inst.attrs.values():
                self.own(value, owned)
        for backbone in state.backbones:  # a head put in a torchvision model runs with it
            for _, value in backbone.slots:
                self.own(value, owned)
        for sequential in state.sequentials:
            if id(sequential) in owned:
                sequential.owned = True
        for sequential in state.sequentials:  # what an nn.Sequential holds runs in its chain
            for entry in sequential.entries:
                self.own(entry, owned)
        for sequential in list(state.sequentials):
            if sequential.owned or sequential.ran or not sequential.entries or self.nested(state.sequentials, sequential):
                continue
            with interp.symbols.new_scope() as scope:
                scope.update(sequential.symbols)
                owner = f"`{sequential.name}`" if sequential.name else f"the nn.Sequential at line {sequential.span.start_line + 1}"
                sequential.run(interp, self.seeded(interp, self.declared_input(interp, sequential.span), owner))
        for backbone in list(state.backbones):
            if backbone.applied or id(backbone) in owned or self.nested(state.sequentials, backbone):
                continue
            with interp.symbols.new_scope():
                owner = f"`{backbone.name or backbone.builder}`"
                backbone.run(interp, self.seeded(interp, self.declared_input(interp, backbone.span), owner))
        for instance in list(state.instances):
            if instance.model is not None or id(instance) in owned:
                continue
            with interp.symbols.reopened(state.open_scopes.get(id(instance))):
                tensor = self.seeded(interp, self.declared_input(interp, instance.span, instance.cls),
                                     f"`{instance.name or instance.cls.node.name}`")
                try:
                    self.run(interp, instance, tensor, [], {})
                except Exception:  # noqa: BLE001
                    if interp.strict:
                        raise
                    continue

    def own(self, value: object, owned: set[int]) -> None:
        """A module's attribute runs as part of it: so does what a list, dict or nn.Sequential of
        its holds (the blocks ``_make_layer`` puts in an ``nn.Sequential``)."""
        if id(value) in owned:
            return
        owned.add(id(value))
        items = value.options if isinstance(value, Either) else held_modules(value)
        for item in items:
            self.own(item, owned)

    def instantiate_open(self, interp: "Interpreter", cls: ClassValue) -> None:
        """A module class nobody instantiates: made with its defaults, and a symbol for each
        constructor parameter without one (``num_classes``, ``config`` whose ``config.n_embd`` is a size).
        The instance is run later, in the same scope of symbols."""
        init = interp.classes.method_of(cls, "__init__")
        required = interp.classes.required_names(init, skip_self=True) if init is not None else []
        scope = interp.symbols.new_scope()
        symbols = scope.__enter__()
        try:
            kwargs = {p: interp.symbols.named(p, f"parameter `{p}` of {cls.node.name}") for p in required}
            instance = interp.classes.instantiate(cls, [], kwargs, cls.node)
            self.plugin.state(interp).open_scopes[id(instance)] = symbols
        except Exception:  # noqa: BLE001 - a class that does odd things in __init__
            if interp.strict:
                raise
        finally:
            scope.__exit__(None, None, None)

    def seeded(self, interp: "Interpreter", shape: Optional[Shape], owner: str) -> Tensor:
        tensor = Tensor(shape, None if shape else "no example input", None, (), None, self.plugin)
        tensor.seed = f"no input is given to {owner}" if shape is None else None
        return tensor

    @staticmethod
    def nested(sequentials: list, sequential: TorchSequential) -> bool:
        return any(sequential in other.entries for other in sequentials if other is not sequential)

    @staticmethod
    def declared_input(interp: "Interpreter", span: Optional[Span], cls: Optional[ClassValue] = None) -> Optional[Shape]:
        """The ``# shapelens: input=(...)`` comment on the model's line or its class's."""
        candidates: list[tuple[Span, int]] = []  # (a span in the file, a line of that file)
        if span is not None:
            candidates += [(span, span.start_line), (span, span.end_line)]
        if cls is not None:
            class_span = interp.span(cls.node)
            candidates.append((class_span, class_span.start_line))
        for where, line in candidates:
            lines = interp.lines_of(where)
            if 0 <= line < len(lines):
                shape = comment_shape(lines[line], interp.symbols)
                if shape is not None:
                    return shape
        return None


class OpaqueModule(Value):
    """A module the analysis holds but does not model (a slice of a torchvision model's body): the
    parameters of a model that holds one are not known."""


class HeldParameter(ArrayValue):
    """A parameter a module holds itself, outside any layer (``self.cls_token = nn.Parameter(...)``):
    it counts in the model's total. What is computed from it is a plain array."""

    __slots__ = ()


class UnknownParameter(Unknown):
    """A parameter a module holds whose data's shape is not known (``nn.Parameter(load_matrix())``):
    the model's total is not known either."""

    __slots__ = ()


def held_modules(value: object) -> Iterable:
    """What a container of modules holds: a list's or tuple's items, a dict's values, an
    ``nn.Sequential``'s entries; nothing for anything else."""
    if isinstance(value, dict):
        return value.values()
    if isinstance(value, (list, tuple)):
        return value
    return value.entries if isinstance(value, TorchSequential) else ()


def held_parameters(root: object, registered: dict[int, object]) -> Optional[tuple[list[HeldParameter], list[LayerObj], list[LayerObj]]]:
    """The parameters a module and the modules it holds keep outside any layer, the layers they
    hold, each once, and the layers held only in plain lists, tuples and dicts (``registered``: the
    ids of the lists and dicts that are ``nn.ModuleList``s and ``nn.ModuleDict``s), which torch does
    not register and does not count. None when it holds modules of an unknown number (their layers
    may hold more than the table shows), or an instance of a class of the program deriving from one
    of torch's layers (``class CausalConv1d(nn.Conv1d)``: its parameters are not followed)."""
    found: dict[int, HeldParameter] = {}
    layers: dict[int, LayerObj] = {}
    plain: dict[int, LayerObj] = {}
    seen: set[tuple[int, bool]] = set()
    stack: list[tuple[object, bool]] = [(root, True)]
    while stack:
        value, counted = stack.pop()
        if (id(value), counted) in seen:
            continue
        seen.add((id(value), counted))
        if isinstance(value, HeldParameter):
            if counted:
                found[id(value)] = value
        elif isinstance(value, UnknownParameter):
            if counted:
                return None
        elif isinstance(value, LayerObj):
            (layers if counted else plain)[id(value)] = value
        elif isinstance(value, OpaqueModule):
            if counted:
                return None
        elif isinstance(value, Instance):
            if counted and derives_from_layer(value.cls):
                return None
            stack.extend((item, counted) for item in value.attrs.values())
        elif isinstance(value, (list, tuple, dict)):
            if counted and unknown_length(value):
                return None  # modules of an unknown number (`nn.ModuleDict` of a config read at run time)
            inner = counted and value.__class__ is not tuple and id(value) in registered
            stack.extend((item, inner) for item in held_modules(value))
        else:
            stack.extend((item, counted) for item in held_modules(value))
    return list(found.values()), list(layers.values()), [layer for key, layer in plain.items() if key not in layers]


def derives_from_layer(cls: ClassValue) -> bool:
    """A class of the program deriving, at any depth, from one of torch's layer classes: from a
    ``torch.nn`` class that gives it no class hook (``nn.Module`` and the containers give theirs)."""
    if cls.hook is not None:
        return False
    return any((isinstance(base, QName) and base.path.startswith("torch.nn."))
               or (isinstance(base, ClassValue) and derives_from_layer(base)) for base in cls.bases)


def count_held(interp: "Interpreter", plugin: "TorchPlugin", record: ModelRecord, root: object) -> None:
    """A model's parameters outside its layers' rows: those its modules hold themselves, and those of
    the layers it holds that its forward did not apply (torch counts both), less those of the
    layers it applied from plain lists and dicts or made in its forward without keeping them (torch
    does not count them); kept for how many end up frozen."""
    state = plugin.state(interp)
    found = held_parameters(root, state.registered)
    if found is None:
        record.held_params = None
        return
    held, layers, plain = found
    sizes: list[Dim] = [product(p.shape) if all(isinstance(d, int) for d in p.shape) else None for p in held]
    applied: dict[int, Dim] = {id(node.layer): node.result.params for node in record.nodes}
    unreached = [layer for layer in layers if id(layer) not in applied]
    sizes += [standalone_params(layer) for layer in unreached]
    kept = {id(layer) for layer in layers}
    loose = {id(layer) for layer in plain}
    unregistered = [params for key, params in applied.items()
                    if key in loose or (key in state.made_running and key not in kept)]
    if None in sizes or None in unregistered:
        record.held_params = None
        return
    record.held_params = with_shared(sum(sizes) - sum(unregistered), state, record.nodes)  # type: ignore[arg-type]
    record.held = (*held, *unreached)
