"""The standard-library names model code leans on, as Python defines them."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ..unknown import Unknown
from .plugins import CallHook, Plugin
from .values import QName

if TYPE_CHECKING:
    from .core import Interpreter


def ordered_dict(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    pairs = interp.iterate(args[0]) if args else []
    if pairs is None:
        return Unknown("an OrderedDict of unknown items")
    return {pair[0]: pair[1] for pair in pairs if isinstance(pair, tuple) and len(pair) == 2}


class Stdlib(Plugin):
    name = "python"
    roots = ("collections",)

    def call_hook(self, path: str) -> Optional[CallHook]:
        return ordered_dict if path == "collections.OrderedDict" else None
