"""Code whose Keras version is not known: a layer whose rows differ only in their dialect runs
once when Keras 2 answers its questions as Keras 3 did (``keras/joined.py``). The reports are
the ones running every version in full gives."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from shapelens.analysis import AnalysisOptions, analyze, keras_setup
from shapelens.analysis.keras import joined
from shapelens.analysis.keras.rules import EITHER_RULES
from shapelens.analysis.report import report_json

ROOT = Path(__file__).resolve().parent.parent
UNKNOWN_KERAS = AnalysisOptions(keras_setup("auto", find_version=lambda distribution: None, environ={}))
KERAS_FILES = sorted(
    path for path in (ROOT / "tests" / "fixtures").rglob("*.py")
    if "keras" in (text := path.read_text(encoding="utf-8")) or "tensorflow" in text
)


@pytest.fixture
def every_version_in_full() -> Iterator[None]:
    """Every joined rule without its asking row: each version's row runs, as before the shortcut."""
    saved = {id(rule): (rule, rule.asking) for rule in EITHER_RULES.values()}
    for rule, _ in saved.values():
        object.__setattr__(rule, "asking", None)
    yield
    for rule, asking in saved.values():
        object.__setattr__(rule, "asking", asking)


def reports(paths: list[Path]) -> dict[str, dict]:
    return {path.name: report_json(path.name, analyze(path.read_text(encoding="utf-8"), UNKNOWN_KERAS)) for path in paths}


def test_most_keras_rows_differ_only_in_their_dialect() -> None:
    twins = [name for name, rule in EITHER_RULES.items() if rule.asking is not None]
    assert len(twins) > len(EITHER_RULES) * 3 // 4
    assert EITHER_RULES["AveragePooling1D"].asking is None  # Keras 2 gives it another default pool_size


def test_the_shortcut_changes_no_report(request: pytest.FixtureRequest) -> None:
    assert len(KERAS_FILES) > 150
    fast = reports(KERAS_FILES)
    request.getfixturevalue("every_version_in_full")
    full = reports(KERAS_FILES)
    different = [name for name in fast if fast[name] != full[name]]
    assert not different, different
    # the versions disagree somewhere in the corpus, so the comparison covers warnings and errors
    assert any("rejects this" in d["message"] for r in full.values() for d in r.get("diagnostics", ()))


def test_a_question_answered_otherwise_runs_keras_2_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    source = ("from tensorflow import keras\nfrom tensorflow.keras import layers\n"
              "model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(8, 3, padding='same'),\n"
              "                          layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10)])\n")
    alike = report_json("m.py", analyze(source, UNKNOWN_KERAS))
    asked: list[int] = []
    monkeypatch.setattr(joined, "answers_alike", lambda log, dialect: asked.append(len(log)) or False)
    otherwise = report_json("m.py", analyze(source, UNKNOWN_KERAS))
    assert asked and max(asked) > 0  # Conv2D asks its dialect which paddings it takes
    assert otherwise == alike
    assert [layer["output_shape"] for layer in otherwise["models"][0]["layers"]][-1] == [None, 10]
