"""The engine's symbolic answer for a fixture, evaluated at concrete sizes and held to the library's.

Layers are grouped like the existing harnesses group them: by (1-based line of the constructor
call, class), each group the set of (output shape, parameter count) over its applications. A
symbolic size or count (``"H-2"``, ``"288*C+32"``) is evaluated with ``dim_at``.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Callable, Mapping

from engine_json import dim_at, engine_json, shape_from_json
from oracle_symbolic.corpus import Fixture
from oracle_symbolic.sizes import bound

Key = tuple[int, str]


@lru_cache(maxsize=None)
def engine_document(fixture: Fixture) -> dict:
    """What ``shapelens check --format json`` prints for the fixture."""
    return engine_json(str(fixture.path), fixture.source)


def symbols_and_requires(document: dict) -> tuple[dict[str, str], list[str]]:
    """The symbols (name → meaning) and requirements of every model of the file that has layers."""
    symbols: dict[str, str] = {}
    requires: list[str] = []
    for model in document["models"]:
        if not model["layers"]:
            continue
        symbols.update(model["symbols"])
        requires += [r for r in model["requires"] if r not in requires]
    return symbols, requires


def evaluated(shape: object, names: Mapping[str, object]) -> object:
    if not isinstance(shape, tuple):
        return shape
    if shape and isinstance(shape[0], tuple):
        return tuple(evaluated(part, names) for part in shape)
    return tuple(dim_at(dim, names) for dim in shape)


def engine_applications(document: dict, values: Mapping[str, int],
                        canonical: Callable[[str], str] = str) -> dict[Key, frozenset]:
    names = bound(values)
    applications: dict[Key, set] = defaultdict(set)
    for model in document["models"]:
        for layer in model["layers"]:
            key = (layer["range"]["start"]["line"] + 1, canonical(layer["class"]))
            shape = evaluated(shape_from_json(layer["output_shape"]), names)
            applications[key].add((shape, dim_at(layer["params"], names)))
    return {key: frozenset(apps) for key, apps in applications.items()}


def _fits(engine: object, library: object) -> bool:
    """The engine's value against the library's, an unknown (``None``) of the engine fitting anything."""
    if engine is None:
        return True
    if isinstance(engine, tuple) and isinstance(library, tuple) and len(engine) == len(library):
        return all(_fits(e, l) for e, l in zip(engine, library))
    return engine == library


# An empty ``nn.Sequential()`` (a ResNet block's identity shortcut) has no children, so torch's
# hooks see a leaf; it is no layer, and the engine lists none.
CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict"})


def mismatches(library: Mapping[Key, frozenset], engine: Mapping[Key, frozenset], unknown_allowed: bool,
               undecided_lines: frozenset[int] = frozenset()) -> list[str]:
    """Every layer whose applications differ. With ``unknown_allowed`` (an operation the engine does
    not model) an unknown size or count of the engine fits the library's, and nothing else does.
    A layer made on ``undecided_lines`` (a branch on the sizes, which the engine takes both ways)
    need only have every application the library made also in the engine's."""
    library = {key: apps for key, apps in library.items() if key[1] not in CONTAINERS}
    # a row of class "?" stands for entries the engine could not know (``nn.Sequential(*layers)`` of a
    # list it cannot follow), with the reason: it claims no shape and no count to compare
    engine = {key: apps for key, apps in engine.items() if key[1] != "?" or apps != {(None, None)}}
    found = []
    for key in sorted(set(library) | set(engine)):
        expected = library.get(key, frozenset())
        got = engine.get(key, frozenset())
        if unknown_allowed and expected and got:
            same = all(any(_fits(e, l) for l in expected) for e in got) and all(any(_fits(e, l) for e in got) for l in expected)
        elif key[0] in undecided_lines:
            same = expected <= got
        else:
            same = expected == got
        if not same:
            line, class_name = key
            found.append(f"line {line} {class_name}: library {sorted(expected, key=repr) or 'never ran it'} / "
                         f"engine {sorted(got, key=repr) or 'no such layer'}")
    return found
