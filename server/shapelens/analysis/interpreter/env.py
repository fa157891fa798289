"""Scopes, the names statements bind in them, and the control-flow signals of the interpreter."""

from __future__ import annotations

import ast
from typing import Optional

from ..unknown import Unknown
from .values import Builtin, SuperCall

# Where a method's scope keeps its class and first argument, for `super()` (not Python names).
OWNER_KEY = "<class>"
SELF_KEY = "<self>"

BUILTINS = frozenset({
    "range", "len", "int", "float", "tuple", "list", "min", "max", "abs", "round", "sum", "print",
    "enumerate", "zip", "reversed", "isinstance", "str", "bool", "dict", "sorted", "super", "vars",
    "getattr", "setattr", "hasattr",
})

BUILTIN_VALUES = {name: Builtin(name) for name in BUILTINS}


class ReturnSignal(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


class BreakSignal(Exception):
    pass


class ContinueSignal(Exception):
    pass


class BudgetExceeded(Exception):
    """The run interpreted its whole statement budget: the rest of the file is not analysed."""


class Env:
    __slots__ = ("vars", "parent")

    def __init__(self, parent: Optional["Env"] = None) -> None:
        self.vars: dict[str, object] = {}
        self.parent = parent

    def lookup(self, name: str) -> object:
        env: Optional[Env] = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            env = env.parent
        if name == "super":
            return self.super_call()
        builtin = BUILTIN_VALUES.get(name)
        if builtin is not None:
            return builtin
        return Unknown(f"`{name}` is not defined in this file")

    def super_call(self) -> SuperCall:
        env: Optional[Env] = self
        while env is not None:
            if OWNER_KEY in env.vars:
                return SuperCall(env.vars[OWNER_KEY], env.vars.get(SELF_KEY))  # type: ignore[arg-type]
            env = env.parent
        return SuperCall(None, None)


def stored_names(target: ast.expr, names: set[str]) -> None:
    """Add the names an assignment target binds (``x``, ``a, (b, *rest)``); an attribute or an
    item binds none (a ``:=`` inside one is the walrus pass's, ``Executor.bound_names``)."""
    if isinstance(target, ast.Name):
        names.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for item in target.elts:
            stored_names(item, names)
    elif isinstance(target, ast.Starred):
        stored_names(target.value, names)
