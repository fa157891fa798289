"""Concrete sizes for a model's symbols, chosen from the sizes the engine says the model accepts.

Each symbol gets a range of candidates starting at the smallest value its own conditions allow
(``H >= 76`` starts at 76); a depth-first search then picks values that meet every condition,
equations over several sizes included (LeNet's fc1 admits 32 to 35 for each of H and W, and
non-square inputs whose feature counts multiply to the same number). The first point takes the
smallest candidates (the boundary the engine reports); the others are drawn at random, seeded.
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Iterator, Mapping, Optional, Sequence

BATCH_SIZES = (2, 3, 4)  # torch's BatchNorm in training mode needs more than one value per channel
SPAN = 40  # candidates per size: its smallest admissible value and the next SPAN
LARGEST = 1 << 14  # the largest smallest-size searched for
SEARCH_LIMIT = 200_000  # condition evaluations per point


def size_names(text: str) -> set[str]:
    """The sizes an expression of the JSON contract uses: names (``H``) and attributes of an open
    parameter (``cfg.hidden_dim``, one symbol)."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        dotted = dotted_name(node)
        if dotted is not None:
            names.add(dotted)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(text, mode="eval"))
    return names


def dotted_name(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def bound(values: Mapping[str, int]) -> dict[str, object]:
    """The sizes as names an expression can use: ``cfg.hidden_dim`` becomes attribute ``hidden_dim``
    of an object ``cfg`` (which the harness also passes where the script takes ``cfg``)."""
    names: dict[str, object] = {}
    for name, value in values.items():
        root, *path = name.split(".")
        if not path:
            names[root] = value
            continue
        target = names.setdefault(root, SimpleNamespace())
        for part in path[:-1]:
            if not hasattr(target, part):
                setattr(target, part, SimpleNamespace())
            target = getattr(target, part)
        setattr(target, path[-1], value)
    return names


@dataclass(frozen=True)
class Condition:
    text: str
    names: frozenset[str]

    def holds(self, values: Mapping[str, int]) -> bool:
        try:
            return bool(eval(compile(self.text, "<condition>", "eval"), {"__builtins__": {}}, bound(values)))  # noqa: S307
        except ZeroDivisionError:
            return False


def conditions_of(texts: Sequence[str]) -> list[Condition]:
    return [Condition(text, frozenset(size_names(text))) for text in texts]


def is_batch(meaning: str) -> bool:
    return meaning.startswith("batch size")


def candidates_for(name: str, meaning: str, conditions: list[Condition]) -> list[int]:
    own = [c for c in conditions if c.names == {name}]
    if is_batch(meaning):
        return [n for n in BATCH_SIZES if all(c.holds({name: n}) for c in own)]
    smallest = next((n for n in range(1, LARGEST) if all(c.holds({name: n}) for c in own)), None)
    if smallest is None:
        return []
    return [n for n in range(smallest, smallest + SPAN + 1) if all(c.holds({name: n}) for c in own)]


class _Search:
    def __init__(self, names: list[str], candidates: Mapping[str, list[int]], conditions: list[Condition]) -> None:
        self.names = names
        self.candidates = candidates
        assigned: set[str] = set()
        self.checks: list[list[Condition]] = []  # the conditions decided once names[i] is chosen
        for name in names:
            assigned.add(name)
            self.checks.append([c for c in conditions if name in c.names and c.names <= assigned])
        self.budget = SEARCH_LIMIT

    def first(self, rng: Optional[random.Random]) -> Optional[dict[str, int]]:
        return next(self._extend({}, 0, rng), None)

    def _extend(self, values: dict[str, int], depth: int, rng: Optional[random.Random]) -> Iterator[dict[str, int]]:
        if depth == len(self.names):
            yield dict(values)
            return
        name = self.names[depth]
        order = list(self.candidates[name])
        if rng is not None:
            rng.shuffle(order)
        for value in order:
            if self.budget <= 0:
                return
            values[name] = value
            self.budget -= max(len(self.checks[depth]), 1)
            if all(c.holds(values) for c in self.checks[depth]):
                yield from self._extend(values, depth + 1, rng)
            del values[name]


def choose_points(symbols: Mapping[str, str], condition_texts: Sequence[str], count: int = 3, seed: int = 0) -> list[dict[str, int]]:
    """``count`` different assignments of the symbols that meet every condition: the smallest one,
    then random ones. Fewer only when fewer exist within the candidate ranges."""
    conditions = conditions_of(condition_texts)
    strangers = set().union(*(c.names for c in conditions)) - set(symbols) if conditions else set()
    if strangers:
        raise AssertionError(f"conditions name sizes that are not symbols of the model: {sorted(strangers)}")
    names = sorted(symbols)
    candidates = {name: candidates_for(name, symbols[name], conditions) for name in names}
    points: list[dict[str, int]] = []
    smallest = _Search(names, candidates, conditions).first(None)
    if smallest is not None:
        points.append(smallest)
    rng = random.Random(seed)
    for _ in range(count * 8):
        if len(points) >= count:
            break
        point = _Search(names, candidates, conditions).first(rng)
        if point is not None and point not in points:
            points.append(point)
    return points
