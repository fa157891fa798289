"""No input crashes the engine.

An editor sends every intermediate state of a file: half-typed lines, broken syntax, pasted
binary. ``analyze`` must return a Report for all of it (diagnostics or nothing), the Report must
serialise through the JSON contract, and every range in it must point into the document.
"""

from __future__ import annotations

import io
import json
import random
import re
import tokenize
from pathlib import Path
from typing import Union

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapelens.analysis import analyze
from shapelens.analysis.report import Report, Span, report_json

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES_DIR.rglob("*.py"))
KERAS_FIXTURE_FILES = [p for p in FIXTURE_FILES if "keras" in p.relative_to(FIXTURES_DIR).parts]
# A handful of files, from every corpus, whose every character prefix is analysed.
CHARACTER_PREFIX_FILES = [
    FIXTURES_DIR / "keras" / "valid" / "resnet_blocks.py",
    FIXTURES_DIR / "keras" / "valid" / "seq2seq_states.py",
    FIXTURES_DIR / "keras" / "valid" / "cifar_sequential_add.py",
    FIXTURES_DIR / "keras" / "broken" / "unet_odd_size_skip.py",
    FIXTURES_DIR / "keras" / "seeds" / "conv2d_negative_ex3_manual_padding.py",
]


def fixture_id(path: Path) -> str:
    return str(path.relative_to(FIXTURES_DIR))


def document_lines(text: str) -> list[str]:
    """Lines as an editor and LSP count them: split on \\n, \\r\\n and \\r only."""
    return re.split(r"\r\n|\r|\n", text)


def report_spans(report: Report) -> list[tuple[str, Span]]:
    spans: list[tuple[str, Span]] = []
    for model in report.models:
        spans.append((f"model {model.name}", model.span))
        spans += [(f"model {model.name} name", span) for span in model.name_spans]
        for layer in model.layers:
            spans.append((f"layer {layer.class_name}", layer.span))
            spans += [(f"input of {layer.class_name}", span) for span in layer.inputs_from]
    for diagnostic in report.diagnostics:
        spans.append((f"diagnostic {diagnostic.code}", diagnostic.span))
        spans += [(f"related of {diagnostic.code}", related.span) for related in diagnostic.related]
        spans += [(f"fix edit of {diagnostic.code}", e.span) for fix in diagnostic.fixes for e in fix.edits]
    return spans


def spans_outside(text: str, report: Report) -> list[str]:
    lines = document_lines(text)
    problems = []
    for label, span in report_spans(report):
        start, end = (span.start_line, span.start_col), (span.end_line, span.end_col)
        inside = all(0 <= line < len(lines) and 0 <= col <= len(lines[line]) for line, col in (start, end))
        if not inside or start > end:
            problems.append(f"{label}: {span}")
    return problems


def analyse_safely(source: Union[str, bytes]) -> Report:
    """The properties every input must have: a Report comes back and serialises to JSON."""
    report = analyze(source)
    assert isinstance(report, Report)
    json.dumps(report_json("<robustness>", report))
    return report


def line_prefixes(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    return ["".join(lines[:count]) for count in range(len(lines) + 1)]


# --- partial files, as typed ------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=fixture_id)
def test_every_line_prefix_of_a_fixture_is_analysed(path: Path) -> None:
    for prefix in line_prefixes(path.read_text(encoding="utf-8")):
        analyse_safely(prefix)


@pytest.mark.parametrize("path", CHARACTER_PREFIX_FILES, ids=fixture_id)
def test_every_character_prefix_of_a_fixture_is_analysed(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for end in range(len(text) + 1):
        analyse_safely(text[:end])


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=fixture_id)
def test_ranges_of_a_fixture_and_its_prefixes_lie_inside_the_document(path: Path) -> None:
    problems = []
    for prefix in line_prefixes(path.read_text(encoding="utf-8")):
        problems += [f"prefix of {prefix.count(chr(10))} lines: {p}" for p in spans_outside(prefix, analyze(prefix))]
    assert problems == []


def integer_literal_positions(text: str) -> list[tuple[int, int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return [
        (token.start[0], token.start[1], token.string)
        for token in tokens
        if token.type == tokenize.NUMBER and token.string.isdigit()
    ]


@pytest.mark.parametrize("path", KERAS_FIXTURE_FILES, ids=fixture_id)
def test_every_integer_argument_replaced_by_a_degenerate_value_is_analysed(path: Path) -> None:
    """Zero strides, negative sizes and absurd widths are typed too; no division by zero, no hang."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for line, col, literal in integer_literal_positions(text):
        for replacement in ("0", "-1", "10**18"):
            original = lines[line - 1]
            mutated_line = original[:col] + replacement + original[col + len(literal) :]
            analyse_safely("".join(lines[: line - 1] + [mutated_line] + lines[line:]))


# --- broken and hostile text ------------------------------------------------------------------

KERAS_HEADER = "import keras\nfrom keras import layers\n"

SYNTAX_ERRORS = {
    "unclosed Sequential": KERAS_HEADER + "model = keras.Sequential([\n    layers.Dense(4),\n",
    "unclosed call": KERAS_HEADER + "x = layers.Conv2D(32, 3)(\n",
    "half keyword": KERAS_HEADER + "x = layers.Conv2D(32, kernel_size=)(inputs)\n",
    "bad def": "def build_model(:\n    pass\n",
    "bad indentation": KERAS_HEADER + "model = keras.Sequential()\n  model.add(layers.Dense(2))\n",
    "tab/space mix": "def f():\n\tif True:\n        return 1\n",
    "stray dedent": "if True:\n        x = 1\n    y = 2\n",
    "unterminated string": KERAS_HEADER + 'x = layers.Conv2D(8, 3, padding="same)(x)\n',
    "null byte": KERAS_HEADER + "x = 1\x00\n",
    "lone surrogate": KERAS_HEADER + "name = '\ud800'\nmodel = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])\n",
    "only an operator": "+",
    "walrus in Sequential": KERAS_HEADER + "model = keras.Sequential([(d := layers.Dense(3))])\n",
    "star args everywhere": KERAS_HEADER + "model = keras.Sequential(*[[*layers]], **{})\n",
    "layer of a layer": KERAS_HEADER + "x = layers.Dense(layers.Dense(3))(layers.Dense)\n",
    "model adds itself": KERAS_HEADER + "model = keras.Sequential()\nmodel.add(model)\nmodel.add(model)\n",
    "recursive builder": KERAS_HEADER
    + "def build(input_shape=(8,)):\n    return build(input_shape)\n\nmodel = build()\n",
    "self-referential constant": "A = (1, 2)\nA = A + A\nA = A * 1000\nB = A * A\n",
    "huge loop": KERAS_HEADER
    + "model = keras.Sequential([keras.Input(shape=(4,))])\nfor i in range(10**9):\n    model.add(layers.Dense(4))\n",
    "infinite while": "while True:\n    pass\n",
    "form feed and CRLF": KERAS_HEADER.replace("\n", "\r\n")
    + "\x0c\r\nmodel = keras.Sequential([keras.Input(shape=(4,)),\r\n    layers.Dense(2)])\r\n",
    "unicode line separator in a comment": KERAS_HEADER
    + "# a \u2028 b\nmodel = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])\n",
    "emoji before a layer": KERAS_HEADER
    + "model = keras.Sequential([keras.Input(shape=(1, 1, 3)), layers.MaxPooling2D(2)])  # 🧠🧠\n"
    + "m2 = keras.Sequential([keras.Input(shape=(1, 1, 3)), '🧠', layers.MaxPooling2D(2)])\n",
    "very long line": KERAS_HEADER + "x = [" + ", ".join(["layers.Dense(4)"] * 20000) + "]\n",
}


@pytest.mark.parametrize("source", SYNTAX_ERRORS.values(), ids=SYNTAX_ERRORS.keys())
def test_broken_or_strange_source_is_analysed(source: str) -> None:
    report = analyse_safely(source)
    assert spans_outside(source, report) == []


@pytest.mark.parametrize("source", ["", b"", "\n", "\ufeff", b"\xef\xbb\xbf", "   \n\t\n"], ids=repr)
def test_empty_source_gives_an_empty_report(source: Union[str, bytes]) -> None:
    report = analyse_safely(source)
    assert report.models == () and report.diagnostics == ()


NON_UTF8 = {
    "utf-16 with BOM": (KERAS_HEADER + "model = keras.Sequential([layers.Dense(2)])\n").encode("utf-16"),
    "invalid start bytes": b"\xff\xfe\x00i\x00m\x00p\x00o\x00r\x00t",
    "latin-1 with coding cookie": ("# -*- coding: latin-1 -*-\n" + KERAS_HEADER + "name = 'caf\xe9'\n").encode("latin-1"),
    "truncated multibyte": (KERAS_HEADER + "# \u00e9\u00e9\n").encode("utf-8")[:-2],
    "random binary blob": random.Random(0).randbytes(64 * 1024),
}


@pytest.mark.parametrize("source", NON_UTF8.values(), ids=NON_UTF8.keys())
def test_non_utf8_bytes_are_analysed(source: bytes) -> None:
    analyse_safely(source)


def test_binary_blob_decoded_as_text_is_analysed() -> None:
    blob = random.Random(1).randbytes(64 * 1024).decode("latin-1")
    analyse_safely(blob)


DEEP_NESTING = {
    "5000 parentheses": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
    "10000 brackets": "[" * 10000,
    "100000-term sum": "N = " + " + ".join(["1"] * 100_000) + "\n",
    "100000 unary minus": "x = " + "-" * 100_000 + "1\n",
    "150 nested layer calls": KERAS_HEADER
    + "inputs = keras.Input(shape=(4,))\nx = "
    + "layers.Dense(4)(" * 150
    + "inputs"
    + ")" * 150
    + "\nmodel = keras.Model(inputs, x)\n",
    "150 nested lists in a Sequential": KERAS_HEADER
    + "model = keras.Sequential("
    + "[" * 150
    + "layers.Dense(2)"
    + "]" * 150
    + ")\n",
    "deep if nesting": "".join("    " * depth + "if True:\n" for depth in range(99)) + "    " * 99 + "x = 1\n",
    "long attribute chain": "x = keras" + ".layers" * 20000 + ".Dense(4)\n",
}


@pytest.mark.parametrize("source", DEEP_NESTING.values(), ids=DEEP_NESTING.keys())
def test_deeply_nested_source_is_analysed(source: str) -> None:
    analyse_safely(source)


def generated_model_file(target_bytes: int) -> tuple[str, int]:
    """Many ordinary valid models, one after another, until the file reaches the target size."""
    parts = [KERAS_HEADER]
    size = len(KERAS_HEADER)
    index = 0
    while size < target_bytes:
        block = (
            f"\nIMG_{index} = {16 + index % 48}\n"
            f"model_{index} = keras.Sequential([\n"
            f"    keras.Input(shape=(IMG_{index}, IMG_{index}, 3)),\n"
            f"    layers.Conv2D({8 + index % 24}, 3, padding=\"same\", activation=\"relu\"),\n"
            f"    layers.MaxPooling2D(2),\n"
            f"    layers.Conv2D({16 + index % 16}, 3, padding=\"same\"),\n"
            f"    layers.GlobalAveragePooling2D(),\n"
            f"    layers.Dense({2 + index % 10}, activation=\"softmax\"),\n"
            f"])\n"
        )
        parts.append(block)
        size += len(block)
        index += 1
    return "".join(parts), index


def test_one_megabyte_model_file_is_analysed() -> None:
    source, model_count = generated_model_file(1_000_000)
    assert len(source) >= 1_000_000
    report = analyse_safely(source)
    assert report.parsed
    assert len(report.models) == model_count
    assert [d.message for d in report.diagnostics if d.severity == "error"] == []


# --- anything at all --------------------------------------------------------------------------

ANY_INPUT_SETTINGS = settings(
    max_examples=300, derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@ANY_INPUT_SETTINGS
@given(st.text())
def test_any_text_is_analysed(text: str) -> None:
    analyse_safely(text)


@ANY_INPUT_SETTINGS
@given(st.binary())
def test_any_bytes_are_analysed(blob: bytes) -> None:
    analyse_safely(blob)


UNET_LINES = (FIXTURES_DIR / "keras" / "valid" / "unet_same_padding.py").read_text(encoding="utf-8").splitlines(keepends=True)


@ANY_INPUT_SETTINGS
@given(st.lists(st.sampled_from(UNET_LINES), max_size=40))
def test_lines_of_a_model_shuffled_and_repeated_are_analysed(lines: list[str]) -> None:
    analyse_safely("".join(lines))
