"""Each fix provider as before/after source text, for the cases tests/test_fixes.py leaves out,
and the registry that finds the providers of a diagnostic.

The oracle test runs both texts of each case in the real library (Keras 3 on torch, torch):
the before fails where the engine reports an error, the after runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import dedent

import pytest

from shapelens.analysis import analyze
from shapelens.analysis.report import Diagnostic, Span
from shapelens.fixes import FixContext, Provider, apply_edits, fixes_for, providers_for
from shapelens.fixes.providers import PROVIDERS
from shapelens.fixes.providers.dummy_input import assignment_lines


@dataclass(frozen=True)
class Case:
    name: str
    code: str  # the diagnostic fixed
    title: str  # the fix applied
    before: str
    after: str
    fails_before: bool = True  # False for a warning: the library runs the before too


def case(name: str, code: str, title: str, before: str, after: str, fails_before: bool = True) -> Case:
    return Case(name, code, title, dedent(before).lstrip(), dedent(after).lstrip(), fails_before)


CASES = [
    case(
        "upstream_strides_torch", "negative-dimension", "Reduce stride of Conv2d (line 3) to 3",
        """
        import torch
        from torch import nn
        net = nn.Sequential(nn.Conv2d(3, 8, 3, stride=4), nn.Conv2d(8, 8, 5))
        out = net(torch.randn(1, 3, 16, 16))
        """,
        """
        import torch
        from torch import nn
        net = nn.Sequential(nn.Conv2d(3, 8, 3, stride=3), nn.Conv2d(8, 8, 5))
        out = net(torch.randn(1, 3, 16, 16))
        """,
    ),
    case(
        "upstream_strides_keras_tuple", "negative-dimension", "Reduce strides of Conv2D (line 4) to (3, 3)",
        """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input(shape=(16, 16, 3)), layers.Conv2D(16, 3, strides=(4, 4), padding="same"),
            layers.Conv2D(32, 5),
        ])
        """,
        """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input(shape=(16, 16, 3)), layers.Conv2D(16, 3, strides=(3, 3), padding="same"),
            layers.Conv2D(32, 5),
        ])
        """,
    ),
    case(
        "match_input_in_channels", "in-channels", "Set in_channels to 8",
        """
        import torch
        from torch import nn
        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(4, 16, 3))
        out = net(torch.randn(1, 3, 16, 16))
        """,
        """
        import torch
        from torch import nn
        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 16, 3))
        out = net(torch.randn(1, 3, 16, 16))
        """,
    ),
    case(
        "match_input_num_features", "num-features", "Set num_features to 8",
        """
        import torch
        from torch import nn
        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(16))
        out = net(torch.randn(1, 3, 16, 16))
        """,
        """
        import torch
        from torch import nn
        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
        out = net(torch.randn(1, 3, 16, 16))
        """,
    ),
    case(
        "lazy_linear_bare_name_already_imported", "linear-in-features", "Use LazyLinear (infers in_features)",
        """
        import torch
        from torch.nn import Flatten, LazyLinear, Linear, Sequential
        net = Sequential(Flatten(), Linear(100, 5))
        out = net(torch.randn(4, 3, 8, 8))
        """,
        """
        import torch
        from torch.nn import Flatten, LazyLinear, Linear, Sequential
        net = Sequential(Flatten(), LazyLinear(5))
        out = net(torch.randn(4, 3, 8, 8))
        """,
    ),
    case(
        "flatten_removed_from_a_sequential_list", "rank-mismatch", "Remove Flatten",
        """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input(shape=(8, 8, 3)), layers.Flatten(), layers.Conv2D(4, 3)])
        """,
        """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input(shape=(8, 8, 3)), layers.Conv2D(4, 3)])
        """,
    ),
    case(
        "flatten_removed_with_its_model_add_line", "rank-mismatch", "Remove Flatten",
        """
        import keras
        from keras import layers
        model = keras.Sequential()
        model.add(keras.Input(shape=(8, 8, 3)))
        model.add(layers.Flatten())
        model.add(layers.Conv2D(4, 3))
        """,
        """
        import keras
        from keras import layers
        model = keras.Sequential()
        model.add(keras.Input(shape=(8, 8, 3)))
        model.add(layers.Conv2D(4, 3))
        """,
    ),
    case(
        "flatten_inserted_into_a_functional_dense_call", "dense-on-rank>2", "Insert Flatten before Dense",
        """
        import keras
        from keras import layers
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(8, 3)(inputs)
        outputs = layers.Dense(10)(x)
        model = keras.Model(inputs, outputs)
        """,
        """
        import keras
        from keras import layers
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(8, 3)(inputs)
        outputs = layers.Dense(10)(layers.Flatten()(x))
        model = keras.Model(inputs, outputs)
        """,
        fails_before=False,
    ),
    case(
        "flatten_appended_to_a_one_line_import", "dense-on-rank>2", "Insert Flatten before Dense",
        """
        from keras import Sequential
        from keras.layers import Conv2D, Dense, Input
        model = Sequential([Input(shape=(28, 28, 1)), Conv2D(8, 3), Dense(10)])
        """,
        """
        from keras import Sequential
        from keras.layers import Conv2D, Dense, Input, Flatten
        model = Sequential([Input(shape=(28, 28, 1)), Conv2D(8, 3), Flatten(), Dense(10)])
        """,
        fails_before=False,
    ),
    case(
        "flatten_under_a_star_import_needs_no_import", "dense-on-rank>2", "Insert Flatten before Dense",
        """
        from keras import Sequential
        from keras.layers import *
        model = Sequential([Input(shape=(28, 28, 1)), Conv2D(8, 3), Dense(10)])
        """,
        """
        from keras import Sequential
        from keras.layers import *
        model = Sequential([Input(shape=(28, 28, 1)), Conv2D(8, 3), Flatten(), Dense(10)])
        """,
        fails_before=False,
    ),
    case(
        "dummy_input_list_shape", "input-mismatch", "Change the input's shape to [2, 28, 28, 3]",
        """
        import numpy as np
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input(shape=(28, 28, 3)), layers.Conv2D(4, 3)])
        model.predict(np.zeros([2, 28, 28]), verbose=0)
        """,
        """
        import numpy as np
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input(shape=(28, 28, 3)), layers.Conv2D(4, 3)])
        model.predict(np.zeros([2, 28, 28, 3]), verbose=0)
        """,
    ),
    case(
        "dummy_input_assigned_in_a_function", "input-mismatch", "Change the input's shape to (8, 28, 28, 3)",
        """
        import numpy as np
        import keras
        from keras import layers


        def main():
            model = keras.Sequential([keras.Input(shape=(28, 28, 3)), layers.Conv2D(4, 3)])
            batch = np.ones((8, 28, 28))
            return model.predict(batch, verbose=0)


        main()
        """,
        """
        import numpy as np
        import keras
        from keras import layers


        def main():
            model = keras.Sequential([keras.Input(shape=(28, 28, 3)), layers.Conv2D(4, 3)])
            batch = np.ones((8, 28, 28, 3))
            return model.predict(batch, verbose=0)


        main()
        """,
    ),
]


def fixed_sources(source: str, code: str) -> dict[str, str]:
    report = analyze(source)
    diagnostic = next(d for d in report.diagnostics if d.code == code)
    return {fix.title: apply_edits(source, fix.edits) for fix in fixes_for(source, report, diagnostic)}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_fix_turns_before_into_after(case: Case) -> None:
    assert fixed_sources(case.before, case.code).get(case.title) == case.after


def run(source: str) -> None:
    exec(compile(source, "<case>", "exec"), {"__name__": "__main__"})


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_library_runs_the_after(case: Case) -> None:
    if case.fails_before:
        with pytest.raises((ValueError, RuntimeError)):  # a shape error (Keras: ValueError, torch: RuntimeError)
            run(case.before)
    run(case.after)


# --- the registry ------------------------------------------------------------------------------


def diagnostic(code: str, span: Span = Span(0, 0, 0, 1)) -> Diagnostic:
    return Diagnostic(span, "error", code, "")


def test_a_diagnostic_gets_the_providers_of_its_code_and_framework_in_order() -> None:
    names = lambda framework: [p.name for p in providers_for(diagnostic("negative-dimension"), framework)]
    assert names("keras") == ["padding-same", "reduce-window", "upstream-strides"]
    assert names("torch") == ["reduce-window", "upstream-strides"]  # torch's "same" means other numbers
    assert [p.name for p in providers_for(diagnostic("linear-in-features"), "torch")] == ["match-input", "lazy-linear"]
    assert providers_for(diagnostic("linear-in-features"), "keras") == []
    assert providers_for(diagnostic("unknown-layer"), None) == []


def test_every_provider_declares_codes_and_known_frameworks() -> None:
    assert len({p.name for p in PROVIDERS}) == len(PROVIDERS)
    for provider in PROVIDERS:
        assert provider.codes
        assert provider.frameworks and provider.frameworks <= {"keras", "torch"}


def test_a_new_provider_is_found_by_its_code_alone() -> None:
    made = Provider("example", frozenset({"example-code"}), frozenset({"torch"}), lambda context, diag: ())
    assert providers_for(diagnostic("example-code"), "torch", [*PROVIDERS, made]) == [made]
    assert providers_for(diagnostic("example-code"), "keras", [*PROVIDERS, made]) == []


# --- the dummy input's assignment, found by the statement index ---------------------------------


def test_the_assignment_of_a_name_passed_on_the_line_is_found_in_module_order_and_in_the_function() -> None:
    source = dedent("""
        import numpy as np
        images = np.zeros((1, 4))
        images = np.zeros((2, 4))
        def main():
            labels = np.ones(3)
            model.fit(images, labels)
        images = np.zeros((3, 4))
    """).lstrip()
    lines = source.splitlines()
    line = lines.index("    model.fit(images, labels)")
    found = assignment_lines(FixContext(source, analyze(source)), diagnostic("input-mismatch", Span(line, 4, line, 29)))
    # the latest earlier assignment of each name; never one after the line
    assert found == [lines.index("    labels = np.ones(3)"), lines.index("images = np.zeros((2, 4))")]
