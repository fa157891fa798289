"""Targets checked against the cross-entropy a Keras model is compiled with, held to both real
libraries: each case trains a small model in Keras 3 (this process) and Keras 2 (``.venv-keras2``),
and the engine, told that version, must report ``loss-target`` exactly where that version fails,
quoting its words. The engine prints the batch axis as ``None``; the libraries print the size of
the batch that failed (torch as ``torch.Size([...])``), which is the one difference allowed.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import pytest

from oracle.keras_truth import KerasOutcome, run_in_keras
from oracle_keras2.runner import required_keras2_python, run_in_keras2
from shapelens.analysis import AnalysisOptions, analyze, keras_setup

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("keras")

SCRIPT = '''import numpy as np
import keras
from keras import layers

x = np.random.rand({rows}, 6).astype("float32")
y = {target}
model = keras.Sequential([layers.Input(shape=(6,)), layers.Dense({units}, activation="{activation}")])
model.compile(optimizer="adam", loss={loss})
model.fit(x, y, epochs=1, batch_size=8, verbose=0)
'''

INTEGERS = "np.random.randint(0, {units}, size={shape})"
ONE_HOT = "keras.utils.to_categorical(np.random.randint(0, {width}, size={rows}), {width})"

# (name, loss as written, target as written, units)
CASES = [
    ("categorical_integer_labels", '"categorical_crossentropy"', INTEGERS.format(units=10, shape="(24,)"), 10),
    ("categorical_label_column", '"categorical_crossentropy"', INTEGERS.format(units=10, shape="(24, 1)"), 10),
    ("categorical_one_hot", '"categorical_crossentropy"', ONE_HOT.format(width=10, rows=24), 10),
    ("categorical_one_hot_too_narrow", '"categorical_crossentropy"', ONE_HOT.format(width=5, rows=24), 10),
    ("categorical_object_integer_labels", "keras.losses.CategoricalCrossentropy()", INTEGERS.format(units=3, shape="(24,)"), 3),
    ("categorical_class_name_string", '"CategoricalCrossentropy"', ONE_HOT.format(width=4, rows=24), 4),
    ("sparse_integer_labels", '"sparse_categorical_crossentropy"', INTEGERS.format(units=10, shape="(24,)"), 10),
    ("sparse_label_column", '"sparse_categorical_crossentropy"', INTEGERS.format(units=10, shape="(24, 1)"), 10),
    ("sparse_one_hot", '"sparse_categorical_crossentropy"', ONE_HOT.format(width=10, rows=24), 10),
    ("sparse_object_one_hot", "keras.losses.SparseCategoricalCrossentropy(from_logits=True)", ONE_HOT.format(width=3, rows=24), 3),
    ("binary_single_unit", '"binary_crossentropy"', INTEGERS.format(units=2, shape="(24,)"), 1),
    ("binary_single_unit_column", "keras.losses.BinaryCrossentropy()", INTEGERS.format(units=2, shape="(24, 1)"), 1),
    ("binary_two_units", '"binary_crossentropy"', INTEGERS.format(units=2, shape="(24,)"), 2),
    ("binary_two_label_columns_one_unit", '"binary_crossentropy"', INTEGERS.format(units=2, shape="(24, 2)"), 1),
    ("binary_multi_label", '"binary_crossentropy"', INTEGERS.format(units=2, shape="(24, 5)"), 5),
    ("function_from_keras_losses", "keras.losses.categorical_crossentropy", INTEGERS.format(units=4, shape="(24,)"), 4),
    # one-hot rows picked from an identity matrix: of a label column, each row keeps its axis of 1
    ("categorical_eye_of_labels", '"categorical_crossentropy"', "np.eye(10)[" + INTEGERS.format(units=10, shape="(24,)") + "]", 10),
    ("categorical_eye_of_label_column", '"categorical_crossentropy"',
     "np.eye(10)[" + INTEGERS.format(units=10, shape="(24, 1)") + "]", 10),
    # 20 rows in batches of 8: the last batch is smaller, so Keras 2's graph does not know the batch size
    ("sparse_one_hot_uneven_batches", '"sparse_categorical_crossentropy"', ONE_HOT.format(width=10, rows=20), 10),
    ("categorical_integer_labels_uneven_batches", '"categorical_crossentropy"', INTEGERS.format(units=10, shape="(20,)"), 10),
]
IDS = [case[0] for case in CASES]


def source(loss: str, target: str, units: int) -> str:
    activation = "sigmoid" if units == 1 or "binary" in loss.lower() else "softmax"
    rows = 20 if "20" in target else 24
    return SCRIPT.format(loss=loss, target=target, units=units, activation=activation, rows=rows)


@lru_cache(maxsize=1)
def scripts(folder: str) -> dict[str, Path]:
    paths = {}
    for name, loss, target, units in CASES:
        path = Path(folder) / f"{name}.py"
        path.write_text(source(loss, target, units), encoding="utf-8")
        paths[name] = path
    return paths


@pytest.fixture(scope="module")
def script_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return scripts(str(tmp_path_factory.mktemp("loss_targets")))


@pytest.fixture(scope="module")
def keras2_outcomes(script_paths: dict[str, Path]) -> dict[Path, KerasOutcome]:
    return run_in_keras2(list(script_paths.values()), required_keras2_python())


def plain(text: str, batch: str) -> str:
    """The library's words with the failing batch's size printed as the engine prints it."""
    text = re.sub(r"torch\.Size\(\[([^\]]*)\]\)", lambda m: f"({m.group(1)},)" if "," not in m.group(1) else f"({m.group(1)})",
                  re.sub(r"\x1b\[[0-9;]*m", "", text))
    text = re.sub(r"\s+", " ", text)
    text = re.sub(rf"\(({batch}|None)(?=[,)])", "(None", text)
    # Keras 2 flattens a sparse loss's labels first: their one axis counts the batch's labels
    return re.sub(r"labels\.shape=\(\d+,\)", "labels.shape=(None,)", text)


def engine_findings(path: Path, major: int) -> list:
    options = AnalysisOptions(keras_setup(str(major)))
    report = analyze(path.read_text(encoding="utf-8"), options)
    return [d for d in report.diagnostics if d.code == "loss-target"]


def check(outcome: KerasOutcome, path: Path, major: int) -> None:
    found = engine_findings(path, major)
    failure = outcome.failure
    if failure is None:
        assert not found, f"Keras {major} trains, the engine reports: {found[0].message}"
        return
    # Keras 2 finds some mismatches only when its kernel runs (InvalidArgumentError)
    assert failure.error_type in ("ValueError", "InvalidArgumentError") and failure.statement_line == 9, failure
    assert len(found) == 1 and found[0].severity == "error" and found[0].span.start_line == 8, (
        f"Keras {major} fails with {failure.message[-300:]!r}; the engine reports {[d.message for d in found]}")
    quoted = found[0].message.split('Keras fails with "', 1)[1].split('"', 1)[0]
    library = plain(failure.message, "8")
    assert quoted in library, f"the engine quotes {quoted!r}\nKeras {major} says {library[-400:]!r}"


@pytest.mark.parametrize("name", IDS)
def test_keras3(name: str, script_paths: dict[str, Path]) -> None:
    path = script_paths[name]
    check(run_in_keras(path, path.read_text(encoding="utf-8")), path, 3)


@pytest.mark.parametrize("name", IDS)
def test_keras2(name: str, script_paths: dict[str, Path], keras2_outcomes: dict[Path, KerasOutcome]) -> None:
    path = script_paths[name]
    check(keras2_outcomes[path], path, 2)


def test_the_cases_cover_both_outcomes_in_both_versions(script_paths: dict[str, Path],
                                                         keras2_outcomes: dict[Path, KerasOutcome]) -> None:
    keras3 = [run_in_keras(p, p.read_text(encoding="utf-8")).failure is not None for p in script_paths.values()]
    keras2 = [keras2_outcomes[p].failure is not None for p in script_paths.values()]
    assert 5 <= sum(keras3) <= len(CASES) - 5 and 5 <= sum(keras2) <= len(CASES) - 5


def test_an_unknown_loss_or_target_gives_no_finding() -> None:
    unknown_loss = source("my_loss", INTEGERS.format(units=10, shape="(24,)"), 10).replace(
        "model = keras", "def my_loss(y_true, y_pred):\n    return keras.ops.mean(y_pred)\nmodel = keras")
    unknown_target = source('"categorical_crossentropy"', "np.load('labels.npy')", 10)
    focal = source('"categorical_focal_crossentropy"', INTEGERS.format(units=10, shape="(24,)"), 10)
    for text in (unknown_loss, unknown_target, focal):
        assert not [d for d in analyze(text).diagnostics if d.code == "loss-target"]


def test_a_loss_chosen_on_an_undecided_path_warns() -> None:
    text = source('"sparse_categorical_crossentropy"', INTEGERS.format(units=10, shape="(24,)"), 10)
    text = text.replace("import numpy", "import sys\nimport numpy").replace(
        'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")',
        'if "--one-hot" in sys.argv:\n    model.compile(optimizer="adam", loss="categorical_crossentropy")\n'
        'else:\n    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")')
    assert "--one-hot" in text
    (finding,) = [d for d in analyze(text).diagnostics if d.code == "loss-target"]
    assert finding.severity == "warning" and "--one-hot" in finding.message


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "keras" / "broken"


def offered(path: Path) -> list[tuple[str, str]]:
    from shapelens.fixes import apply_edits, fixes_for

    text = path.read_text(encoding="utf-8")
    report = analyze(text)
    (finding,) = [d for d in report.diagnostics if d.code == "loss-target"]
    return [(fix.title, apply_edits(text, fix.edits)) for fix in fixes_for(text, report, finding)]


def test_the_quick_fix_renames_the_loss_where_it_is_written() -> None:
    ((title, fixed),) = offered(FIXTURES / "cifar10_cnn_label_column_categorical_loss.py")
    assert title == "Use loss SparseCategoricalCrossentropy"
    assert "loss=keras.losses.SparseCategoricalCrossentropy()," in fixed
    ((title, fixed),) = offered(FIXTURES / "sparse_loss_on_one_hot_labels.py")
    assert 'loss="categorical_crossentropy"' in fixed and not [d for d in analyze(fixed).diagnostics if d.severity == "error"]


def test_no_quick_fix_when_another_loss_would_break_the_training_targets() -> None:
    # the validation labels are integers but the training labels one-hot: no loss fits both
    assert offered(FIXTURES / "validation_labels_not_one_hot.py") == []
