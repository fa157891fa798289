"""Objects that hold configuration by attribute: ``argparse.Namespace``, ``types.SimpleNamespace``,
and the classes ``@dataclass`` gives an ``__init__``."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ...unknown import Unknown
from ..provenance import noted
from ..values import REQUIRED, ClassValue, Instance, QName, Value

if TYPE_CHECKING:
    from ..core import Interpreter


class Namespace(Value):
    """Attributes by name. An attribute with a note is an assumed value (an argparse default):
    reading it says so, to the value and to the condition that reads it."""

    __slots__ = ("attrs", "notes")

    def __init__(self, attrs: dict, notes: Optional[dict[str, str]] = None) -> None:
        self.attrs = dict(attrs)
        self.notes = dict(notes or {})

    def attribute(self, interp: "Interpreter", name: str) -> object:
        if name == "__dict__":
            return {key: self.attribute(interp, key) for key in self.attrs}
        if name not in self.attrs:
            return Unknown(f"attribute `{name}` is not set on the namespace")
        value = self.attrs[name]
        note = self.notes.get(name)
        if note is None:
            return value
        interp.read_assumption(note)
        return noted(value, (note,))

    def set_attribute(self, interp: "Interpreter", name: str, value: object) -> None:
        self.attrs[name] = value
        self.notes.pop(name, None)

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        return Unknown(f"the result of `.{name}(...)`")


def simple_namespace(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    base = args[0] if args and isinstance(args[0], dict) else {}
    return Namespace({**base, **kwargs})


class FieldSpec(Value):
    """``dataclasses.field(default=..., default_factory=...)`` in a dataclass body."""

    __slots__ = ("default",)

    def __init__(self, default: object) -> None:
        self.default = default


def field_spec(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    if "default" in kwargs:
        return FieldSpec(kwargs["default"])
    factory = kwargs.get("default_factory")
    if isinstance(factory, Value):
        # called once, when the class is made: every instance gets an equal value
        return FieldSpec(factory.call(interp, [], {}, node))
    return FieldSpec(REQUIRED)


class DataclassDecorator(Value):
    """``@dataclass(frozen=True)``: the decorator that ``dataclass(...)`` returns."""

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        if args and isinstance(args[0], ClassValue):
            return make_dataclass(interp, args[0])
        return Unknown("a dataclass decorator applied to something that is not a class")


def dataclass(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    if args and isinstance(args[0], ClassValue):
        return make_dataclass(interp, args[0])
    return DataclassDecorator()


def make_dataclass(interp: "Interpreter", cls: ClassValue) -> ClassValue:
    """The fields of the generated ``__init__``: the bases' fields, then each annotated name of the
    body in order (``ClassVar`` ones excepted), with its default if it has one."""
    fields: dict[str, object] = {}
    for base in reversed(cls.bases):
        if isinstance(base, ClassValue):
            fields.update(interp.classes.generated_fields(base) or ())
    for stmt in cls.node.body:
        if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
            continue
        if "ClassVar" in ast.dump(stmt.annotation):
            continue
        name = stmt.target.id
        default = cls.attrs.get(name, REQUIRED) if stmt.value is not None else REQUIRED
        if isinstance(default, FieldSpec):
            default = default.default
            cls.attrs.pop(name, None)  # `field(...)` is not left as a class attribute
        fields[name] = default
    cls.fields = tuple(fields.items())
    return cls


def as_dict(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    """``dataclasses.asdict(config)``: the fields of a dataclass instance, nested ones as dicts too."""
    found = fields_of(interp, args[0], dict) if args else None
    return found if found is not None else Unknown("`asdict(...)` of what is not known to be a dataclass instance")


def as_tuple(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    """``dataclasses.astuple(config)``: the field values in order, nested dataclasses as tuples too."""
    found = fields_of(interp, args[0], tuple) if args else None
    return found if found is not None else Unknown("`astuple(...)` of what is not known to be a dataclass instance")


def fields_of(interp: "Interpreter", value: object, kind: type, depth: int = 0) -> Optional[object]:
    """A dataclass instance's fields as ``asdict`` (``kind`` dict) or ``astuple`` (tuple) give them:
    recursively, with lists, tuples and dicts copied. None for anything else."""
    if not isinstance(value, Instance) or depth > 8:
        return None
    fields = interp.classes.generated_fields(value.cls)
    if fields is None:
        return None
    items = [(name, copied(interp, value.attribute(interp, name), kind, depth + 1)) for name, _ in fields]
    return dict(items) if kind is dict else tuple(item for _, item in items)


def copied(interp: "Interpreter", value: object, kind: type, depth: int) -> object:
    nested = fields_of(interp, value, kind, depth)
    if nested is not None:
        return nested
    if isinstance(value, (list, tuple)):
        return type(value)(copied(interp, item, kind, depth) for item in value)
    if isinstance(value, dict):
        return {key: copied(interp, item, kind, depth) for key, item in value.items()}
    return value
