"""Quick fixes as before/after source text: each fix is a small libcst edit of one statement,
keeps the user's formatting and comments, and is offered only if the engine, re-run on the
result, no longer reports the diagnostic and reports no new error."""

from __future__ import annotations

from textwrap import dedent

import pytest

from shapelens.analysis import analyze
from shapelens.analysis.statements import StatementIndex
from shapelens.fixes import (
    LineIndex,
    apply_edits,
    blank_lines,
    blanked_statements,
    fitting_window,
    fixes_for,
    map_offset,
    minimal_edits,
)
from shapelens.analysis.report import Report, Span, TextEdit

HEADER = "import keras\nfrom keras import layers\n"


def fixed_sources(source: str, code: str) -> dict[str, str]:
    """Every verified fix for the first ``code`` diagnostic: title -> the fixed source."""
    report = analyze(source)
    diagnostic = next(d for d in report.diagnostics if d.code == code)
    return {fix.title: apply_edits(source, fix.edits) for fix in fixes_for(source, report, diagnostic)}


def src(text: str) -> str:
    return HEADER + dedent(text).lstrip("\n")


# --- padding='same' ------------------------------------------------------------------------


def test_padding_same_is_added_after_the_last_argument_in_the_files_quote_style():
    before = src("""
        model = keras.Sequential([keras.Input(shape=(3, 3, 8)), layers.MaxPooling2D(4, name='pool')])
    """)
    after = src("""
        model = keras.Sequential([keras.Input(shape=(3, 3, 8)), layers.MaxPooling2D(4, name='pool', padding='same')])
    """)
    assert fixed_sources(before, "negative-dimension")["Use padding='same'"] == after


def test_padding_valid_written_as_a_keyword_is_replaced():
    before = src("""
        model = keras.Sequential([
            keras.Input(shape=(3, 3, 8)),
            layers.Conv2D(4, 5, padding="valid", activation="relu"),  # too big
        ])
    """)
    after = src("""
        model = keras.Sequential([
            keras.Input(shape=(3, 3, 8)),
            layers.Conv2D(4, 5, padding="same", activation="relu"),  # too big
        ])
    """)
    assert fixed_sources(before, "negative-dimension")['Use padding="same"'] == after


def test_padding_written_positionally_is_replaced_where_it_stands():
    before = src("""
        model = keras.Sequential([keras.Input(shape=(3, 3, 8)), layers.MaxPooling2D(4, None, "valid")])
    """)
    after = src("""
        model = keras.Sequential([keras.Input(shape=(3, 3, 8)), layers.MaxPooling2D(4, None, "same")])
    """)
    assert fixed_sources(before, "negative-dimension")['Use padding="same"'] == after


def test_a_call_with_one_argument_per_line_gets_the_new_argument_on_its_own_line():
    before = src("""
        model = keras.Sequential([
            keras.Input(shape=(3, 3, 8)),
            layers.Conv2D(
                16,
                kernel_size=5,  # wide on purpose
            ),
        ])
    """)
    after = src("""
        model = keras.Sequential([
            keras.Input(shape=(3, 3, 8)),
            layers.Conv2D(
                16,
                kernel_size=5,  # wide on purpose
                padding="same",
            ),
        ])
    """)
    assert fixed_sources(before, "negative-dimension")['Use padding="same"'] == after


# --- the largest window that fits ------------------------------------------------------------


def test_pool_size_shrinks_to_the_input_and_keeps_its_int_form():
    before = src("""
        model = keras.Sequential([keras.Input(shape=(3, 5, 8)), layers.MaxPooling2D(pool_size=4)])
    """)
    # height 3 allows 3, width 5 allows 4: an int cannot say both, so it becomes a tuple
    assert fixed_sources(before, "negative-dimension")["Reduce pool_size to (3, 4)"] == before.replace(
        "pool_size=4", "pool_size=(3, 4)"
    )


def test_the_default_pool_size_is_written_out_when_it_does_not_fit():
    before = src("""
        model = keras.Sequential([keras.Input(shape=(1, 1, 8)), layers.MaxPooling2D()])
    """)
    assert fixed_sources(before, "negative-dimension")["Reduce pool_size to 1"] == before.replace(
        "MaxPooling2D()", "MaxPooling2D(pool_size=1)"
    )


def test_a_dilated_kernel_shrinks_until_its_effective_size_fits():
    before = src("""
        model = keras.Sequential([keras.Input(shape=(4, 4, 1)), layers.Conv2D(8, 3, dilation_rate=2)])
    """)
    # d·(k−1)+1 ≤ 4 with d = 2 gives k = 2
    assert fixed_sources(before, "negative-dimension")["Reduce kernel_size to 2"] == before.replace(
        "Conv2D(8, 3,", "Conv2D(8, 2,"
    )


def test_cropping_pairs_shrink_on_the_axis_that_does_not_fit():
    before = src("""
        model = keras.Sequential([keras.Input(shape=(7, 9, 8)), layers.Cropping2D(((5, 2), (1, 1)))])
    """)
    fixes = fixed_sources(before, "negative-dimension")
    assert fixes == {"Reduce cropping to ((4, 2), (1, 1))": before.replace("(5, 2)", "(4, 2)")}


def test_cropping1d_pair():
    before = src("""
        model = keras.Sequential([keras.Input(shape=(6, 2)), layers.Cropping1D(cropping=(3, 3))])
    """)
    assert fixed_sources(before, "negative-dimension") == {
        "Reduce cropping to (3, 2)": before.replace("(3, 3))", "(3, 2))")  # 3 + 2 leaves one step
    }


@pytest.mark.parametrize(
    ("arg", "current", "dims", "dilation", "expected"),
    [
        ("pool_size", 2, (1, 1), 1, "1"),
        ("pool_size", (2, 2), (1, 7), 1, "(1, 2)"),
        ("kernel_size", 5, (3, 3), 1, "3"),
        ("kernel_size", 3, (4, 4), 2, "2"),
        ("kernel_size", 3, (5, 5), 1, None),  # already fits
        ("cropping", 4, (7, 7), 1, "3"),
        ("cropping", ((4, 4), (0, 0)), (7, 7), 1, "((3, 3), (0, 0))"),
        ("cropping", ((6, 0), (0, 0)), (7, 7), 1, None),  # 6 + 0 < 7 already fits
        ("cropping", ((9, 0), (0, 0)), (7, 7), 1, "((6, 0), (0, 0))"),
    ],
)
def test_fitting_window(arg, current, dims, dilation, expected):
    assert fitting_window(arg, current, dims, dilation) == expected


def test_strides_of_an_earlier_layer_drop_to_the_largest_value_that_fits():
    before = src("""
        model = keras.Sequential([
            keras.Input(shape=(16, 16, 3)),
            layers.Conv2D(16, 3, strides=4, padding="same"),
            layers.Conv2D(32, 5),
        ])
    """)
    fixes = fixed_sources(before, "negative-dimension")
    # ceil(16 / 3) = 6 leaves room for the 5x5 kernel; 4 gave 4.
    assert fixes["Reduce strides of Conv2D (line 5) to 3"] == before.replace("strides=4", "strides=3")


# --- Flatten ------------------------------------------------------------------------------------


def test_flatten_moves_down_to_the_first_dense_in_a_sequential_list():
    before = src("""
        model = keras.Sequential([
            keras.Input(shape=(32, 32, 3)),
            layers.Conv2D(16, 3),
            layers.Flatten(),  # too early
            layers.MaxPooling2D(2),
            layers.Dense(10),
        ])
    """)
    after = src("""
        model = keras.Sequential([
            keras.Input(shape=(32, 32, 3)),
            layers.Conv2D(16, 3),
            layers.MaxPooling2D(2),
            layers.Flatten(),  # too early
            layers.Dense(10),
        ])
    """)
    fixes = fixed_sources(before, "rank-mismatch")
    assert fixes["Move Flatten down to just before Dense"].replace("  # too early", "") == after.replace("  # too early", "")


def test_flatten_moves_between_model_add_statements():
    before = src("""
        model = keras.Sequential()
        model.add(keras.Input(shape=(32, 32, 3)))
        model.add(layers.Flatten())
        model.add(layers.Conv2D(16, 3))
        model.add(layers.Dense(10))
    """)
    after = src("""
        model = keras.Sequential()
        model.add(keras.Input(shape=(32, 32, 3)))
        model.add(layers.Conv2D(16, 3))
        model.add(layers.Flatten())
        model.add(layers.Dense(10))
    """)
    assert fixed_sources(before, "rank-mismatch")["Move Flatten down to just before Dense"] == after


def test_flatten_moves_into_the_dense_call_in_the_functional_api():
    before = src("""
        inputs = keras.Input(shape=(32, 32, 3))
        x = layers.Flatten()(inputs)
        x = layers.Conv2D(16, 3)(x)
        outputs = layers.Dense(10)(x)
        model = keras.Model(inputs, outputs)
    """)
    after = src("""
        inputs = keras.Input(shape=(32, 32, 3))
        x = inputs
        x = layers.Conv2D(16, 3)(x)
        outputs = layers.Dense(10)(layers.Flatten()(x))
        model = keras.Model(inputs, outputs)
    """)
    assert fixed_sources(before, "rank-mismatch")["Move Flatten down to just before Dense"] == after


def test_removing_a_functional_flatten_statement_removes_its_line():
    before = src("""
        inputs = keras.Input(shape=(32, 32, 3))
        x = layers.Conv2D(8, 3)(inputs)
        x = layers.Flatten()(x)
        x = layers.Conv2D(16, 3)(x)
        model = keras.Model(inputs, x)
    """)
    fixes = fixed_sources(before, "rank-mismatch")
    assert fixes == {"Remove Flatten": before.replace("x = layers.Flatten()(x)\n", "")}


def test_a_flatten_is_inserted_before_a_dense_on_a_feature_map():
    before = src("""
        model = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(8, 3),
            layers.Dense(10),
        ])
    """)
    after = src("""
        model = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(8, 3),
            layers.Flatten(),
            layers.Dense(10),
        ])
    """)
    assert fixed_sources(before, "dense-on-rank>2") == {"Insert Flatten before Dense": after}


def test_an_inserted_bare_flatten_is_imported_next_to_dense():
    before = dedent("""
        from keras import Sequential, Input
        from keras.layers import (
            Conv2D,
            Dense,
        )
        model = Sequential([Input(shape=(28, 28, 1)), Conv2D(8, 3), Dense(10)])
    """).lstrip()
    after = dedent("""
        from keras import Sequential, Input
        from keras.layers import (
            Conv2D,
            Dense,
            Flatten,
        )
        model = Sequential([Input(shape=(28, 28, 1)), Conv2D(8, 3), Flatten(), Dense(10)])
    """).lstrip()
    assert fixed_sources(before, "dense-on-rank>2") == {"Insert Flatten before Dense": after}


# --- the dummy input --------------------------------------------------------------------------


def test_a_dummy_input_tuple_gets_the_models_shape_and_keeps_its_batch():
    before = "import numpy as np\n" + src("""
        model = keras.Sequential([keras.Input(shape=(32, 32, 3)), layers.Conv2D(4, 3)])
        model.predict(np.zeros((BATCH := 10, 32, 32)))
    """)
    fixes = fixed_sources(before, "input-mismatch")
    assert fixes == {"Change the input's shape to (BATCH := 10, 32, 32, 3)": before.replace("32, 32)))", "32, 32, 3)))")}


def test_a_dummy_input_from_varargs_and_an_earlier_assignment():
    before = "import numpy as np\n" + src("""
        model = keras.Sequential([keras.Input(shape=(28, 28, 3)), layers.Conv2D(4, 3)])
        images = np.random.rand(4, 28, 28)
        model.predict(images)
    """)
    fixes = fixed_sources(before, "input-mismatch")
    assert fixes == {"Change the input's shape to (4, 28, 28, 3)": before.replace("rand(4, 28, 28)", "rand(4, 28, 28, 3)")}


# --- verification -------------------------------------------------------------------------------


def test_a_fix_that_would_break_another_layer_is_not_offered():
    before = src("""
        model = keras.Sequential([keras.Input(shape=(3, 3, 1)), layers.Dense(4), layers.MaxPooling2D(2)])
    """)
    # A Flatten before the Dense would leave MaxPooling2D a 2-D input.
    assert fixed_sources(before, "dense-on-rank>2") == {}


def test_verification_uses_the_given_analyzer():
    before = src("""
        model = keras.Sequential([keras.Input(shape=(3, 3, 8)), layers.MaxPooling2D(4)])
    """)
    report = analyze(before)
    (diagnostic,) = report.diagnostics

    def analyzer_that_finds_a_new_error(source: str) -> Report:
        fixed = analyze(source)
        return Report(fixed.models, fixed.diagnostics + (report.diagnostics[0].__class__(
            Span(0, 0, 0, 1), "error", "rank-mismatch", "invented"),), fixed.parsed, None, fixed.lines)

    assert fixes_for(before, report, diagnostic, analyze) != ()
    assert fixes_for(before, report, diagnostic, analyzer_that_finds_a_new_error) == ()


# --- text plumbing ------------------------------------------------------------------------------


def test_minimal_edits_touch_only_the_characters_that_differ():
    old = "a = f(1, 2)\nb = 3\n"
    new = "a = f(1, 5)\nb = 3\nc = 4\n"
    edits = minimal_edits(old, new, 0, LineIndex(old))
    assert edits == (TextEdit(Span(0, 9, 0, 10), "5"), TextEdit(Span(2, 0, 2, 0), "c = 4\n"))
    assert apply_edits(old, edits) == new


def test_offsets_after_an_edit_shift_by_its_length():
    source = "abc\ndef\n"
    edits = (TextEdit(Span(0, 1, 0, 2), "XYZ"),)
    assert map_offset(0, LineIndex(source), edits) == 0
    assert map_offset(4, LineIndex(source), edits) == 6


# --- statements and the verification slice ----------------------------------------------------


def test_statement_lines_span_strings_and_brackets_that_reach_column_zero():
    source = dedent('''
        """Module docstring
        x = 1 (not code)
        """
        import keras
        @decorated
        def build(
        size=3,
        ):
            return size
        model = keras.Sequential([
        keras.Input(shape=(4,)),
        ])
        else_value = 2
    ''').lstrip()
    top = StatementIndex.of(source)
    lines = source.splitlines()
    assert top.statement_lines(lines.index("keras.Input(shape=(4,)),")) == (9, 11)
    assert top.statement_lines(lines.index("size=3,")) == (4, 8)  # the decorator belongs to the def
    assert top.statement_lines(lines.index("    return size")) == (8, 8)
    assert top.statement_lines(lines.index("else_value = 2")) == (12, 12)


def test_the_verification_slice_keeps_what_the_model_needs_and_blanks_other_models():
    source = src("""
        SIZE = 8
        other = keras.Sequential([keras.Input(shape=(64, 64, 3)), layers.Conv2D(4, 3)])
        def block(x):
            return layers.MaxPooling2D(4)(x)
        inputs = keras.Input(shape=(SIZE, SIZE, 3))
        outputs = block(layers.Conv2D(4, 3)(inputs))
        model = keras.Model(inputs, outputs)
        unrelated = [i for i in range(10)]
    """)
    lines = source.splitlines()
    anchors = {lines.index("model = keras.Model(inputs, outputs)"), lines.index("    return layers.MaxPooling2D(4)(x)")}
    blanked = blanked_statements(StatementIndex.of(source), anchors)
    assert [lines[first] for first, _ in blanked] == [
        "other = keras.Sequential([keras.Input(shape=(64, 64, 3)), layers.Conv2D(4, 3)])",
        "unrelated = [i for i in range(10)]",
    ]
    kept = blank_lines(source, blanked)
    assert kept.splitlines()[lines.index("SIZE = 8")] == "SIZE = 8"
    assert len(kept.splitlines()) == len(lines)


def test_a_fix_on_a_long_file_is_verified_on_the_slice_and_still_catches_a_new_error_in_the_model():
    filler = "".join(f"other_{i} = keras.Sequential([keras.Input(shape=(8, 8, 1)), layers.Conv2D(2, 3)])\n" for i in range(200))
    before = src("""
        model = keras.Sequential([
            keras.Input(shape=(3, 3, 8)),
            layers.MaxPooling2D(4),
            layers.Reshape((3, 3, 8)),
        ])
    """) + filler
    # padding='same' leaves a 1x1x8 map that Reshape((3, 3, 8)) cannot hold: not offered.
    # A smaller window (3) gives 1x1 too; only verification on the model can tell.
    assert fixed_sources(before, "negative-dimension") == {}


# --- torch -----------------------------------------------------------------------------------------


def test_torch_linear_in_features_is_set_to_what_it_receives():
    before = dedent("""
        import torch
        from torch import nn

        class LeNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 6, 5)
                self.pool = nn.MaxPool2d(2)
                self.fc = nn.Linear(6 * 5 * 5, 10)  # guessed

            def forward(self, x):
                x = self.pool(self.conv(x))
                return self.fc(torch.flatten(x, 1))

        net = LeNet()
        out = net(torch.randn(2, 1, 28, 28))
    """).lstrip()
    assert fixed_sources(before, "linear-in-features") == {
        "Set in_features to 864": before.replace("nn.Linear(6 * 5 * 5, 10)", "nn.Linear(864, 10)"),
        "Use nn.LazyLinear (infers in_features)": before.replace("nn.Linear(6 * 5 * 5, 10)", "nn.LazyLinear(10)"),
    }


def test_lazy_linear_swap_keeps_keyword_arguments():
    before = dedent("""
        import torch
        import torch.nn as nn
        head = nn.Sequential(nn.Flatten(), nn.Linear(in_features=100, out_features=5, bias=False))
        out = head(torch.randn(4, 3, 8, 8))
    """).lstrip()
    assert fixed_sources(before, "linear-in-features") == {
        "Set in_features to 192": before.replace("in_features=100", "in_features=192"),
        "Use nn.LazyLinear (infers in_features)": before.replace(
            "nn.Linear(in_features=100, out_features=5, bias=False)", "nn.LazyLinear(out_features=5, bias=False)"
        ),
    }


def test_torch_kernel_size_written_positionally_shrinks_in_place():
    before = dedent("""
        import torch
        import torch.nn as nn
        net = nn.Sequential(nn.Conv2d(3, 8, 7), nn.AdaptiveAvgPool2d(1))
        out = net(torch.randn(2, 3, 5, 5))
    """).lstrip()
    assert fixed_sources(before, "negative-dimension") == {
        "Reduce kernel_size to 5": before.replace("nn.Conv2d(3, 8, 7)", "nn.Conv2d(3, 8, 5)")
    }
