"""Python's builtins, on the values the interpreter knows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..unknown import Unknown
from .expressions import plain
from .values import Value, is_known

if TYPE_CHECKING:
    from .core import Interpreter

CONVERSIONS = {"int": int, "float": float, "abs": abs, "round": round, "bool": bool, "str": str}
REDUCTIONS = {"min": min, "max": max, "sum": sum}


def call_builtin(interp: "Interpreter", name: str, args: list, kwargs: dict) -> object:
    if name in ATTRIBUTE_BUILTINS:
        return attribute_builtin(interp, name, args)
    for arg in args:
        if isinstance(arg, Unknown):
            return Unknown(f"`{name}` of an unknown value: {arg.reason}")
    try:
        if name == "range":
            if all(isinstance(a, int) for a in args) and len(range(*args)) <= 100_000:
                return tuple(range(*args))
        elif name == "len" and args and isinstance(args[0], (tuple, list, str, dict)):
            return len(args[0])
        elif name == "len" and args and isinstance(args[0], Value):
            return args[0].length()
        elif name == "len" and args and interp.iterate(args[0]) is not None:
            return len(interp.iterate(args[0]))  # type: ignore[arg-type]
        elif name == "vars" and len(args) == 1 and isinstance(args[0], Value):
            return args[0].attribute(interp, "__dict__")
        elif name in CONVERSIONS and all(plain(a) for a in args):
            return CONVERSIONS[name](*args)
        elif name in REDUCTIONS and args:
            items = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            if all(isinstance(i, (int, float)) for i in items):
                return REDUCTIONS[name](items)
        elif name in ("tuple", "list") and args:
            items = interp.iterate(args[0])
            if items is not None:
                return tuple(items) if name == "tuple" else list(items)
        elif name in ("tuple", "list"):
            return () if name == "tuple" else []
        elif name in ("enumerate", "zip", "reversed", "sorted"):
            seqs = [interp.iterate(a) for a in args]
            if all(s is not None for s in seqs):
                if name == "enumerate":
                    return tuple(enumerate(seqs[0]))
                if name == "zip":
                    return tuple(zip(*seqs))
                if name == "reversed":
                    return tuple(reversed(seqs[0]))
                return tuple(sorted(seqs[0]))
        elif name == "dict" and len(args) <= 1:
            base = args[0] if args else {}
            if isinstance(base, dict):
                return {**base, **kwargs}
            pairs = interp.iterate(base)
            if pairs is not None and all(isinstance(p, tuple) and len(p) == 2 and plain(p[0]) for p in pairs):
                return {**dict(pairs), **kwargs}
        elif name == "print":
            return None
    except Exception:  # noqa: BLE001 - a builtin on odd values
        pass
    return Unknown(f"the result of `{name}(...)`")


ATTRIBUTE_BUILTINS = frozenset({"getattr", "setattr", "hasattr"})


def attribute_builtin(interp: "Interpreter", name: str, args: list) -> object:
    """``getattr(self, f"layer{i}")`` / ``setattr(self, name, layer)``: attribute access by a known name."""
    if len(args) < 2 or not isinstance(args[1], str) or not isinstance(args[0], Value):
        return Unknown(f"`{name}` of an attribute name that is not known")
    target, attr = args[0], args[1]
    if name == "setattr" and len(args) == 3:
        target.set_attribute(interp, attr, args[2])
        return None
    if name == "getattr":
        value = target.attribute(interp, attr)
        return args[2] if len(args) == 3 and not is_known(value) else value
    return Unknown(f"the result of `{name}(...)`")


def dict_method(target: dict, name: str, args: list, kwargs: dict, interp: "Interpreter") -> object:
    """``blocks.items()``, ``blocks.update(...)``: dicts of layers (``nn.ModuleDict``, ``OrderedDict``)."""
    if name == "items" and not args:
        return tuple(target.items())
    if name == "values" and not args:
        return tuple(target.values())
    if name == "keys" and not args:
        return tuple(target.keys())
    if name == "get" and args and is_known(args[0]) and plain(args[0]):
        return target.get(args[0], args[1] if len(args) > 1 else None)
    if name in ("update", "setdefault", "pop"):
        interp.journal.touch(target)
    if name == "update":
        items = args[0] if args else {}
        pairs = list(items.items()) if isinstance(items, dict) else interp.iterate(items)
        for pair in [*(pairs or ()), *kwargs.items()]:
            if isinstance(pair, tuple) and len(pair) == 2 and plain(pair[0]):
                target[pair[0]] = pair[1]
        return None
    if name == "copy" and not args:
        return dict(target)
    if name == "setdefault" and args and plain(args[0]):
        return target.setdefault(args[0], args[1] if len(args) > 1 else None)
    if name == "pop" and args and plain(args[0]):
        return target.pop(args[0], args[1] if len(args) > 1 else Unknown("a missing key"))
    return Unknown(f"the result of `.{name}(...)`")


LIST_CHANGES = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "reverse"})


def list_method(target: list, name: str, args: list, interp: "Interpreter") -> object:
    """``layers.append(...)`` and friends: lists of layers are how models are often built."""
    if name in LIST_CHANGES:
        interp.journal.touch(target)
    if name == "append" and args:
        target.append(args[0])
    elif name == "extend" and args:
        items = interp.iterate(args[0])
        target.extend(items if items is not None else [Unknown("extended with unknown items")])
    elif name == "insert" and len(args) == 2 and isinstance(args[0], int):
        target.insert(args[0], args[1])
    elif name == "pop" and target and (not args or (isinstance(args[0], int) and -len(target) <= args[0] < len(target))):
        return target.pop(*args)
    elif name == "remove" and args and (found := next((i for i, item in enumerate(target) if item is args[0] or
                                                      (plain(item) and item == args[0])), None)) is not None:
        del target[found]
    elif name in ("clear", "reverse") and not args:
        getattr(target, name)()
    elif name == "copy" and not args:
        return list(target)
    elif name in ("append", "extend", "insert", "pop", "remove"):
        return Unknown(f"`.{name}(...)` with arguments the analysis does not follow")
    else:
        return Unknown(f"the result of `.{name}(...)`")
    return None

