"""``argparse``: the parser a script declares, and the namespace ``parse_args()`` gives.

The analysis runs a script as ``python script.py`` with no arguments: every option has its default
(argparse's own rules: ``None`` unless given, ``False`` for ``store_true``, a string default passed
through ``type``). Those values are assumptions, so each carries a note saying where it comes from.
An explicit ``parse_args([...])`` of literal strings is parsed as argparse would.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...unknown import Unknown
from ..values import BoundMethod, Builtin, QName, Value, is_known
from .records import Namespace

if TYPE_CHECKING:
    from ..core import Interpreter

CONVERSIONS = {"int": int, "float": float, "str": str}
NO_DEST_ACTIONS = ("help", "version")


@dataclass
class Argument:
    options: tuple[str, ...]  # ("--img-size", "-s"), or ("epochs",) for a positional
    dest: str
    default: object
    kind: object  # `type=`
    action: object
    nargs: object
    const: object
    required: bool

    @property
    def positional(self) -> bool:
        return not self.options[0].startswith("-")

    @property
    def label(self) -> str:
        return self.options[0]

    def convert(self, text: object) -> object:
        """A command-line string through ``type=``, as argparse does (a string default too)."""
        if not isinstance(text, str) or self.kind is None:
            return text
        if isinstance(self.kind, Builtin) and self.kind.name in CONVERSIONS:
            try:
                return CONVERSIONS[self.kind.name](text)
            except ValueError:
                return Unknown(f"`{text}` is not a valid value for `{self.label}`")
        return Unknown(f"`{self.label}` converted by a `type=` the analysis does not run")


def destination(options: tuple[str, ...], kwargs: dict) -> str:
    """argparse's ``dest``: given, else the first long option (``--img-size`` → ``img_size``), else
    the first short one, else the positional's name."""
    if isinstance(kwargs.get("dest"), str):
        return kwargs["dest"]
    if not options[0].startswith("-"):
        return options[0]
    longs = [o for o in options if o.startswith("--")]
    return (longs or list(options))[0].lstrip("-").replace("-", "_")


def default_of(kwargs: dict) -> object:
    action = kwargs.get("action")
    if "default" in kwargs:
        return kwargs["default"]
    if action == "store_true":
        return False
    if action == "store_false":
        return True
    return None


class ArgumentParser(Value):
    """``argparse.ArgumentParser(...)`` (and its argument groups, which add to it)."""

    __slots__ = ("arguments", "defaults", "subcommands")

    def __init__(self) -> None:
        self.arguments: list[Argument] = []
        self.defaults: dict[str, object] = {}
        self.subcommands = False

    def attribute(self, interp: "Interpreter", name: str) -> object:
        return BoundMethod(self, name)

    def method(self, interp: "Interpreter", name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if name == "add_argument":
            self.add_argument(args, kwargs)
            return Unknown("an argparse action")
        if name in ("add_argument_group", "add_mutually_exclusive_group"):
            return self
        if name == "set_defaults":
            self.defaults.update(kwargs)
            return None
        if name == "add_subparsers":
            self.subcommands = True
            return Unknown("argparse subcommands: which one runs is chosen on the command line")
        if name in ("parse_args", "parse_known_args", "parse_intermixed_args"):
            given = args[0] if args else kwargs.get("args")
            namespace = self.parse(interp, given)
            if name == "parse_known_args" and is_known(namespace):
                return (namespace, [])
            return namespace
        return Unknown(f"the result of `.{name}(...)`")

    def add_argument(self, args: list, kwargs: dict) -> None:
        options = tuple(a for a in args if isinstance(a, str))
        if not options or len(options) != len(args) or kwargs.get("action") in NO_DEST_ACTIONS:
            return
        required = kwargs.get("required") is True or (not options[0].startswith("-") and kwargs.get("nargs") not in ("?", "*"))
        self.arguments.append(Argument(options, destination(options, kwargs), default_of(kwargs),
                                       kwargs.get("type"), kwargs.get("action"), kwargs.get("nargs"),
                                       kwargs.get("const"), required))

    def parse(self, interp: "Interpreter", given: object) -> object:
        if self.subcommands:
            return Unknown("argparse subcommands: which one runs is chosen on the command line")
        from_command_line = given is None
        tokens: list = [] if given is None else list(given) if isinstance(given, (list, tuple)) else []
        if not isinstance(given, (list, tuple, type(None))) or not all(isinstance(t, str) for t in tokens):
            return Unknown("`parse_args` of arguments the analysis does not know")
        values = {a.dest: a.convert(a.default) for a in self.arguments}
        values.update(self.defaults)
        explicit = self.read_tokens(tokens, values)
        if isinstance(explicit, Unknown):
            return explicit
        missing = [a.label for a in self.arguments if a.required and a.dest not in explicit]
        if missing:
            return Unknown(f"the script needs the command-line argument `{missing[0]}`: argparse exits without it")
        suffix = " (the script run with no command-line arguments)" if from_command_line else ""
        notes = {a.dest: f"`{a.label}` = {values[a.dest]!r}: from argparse default{suffix}"
                 for a in self.arguments if a.dest not in explicit and is_known(values[a.dest])}
        return Namespace(values, notes)

    def read_tokens(self, tokens: list[str], values: dict) -> object:
        """``parse_args(["--epochs", "3"])``: the options a literal list sets, into ``values``; the
        destinations it set."""
        by_option = {o: a for a in self.arguments for o in a.options if o.startswith("-")}
        positionals = [a for a in self.arguments if a.positional]
        explicit: set[str] = set()
        position = 0
        while position < len(tokens):
            token = tokens[position]
            option, _, inline = token.partition("=")
            argument = by_option.get(option) if token.startswith("-") else None
            if argument is None and token.startswith("-"):
                return Unknown(f"`parse_args` of an option the parser does not declare: `{token}`")
            if argument is None:
                if not positionals or positionals[0].nargs is not None:
                    return Unknown("`parse_args` of positional arguments the analysis does not follow")
                argument = positionals.pop(0)
                values[argument.dest] = argument.convert(token)
            elif argument.action in ("store_true", "store_false"):
                values[argument.dest] = argument.action == "store_true"
            elif argument.action is not None or argument.nargs is not None:
                return Unknown(f"`parse_args` of `{option}`, an option the analysis does not follow")
            else:
                if not inline:
                    position += 1
                    if position >= len(tokens):
                        return Unknown(f"`{option}` without its value")
                    inline = tokens[position]
                values[argument.dest] = argument.convert(inline)
            explicit.add(argument.dest)
            position += 1
        return explicit


def argument_parser(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    return ArgumentParser()


def argparse_namespace(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    return Namespace(kwargs)
