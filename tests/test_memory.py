"""What an analysis leaves to Python's memory management: no reference cycles (everything it made
is freed by reference counting once the report is dropped), and the parse tree the report keeps
out of the young generations (so that the next young collection does not walk it)."""

from __future__ import annotations

import gc
from collections import Counter
from pathlib import Path
from typing import Iterator

import pytest

from shapelens.analysis import AnalysisOptions, analyze, keras_setup

FIXTURES = Path(__file__).parent / "fixtures"
# Keras' version unknown: every Keras layer is checked by both versions' rules (``keras/joined.py``).
UNKNOWN_KERAS = AnalysisOptions(keras_setup("auto", find_version=lambda distribution: None, environ={}))

BROKEN_HELPER_MODEL = '''
from tensorflow import keras
from tensorflow.keras import layers


def conv_block(x, filters):
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.MaxPooling2D()(x)


inputs = keras.Input(shape=(8, 8, 3))
x = inputs
for filters in (16, 32, 64, 128):
    x = conv_block(x, filters)
model = keras.Model(inputs, layers.Dense(10)(layers.Flatten()(x)))
'''


@pytest.fixture
def saved_garbage() -> Iterator[list]:
    """The cycle collector's findings, kept instead of freed (``DEBUG_SAVEALL``)."""
    gc.collect()
    gc.garbage.clear()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


@pytest.mark.parametrize("source, options", [
    pytest.param(BROKEN_HELPER_MODEL, None, id="a helper-built model that fails"),
    pytest.param(BROKEN_HELPER_MODEL, UNKNOWN_KERAS, id="the same, checked by both Keras versions"),
    pytest.param((FIXTURES / "keras/valid/resnet_blocks.py").read_text(), None, id="keras functional"),
    pytest.param((FIXTURES / "torch/broken/add_module_stem_wrong_linear.py").read_text(), None, id="torch, failing"),
])
def test_an_analysis_leaves_no_reference_cycles(saved_garbage: list, source: str, options) -> None:
    analyze(source, options)  # the first run also imports what the engine loads lazily
    gc.collect()
    saved_garbage.clear()
    report = analyze(source, options)
    assert report.models
    if source is BROKEN_HELPER_MODEL:
        assert any(d.severity == "error" for d in report.diagnostics)  # a failing layer keeps its exception
    del report
    gc.collect()
    assert Counter(type(o).__name__ for o in saved_garbage) == Counter()


def test_the_parse_tree_the_report_keeps_is_not_in_the_young_generations() -> None:
    report = analyze(BROKEN_HELPER_MODEL)
    nodes = [statement.node for statement in report.statements().statements]
    young = {id(o) for generation in (0, 1) for o in gc.get_objects(generation)}
    assert nodes and not any(id(node) in young for node in nodes)
