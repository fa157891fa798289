"""The engine against real Keras 3, fixture by fixture.

Each fixture in tests/fixtures/keras/{valid,broken,seeds} is a user script. Real Keras runs it
(tests/oracle/keras_truth.py) and the engine analyses it; for every layer Keras built, the engine's
output shape and parameter count must be Keras'. Valid scripts must draw no error from the engine;
broken ones must draw the marked error on the marked line.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from oracle.corpus import ERROR_CODES, STATEMENT_CODES, WARNING_CODES, Fixture, broken_fixtures, load_corpus, valid_fixtures
from oracle.engine_view import EngineView, application_mismatches, engine_view
from oracle.keras_truth import KerasOutcome, first_line, run_in_keras

pytestmark = pytest.mark.oracle

VALID = valid_fixtures()
BROKEN = broken_fixtures()


@lru_cache(maxsize=None)
def keras_outcome(fixture: Fixture) -> KerasOutcome:
    return run_in_keras(fixture.path, fixture.source)


@lru_cache(maxsize=None)
def engine_outcome(fixture: Fixture) -> EngineView:
    return engine_view(fixture.path, fixture.source)


def fixture_id(fixture: Fixture) -> str:
    return fixture.name


def report(problems: list[str], view: EngineView) -> str:
    return "\n".join(problems) + "\nengine diagnostics:\n" + view.describe_diagnostics()


# --- the corpus itself -------------------------------------------------------------------


def test_corpus_is_large_enough_and_covers_every_code() -> None:
    assert len(VALID) >= 30, f"only {len(VALID)} valid fixtures"
    assert len(BROKEN) >= 20, f"only {len(BROKEN)} broken fixtures"
    names = [f.name for f in load_corpus()]
    assert len(names) == len(set(names)), "fixture file names must be unique across folders"
    for code in sorted(ERROR_CODES):
        users = [f.name for f in BROKEN if any(e.code == code for e in f.expected_errors)]
        assert len(users) >= 3, f"error code {code} is exercised by only {users}"
    for code in sorted(WARNING_CODES):
        users = [f.name for f in VALID if any(e.code == code for e in f.expected_warnings)]
        assert users, f"warning code {code} is exercised by no valid fixture"


def test_every_broken_fixture_marks_exactly_one_error() -> None:
    # Keras stops at the first exception, so a second marked error could never be confirmed.
    assert [f.name for f in BROKEN if len(f.expected_errors) != 1] == []


def test_every_seed_article_example_is_a_fixture() -> None:
    seeds = [f for f in load_corpus() if f.folder == "seeds"]
    # The four articles in /work/shared/seeds hold 3 + 3 + 3 + 3 code examples.
    assert len(seeds) == 12
    for fixture in seeds:
        assert re.match(r"#.*article.*example", fixture.source.splitlines()[0], re.IGNORECASE), fixture.name


# The layer rules the engine implements, all of which some valid fixture must exercise.
REQUIRED_LAYER_CLASSES = frozenset(
    """
    Conv1D Conv2D Conv3D Conv1DTranspose Conv2DTranspose Conv3DTranspose SeparableConv1D SeparableConv2D
    DepthwiseConv1D DepthwiseConv2D MaxPooling1D MaxPooling2D MaxPooling3D AveragePooling1D AveragePooling2D
    AveragePooling3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D GlobalAveragePooling1D
    GlobalAveragePooling2D GlobalAveragePooling3D Dense Flatten Reshape Permute RepeatVector Dropout
    SpatialDropout1D SpatialDropout2D SpatialDropout3D GaussianNoise BatchNormalization LayerNormalization
    Activation ReLU LeakyReLU PReLU ELU Softmax Rescaling Normalization Resizing CenterCrop UpSampling1D
    UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D Cropping1D Cropping2D Cropping3D
    Embedding SimpleRNN LSTM GRU Bidirectional TimeDistributed Lambda Concatenate Add Multiply Average
    Subtract Maximum Attention MultiHeadAttention Dot
    """.split()
)

# Argument forms the engine must read; each pattern must match some valid fixture's source.
REQUIRED_SOURCE_FORMS = {
    "import tensorflow as tf": r"^import tensorflow as tf$",
    "tf.keras.layers.X": r"\btf\.keras\.layers\.\w+\(",
    "from tensorflow.keras import layers": r"^from tensorflow\.keras import .*\blayers\b",
    "from tensorflow.keras.layers import X": r"^from tensorflow\.keras\.layers import \w",
    "import keras": r"^import keras$",
    "from keras import layers, models": r"^from keras import layers, models$",
    "from keras.layers import X": r"^from keras\.layers import [A-Z]",
    "from keras.layers import *": r"^from keras\.layers import \*$",
    "import keras.layers as L": r"^import keras\.layers as \w+$",
    "from keras.layers import X as Y": r"^from keras\.layers import .*\b\w+ as \w+",
    "Sequential([...])": r"Sequential\(\[",
    "Sequential(layers=[...])": r"Sequential\(\s*layers=\[",
    "model.add(...)": r"\.add\(",
    "input_shape=": r"\binput_shape=",
    "input_dim=": r"\binput_dim=",
    "InputLayer": r"\bInputLayer\(",
    "Input(...) imported bare": r"(?<![.\w])Input\(shape=",
    "Model(inputs=..., outputs=...)": r"Model\(inputs=",
    "keras.Model(inputs, outputs)": r"keras\.Model\(\w+, \w+",
    "layers.concatenate([...])": r"layers\.concatenate\(\[",
    "constant arithmetic": r"\b[A-Z_]+ // \d",
    "tuple bound to a name": r"^[A-Z_]+ = \(\w+, \w+, \w+\)$",
    "def build_model with defaults": r"^def build_model\(\w+=\(",
    "block helper": r"^def \w+_block\(x, ",
    "for loop over a literal list": r"^\s*for \w+ in \[[\d, ]+\]:",
    "for loop over range": r"^\s*for \w+ in range\(",
    "padding='causal'": r"padding=[\"']causal",
    "padding='same'": r"padding=[\"']same",
    "dilation_rate=": r"dilation_rate=",
    "strides=": r"strides=",
    "channels_first": r"data_format=[\"']channels_first",
    "output_padding=": r"output_padding=",
    "return_state=True": r"return_state=True",
    "return_sequences=True": r"return_sequences=True",
    "merge_mode=": r"merge_mode=",
    "keepdims=True": r"keepdims=True",
    "MaxPool2D alias": r"\bMaxPool2D\(",
    "Reshape with -1": r"Reshape\(\(-1|Reshape\(\(.*-1\)",
    # data and configuration (issue #12)
    "keras.datasets loader": r"^\(\w+, \w+\), \(\w+, \w+\) = (\w+\.)*load_data\(",
    "tf.keras.datasets": r"tf\.keras\.datasets\.\w+",
    "input_shape=x_train.shape[1:]": r"input_shape=\w+\.shape\[1:\]",
    "pad_sequences(..., maxlen=...)": r"pad_sequences\(\w+, maxlen=",
    "keras.utils.to_categorical": r"keras\.utils\.to_categorical\(",
    "np.expand_dims": r"np\.expand_dims\(",
    "reshape with -1 on data": r"\.reshape\(-1, ",
    ".astype(...) chained on a factory": r"np\.random\.\w+\(.*\)\.astype\(",
    "model.fit builds a Sequential": r"^model\.add\(Embedding\(max_features, \d+\)\)$",
    "K.image_data_format()": r"K\.image_data_format\(\) == ['\"]channels_first",
    "keras.config.image_data_format()": r"keras\.config\.image_data_format\(\)",
    "model.build(input_shape=...)": r"\.build\(input_shape=",
    "argparse default": r"add_argument\([\"']--[\w-]+[\"'], type=int, default=\d+",
    "args.x": r"\bargs\.\w+",
    "config dict": r"config\[[\"']\w+[\"']\]",
    "@dataclass": r"^@dataclass$",
    "class attribute config": r"^class CFG:$",
    "SimpleNamespace": r"SimpleNamespace\(",
}


def test_valid_corpus_uses_every_import_style_and_argument_form() -> None:
    sources = "\n".join(f.source for f in VALID)
    missing = [form for form, pattern in REQUIRED_SOURCE_FORMS.items() if not re.search(pattern, sources, re.MULTILINE)]
    assert missing == []


def test_valid_corpus_builds_every_layer_rule_in_keras() -> None:
    built = {cls for fixture in VALID for (_, cls) in keras_outcome(fixture).applications}
    assert sorted(REQUIRED_LAYER_CLASSES - built) == []


# --- Keras alone: the fixtures say what they claim ---------------------------------------


@pytest.mark.parametrize("fixture", VALID, ids=fixture_id)
def test_valid_fixture_builds_in_keras(fixture: Fixture) -> None:
    outcome = keras_outcome(fixture)
    assert outcome.failure is None, f"Keras rejected a valid fixture:\n{outcome.describe()}"
    assert outcome.applications, "the fixture built no layer"


@pytest.mark.parametrize("fixture", BROKEN, ids=fixture_id)
def test_broken_fixture_raises_in_keras(fixture: Fixture) -> None:
    outcome = keras_outcome(fixture)
    (expected,) = fixture.expected_errors
    failure = outcome.failure
    assert failure is not None, f"Keras accepted a fixture marked broken:\n{outcome.describe()}"
    # Inside a subclass's `call` Keras runs layers on backend tensors: a pooling window that does
    # not fit raises torch's own RuntimeError there ("Output size is too small").
    assert failure.error_type in ("ValueError", "RuntimeError"), first_line(failure.message)
    if expected.code in STATEMENT_CODES:
        assert failure.statement_line == expected.line, first_line(failure.message)
    else:
        assert failure.failing_layer is not None, first_line(failure.message)
        assert failure.failing_layer[0] == expected.line, (
            f"Keras failed in {failure.failing_layer}: {first_line(failure.message)}"
        )


# --- the engine against Keras --------------------------------------------------------------


@pytest.mark.parametrize("fixture", VALID, ids=fixture_id)
def test_valid_fixture_matches_keras(fixture: Fixture) -> None:
    outcome = keras_outcome(fixture)
    assert outcome.failure is None, "the fixture itself is wrong; see test_valid_fixture_builds_in_keras"
    view = engine_outcome(fixture)
    problems = [f"unexpected {d.describe()}" for d in view.with_severity("error")]
    problems += [
        f"missing warning {w.code} on line {w.line}"
        for w in fixture.expected_warnings
        if not view.has("warning", w.code, w.line)
    ]
    # a warning the fixture does not expect is a false alarm on code Keras runs
    expected = {(w.code, w.line) for w in fixture.expected_warnings}
    problems += [f"unexpected {d.describe()}" for d in view.with_severity("warning") if (d.code, d.line) not in expected]
    problems += application_mismatches(outcome.applications, view.applications)
    assert not problems, report(problems, view)


@pytest.mark.parametrize("fixture", BROKEN, ids=fixture_id)
def test_broken_fixture_rejected_like_keras(fixture: Fixture) -> None:
    outcome = keras_outcome(fixture)
    assert outcome.failure is not None, "the fixture itself is wrong; see test_broken_fixture_raises_in_keras"
    (expected,) = fixture.expected_errors
    view = engine_outcome(fixture)
    problems = []
    if not view.has("error", expected.code, expected.line):
        problems.append(
            f"no {expected.code} error on line {expected.line} "
            f"(Keras: {first_line(outcome.failure.message)[:300]})"
        )
    # Layers Keras built before it raised were fine; an engine error on one of them is spurious.
    built_lines = {line for line, _ in outcome.applications} - {expected.line}
    problems += [
        f"error on a line Keras built without complaint: {d.describe()}"
        for d in view.with_severity("error")
        if d.line in built_lines
    ]
    problems += application_mismatches(outcome.applications, view.applications, keras_stopped_early=True)
    assert not problems, report(problems, view)
