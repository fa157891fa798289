"""What paths the interpreter cannot decide leave behind, joined: names, and what the paths
change in place (lists, dicts, objects' attributes).

Values the paths agree on are kept; tensors become the sizes they agree on; layers, modules and
other callables become an ``Either`` that, called, calls each on its own path; anything else
becomes ``Unknown``. A name a branch rebinds is joined by the executor; a list a branch appends to
is the same object on every path, so each branch's changes to it are recorded here instead. Before
its first change in a branch a container's content is kept; when the branch ends, its content at
the end is kept too and the container is set back, so that the next branch starts from the same
state. After the last branch the contents are joined item by item. A list or dict whose length or
keys depend on the branch has no content the analysis can give: the names, items and attributes
that hold it are given ``Unknown`` instead.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Union

from ..unknown import Unknown
from .tensors import Tensor, joined
from .values import ArrayValue, Instance, Value

if TYPE_CHECKING:
    from .core import Interpreter
    from .env import Env

Container = Union[list, dict]


def merged_item(values: list, subject: str, why: str, condition: Optional[str]) -> object:
    """One value after the paths: the value they agree on, the sizes their tensors agree on, the
    callables each path left, or unknown (``subject`` is what ``why`` is said of)."""
    first = values[0]
    if all(v is first for v in values):
        return first
    if all(isinstance(v, Tensor) for v in values):
        return joined(values, why)
    if all(isinstance(v, Value) and not isinstance(v, ArrayValue) for v in values):
        options: list = []
        for value in values:
            for option in (value.options if isinstance(value, Either) else (value,)):
                if not any(option is kept for kept in options):
                    options.append(option)
        return Either(tuple(options), why, condition) if len(options) > 1 else options[0]
    return Unknown(f"{subject} {why}")


class Either(Value):
    """What a name or attribute holds after undecided paths that left different layers, modules or
    functions in it (a ResNet block's shortcut: an identity or a projection). Called, each is
    called on the path that left it (what fails there is a warning naming the condition), and
    their results are joined."""

    __slots__ = ("options", "why", "condition")

    def __init__(self, options: tuple, why: str, condition: Optional[str]) -> None:
        self.options = options
        self.why = why
        self.condition = condition

    def call(self, interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> object:
        results = []
        for option in self.options:
            with interp.on_path(self.condition):
                results.append(option.call(interp, args, kwargs, node))
        return merged_item(results, "the result", self.why, self.condition)

    def truth(self) -> Optional[bool]:
        truths = {option.truth() for option in self.options}
        return truths.pop() if len(truths) == 1 else None


@dataclass
class Change:
    container: Container
    start: Container  # its content before the branches ran (each branch starts from it)
    attributes: bool  # an object's attributes: one only some branches set is unknown, not the whole object
    ends: dict[int, Container] = field(default_factory=dict)  # branch → its content when the branch ended


@dataclass
class Branches:
    changes: dict[int, Change] = field(default_factory=dict)  # by the container's id
    current: set[int] = field(default_factory=set)  # the containers the running branch changed


def content(container: Container) -> Container:
    return list(container) if isinstance(container, list) else dict(container)


def restore(container: Container, state: Container) -> None:
    if isinstance(container, list):
        container[:] = state
    else:
        container.clear()
        container.update(state)  # type: ignore[arg-type]


class Journal:
    def __init__(self) -> None:
        self.open: list[Branches] = []  # the undecided branchings being run, innermost last

    def touch(self, container: Container, attributes: bool = False) -> None:
        """Before an in-place change: inside an undecided branch, the content it changes is kept."""
        if not self.open:
            return
        branches = self.open[-1]
        key = id(container)
        if key not in branches.current:
            branches.current.add(key)
            if key not in branches.changes:
                branches.changes[key] = Change(container, content(container), attributes)

    def begin(self) -> None:
        self.open.append(Branches())

    def end_branch(self, index: int) -> None:
        """Branch ``index`` ended: how it left each container it changed is kept, and the
        container set back for the next branch."""
        branches = self.open[-1]
        for key in branches.current:
            change = branches.changes[key]
            change.ends[index] = content(change.container)
            restore(change.container, change.start)
        branches.current = set()

    def discard(self) -> None:
        """The branches were cut short (the statement budget ran out): each container is as it was."""
        self.open.pop()

    def end(self, count: int, env: "Env", why: str, condition: Optional[str]) -> None:
        """All ``count`` branches ended: each container they changed gets the merge of how they
        left it (a change, for the enclosing undecided branch if there is one)."""
        branches = self.open.pop()
        for change in branches.changes.values():
            states = [change.ends.get(index, change.start) for index in range(count)]
            self.touch(change.container, change.attributes)
            self.merge(change, states, env, why, condition)

    def merge(self, change: Change, states: list, env: "Env", why: str, condition: Optional[str]) -> None:
        container = change.container
        if change.attributes:
            keys = list(dict.fromkeys(key for state in states for key in state))
            restore(container, {key: Unknown(f"`{key}` {why}") if any(key not in state for state in states)
                                else merged_item([state[key] for state in states], f"`{key}`", why, condition) for key in keys})
        elif isinstance(container, list) and all(len(state) == len(states[0]) for state in states):
            restore(container, [merged_item(items, "an item", why, condition) for items in zip(*states)])
        elif isinstance(container, dict) and all(list(state) == list(states[0]) for state in states):
            restore(container, {key: merged_item([state[key] for state in states], f"the item {key!r}", why, condition)
                                for key in states[0]})
        else:
            self.forget(container, env, why)

    def forget(self, container: Container, env: "Env", why: str) -> None:
        """A container whose length or keys depend on the branch: the names that hold it, and the
        items and attributes that hold it in what those names hold, become unknown."""
        scope: "Env | None" = env
        while scope is not None:
            for name, value in scope.vars.items():
                if value is container:
                    scope.vars[name] = Unknown(f"`{name}` {why}")
                elif value.__class__ is list or value.__class__ is dict:
                    self.forget_in(value, container, False, why)  # type: ignore[arg-type]
                elif isinstance(value, Instance):
                    self.forget_in(value.attrs, container, True, why)
            scope = scope.parent

    def forget_in(self, holder: Container, container: Container, attributes: bool, why: str) -> None:
        keys = range(len(holder)) if isinstance(holder, list) else list(holder)
        for key in keys:
            if holder[key] is container:  # type: ignore[index]
                self.touch(holder, attributes)
                subject = f"`{key}`" if attributes else "an item"
                holder[key] = Unknown(f"{subject} {why}")  # type: ignore[index]
