"""The engine's symbolic shapes against real Keras 3 / torch, at concrete sizes.

Each fixture in tests/fixtures/symbolic/{keras,torch} defines a model whose input the file does
not fix (a builder with required parameters, a module nobody instantiates, ``keras.Input`` with
``None`` sizes, a Sequential with no input). The engine analyses it once, symbolically; the
harness (tests/oracle_symbolic) then picks at least three assignments of the engine's symbols
that its ``requires`` allow (the smallest, and random ones), builds the model at each in the real
library as the fixture's ``# oracle:`` marker says, and checks that every layer's shape and
parameter count, evaluated at those sizes, is the library's, and that the library accepts them.
"""

from __future__ import annotations

import zlib
from typing import Callable

import pytest

from oracle_symbolic.compare import engine_applications, engine_document, mismatches, symbols_and_requires
from oracle_symbolic.corpus import Fixture, load_corpus
from oracle_symbolic.library import run_fixture
from oracle_symbolic.sizes import choose_points

pytestmark = pytest.mark.oracle

CORPUS = load_corpus()
POINTS_PER_FIXTURE = 3


def canonical_class(framework: str) -> Callable[[str], str]:
    """Keras' aliases name one class (``MaxPool2D`` is ``MaxPooling2D``), as the Keras harness has it."""
    if framework == "keras":
        from oracle.keras_truth import canonical_layer_class

        return canonical_layer_class
    return lambda name: name


def fixture_id(fixture: Fixture) -> str:
    return fixture.name


def points_for(fixture: Fixture) -> list[dict[str, int]]:
    symbols, requires = symbols_and_requires(engine_document(fixture))
    return choose_points(symbols, [*requires, *fixture.extra_conditions], POINTS_PER_FIXTURE, zlib.crc32(fixture.name.encode()))


def call_name(fixture: Fixture) -> str:
    return fixture.calls[0].split("(")[0] if fixture.calls else ""


def symbolic_layers(document: dict) -> list[dict]:
    return [layer for model in document["models"] for layer in model["layers"]
            if any(isinstance(d, str) for d in (layer["output_shape"] or []) if not isinstance(d, list))]


# --- the corpus itself -------------------------------------------------------------------


def test_corpus_is_large_and_written_in_every_form() -> None:
    assert len(CORPUS) >= 30, len(CORPUS)
    by_framework = {framework: [f for f in CORPUS if f.framework == framework] for framework in ("keras", "torch")}
    assert all(len(fixtures) >= 12 for fixtures in by_framework.values()), {k: len(v) for k, v in by_framework.items()}
    forms = {
        "Keras builder with required parameters": lambda f: f.framework == "keras" and f"def {call_name(f)}(" in f.source,
        "keras.Input with None sizes": lambda f: bool(f.input_shapes),
        "Keras Sequential with no input": lambda f: f.framework == "keras" and ".build((None" in "".join(f.calls),
        "torch module nobody instantiates": lambda f: f.framework == "torch" and f"class {call_name(f)}(" in f.source,
        "torch builder function with required parameters": lambda f: f.framework == "torch" and f"def {call_name(f)}(" in f.source,
        "unmodelled operation in the middle (Keras)": lambda f: f.framework == "keras" and bool(f.unmodelled_lines),
        "unmodelled operation in the middle (torch)": lambda f: f.framework == "torch" and bool(f.unmodelled_lines),
    }
    missing = [form for form, test in forms.items() if not any(test(f) for f in CORPUS)]
    assert missing == []
    equations = [f.name for f in CORPUS if any("==" in r for r in symbols_and_requires(engine_document(f))[1])]
    assert len(equations) >= 3, equations
    symbolic_params = [f.name for f in CORPUS
                       if any(isinstance(l["params"], str) for m in engine_document(f)["models"] for l in m["layers"])]
    assert len(symbolic_params) >= 8, symbolic_params


@pytest.mark.parametrize("fixture", CORPUS, ids=fixture_id)
def test_engine_names_the_symbols_the_oracle_builds_with(fixture: Fixture) -> None:
    document = engine_document(fixture)
    symbols, _ = symbols_and_requires(document)
    assert {name.split(".")[0] for name in symbols} == fixture.symbol_names(), f"engine symbols {symbols}"
    assert symbolic_layers(document), "no layer has a symbolic size: the fixture does not exercise symbols"
    assert [d["message"] for d in document["diagnostics"] if d["severity"] == "error"] == []


@pytest.mark.parametrize("fixture", CORPUS, ids=fixture_id)
def test_symbolic_shapes_match_the_library_at_chosen_sizes(fixture: Fixture) -> None:
    document = engine_document(fixture)
    points = points_for(fixture)
    assert len(points) >= POINTS_PER_FIXTURE, f"only {points} meet {symbols_and_requires(document)[1]}"
    problems = []
    for values in points:
        run = run_fixture(fixture, values)
        if run.failure is not None:
            problems.append(f"at {values} the library rejects sizes the engine's requires allow: {run.failure}")
            continue
        if not run.applications:
            problems.append(f"at {values} no layer ran")
        engine = engine_applications(document, values, canonical_class(fixture.framework))
        problems += [f"at {values}: {m}"
                     for m in mismatches(run.applications, engine, bool(fixture.unmodelled_lines), fixture.undecided_lines)]
    assert problems == [], "\n".join(problems)
