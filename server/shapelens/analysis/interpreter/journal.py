"""What paths the interpreter cannot decide leave behind, joined: names, and what the paths
change in place (lists, dicts, objects' attributes).

Values the paths agree on are kept; tensors become the sizes they agree on; layers, modules and
other callables become an ``Either`` that, called, calls each on its own path; anything else
becomes ``Unknown``. A name a branch rebinds is joined by the executor; a list a branch appends to
is the same object on every path, so each branch's changes to it are recorded here instead. Before
its first change in a branch a container's content is kept; when the branch ends, its content at
the end is kept too and the container is set back, so that the next branch starts from the same
state. After the last branch the contents are joined item by item, in place, so that every name,
item and attribute that holds the container sees the join (a list a helper appends to on an
undecided path, in its caller too). A list or dict whose length or keys depend on the branch
holds items of an unknown number (``SomeItems``) where the branches differ.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Union

from ..unknown import SomeItems, Unknown
from .tensors import Tensor, joined
from .values import ArrayValue, Value

if TYPE_CHECKING:
    from .core import Interpreter

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
        self.watch: Optional[list[tuple[Container, bool]]] = None  # a loop pass's changes in place (``PassWatch``)

    def touch(self, container: Container, attributes: bool = False) -> None:
        """Before an in-place change: inside an undecided branch, the content it changes is kept;
        a watched loop pass notes the container."""
        if self.watch is not None:
            self.watch.append((container, attributes))
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

    def end(self, count: int, why: str, condition: Optional[str]) -> None:
        """All ``count`` branches ended: each container they changed gets the merge of how they
        left it (a change, for the enclosing undecided branch if there is one)."""
        branches = self.open.pop()
        for change in branches.changes.values():
            states = [change.ends.get(index, change.start) for index in range(count)]
            self.touch(change.container, change.attributes)
            self.merge(change, states, why, condition)

    def merge(self, change: Change, states: list, why: str, condition: Optional[str]) -> None:
        """The container's content joined over the branches. A list whose length depends on the
        branch keeps the items every branch left at its start and at its end, and items of an
        unknown number between them; a dict whose keys do, the keys some branch left (an item
        not every branch left is unknown) and keys of an unknown number."""
        container = change.container
        if isinstance(container, list):
            if all(len(state) == len(states[0]) for state in states):
                restore(container, [merged_item(items, "an item", why, condition) for items in zip(*states)])
            else:
                restore(container, common_ends(states, SomeItems(f"the number of items of a list {why}")))
            return
        keys = list(dict.fromkeys(key for state in states for key in state))
        subjects = {key: f"`{key}`" if change.attributes else f"the item {key!r}" for key in keys}
        merged = {key: Unknown(f"{subjects[key]} {why}") if any(key not in state for state in states)
                  else merged_item([state[key] for state in states], subjects[key], why, condition) for key in keys}
        if not change.attributes and any(list(state) != keys for state in states):
            merged[SomeItems(f"the keys of a dict {why}")] = Unknown(f"an item of a dict {why}")
        restore(container, merged)


def common_ends(states: list[list], between: SomeItems) -> list:
    """The items every list has at its start and at its end (the same objects), ``between`` them."""
    shortest = min(len(state) for state in states)
    head = 0
    while head < shortest and all(state[head] is states[0][head] for state in states):
        head += 1
    tail = 0
    while tail < shortest - head and all(state[-1 - tail] is states[0][-1 - tail] for state in states):
        tail += 1
    return [*states[0][:head], between, *(states[0][len(states[0]) - tail:] if tail else ())]
