"""The standard-library names model code leans on, as Python defines them: ``collections``,
configuration by ``argparse``, ``dataclasses`` and ``types.SimpleNamespace``, ``functools.partial``
and ``reduce``, ``math`` on known numbers, ``operator``'s arithmetic, and what reading a configuration file leaves unknown."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ...unknown import Unknown
from ..plugins import NOT_CONSTANT, CallHook, Plugin
from ..values import QName
from .arguments import argparse_namespace, argument_parser
from .functions import partial, reduce
from .numbers import CONSTANTS, FUNCTIONS, math_function
from .operators import OPERATORS, operator_function
from .records import as_dict, as_tuple, dataclass, field_spec, simple_namespace

if TYPE_CHECKING:
    from ..core import Interpreter

# Functions that read a file: what they give is known only when the script runs.
FILE_READERS = frozenset({"json.load", "json.loads", "pickle.load", "pickle.loads"})


def ordered_dict(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    pairs = interp.iterate(args[0]) if args else []
    if pairs is None:
        return Unknown("an OrderedDict of unknown items")
    return {pair[0]: pair[1] for pair in pairs if isinstance(pair, tuple) and len(pair) == 2}


def file_reader(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    return Unknown(f"read from a file by `{func.path}(...)`: its contents are known only when the script runs")


HOOKS: dict[str, CallHook] = {
    "collections.OrderedDict": ordered_dict,
    "argparse.ArgumentParser": argument_parser,
    "argparse.Namespace": argparse_namespace,
    "types.SimpleNamespace": simple_namespace,
    "dataclasses.dataclass": dataclass,
    "dataclasses.field": field_spec,
    "dataclasses.asdict": as_dict,
    "dataclasses.astuple": as_tuple,
    "functools.partial": partial,
    "functools.reduce": reduce,
    **{f"math.{name}": math_function for name in FUNCTIONS},
    **{f"operator.{name}": operator_function for name in OPERATORS},
    **{path: file_reader for path in FILE_READERS},
}


class Stdlib(Plugin):
    name = "python"
    roots = ("collections", "argparse", "types", "dataclasses", "functools", "json", "math", "operator", "pickle")

    def call_hook(self, path: str) -> Optional[CallHook]:
        return HOOKS.get(path)

    def constant(self, path: str) -> object:
        return CONSTANTS.get(path, NOT_CONSTANT)
