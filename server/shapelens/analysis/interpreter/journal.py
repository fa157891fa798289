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
of the branch's scope that hold it are given ``Unknown`` instead (``Journal.forget``).
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
        lost: dict[int, Container] = {}  # the containers whose length or keys depend on the branch
        for change in branches.changes.values():
            states = [change.ends.get(index, change.start) for index in range(count)]
            self.touch(change.container, change.attributes)
            if not self.merge(change, states, why, condition):
                lost[id(change.container)] = change.container
        if lost:
            self.forget(lost, env, why)

    def merge(self, change: Change, states: list, why: str, condition: Optional[str]) -> bool:
        """The container's content joined over the branches; False when its length or keys differ."""
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
            return False
        return True

    def forget(self, lost: dict[int, Container], env: "Env", why: str) -> None:
        """Containers whose length or keys depend on the branch: in the scope the branches ran
        in, the names that hold one, the items that hold one in the lists and dicts those names
        hold, and in a function's scope the attributes that hold one of the objects its names
        hold (``self.layers``), become unknown. Other scopes are not searched (a caller's is not
        reachable from here): a list a helper appends to on an undecided path keeps, in its
        caller, the content it had before the branch."""
        objects = env.parent is not None  # a function's scope, where `self` is; not a module's namespace
        for name, value in env.vars.items():
            if id(value) in lost:
                env.vars[name] = Unknown(f"`{name}` {why}")
            elif value.__class__ is list or value.__class__ is dict:
                self.forget_in(value, lost, False, why)  # type: ignore[arg-type]
            elif objects and isinstance(value, Instance):
                self.forget_in(value.attrs, lost, True, why)

    def forget_in(self, holder: Container, lost: dict[int, Container], attributes: bool, why: str) -> None:
        keys = range(len(holder)) if isinstance(holder, list) else list(holder)
        for key in keys:
            if id(holder[key]) in lost:  # type: ignore[index]
                self.touch(holder, attributes)
                subject = f"`{key}`" if attributes else "an item"
                holder[key] = Unknown(f"{subject} {why}")  # type: ignore[index]
