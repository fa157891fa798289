"""The reparser's trees are ``ast.parse``'s, positions included, whatever the edit."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

from shapelens.analysis import LINE_BREAK, analyze
from shapelens.analysis.report import report_json
from shapelens.analysis.sources.reparse import GRAMMAR_FUTURE, Reparser

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "fixtures").rglob("*.py")) + sorted((ROOT / "examples").glob("*.py"))
# The files edit sequences start from and switch to, named so that the corpus' growth does not
# change them: each has statements enough for most edits to leave some unchanged.
STARTS = [ROOT / "tests" / "fixtures" / name for name in (
    "keras/broken/argparse_img_size_too_small.py", "keras/valid/boston_housing_regression.py",
    "keras/valid/channels_first_ifexp.py", "keras/valid/dot_similarity_scores.py",
    "keras/valid/gru_translation_states.py", "keras/valid/layer_compute_output_shape.py",
    "keras/valid/numpy_stacked_inputs_called.py", "keras/valid/sentiment_rnns.py",
    "keras/valid/transfer_mobilenetv2_frozen.py", "keras/valid/vae_sampling_subclass.py",
    "symbolic/keras/text_sequential_added.py", "keras/broken/crnn_reshape_wrong_features.py",
)]

# What people type, and what puts a tokenizer out of its rest: brackets, strings, continuations,
# blocks, decorators, semicolons, other line ends.
SNIPPETS = [
    "(", ")", "[", "]", "{", "}", '"', "'", '"""', "'''", "\\\n", "\n", "\n\n", "    ", "\t", "#", "# note\n",
    ";", ":", ",", "\r\n", "\r", "x = 1\n", "y = f(x)\n", "def g(a):\n    return a\n", "@decorator\n",
    "@(\n    decorator\n)\n", "class C:\n    pass\n", "if a:\n", "    pass\n", "else:\n", "x = (1,\n", ")\n",
    '"""doc\n', 'x = """\n', "\f", "return\n", "layers.Dense(10)(x)\n", "from __future__ import annotations\n",
    "from __future__ import barry_as_FLUFL\n", "a <> b\n", "a != b\n", "lambda: (\n", "f'{x}'\n", "é = 1\n",
    "x = 1; y = 2\n", "async def h():\n    await h()\n", "match x:\n    case 1:\n        pass\n",
]


def lines_of(text: str) -> tuple[str, ...]:
    return tuple(LINE_BREAK.split(text))


def expected(text: str) -> str:
    try:
        return ast.dump(ast.parse(text), include_attributes=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return f"{type(error).__name__}: {error}"


def reparsed(reparser: Reparser, text: str) -> str:
    try:
        return ast.dump(reparser.parse(text, lines_of(text)), include_attributes=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return f"{type(error).__name__}: {error}"


def edited(text: str, rng: random.Random) -> str:
    """One edit somewhere: snippets typed or deleted, lines deleted, duplicated or moved."""
    choice = rng.random()
    lines = text.split("\n")
    if choice < 0.15 and len(lines) > 2:
        start = rng.randrange(len(lines))
        del lines[start:start + rng.randint(1, 3)]
        return "\n".join(lines)
    if choice < 0.25 and len(lines) > 2:
        start = rng.randrange(len(lines))
        block = lines[start:start + rng.randint(1, 4)]
        at = rng.randrange(len(lines))
        return "\n".join(lines[:at] + block + lines[at:])
    at = rng.randrange(len(text) + 1)
    if choice < 0.45:
        return text[:at] + text[at + rng.randint(1, 12):]
    if choice < 0.6:  # at the start of a line, where statements begin
        line = rng.randrange(len(lines))
        lines[line] = rng.choice(SNIPPETS) + lines[line]
        return "\n".join(lines)
    return text[:at] + rng.choice(SNIPPETS) + text[at:]


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("REPARSE_SEEDS", 12))))
def test_a_sequence_of_edits_gives_the_trees_ast_parse_gives(seed: int) -> None:
    rng = random.Random(seed)
    reparser = Reparser()
    text = STARTS[seed % len(STARTS)].read_text(encoding="utf-8")
    last_good, spliced = text, 0
    for _ in range(150):
        if rng.random() < 0.05:  # another file opened in the same document
            text = rng.choice(STARTS).read_text(encoding="utf-8")
        elif rng.random() < 0.6:  # most edits are made to code that parses (the typo is fixed)
            text = last_good
        text = edited(text, rng)
        answer = expected(text)
        assert reparsed(reparser, text) == answer, text
        if not answer.startswith(("SyntaxError", "IndentationError", "TabError", "ValueError")):
            last_good = text
            spliced += reparser.reused > 0
    assert spliced > 10  # the reuse is exercised, not only the whole-text fallback


def test_typing_a_statement_character_by_character_reuses_the_others() -> None:
    text = (ROOT / "examples" / "mnist_cnn.py").read_text(encoding="utf-8")
    cut = text.index("\nmodel.summary()") + 1
    before, after = len(ast.parse(text[:cut]).body), len(ast.parse(text[cut:]).body)
    reparser = Reparser()
    reparser.parse(text, lines_of(text))
    line = "model.add(layers.Dense(10, activation='softmax'))"
    reused = []
    for typed in range(1, len(line) + 1):
        version = text[:cut] + line[:typed] + "\n" + text[cut:]
        answer = expected(version)
        assert reparsed(reparser, version) == answer
        if not answer.startswith("SyntaxError"):
            reused.append(reparser.reused)
    # The statement typed is parsed with the one above it (a line added below a block may belong
    # to it). The first keystroke adds a line, so the statements after it are parsed again too;
    # every later keystroke that leaves the text parsing reparses only those two statements.
    assert len(reused) >= 4 and reused[0] == before - 1, reused
    assert reused[1:] == [before - 1 + after] * (len(reused) - 1), reused


def test_an_edit_that_keeps_the_line_count_reparses_only_its_statement() -> None:
    text = "import keras\n\ndef block(x):\n    return x\n\n\nmodel = keras.Sequential([])\nmodel.summary()\n"
    reparser = Reparser()
    reparser.parse(text, lines_of(text))
    version = text.replace("return x", "return x + 1")
    assert reparsed(reparser, version) == expected(version)
    assert reparser.reused == 3  # the import, the model, the summary


@pytest.mark.parametrize("text, version", [
    ("x = (1,\n)\ny = 2\n", "x = (1,\n)\ny = 3\n"),  # the ")" line ends the statement before y
    ("x = 1; \\\ny = 2\n", "x = 1; \\\nif y: pass\n"),  # a continued line: not a statement start
    ("@(\n    deco\n)\ndef f():\n    pass\n", "@(\n    deco\n)\ndef f():\n    return 1\n"),
    ('s = """\nx = 1\n"""\nz = 2\n', 's = """\nx = 2\n"""\nz = 2\n'),  # inside a string
    ("from __future__ import barry_as_FLUFL\nx = 1\ny = 2\n", "from __future__ import barry_as_FLUFL\nx = 1\ny = 1 != 2\n"),
    ("x = 1\ny = 2\n", "x = 1\nfrom __future__ import annotations\n"),
    ("x = 1\r\ny = 2\r\n", "x = 1\r\ny = 3\r\n"),
    ("def f():\n    pass\ny = 2\n", "def f():\n    pass\n    return 1\ny = 2\n"),  # a line added to a block
    ("def f():\n    pass\ny = 2\n", "def f():\n    pass\ny = 2 \\\n"),
])
def test_edits_where_the_tokenizer_is_not_at_rest(text: str, version: str) -> None:
    reparser = Reparser()
    assert reparsed(reparser, text) == expected(text)
    assert reparsed(reparser, version) == expected(version)
    assert reparsed(reparser, text) == expected(text)


# Files of more than 40 lines with a Sequential, named so that the corpus' growth does not change them.
SEQUENTIAL_MODELS = [ROOT / "tests" / "fixtures" / name for name in (
    "keras/valid/cifar10_cnn_input_from_data.py", "symbolic/torch/vgg_cfg_adaptive.py",
    "torch/valid/vgg_make_layers_star.py", "symbolic/torch/resnet_basic_blocks.py")]


@pytest.mark.parametrize("seed", range(len(SEQUENTIAL_MODELS)))
def test_reports_from_reused_trees_equal_reports_from_whole_parses(seed: int) -> None:
    """The analysis of a spliced tree is the analysis of the text: every model, layer and diagnostic."""
    rng = random.Random(1000 + seed)
    reparser = Reparser()
    text = last_good = SEQUENTIAL_MODELS[seed].read_text(encoding="utf-8")
    compared = 0
    for _ in range(40):
        text = edited(last_good if rng.random() < 0.7 else text, rng)
        if GRAMMAR_FUTURE in text:
            continue  # it would turn the reuse off for the rest of the sequence
        incremental, whole = analyze(text, reparser=reparser), analyze(text)
        assert report_json("model.py", incremental) == report_json("model.py", whole), text
        if whole.parsed:
            last_good = text
            compared += reparser.reused > 0
    assert compared > 5
