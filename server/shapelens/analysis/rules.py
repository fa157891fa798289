"""What a layer rule is, for every framework: a row (class name, argument order and defaults,
rank) that names the family function computing output shape, parameter count and arithmetic.

The rows and families themselves live in each framework's package (``keras/rules``,
``torch/rules``); the formulas they share live in ``shapes.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, NamedTuple, Optional, Sequence, Union

from .dims import Dim, OutputShape, Shape, compare
from .symbolic import Sym
from .unknown import NamedUnknown, Unknown, keyword_arguments, known_keywords


class UnknownArgument(Exception):
    """A rule cannot compute its output because an argument is not a constant."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ShapeError(Exception):
    """What the real library would reject. ``code`` is the diagnostic code, ``data`` helps quick fixes."""

    def __init__(self, code: str, message: str, **data: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


@dataclass(frozen=True)
class Requirement:
    """What the sizes must satisfy for a layer not to fail: ``expression relation bound``
    (``H-4 >= 1``, ``16*((H-4)//2) == 400``), with a few words on why."""

    expression: Sym
    relation: str  # ">=" or "=="
    bound: int
    why: str = ""
    code: str = ""  # the diagnostic when no size satisfies it (an equation the layer checks)

    def holds(self, values: Mapping[str, int]) -> bool:
        value = self.expression.evaluate(values)
        return value >= self.bound if self.relation == ">=" else value == self.bound

    def python(self) -> str:
        return f"{self.expression.python()} {self.relation} {self.bound}"


def at_least(value: Dim, bound: int, why: str) -> tuple[Requirement, ...]:
    """The requirement ``value >= bound`` when it depends on the sizes (none when it is decided)."""
    if isinstance(value, Sym) and compare(value, ">=", bound) is None:
        return (Requirement(value, ">=", bound, why),)
    return ()


def equal_to(value: Dim, bound: Dim, why: str, code: str) -> tuple[Requirement, ...]:
    """The requirement ``value == bound`` when it depends on the sizes; ``code`` is the
    diagnostic when no size satisfies it."""
    if compare(value, "==", bound) is not None or value is None or bound is None:
        return ()
    if isinstance(value, Sym) and isinstance(bound, int):
        return (Requirement(value, "==", bound, why, code),)
    if isinstance(bound, Sym) and isinstance(value, int):  # a layer sized by a symbol, on a known input
        return (Requirement(bound, "==", value, why, code),)
    difference = value - bound
    if not isinstance(difference, Sym):
        return ()
    return (Requirement(difference, "==", 0, why, code),)


def fits(layer: str, open_axes: Sequence[tuple[str, Sym]]) -> tuple[Requirement, ...]:
    """A window layer's axes whose output must be at least 1 (``shapes.Axes.open``)."""
    return tuple(Requirement(size, ">=", 1, f"{layer} {axis}") for axis, size in open_axes)


class Applied(NamedTuple):  # a NamedTuple: built for every layer application, so cheap to make
    output: OutputShape
    params: Dim
    arithmetic: tuple[str, ...] = ()
    warnings: tuple[tuple[str, str], ...] = ()  # (code, message)
    requires: tuple[Requirement, ...] = ()  # what the sizes must satisfy (symbolic inputs only)
    non_trainable: Dim = 0  # of ``params``, those training never changes (BatchNormalization's moving statistics)


def is_int(value: object) -> bool:
    return type(value) is int or (isinstance(value, int) and not isinstance(value, bool))


class Args:
    """Bound constructor arguments with typed accessors that raise on unknown values."""

    __slots__ = ("class_name", "values")

    def __init__(self, class_name: str, values: Mapping[str, object]) -> None:
        self.class_name = class_name
        self.values = dict(values)

    @classmethod
    def taking(cls, class_name: str, values: dict[str, object]) -> "Args":
        """Arguments over a dict made for them alone (kept, not copied: a layer binds one per call)."""
        args = cls.__new__(cls)
        args.class_name = class_name
        args.values = values
        return args

    def raw(self, name: str) -> object:
        value = self.values.get(name)
        if isinstance(value, Unknown):
            raise UnknownArgument(f"argument `{name}` of {self.class_name} is not a constant ({value.reason})")
        return value

    def int(self, name: str) -> int:
        value = self.raw(name)
        if not is_int(value):
            raise UnknownArgument(f"argument `{name}` of {self.class_name} is not an integer: {value!r}")
        return value  # type: ignore[return-value]

    def size(self, name: str) -> Union[int, Sym]:
        """A count of units, filters, channels or features: an integer, or a symbolic size
        (``num_classes`` when a function leaves it open)."""
        value = self.values.get(name)
        if isinstance(value, NamedUnknown):
            return Sym.symbol(value.name)
        value = self.raw(name)
        if isinstance(value, Sym):
            return value
        return self.int(name)

    def optional_int(self, name: str) -> Optional[int]:
        return None if self.raw(name) is None else self.int(name)

    def ints(self, name: str, rank: int) -> tuple[int, ...]:
        """An int-or-tuple argument (``kernel_size=3`` or ``(3, 3)``) as a tuple of ``rank`` ints."""
        value = self.raw(name)
        if is_int(value):
            return (value,) * rank  # type: ignore[return-value]
        if isinstance(value, (tuple, list)) and len(value) == rank:
            if all(is_int(v) for v in value):
                return tuple(value)
            raise UnknownArgument(f"argument `{name}` of {self.class_name} is not a constant: {value!r}")
        if isinstance(value, (tuple, list)) and len(value) == 1 and isinstance(value[0], int):
            return (value[0],) * rank
        raise UnknownArgument(f"argument `{name}` of {self.class_name} has an unexpected value {value!r}")

    def pairs(self, name: str, rank: int) -> tuple[tuple[int, int], ...]:
        """Padding/cropping: ``1``, ``(1, 2)`` per axis, or ``((1, 1), (2, 2))``."""
        value = self.raw(name)
        if isinstance(value, int):
            return ((value, value),) * rank
        if isinstance(value, (tuple, list)):
            if rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
                return ((value[0], value[1]),)
            if len(value) == rank:
                out = []
                for item in value:
                    if isinstance(item, int):
                        out.append((item, item))
                    elif isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(v, int) for v in item):
                        out.append((item[0], item[1]))
                    else:
                        raise UnknownArgument(f"argument `{name}` of {self.class_name} is not a constant")
                return tuple(out)
        raise UnknownArgument(f"argument `{name}` of {self.class_name} has an unexpected value {value!r}")

    def str(self, name: str) -> str:
        value = self.raw(name)
        if not isinstance(value, str):
            raise UnknownArgument(f"argument `{name}` of {self.class_name} is not a string: {value!r}")
        return value

    def optional_str(self, name: str) -> Optional[str]:
        return None if self.raw(name) is None else self.str(name)

    def bool(self, name: str) -> bool:
        return bool(self.raw(name))

    def flag(self, name: str, default: bool = True) -> Optional[bool]:
        """A switch that decides a parameter count (``bias``, ``use_bias``); None when it is not a
        constant (``bias=use_bias`` set on a path the analysis cannot decide): the count is then unknown
        while the shape is not."""
        value = self.values.get(name, default)
        if value is None or isinstance(value, (bool, int, float, str)):
            return bool(value)
        return None

    def layer(self, name: str) -> "LayerSpec":
        value = self.raw(name)
        value = getattr(value, "spec", value)  # a constructed layer object carries its spec
        if not isinstance(value, LayerSpec):
            raise UnknownArgument(f"argument `{name}` of {self.class_name} is not a known layer")
        return value


Family = Callable[["LayerRule", Args, list], Applied]


@dataclass(frozen=True)
class LayerRule:
    name: str
    family: Family
    args: tuple[str, ...]  # positional order, as in the library's __init__
    defaults: Mapping[str, object] = field(default_factory=dict)
    rank: int = 0  # spatial rank of conv / pooling / padding layers
    aliases: tuple[str, ...] = ()
    merge: bool = False  # called on a list of tensors
    # The input axis whose size is baked into the weights at build time: a later call with a
    # different size fails (Keras' InputSpec axes check).
    weight_axis: Optional[int] = None
    window: bool = False  # slides a window over a feature map (conv, pooling)
    shrinks: bool = False  # makes a feature map smaller (windows, cropping)
    keeps_map: bool = False  # keeps the feature map's spatial size (activations, normalization)
    ndim: int = 0  # the input rank the layer needs (conv, pooling, padding), 0 if it takes several
    role: str = ""  # what quick fixes look for: "dense" (a fully connected layer), "flatten"
    lazy_form: str = ""  # the class that infers this one's input size at its first call
    # Keyword arguments of a call (not of the constructor) that change what the call gives
    # (Keras' ``return_attention_scores``): the rule reads them with the constructor's.
    call_args: tuple[str, ...] = ()
    # The library version whose behaviour the row follows (an object of the framework's own; Keras
    # has a table of rows per major version). Neutral code never looks inside.
    dialect: object = None

    def apply(self, args: Args, inputs: list[Shape]) -> Applied:
        return self.family(self, args, inputs)

    def bind(self, positional: Sequence[object], keywords: Mapping[str, object]) -> Args:
        lost = keyword_arguments(keywords)  # type: ignore[arg-type]
        if lost is None:
            values = dict(self.defaults)
        else:  # `Dense(**config)`: an argument not given otherwise may be in it
            values = dict.fromkeys((*self.args, *self.defaults), Unknown(lost.reason))
            keywords = known_keywords(keywords)  # type: ignore[arg-type]
        for name, value in zip(self.args, positional):
            values[name] = value
        values.update(keywords)
        return Args.taking(self.name, values)


@dataclass(eq=False)
class LayerSpec:
    """A constructed (not yet applied) layer: its rule and bound arguments."""

    rule: LayerRule
    args: Args
    class_name: str  # as written by the user (an alias keeps its own name)


def with_call_arguments(spec: LayerSpec, call_kwargs: Mapping[str, object]) -> Args:
    """The arguments a rule reads for one call: the constructor's, and those of the call's keyword
    arguments that its row names (``call_args``)."""
    given = {name: call_kwargs[name] for name in spec.rule.call_args if name in call_kwargs}
    return Args.taking(spec.args.class_name, {**spec.args.values, **given}) if given else spec.args


def table(rows: Sequence[LayerRule]) -> dict[str, LayerRule]:
    """Rows by class name and by every alias."""
    out: dict[str, LayerRule] = {}
    for rule in rows:
        out[rule.name] = rule
        for alias in rule.aliases:
            out[alias] = rule
    return out


def spatial_layout(args: Args, shape: Shape, rank: int) -> tuple[bool, tuple[Dim, ...], Dim]:
    """(channels_first, spatial dims, channels) for a conv/pool input."""
    if args.values.get("data_format") == "channels_first":
        return True, tuple(shape[2:]), shape[1]
    return False, tuple(shape[1:-1]), shape[-1]


def assemble(batch: Dim, spatial: Sequence[Dim], channels: Dim, channels_first: bool) -> Shape:
    return (batch, channels, *spatial) if channels_first else (batch, *spatial, channels)
