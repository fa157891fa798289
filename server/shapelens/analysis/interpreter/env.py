"""Scopes and the control-flow signals of the interpreter."""

from __future__ import annotations

from typing import Optional

from ..unknown import Unknown
from .values import Builtin

BUILTINS = frozenset({
    "range", "len", "int", "float", "tuple", "list", "min", "max", "abs", "round", "sum", "print",
    "enumerate", "zip", "reversed", "isinstance", "str", "bool", "dict", "sorted", "super", "vars", "getattr",
})


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
        if name in BUILTINS:
            return Builtin(name)
        return Unknown(f"`{name}` is not defined in this file")
