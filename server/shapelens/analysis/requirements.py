"""What a model's symbolic sizes must satisfy, solved: the smallest input it accepts
("needs H ≥ 76, W ≥ 76") and the sizes an equation implies ("expects 32×32 inputs").

Every output-size formula is non-decreasing in its input size, so the sizes that satisfy a
requirement form a range, found by bisection: a few dozen evaluations, never a scan.
"""

from __future__ import annotations

from typing import Iterable, Optional

from .report import Condition
from .rules import Requirement
from .symbolic import Sym

LIMIT = 1 << 20  # the largest size searched


def first_true(test, low: int, high: int = LIMIT) -> Optional[int]:
    """The smallest n in [low, high] with test(n), for a test that stays true once true."""
    if not test(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if test(middle):
            high = middle
        else:
            low = middle + 1
    return low


def holds(requirement: Requirement, values: dict[str, int]) -> bool:
    try:
        return requirement.holds(values)
    except (KeyError, ZeroDivisionError, OverflowError):
        return False


def minimum_sizes(requirements: Iterable[Requirement]) -> dict[str, int]:
    """Per symbol, the smallest value that satisfies every ``>=`` requirement on it alone."""
    minimums: dict[str, int] = {}
    by_symbol: dict[str, list[Requirement]] = {}
    for requirement in requirements:
        names = set(requirement.expression.symbols())
        if requirement.relation == ">=" and len(names) == 1:
            by_symbol.setdefault(names.pop(), []).append(requirement)
    for name, found in by_symbol.items():
        smallest = first_true(lambda n: all(holds(r, {name: n}) for r in found), 1)
        if smallest is not None and smallest > 1:
            minimums[name] = smallest
    return minimums


class Solution:
    """The sizes an equation allows: a range of one size, or, for several sizes, the range of square
    inputs (one solution among others, said as such)."""

    def __init__(self, names: list[str], low: int, high: int) -> None:
        self.names = names
        self.low = low
        self.high = high

    def describe(self) -> str:
        if len(self.names) > 1:  # one solution among others: say that it is the square one
            size = lambda n: "×".join([str(n)] * len(self.names))  # noqa: E731
            sizes = size(self.low) if self.low == self.high else f"{size(self.low)} to {size(self.high)}"
            return f"square inputs ({' = '.join(self.names)}) fit at {sizes}"
        name = self.names[0]
        return f"expects {name} = {self.low}" if self.low == self.high else f"expects {name} from {self.low} to {self.high}"


def solve(requirement: Requirement, minimums: dict[str, int]) -> Optional[Solution]:
    """The sizes that satisfy an equation, all its symbols taken equal (a square input); ``None``
    when no size does."""
    names = sorted(set(requirement.expression.symbols()))
    start = max([1, *(minimums.get(n, 1) for n in names)])

    def value(n: int) -> int:
        return requirement.expression.evaluate({name: n for name in names})

    def at_least(n: int) -> bool:
        return value(n) >= requirement.bound

    low = first_true(at_least, start)
    if low is None or value(low) != requirement.bound:
        return None
    high = first_true(lambda n: value(n) > requirement.bound, low)
    return Solution(names, low, (high - 1) if high is not None else LIMIT)


def conditions(requirements: list[Requirement]) -> tuple[tuple[Condition, ...], list[tuple[Requirement, Optional[Solution]]]]:
    """The model's conditions (smallest sizes first, then the equations), and each equation's solution."""
    minimums = minimum_sizes(requirements)
    found = [Condition(f"{name} >= {value}", f"{name} ≥ {value}") for name, value in sorted(minimums.items())]
    solved = []
    seen: set[str] = set()
    for requirement in requirements:
        if requirement.relation != "==" or requirement.python() in seen:
            continue
        seen.add(requirement.python())
        solution = solve(requirement, minimums)
        solved.append((requirement, solution))
        text = f"{pretty(requirement)} ({requirement.why})"
        if solution is not None:
            text = f"{solution.describe()}: {requirement.why} = {requirement.bound}"
            if len(solution.names) > 1:  # the relation itself, when it is short enough to read
                relation = pretty(requirement)
                text += f"; in general {relation}" if len(relation) <= 60 else "; inputs that are not square may fit too"
        found.append(Condition(requirement.python(), text))
    return tuple(found), solved


def pretty(requirement: Requirement) -> str:
    relation = {">=": "≥", "==": "="}[requirement.relation]
    return f"{requirement.expression.pretty()} {relation} {requirement.bound}"


def symbols_in(values: Iterable[object]) -> set[str]:
    names: set[str] = set()
    for value in values:
        if type(value) is int or value is None:
            continue
        if isinstance(value, Sym):
            names.update(value.symbols())
        elif isinstance(value, tuple):
            names |= symbols_in(value)
    return names
