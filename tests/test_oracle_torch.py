"""The engine against real torch, fixture by fixture.

Each fixture in tests/fixtures/torch/{valid,broken} is a user script. Real torch runs it
(tests/oracle_torch/torch_truth.py) and the engine analyses it; for every layer torch ran, the
engine's output shape and parameter count must be torch's. Valid scripts must draw no error from
the engine; broken ones must make torch raise in the marked layer and draw the marked error on
the marked line.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from oracle_torch.corpus import ERROR_CODES, Fixture, broken_fixtures, load_corpus, valid_fixtures
from oracle_torch.engine_view import EngineView, application_mismatches, engine_view
from oracle_torch.torch_truth import TorchOutcome, first_line, run_in_torch

pytestmark = pytest.mark.oracle

VALID = valid_fixtures()
BROKEN = broken_fixtures()


@lru_cache(maxsize=None)
def torch_outcome(fixture: Fixture) -> TorchOutcome:
    return run_in_torch(fixture)


@lru_cache(maxsize=None)
def engine_outcome(fixture: Fixture) -> EngineView:
    return engine_view(str(fixture.path), fixture.source)


def fixture_id(fixture: Fixture) -> str:
    return fixture.name


# --- the corpus itself -------------------------------------------------------------------


def test_corpus_is_large_enough_and_covers_every_code() -> None:
    assert len(VALID) >= 25, f"only {len(VALID)} valid fixtures"
    assert len(BROKEN) >= 15, f"only {len(BROKEN)} broken fixtures"
    names = [f.name for f in load_corpus()]
    assert len(names) == len(set(names)), "fixture file names must be unique across folders"
    for code in sorted(ERROR_CODES):
        users = [f.name for f in BROKEN if any(e.code == code for e in f.expected_errors)]
        assert len(users) >= 3, f"error code {code} is exercised by only {users}"


def test_corpus_instantiates_at_least_eight_module_subclasses() -> None:
    subclasses = {(f.name, cls) for f in load_corpus() for cls in torch_outcome(f).user_module_classes}
    assert len(subclasses) >= 8, sorted(subclasses)


def test_every_broken_fixture_marks_exactly_one_error_and_valid_ones_none() -> None:
    # torch stops at the first exception, so a second marked error could never be confirmed.
    assert [f.name for f in BROKEN if len(f.expected_errors) != 1] == []
    assert [f.name for f in VALID if f.expected_errors] == []


def test_input_mismatch_marks_the_call_that_passes_the_example_input() -> None:
    # `model(images)` or `model(torch.rand(16, 784))`: the line where the input reaches the model.
    model_call = re.compile(r"\b\w+\((\w+|torch\.(randn|rand|zeros|ones|randint)\(.*\))\)")
    for fixture in BROKEN:
        for expected in fixture.expected_errors:
            if expected.code == "input-mismatch":
                line_text = fixture.source.splitlines()[expected.line - 1]
                assert model_call.search(line_text), f"{fixture.name}:{expected.line}: {line_text!r}"


def test_corpus_feeds_input_in_every_supported_way() -> None:
    sources = {f.name: f.source for f in load_corpus()}
    kinds = {
        "x = torch.randn(...) then model(x)": r"^\w+ = torch\.randn\((\d+, )+\d+\)$",
        "torch.zeros(...) passed directly": r"\w+\(torch\.zeros\(",
        "torch.rand(...) passed directly": r"\w+\(torch\.rand\(",
        "# shapelens: input=": r"# shapelens: input=\(N, ",
        "no input the engine can see": r"# oracle-input: ",
    }
    missing = [kind for kind, pattern in kinds.items() if not any(re.search(pattern, s, re.M) for s in sources.values())]
    assert missing == []
    no_input_broken = [f.name for f in BROKEN if not f.engine_sees_input]
    assert len(no_input_broken) >= 2, no_input_broken


# The layer rules of the issue, all of which some valid fixture must make torch run.
REQUIRED_LAYER_CLASSES = frozenset(
    """
    Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d MaxPool1d MaxPool2d MaxPool3d
    AvgPool1d AvgPool2d AvgPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d AdaptiveMaxPool1d
    AdaptiveMaxPool2d AdaptiveMaxPool3d BatchNorm1d BatchNorm2d BatchNorm3d LayerNorm GroupNorm Dropout
    Dropout1d Dropout2d Dropout3d ReLU GELU Sigmoid Tanh Softmax LeakyReLU PReLU Flatten Unflatten Linear
    Bilinear Embedding Upsample PixelShuffle Identity LSTM GRU RNN LazyLinear LazyConv2d LazyBatchNorm2d
    """.split()
)

# Source forms the issue promises to read; each pattern must match some valid fixture.
REQUIRED_SOURCE_FORMS = {
    "import torch.nn as nn": r"^import torch\.nn as nn$",
    "from torch import nn": r"^from torch import nn$",
    "from torch.nn import Conv2d": r"^from torch\.nn import .*\bConv2d\b",
    "import torch.nn.functional as F": r"^import torch\.nn\.functional as F$",
    "nn.Sequential(OrderedDict(...))": r"nn\.Sequential\(\s*OrderedDict\(",
    "class X(nn.Module)": r"^class \w+\(nn\.Module\):$",
    "F.relu": r"F\.relu\(",
    "torch.flatten(x, 1)": r"torch\.flatten\(x, 1\)",
    "x.view(x.size(0), -1)": r"x\.view\(x\.size\(0\), -1\)",
    "x.view(-1, N)": r"x\.view\(-1, ",
    "torch.cat([...], dim=1)": r"torch\.cat\(\[.*\], dim=1\)",
    "residual x + y": r"^\s+\w+ = \w+ \+ \w+$",
    "padding='same'": r"padding=\"same\"",
    "padding='valid'": r"padding=\"valid\"",
    "tuple padding": r"padding=\(\d+, \d+",
    "ceil_mode=True": r"ceil_mode=True",
    "dilation=": r"dilation=\d",
    "output_padding=": r"output_padding=",
    "Flatten(start_dim=...)": r"Flatten\(start_dim=",
    "Flatten(start, end)": r"Flatten\(\d+, \d+\)",
    "batch_first=True": r"batch_first=True",
    "sequence-first RNN": r"nn\.GRU\(\d+, \d+(, num_layers=\d+)?\)",
    # tensors made from numpy data and configured sizes (issue #12)
    "torch.from_numpy(...).permute(...)": r"torch\.from_numpy\(.*\)\.permute\(",
    "torch.tensor(array, dtype=...)": r"torch\.tensor\(\w+, dtype=",
    ".unsqueeze(1) on data": r"\.float\(\)\.unsqueeze\(1\)",
    ".view(-1, ...) on data": r"\.float\(\)\.view\(-1, ",
    "argparse sizes": r"\bargs\.\w+",
    "@dataclass config": r"^@dataclass$",
}


def test_valid_corpus_uses_every_source_form_of_the_issue() -> None:
    sources = "\n".join(f.source for f in VALID)
    missing = [form for form, pattern in REQUIRED_SOURCE_FORMS.items() if not re.search(pattern, sources, re.M)]
    assert missing == []


def test_valid_corpus_runs_every_layer_rule_in_torch() -> None:
    ran = {cls for fixture in VALID for (_, cls) in torch_outcome(fixture).applications}
    assert sorted(REQUIRED_LAYER_CLASSES - ran) == []


# --- torch alone: the fixtures say what they claim ---------------------------------------


@pytest.mark.parametrize("fixture", VALID, ids=fixture_id)
def test_valid_fixture_runs_in_torch(fixture: Fixture) -> None:
    outcome = torch_outcome(fixture)
    assert outcome.failure is None, f"torch rejected a valid fixture:\n{outcome.describe()}"
    assert outcome.applications, "no layer of the fixture ran"


@pytest.mark.parametrize("fixture", BROKEN, ids=fixture_id)
def test_broken_fixture_raises_in_torch_in_the_marked_layer(fixture: Fixture) -> None:
    outcome = torch_outcome(fixture)
    (expected,) = fixture.expected_errors
    failure = outcome.failure
    assert failure is not None, f"torch accepted a fixture marked broken:\n{outcome.describe()}"
    # torch's shape errors are RuntimeErrors, but its attention asserts ("was expecting embedding dimension")
    # and a dimension out of range is an IndexError
    assert failure.error_type == "RuntimeError" or (failure.error_type == "AssertionError" and failure.failing_layer) \
        or (failure.error_type == "IndexError" and expected.code == "rank-mismatch"), failure.summary()
    if expected.code in ("merge-mismatch", "reshape-size", "view-not-contiguous") or (
            expected.code == "rank-mismatch" and failure.failing_layer is None):
        # an operation on tensors outside any layer (`out += identity`, `x.view(-1, 400)`, `x.permute(0, 2)`):
        # the statement raised
        assert failure.failing_layer is None and failure.statement_line == expected.line, failure.summary()
        return
    assert failure.failing_layer is not None, failure.summary()
    if expected.code != "input-mismatch":
        assert failure.failing_layer[0] == expected.line, failure.summary()


# --- the engine against torch --------------------------------------------------------------


@pytest.mark.parametrize("fixture", VALID, ids=fixture_id)
def test_valid_fixture_matches_torch(fixture: Fixture) -> None:
    outcome = torch_outcome(fixture)
    assert outcome.failure is None, "the fixture itself is wrong; see test_valid_fixture_runs_in_torch"
    view = engine_outcome(fixture)
    # torch runs the fixture: any error or warning on it is a false alarm
    problems = [f"unexpected {d.describe()}" for d in view.diagnostics if d.severity in ("error", "warning")]
    problems += application_mismatches(outcome.applications, view.applications, compare_shapes=fixture.engine_sees_input)
    assert problems == [], "engine diagnostics:\n" + view.describe_diagnostics()


@pytest.mark.parametrize("fixture", BROKEN, ids=fixture_id)
def test_broken_fixture_rejected_like_torch(fixture: Fixture) -> None:
    outcome = torch_outcome(fixture)
    assert outcome.failure is not None, "the fixture itself is wrong; see test_broken_fixture_raises_in_torch..."
    (expected,) = fixture.expected_errors
    view = engine_outcome(fixture)
    problems = []
    if not view.has_error(expected.code, expected.line):
        problems.append(f"no {expected.code} error on line {expected.line} (torch: {first_line(outcome.failure.message)[:300]})")
    # The layers torch completed before it raised must match too.
    problems += application_mismatches(
        outcome.applications, view.applications, compare_shapes=fixture.engine_sees_input, torch_stopped=True
    )
    assert problems == [], "engine diagnostics:\n" + view.describe_diagnostics()


LITERAL_INPUT_BROKEN = tuple(f for f in BROKEN if not f.comment_inputs)


@pytest.mark.parametrize("fixture", LITERAL_INPUT_BROKEN, ids=fixture_id)
def test_broken_fixture_message_quotes_torch(fixture: Fixture) -> None:
    # With a literal example input every number in torch's message is known statically, so the
    # engine can quote it word for word (with a comment input the batch is unknown: no quote).
    outcome = torch_outcome(fixture)
    assert outcome.failure is not None, "the fixture itself is wrong; see test_broken_fixture_raises_in_torch..."
    (expected,) = fixture.expected_errors
    messages = [d.message for d in engine_outcome(fixture).errors if d.line == expected.line and d.code == expected.code]
    torch_words = first_line(outcome.failure.message)
    assert messages, f"no {expected.code} error on line {expected.line}"
    assert any(torch_words in message for message in messages), f"torch says: {torch_words}"


def test_engine_reports_torch_models_as_torch() -> None:
    wrong = {f.name: view.frameworks for f in VALID if set((view := engine_outcome(f)).frameworks) != {"torch"}}
    assert wrong == {}
