"""The smallest input a model accepts: the engine's ``requires`` minimums against the library.

For every conv / pool stack of the symbolic corpus (tests/fixtures/symbolic) whose requirements
are minimums only (no equation between sizes, no operation the engine does not model), each
spatial size is bisected with the real library (Keras 3 builds the model, torch runs it), the
other sizes held at their smallest admissible values: the smallest size the library accepts must
be the engine's minimum (``H >= 76``), or 1 when the engine reports none.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

import pytest

from oracle_symbolic.compare import engine_document, symbols_and_requires
from oracle_symbolic.corpus import Fixture, load_corpus
from oracle_symbolic.library import run_fixture
from oracle_symbolic.sizes import choose_points

pytestmark = pytest.mark.oracle

MINIMUM = re.compile(r"^([\w.]+) >= (\d+)$")
SPATIAL = ("height", "width", "depth", "length")


def minimums(requires: list[str]) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for r in requires if (m := MINIMUM.match(r))}


def is_stack(fixture: Fixture) -> bool:
    _, requires = symbols_and_requires(engine_document(fixture))
    return not fixture.unmodelled_lines and all(MINIMUM.match(r) for r in requires)


STACKS = tuple(f for f in load_corpus() if is_stack(f))
CASES = [
    pytest.param(fixture, name, id=f"{fixture.name}:{name}")
    for fixture in STACKS
    for name, meaning in sorted(symbols_and_requires(engine_document(fixture))[0].items())
    if any(word in meaning for word in SPATIAL)
]


def smallest(accepts: Callable[[int], bool], upper: int) -> int:
    """The smallest size in [1, upper] the library accepts, ``upper`` accepted, for an acceptance
    that stays once reached (every window formula is non-decreasing in its input size)."""
    low, high = 1, upper
    while low < high:
        middle = (low + high) // 2
        if accepts(middle):
            high = middle
        else:
            low = middle + 1
    return low


def test_the_stacks_cover_every_kind_of_window() -> None:
    bisected = {(case.values[0].name, case.values[1]) for case in CASES}
    with_minimum = [f for f in STACKS if any(v > 1 and (f.name, name) in bisected
                                             for name, v in minimums(symbols_and_requires(engine_document(f))[1]).items())]
    assert len(with_minimum) >= 10, [f.name for f in with_minimum]
    assert {f.framework for f in with_minimum} == {"keras", "torch"}
    sources = "\n".join(f.source for f in with_minimum)
    kinds = {
        "valid padding": r"Conv\dD\(\d+, \d+[,)]|Conv\dd\(\w+, \w+, \d+\)",
        "same padding": r"padding=\"same\"|padding=1\b",
        "strides": r"strides?=\(?[2-9]",
        "dilation": r"dilation(_rate)?=\d",
        "transposed conv": r"ConvTranspose|Conv2DTranspose",
        "cropping": r"Cropping\dD",
        "pooling": r"Pool",
    }
    missing = [kind for kind, pattern in kinds.items() if not re.search(pattern, sources)]
    assert missing == []


@lru_cache(maxsize=None)
def base_point(fixture: Fixture) -> tuple:
    symbols, requires = symbols_and_requires(engine_document(fixture))
    (point,) = choose_points(symbols, requires, count=1)
    return tuple(sorted(point.items()))


@pytest.mark.parametrize(("fixture", "name"), CASES)
def test_the_smallest_input_is_the_one_the_library_accepts(fixture: Fixture, name: str) -> None:
    engine_minimum = minimums(symbols_and_requires(engine_document(fixture))[1]).get(name, 1)
    base = dict(base_point(fixture))
    failures: dict[int, str] = {}

    def accepts(size: int) -> bool:
        run = run_fixture(fixture, {**base, name: size})
        if run.failure is not None:
            failures[size] = run.failure
        return run.failure is None

    # Larger sizes than the minimum are test_oracle_symbolic's (random admissible sizes); here the
    # library must accept the minimum itself, and bisection below it must find nothing smaller.
    assert accepts(engine_minimum), f"the library rejects {name}={engine_minimum}: {failures[engine_minimum][:300]}"
    found = smallest(accepts, engine_minimum)
    assert found == engine_minimum, f"the library accepts {name}={found} (at {base}), the engine says {name} >= {engine_minimum}"
    if engine_minimum > 1:  # bisection ending at the minimum has seen the size below it fail
        assert engine_minimum - 1 in failures
