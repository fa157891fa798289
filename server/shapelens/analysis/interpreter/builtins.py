"""Python's builtins, on the values the interpreter knows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..unknown import EXTENDED, SomeItems, Unknown, known_position, some_items, unknown_length
from .expressions import plain
from .tensors import Tensor
from .values import ArrayValue, Builtin, LayerObj, QName, Value, is_known

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
    if kwargs and not known_keywords_of(name, kwargs):
        return Unknown(f"`{name}(...)` with keyword arguments the analysis does not follow")
    try:
        if name == "range":
            if all(isinstance(a, int) for a in args) and len(range(*args)) <= 100_000:
                return tuple(range(*args))
        elif name == "len" and args and isinstance(args[0], (tuple, list, str, dict)):
            lost = None if isinstance(args[0], str) else some_items(args[0])
            return len(args[0]) if lost is None else Unknown(lost.reason)
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
            items = interp.spread(args[0])  # a copy keeps the items of an unknown number as they are
            if items is not None:
                return tuple(items) if name == "tuple" else list(items)
        elif name in ("tuple", "list"):
            return () if name == "tuple" else []
        elif name in ("enumerate", "zip", "reversed", "sorted"):
            seqs = [interp.iterate(a) for a in args]
            if all(s is not None for s in seqs):
                if name == "enumerate":
                    return tuple(enumerate(seqs[0], kwargs.get("start", 0)))
                if name == "zip":
                    return tuple(zip(*seqs))
                if name == "reversed":
                    return tuple(reversed(seqs[0]))
                return sorted(seqs[0], reverse=kwargs.get("reverse", False))
        elif name == "dict" and len(args) <= 1:
            base = args[0] if args else {}
            if isinstance(base, dict):
                return {**base, **kwargs}
            pairs = interp.iterate(base)
            if pairs is not None and all(isinstance(p, tuple) and len(p) == 2 and plain(p[0]) for p in pairs):
                return {**dict(pairs), **kwargs}
        elif name == "print":
            return None
        elif name == "isinstance" and len(args) == 2:
            return instance_of(interp, args[0], args[1])
    except Exception:  # noqa: BLE001 - a builtin on odd values
        pass
    return Unknown(f"the result of `{name}(...)`")


BUILTIN_TYPES = {"list": list, "tuple": tuple, "dict": dict, "int": int, "float": float, "str": str, "bool": bool,
                 "set": set}


def instance_of(interp: "Interpreter", value: object, classes: object) -> object:
    """``isinstance(inputs, (list, tuple))``: decided for Python's own types (a tensor, an array or
    a layer is none of them) and for the library classes a framework decides (``torch.Tensor``)."""
    verdicts = []
    for cls in classes if isinstance(classes, tuple) else (classes,):
        verdict = None
        if isinstance(cls, Builtin) and cls.name in BUILTIN_TYPES:
            if isinstance(value, Value):
                verdict = False if isinstance(value, (Tensor, ArrayValue, LayerObj)) else None
            elif is_known(value) and plain(value) or isinstance(value, (list, tuple, dict)):
                verdict = isinstance(value, BUILTIN_TYPES[cls.name])
        elif isinstance(cls, QName):
            owner = interp.frameworks.owner(cls.path)
            verdict = owner.instance_check(value, cls.path) if owner is not None else None
        if verdict is None:
            return Unknown("an `isinstance` check the analysis does not decide")
        verdicts.append(verdict)
    return any(verdicts)


ATTRIBUTE_BUILTINS = frozenset({"getattr", "setattr", "hasattr"})
# The keyword arguments each builtin is followed with (``sorted(key=...)`` or ``max(key=...)`` is not).
FOLLOWED_KEYWORDS = {"dict": None, "print": None, "zip": {"strict"}, "enumerate": {"start"}, "sorted": {"reverse"}}


def known_keywords_of(name: str, kwargs: dict) -> bool:
    """Whether a builtin's keyword arguments are ones the interpreter follows, with values it knows."""
    if name not in FOLLOWED_KEYWORDS:
        return False
    followed = FOLLOWED_KEYWORDS[name]
    if followed is None:
        return True
    return all(key in followed and isinstance(value, int) for key, value in kwargs.items())


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
    lost = some_items(target) if name in ("items", "values", "keys", "get") else None
    if lost is not None and (name != "get" or not args or args[0] not in target):
        return Unknown(lost.reason)
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
        readable = [pair for pair in [*(pairs or ()), *kwargs.items()]
                    if isinstance(pair, tuple) and len(pair) == 2 and plain(pair[0])]
        target.update(readable)
        if pairs is None or len(readable) < len(pairs) + len(kwargs):  # which keys the rest set is not known
            lose_keys(target, "the keys of a dict updated with what cannot be read statically")
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
        target.extend(extension(interp, args[0]))
    elif name == "insert" and len(args) == 2 and isinstance(args[0], int) and not isinstance(args[0], bool) \
            and (not unknown_length(target) or known_position(target, args[0])):
        target.insert(args[0], args[1])
    elif name == "pop" and target and (at := args[0] if args else -1).__class__ is int and -len(target) <= at < len(target) \
            and known_position(target, at):
        return target.pop(*args)
    elif name == "remove" and args and (found := next((i for i, item in enumerate(target) if item is args[0] or
                                                      (plain(item) and item == args[0])), None)) is not None \
            and known_position(target, found):
        del target[found]
    elif name in ("clear", "reverse") and not args:
        getattr(target, name)()
    elif name == "copy" and not args:
        return list(target)
    elif name in ("append", "extend", "insert", "pop", "remove"):
        # a change the analysis cannot follow: the list's items are not known from here on
        if name != "remove" or not all(map(is_known, target)):
            target[:] = [SomeItems(f"the number of items of a list changed by `.{name}(...)` with arguments that are not "
                                   f"known statically is not known")]
        return Unknown(f"`.{name}(...)` with arguments the analysis does not follow")
    else:
        return Unknown(f"the result of `.{name}(...)`")
    return None


def extension(interp: "Interpreter", value: object) -> list:
    """What ``.extend(value)`` or ``+= value`` adds to a list: its items, or items of an unknown number."""
    items = interp.spread(value)
    return items if items is not None else [SomeItems(EXTENDED)]


def set_item(interp: "Interpreter", container: "list | dict", key: object, value: object) -> None:
    """``layers["conv1"] = ...`` on a dict, ``blocks[i] = ...`` on a list (an ``OrderedDict`` built
    in a loop, an ``nn.ModuleDict``). Where the key or index is not known, the items it may have
    replaced are not known either."""
    interp.journal.touch(container)
    if isinstance(container, dict):
        if isinstance(key, (str, int, float, bool, tuple)) or key is None:
            container[key] = value
        else:
            lose_keys(container, "the keys of a dict, one set under a key that is not known statically")
    elif isinstance(key, slice):
        items = interp.iterate(value)
        if items is None or unknown_length(container):
            container[:] = [SomeItems("the number of items of a list whose slice was set to what cannot be iterated "
                                      "statically is not known")]
        else:
            try:
                container[key] = items
            except ValueError:
                pass  # Python fails here (an extended slice of another length)
    elif not isinstance(key, int) or isinstance(key, bool):  # any item may be the one replaced
        container[:] = [Unknown("an item of a list set at an index that is not known statically")
                        if item.__class__ is not SomeItems else item for item in container]
    elif not -len(container) <= key < len(container):
        pass  # Python fails here
    elif unknown_length(container) and not known_position(container, key):
        container[:] = [SomeItems("the items of a list, one set at a position that is not known statically")]
    else:
        container[key] = value


def lose_keys(target: dict, reason: str) -> None:
    """A dict some of whose keys the analysis cannot tell were set: any item may be one of them."""
    for key in target:
        target[key] = Unknown(reason)
    target[SomeItems(reason)] = Unknown(reason)
