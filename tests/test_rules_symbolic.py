"""Every layer rule on symbolic input sizes against the same rule on concrete sizes.

For each rule, with typical constructor arguments, the rule runs once on an input whose sizes are
symbols (``H``, ``W``, ``D``, ``L``) and many times on concrete sizes:

* an error on the symbolic input must be an error at every concrete size (no false errors);
* otherwise the symbolic output, evaluated at a size, is the concrete output at that size, and the
  rule's requirements hold exactly where the concrete rule does not fail.
"""

from __future__ import annotations

import random
from typing import Iterator

import pytest

from shapelens.analysis.dims import Dim
from shapelens.analysis.keras.rules import RULES
from shapelens.analysis.rules import LayerRule, LayerSpec, ShapeError, UnknownArgument
from shapelens.analysis.symbolic import Sym
from shapelens.analysis.torch.rules import TORCH_RULES

SPATIAL = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def keras_cases(rule: LayerRule) -> Iterator[tuple[dict, tuple]]:
    """(arguments, input shape with symbols) pairs a model would really use."""
    family = rule.family.__name__
    rank = rule.rank
    spatial = tuple(Sym.symbol(n) for n in SPATIAL.get(rank, ()))
    channels_last = (None, *spatial, 3)
    if family in ("conv", "separable_conv"):
        for kernel, strides, padding, dilation in ((3, 1, "valid", 1), (5, 2, "valid", 1), (3, 2, "same", 1), (3, 1, "valid", 2)):
            yield {"filters": 8, "kernel_size": kernel, "strides": strides, "padding": padding, "dilation_rate": dilation}, channels_last
    elif family == "conv_lstm":
        for kernel, strides, padding, dilation, sequences in ((3, 1, "valid", 1, True), (5, 2, "valid", 1, False),
                                                              (3, 2, "same", 1, True), (3, 1, "valid", 2, False)):
            yield ({"filters": 8, "kernel_size": kernel, "strides": strides, "padding": padding, "dilation_rate": dilation,
                    "return_sequences": sequences}, (None, 5, *spatial, 3))
    elif family == "depthwise_conv":
        yield {"kernel_size": 3, "strides": 2}, channels_last
    elif family == "conv_transpose":
        for kernel, strides, padding in ((3, 2, "valid"), (4, 2, "same"), (3, 1, "valid")):
            yield {"filters": 4, "kernel_size": kernel, "strides": strides, "padding": padding}, channels_last
    elif family == "pool":
        for pool, strides, padding in ((2, None, "valid"), (3, 2, "valid"), (3, 2, "same")):
            yield {"pool_size": pool, "strides": strides, "padding": padding}, channels_last
    elif family in ("global_pool", "upsampling", "zero_padding", "same_shape") and rank:
        yield {}, channels_last
    elif family == "cropping":
        yield {"cropping": 2 if rank != 2 else ((1, 2), (2, 1))}, channels_last
    elif family in ("dense",):
        yield {"units": 10}, (None, Sym.symbol("L"), 16)
    elif family in ("flatten",):
        yield {}, (None, Sym.symbol("H"), Sym.symbol("W"), 3)
    elif family == "reshape":
        yield {"target_shape": (-1, 3)}, (None, Sym.symbol("H"), Sym.symbol("W"), 3)
    elif family == "rnn":
        yield {"units": 8, "return_sequences": True}, (None, Sym.symbol("L"), 5)
    elif family == "concatenate":
        yield {"axis": -1}, None


def torch_cases(rule: LayerRule) -> Iterator[tuple[dict, tuple]]:
    family = rule.family.__name__
    rank = rule.rank
    spatial = tuple(Sym.symbol(n) for n in SPATIAL.get(rank, ()))
    batch = Sym.symbol("N")
    if family == "torch_conv" and not rule.name.startswith("Lazy"):
        transposed = "Transpose" in rule.name
        for kernel, stride, padding, dilation in ((3, 1, 0, 1), (5, 2, 1, 1), (3, 1, 2, 2), (3, 2, 0, 1)):
            args = {"in_channels": 3, "out_channels": 8, "kernel_size": kernel, "stride": stride, "padding": padding, "dilation": dilation}
            if transposed:
                args["output_padding"] = 1 if stride > 1 else 0
            yield args, (batch, 3, *spatial)
    elif family == "torch_pool":
        for kernel, stride, padding, ceil in ((2, None, 0, False), (3, 2, 1, False), (3, 2, 0, True)):
            yield {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil}, (batch, 3, *spatial)
    elif family == "torch_linear" and not rule.name.startswith("Lazy"):
        yield {"in_features": 16, "out_features": 4}, (batch, 16)
    elif family == "torch_flatten":
        yield {}, (batch, 3, Sym.symbol("H"), Sym.symbol("W"))


def concrete_shape(shape: tuple, point: dict) -> tuple:
    return tuple(d.evaluate(point) if isinstance(d, Sym) else d for d in shape)


def value_at(dim: Dim, point: dict) -> Dim:
    return dim.evaluate(point) if isinstance(dim, Sym) else dim


def apply(rule: LayerRule, args: dict, shape: tuple):
    spec = LayerSpec(rule, rule.bind([], args), rule.name)
    return spec.rule.apply(spec.args, [shape])


def sample_points(count: int, seed: int) -> list[dict]:
    generator = random.Random(seed)
    small = [{n: s for n in ("H", "W", "D", "L", "N")} for s in range(1, 12)]
    return small + [{n: generator.randint(1, 200) for n in ("H", "W", "D", "L", "N")} for _ in range(count)]


CASES = [
    pytest.param(framework, name, args, shape, id=f"{framework}-{name}-{i}")
    for framework, table, cases in (("keras", RULES, keras_cases), ("torch", TORCH_RULES, torch_cases))
    for name, rule in sorted(table.items()) if name == rule.name
    for i, (args, shape) in enumerate(cases(rule)) if shape is not None
]


def test_every_windowed_rule_is_exercised() -> None:
    names = {case.values[1] for case in CASES}
    windowed = {name for name, rule in {**RULES, **TORCH_RULES}.items() if rule.window and name == rule.name}
    assert windowed <= names | {n for n in windowed if n.startswith("Lazy")}
    assert len(CASES) >= 80


@pytest.mark.parametrize(("framework", "name", "args", "shape"), CASES)
def test_the_symbolic_rule_agrees_with_every_concrete_size(framework: str, name: str, args: dict, shape: tuple) -> None:
    rule = (RULES if framework == "keras" else TORCH_RULES)[name]
    try:
        symbolic = apply(rule, args, shape)
        error = None
    except ShapeError as raised:
        symbolic, error = None, raised
    except UnknownArgument:
        pytest.fail("a typical argument set should be understood")
    for point in sample_points(30, hash(name) % 1000):
        concrete_input = concrete_shape(shape, point)
        try:
            concrete = apply(rule, args, concrete_input)
        except ShapeError:
            concrete = None
        if error is not None:
            assert concrete is None, f"{name}: symbolic error {error.message!r} but {concrete_input} works"
            continue
        satisfied = all(r.holds(point) for r in symbolic.requires)
        if any(d is None for d in symbolic.output):
            # a size the formula cannot give symbolically: its requirements need only be necessary
            assert satisfied or concrete is None
            continue
        assert satisfied == (concrete is not None), (
            f"{name} on {concrete_input}: requirements {[r.python() for r in symbolic.requires]} say "
            f"{'fits' if satisfied else 'fails'}, the rule {'fails' if concrete is None else 'fits'}")
        if concrete is not None:
            assert concrete_shape(symbolic.output, point) == concrete.output
            assert value_at(symbolic.params, point) == concrete.params
