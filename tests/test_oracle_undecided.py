"""Scripts whose models depend on what the engine cannot decide (a setting read from the
environment when the script runs), against the real library.

Each fixture in tests/fixtures/{keras,torch}/undecided runs in Keras 3 or torch with its default
setting and builds without error. The engine cannot know that setting: it must report no error,
leave unknown what depends on it (at least one layer of each fixture), and every shape and
parameter count it does give must be one the library computed for that layer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oracle import corpus as keras_corpus
from oracle.engine_view import engine_view as keras_engine_view
from oracle.keras_truth import run_in_keras
from oracle_torch import corpus as torch_corpus
from oracle_torch.engine_view import engine_view as torch_engine_view
from oracle_torch.torch_truth import run_in_torch

pytestmark = pytest.mark.oracle

FIXTURES = Path(__file__).resolve().parent / "fixtures"
KERAS = sorted((FIXTURES / "keras" / "undecided").glob("*.py"))
TORCH = sorted((FIXTURES / "torch" / "undecided").glob("*.py"))


def consistent(engine: tuple, library: tuple) -> bool:
    """An engine application that the library's agrees with: the sizes and parameter count the
    engine knows are the library's (an unknown or symbolic size or count is not a claim)."""
    (shape, params), (real_shape, real_params) = engine, library
    if isinstance(params, int) and params != real_params:
        return False
    if not isinstance(shape, tuple) or not isinstance(real_shape, tuple) or len(shape) != len(real_shape):
        return shape == real_shape
    return all(not isinstance(size, int) or size == real for size, real in zip(shape, real_shape))


def unsound(library: dict, engine: dict) -> list[str]:
    """The (output shape, params) the engine gives that the library did not compute for that layer."""
    problems = []
    for key, found in sorted(engine.items()):
        known = {app for app in found if app[0] is not None}
        if not all(any(consistent(app, real) for real in library.get(key, ())) for app in known):
            problems.append(f"line {key[0]} {key[1]}: engine {sorted(known, key=repr)} / library "
                            f"{sorted(library.get(key, ()), key=repr)}")
    return problems


def unknown_layers(engine: dict) -> list:
    """The layers of which the engine leaves the output shape or the parameter count unknown."""
    return [key for key, found in engine.items() if any(app[0] is None or app[1] is None for app in found)]


@pytest.mark.parametrize("path", KERAS, ids=lambda p: p.name)
def test_keras_script_with_an_undecided_model_is_reported_soundly(path: Path) -> None:
    fixture = keras_corpus.load_fixture(path)
    outcome = run_in_keras(path, fixture.source)
    assert outcome.failure is None, "the fixture itself must build in Keras"
    view = keras_engine_view(path, fixture.source)
    assert view.with_severity("error") == ()
    assert unsound(dict(outcome.applications), dict(view.applications)) == []
    assert unknown_layers(dict(view.applications)), "the fixture is meant to depend on an undecided setting"


@pytest.mark.parametrize("path", TORCH, ids=lambda p: p.name)
def test_torch_script_with_an_undecided_model_is_reported_soundly(path: Path) -> None:
    fixture = torch_corpus.load_fixture(path)
    outcome = run_in_torch(fixture)
    assert outcome.failure is None, "the fixture itself must run in torch"
    view = torch_engine_view(str(path), fixture.source)
    assert view.errors == ()
    assert unsound(dict(outcome.applications), dict(view.applications)) == []
    assert unknown_layers(dict(view.applications)), "the fixture is meant to depend on an undecided setting"


def test_the_undecided_corpora_are_there() -> None:
    assert len(KERAS) >= 1 and len(TORCH) >= 1
