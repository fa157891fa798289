"""The size symbols of a run: each named after what sized it, with what it stands for.

A symbol is named by its role (``H``, ``W``, ``N`` for a torch batch) or after the parameter or
attribute that sized it (``num_classes``, ``img_size``). Names are unique within a scope: the
models of one builder function, one module-level script, one module class run without an input.
Two scopes may both have an ``H``; a model reports the meanings of its own scope.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

from ..symbolic import Sym


class Symbols:
    def __init__(self) -> None:
        self.scope: dict[str, str] = {}  # name → what it stands for, in the current scope
        # a variable holding an unknown value → what it holds (a layer sized by it names a symbol after it)
        self.unknowns: dict[str, str] = {}

    def fresh(self, base: str, meaning: str, dynamic: bool = False) -> Sym:
        """A symbol for a new size; the same meaning in the same scope gets the same symbol.
        ``dynamic``: a size the library leaves open while building (see ``symbolic.Symbol``)."""
        for name, known in self.scope.items():
            if known == meaning:
                return Sym.symbol(name, dynamic)
        name, number = base, 2
        while name in self.scope or name in self.unknowns:
            name, number = f"{base}{number}", number + 1
        self.scope[name] = meaning
        return Sym.symbol(name, dynamic)

    def named(self, name: str, meaning: str) -> Sym:
        """The symbol for a parameter or attribute: its own name."""
        self.scope.setdefault(name, meaning)
        return Sym.symbol(name)

    @contextmanager
    def new_scope(self) -> Iterator[dict[str, str]]:
        outer, self.scope = self.scope, {}
        try:
            yield self.scope
        finally:
            self.scope = outer

    @contextmanager
    def reopened(self, scope: Optional[dict[str, str]]) -> Iterator[dict[str, str]]:
        """A scope made earlier (a class made with open parameters, run later), or a new one."""
        outer, self.scope = self.scope, scope if scope is not None else {}
        try:
            yield self.scope
        finally:
            self.scope = outer
