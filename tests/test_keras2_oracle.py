"""Keras 2 and Keras 3 side by side: every rule that differs, held to both real libraries.

Each fixture in tests/fixtures/keras2 is code written the Keras 2 way (``from tensorflow import
keras``, ``input_length=``, ``AveragePooling1D()``, ``tf_keras``) whose comments say what each
version does with it (tests/oracle_keras2/markers.py). Real Keras 2 (tf_keras 2.21 in
``.venv-keras2``, a subprocess) and real Keras 3 (this process) run every fixture; the engine,
told which version the code runs with, must report exactly what that version rejects, in its
words, and the shapes it builds. Told nothing (no Keras installed), it reports as errors only
what both versions reject and warns about the rest.

The Keras 3 corpus (tests/fixtures/keras) runs under Keras 2 too: wherever Keras 2 can run a
fixture, the engine in Keras 2 mode must agree with it. ``make test`` sets up ``.venv-keras2``
and requires these tests (``SHAPELENS_REQUIRE_KERAS2=1``); without that environment they skip.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Optional

import pytest

from oracle.corpus import load_corpus
from oracle.engine_view import EngineView, application_mismatches, view_of_report
from oracle.keras_truth import KerasOutcome, first_line, run_in_keras
from oracle_keras2.markers import VersionFixture
from oracle_keras2.runner import required_keras2_python, run_in_keras2
from shapelens.analysis import AnalysisOptions, analyze, keras_setup
from shapelens.analysis.report import report_json

pytestmark = pytest.mark.oracle

FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures" / "keras2"
FIXTURES = tuple(VersionFixture(p, p.read_text(encoding="utf-8")) for p in sorted(FIXTURE_DIR.glob("*.py")))
CASES = [(f, major) for f in FIXTURES for major in (2, 3) if not (major == 3 and f.tf_keras_only)]
CORPUS = load_corpus()
NOTHING_INSTALLED = AnalysisOptions(keras_setup("auto", find_version=lambda name: None, environ={}))


def case_id(case: object) -> str:
    return case.name if isinstance(case, VersionFixture) else f"keras{case}"


@lru_cache(maxsize=1)
def keras2_outcomes() -> dict[Path, KerasOutcome]:
    """Every fixture and corpus script under Keras 2, in one subprocess (cached per script)."""
    return run_in_keras2([f.path for f in FIXTURES] + [f.path for f in CORPUS], required_keras2_python())


def keras2_outcome(path: Path) -> KerasOutcome:
    try:
        return keras2_outcomes()[path]
    except RuntimeError as failed:  # the harness itself broke: that is a failure, not a skip
        pytest.fail(str(failed))


@lru_cache(maxsize=None)
def keras3_outcome(path: Path, source: str) -> KerasOutcome:
    return run_in_keras(path, source)


def truth(fixture: VersionFixture, major: int) -> KerasOutcome:
    return keras2_outcome(fixture.path) if major == 2 else keras3_outcome(fixture.path, fixture.source)


@lru_cache(maxsize=None)
def engine(path: Path, source: str, setting: str) -> EngineView:
    options = NOTHING_INSTALLED if setting == "unknown" else AnalysisOptions(keras_setup(setting))
    return view_of_report(report_json(str(path), analyze(source, options)))


# Keras 2 rejecting a Keras 3 API (not a shape): such a corpus script is not compared.
NOT_ABOUT_SHAPES = re.compile(r"Unrecognized keyword arguments|unexpected keyword argument|has no attribute")


def failure_lines(outcome: KerasOutcome) -> set[int]:
    """Where the library failed: the layer that was running, and the script's statement (a
    ``predict`` fails in a layer of the model, and is reported at the call)."""
    failure = outcome.failure
    if failure is None:
        return set()
    lines = {failure.statement_line} if failure.statement_line is not None else set()
    return lines | ({failure.failing_layer[0]} if failure.failing_layer else set())


def report(problems: list[str], view: EngineView) -> str:
    return "\n".join(problems) + "\nengine diagnostics:\n" + view.describe_diagnostics()


def quoted(message: str) -> str:
    """What a diagnostic quotes as the library's own words (``Keras fails with "..."``)."""
    after = message.split('Keras fails with "', 1)[1]
    for stop in ('" (TF 2.x:', '" (Keras 2:', '" ('):
        if stop in after:
            return after.split(stop, 1)[0]
    return after.rsplit('"', 1)[0]


def plain(text: str) -> str:
    """Without the ANSI bold of Keras 3's wrapper, with whitespace collapsed, with torch's
    ``torch.Size([5, 8])`` printed as the backend-neutral ``(5, 8)`` the engine quotes, and with
    the set of paddings Keras 3 prints in hash order in one order."""
    text = re.sub(r"torch\.Size\(\[([^\]]*)\]\)", r"(\1)", re.sub(r"\x1b\[[0-9;]*m", "", text))
    return re.sub(r"\s+", " ", text).replace("{'same', 'valid'}", "{'valid', 'same'}")


# --- the fixtures say what each version does ----------------------------------------------


def test_every_differing_rule_has_a_fixture() -> None:
    marked = {(m.major, m.severity, m.code) for f in FIXTURES for m in f.markers}
    one_sided = {(f.name, m.major) for f in FIXTURES for m in f.markers
                 if m.severity == "error" and not f.expected(5 - m.major, "error")}
    assert len(FIXTURES) >= 25
    assert {(2, "error", "input-mismatch"), (3, "error", "invalid-argument"), (3, "error", "rank-mismatch"),
            (2, "error", "invalid-argument"), (3, "error", "negative-dimension"), (3, "error", "input-mismatch"),
            (2, "warning", "input-mismatch"), (3, "warning", "input-mismatch")} <= marked
    assert len(one_sided) >= 10  # a rule one version enforces and the other does not
    assert any(f.tf_keras_only for f in FIXTURES)


@pytest.mark.parametrize("fixture, major", CASES, ids=case_id)
def test_fixture_behaves_as_marked_in_real_keras(fixture: VersionFixture, major: int) -> None:
    outcome = truth(fixture, major)
    expected = fixture.expected(major, "error")
    if not expected:
        assert outcome.failure is None, f"Keras {major} rejected the fixture:\n{outcome.describe()}"
        return
    (marker,) = expected  # Keras stops at the first exception
    assert outcome.failure is not None, f"Keras {major} accepted the fixture:\n{outcome.describe()}"
    assert marker.line in failure_lines(outcome), f"Keras {major} failed elsewhere: {outcome.failure}"


# --- the engine, told the version --------------------------------------------------------


@pytest.mark.parametrize("fixture, major", CASES, ids=case_id)
def test_engine_reports_what_that_version_does(fixture: VersionFixture, major: int) -> None:
    outcome = truth(fixture, major)
    view = engine(fixture.path, fixture.source, str(major))
    expected = {(m.line, m.code) for m in fixture.expected(major, "error")}
    problems = [f"no {code} error on line {line}" for line, code in sorted(expected) if not view.has("error", code, line)]
    problems += [f"unexpected {d.describe()}" for d in view.with_severity("error") if (d.line, d.code) not in expected]
    problems += [f"no {m.code} warning on line {m.line}" for m in fixture.expected(major, "warning")
                 if not view.has("warning", m.code, m.line)]
    problems += application_mismatches(outcome.applications, view.applications,
                                       keras_stopped_early=outcome.failure is not None)
    assert not problems, report(problems, view)


@pytest.mark.parametrize("fixture, major", [c for c in CASES if c[0].expected(c[1], "error")], ids=case_id)
def test_engine_quotes_that_version(fixture: VersionFixture, major: int) -> None:
    outcome = truth(fixture, major)
    assert outcome.failure is not None
    (marker,) = fixture.expected(major, "error")
    view = engine(fixture.path, fixture.source, str(major))
    (diagnostic,) = [d for d in view.with_severity("error") if d.line == marker.line]
    library = plain(outcome.failure.message)
    words = [part.strip() for part in plain(quoted(diagnostic.message)).split("...") if part.strip()]
    assert words and all(part in library for part in words), (
        f"the engine quotes {words}\nKeras {major} says: {first_line(outcome.failure.message)[:600]}\n{library[-600:]}")


# --- the engine, told nothing ---------------------------------------------------------------


@pytest.mark.parametrize("fixture", FIXTURES, ids=case_id)
def test_unknown_version_errs_only_where_both_fail(fixture: VersionFixture) -> None:
    """The markers, held to both libraries above, say where each version fails."""
    majors = (2,) if fixture.tf_keras_only else (2, 3)
    failing = {major: {(m.line, m.code) for m in fixture.expected(major, "error")} for major in majors}
    view = engine(fixture.path, fixture.source, "unknown")
    problems = []
    both = set.intersection(*failing.values())
    problems += [f"no {code} error on line {line}" for line, code in sorted(both) if not view.has("error", code, line)]
    problems += [f"an error where not every version fails: {d.describe()}"
                 for d in view.with_severity("error") if (d.line, d.code) not in both]
    for major in majors:
        for line, code in sorted(failing[major] - both):
            warned = [d for d in view.with_severity("warning") if d.line == line and d.code == code]
            if not warned:
                problems.append(f"no {code} warning on line {line}, where only Keras {major} fails")
            elif not any(f"Keras {major} rejects this" in d.message for d in warned):
                problems.append(f"the warning on line {line} does not say that Keras {major} rejects it")
    # sizes every version agrees on are kept
    outcomes = {major: truth(fixture, major) for major in majors}
    agreed = {key: apps for key, apps in outcomes[majors[0]].applications.items()
              if all(outcomes[m].applications.get(key) == apps for m in majors)}
    stopped = any(o.failure is not None for o in outcomes.values())
    problems += application_mismatches(agreed, view.applications, keras_stopped_early=stopped)
    assert not problems, report(problems, view)


@pytest.mark.parametrize("fixture", [f for f in FIXTURES if f.tf_keras_only], ids=case_id)
def test_tf_keras_code_is_keras2_whatever_is_said(fixture: VersionFixture) -> None:
    keras2 = engine(fixture.path, fixture.source, "2")
    for setting in ("3", "auto", "unknown"):
        assert engine(fixture.path, fixture.source, setting).diagnostics == keras2.diagnostics, setting


# --- the Keras 3 corpus under Keras 2 ------------------------------------------------------


# Corpus scripts where Keras 2's eager execution accepts what its graph mode (fit, predict) rejects:
# the script calls a subclassed model eagerly, and TensorFlow's eager CPU max_pool gives an empty
# map where the graph raises "Negative dimension size" (checked by hand in .venv-keras2:
# `model(x)` returns (2, 10), `model.predict(x)` raises). The engine reports what fit and predict
# do; for these scripts the comparison of errors is skipped, the shapes are still compared.
EAGER_ONLY_ACCEPTS = {"subclass_pool_too_deep.py": 11}


def corpus_comparison(fixture) -> Optional[list[str]]:
    """The engine in Keras 2 mode against Keras 2 on one corpus script; None when Keras 2 cannot
    run the script for reasons that are not about shapes (a Keras 3 API it lacks)."""
    outcome = keras2_outcome(fixture.path)
    failure = outcome.failure
    lines = failure_lines(outcome)
    if failure is not None and (failure.error_type != "ValueError" or not lines
                                or NOT_ABOUT_SHAPES.search(failure.message)):
        return None
    view = engine(fixture.path, fixture.source, "2")
    lines |= {EAGER_ONLY_ACCEPTS[fixture.name]} if fixture.name in EAGER_ONLY_ACCEPTS else set()
    problems = [f"unexpected {d.describe()}" for d in view.with_severity("error") if d.line not in lines]
    if failure is not None and not any(d.line in lines for d in view.with_severity("error")):
        problems.append(f"no error on line {sorted(lines)}, where Keras 2 fails: {first_line(failure.message)[:200]}")
    problems += application_mismatches(outcome.applications, view.applications, keras_stopped_early=failure is not None)
    return [f"{fixture.name}: {p}" for p in problems]


def test_keras3_corpus_under_keras2() -> None:
    compared, skipped, problems = 0, [], []
    for fixture in CORPUS:
        found = corpus_comparison(fixture)
        if found is None:
            skipped.append(fixture.name)
            continue
        compared += 1
        problems += found
    assert compared >= 90, f"only {compared} corpus scripts run under Keras 2; not run: {skipped}"
    assert not problems, "\n".join(problems)
